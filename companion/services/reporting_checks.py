"""The organisation's reporting tree after an import: keep the people manager ids point to
outside the program as organisation records, and flag live pairings the (new) reporting
lines forbid — a reorg that makes an active mentor their mentee's manager, or their
manager's manager, must not go unnoticed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from companion.domain import PairingStatus
from companion.domain.reporting import chain_of_command, outside_managers
from companion.matching.constraints import reporting_line_rule
from companion.store import (
    AuditLog,
    Database,
    OrgTree,
    PairingRepository,
    ParticipantRepository,
    ProgramRepository,
    Session,
    whole_tree,
)
from companion.store.tables import ProgramRow

#: Pairings that are still to happen or happening: a reporting line can still break them.
LIVE = (PairingStatus.pending, PairingStatus.approved, PairingStatus.active)


class BrokenPairing(NamedTuple):
    """A live pairing the reporting lines now forbid, and why (in a coordinator's words)."""

    pairing_id: str
    mentee_id: str
    mentor_id: str
    status: str
    why: str

    def as_dict(self) -> dict[str, Any]:
        return self._asdict()


class ReportingCheck(NamedTuple):
    """What checking a program's reporting tree found and did."""

    org_added: list[str]
    """Manager ids outside the program recorded now as organisation records."""
    broken: list[BrokenPairing]

    def warnings(self) -> list[str]:
        notes = []
        if self.org_added:
            shown = ", ".join(self.org_added[:10]) + (
                f" and {len(self.org_added) - 10} more" if len(self.org_added) > 10 else "")
            notes.append(f"{len(self.org_added)} manager id(s) are not participants ({shown}): "
                         "kept as organisation records for the reporting-line rule, never "
                         "matched. Import an organisation chart with their own managers so "
                         "the rule sees the whole line.")
        notes += [f"pairing {b.pairing_id} ({b.mentee_id} with {b.mentor_id}, {b.status}) "
                  f"now breaks the reporting-line rule: {b.why}. It cannot be approved; "
                  "end or reject it" for b in self.broken]
        return notes


def check_reporting_lines(session: Session, program: ProgramRow, *, actor: str
                          ) -> ReportingCheck:
    """In the caller's transaction (the import's): record managers outside the program, drop
    organisation records of people who are participants now (their own line wins), and
    flag (audit) every live pairing the whole reporting tree forbids."""
    participants = {pid: manager for pid, (_, manager)
                    in ParticipantRepository(session, program.id).hashes_and_managers().items()}
    tree = OrgTree(session, program.id)
    org = tree.managers()
    became = set(org) & set(participants)
    tree.remove(became)
    org = {pid: manager for pid, manager in org.items() if pid not in became}
    added = tree.add_missing(outside_managers(whole_tree(participants, org)))
    org.update(dict.fromkeys(added))
    broken = broken_pairings(session, program, whole_tree(participants, org))
    audit = AuditLog(session)
    for item in broken:
        audit.append(actor, "pairing.reporting_line_broken", "pairing", item.pairing_id,
                     program=program.name, detail={"mentee_id": item.mentee_id,
                                                   "mentor_id": item.mentor_id,
                                                   "status": item.status, "why": item.why})
    return ReportingCheck(added, broken)


def broken_pairings(session: Session, program: ProgramRow,
                    managers: Mapping[str, str | None]) -> list[BrokenPairing]:
    """Live pairings of `program` the reporting tree `managers` forbids."""
    found = []
    for pairing in PairingRepository(session, program).list(LIVE):
        mentee, mentor = pairing.mentee_id, pairing.mentor_id
        rule = reporting_line_rule(mentee, mentor, managers)
        if rule is not None:
            found.append(BrokenPairing(pairing.id, mentee, mentor, pairing.status.value,
                                       _why(mentee, mentor, rule, managers)))
    return found


def _why(mentee: str, mentor: str, rule: str, managers: Mapping[str, str | None]) -> str:
    if rule == "reports to them":
        up = _line([mentor, *chain_of_command(mentor, managers)], mentee)
        return f"{mentor} reports to {mentee} ({up})"
    up = _line([mentee, *chain_of_command(mentee, managers)], mentor)
    if rule == "their manager":
        return f"{mentor} is {mentee}'s manager ({up})"
    return f"{mentor} is above {mentee} in their reporting line ({up})"


def _line(chain: list[str], until: str) -> str:
    return " → ".join(chain[:chain.index(until) + 1])


def would_break(session: Session, program: ProgramRow, *,
                participants: Mapping[str, str | None] | None = None,
                org: Mapping[str, str | None] | None = None) -> list[BrokenPairing]:
    """Live pairings the reporting tree would forbid with `participants` (id -> manager id)
    laid over the stored participants and `org` over the stored organisation records: what
    `check_reporting_lines` would flag after an import of them (a dry run's preview; nothing
    is written). Managers outside the program that it would record have no manager yet, so
    they change no line and need no record here."""
    stored = ParticipantRepository(session, program.id).hashes_and_managers()
    people = {pid: manager for pid, (_, manager) in stored.items()}
    people.update(participants or {})
    records = {**OrgTree(session, program.id).managers(), **(org or {})}
    return broken_pairings(session, program, whole_tree(people, records))


def reporting_conflicts(db: Database, program: str) -> list[BrokenPairing]:
    """Live pairings the program's reporting tree forbids, read now (nothing written)."""
    with db.session() as session:
        row = ProgramRepository(session).row(program)
        return broken_pairings(session, row,
                               ParticipantRepository(session, row.id).managers())
