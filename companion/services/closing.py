"""Closing a mentoring relationship: ending a pairing with a reason, and withdrawing a
participant from a program (issue 14).

Who may end a pairing, and with which reason:

* The program's coordinators (the host's, or a partner organisation's for a pairing of
  their own people) and admins end an approved or active pairing with any reason at any
  time: `completed` (the relationship ran its course: normally in the program's completion
  phase), `no_fault` (it did not work out, no blame recorded) or `withdrawn` (a member left
  the program; `withdraw` records that with the person).
* Either member of the pair may leave on their own with `no_fault` during the trial period:
  from approval until more than the program's `trial_sessions` sessions have been held (so
  the no-fault exit is still open right after the last trial session, the usual moment to
  decide). After it, ending needs a coordinator: the member is told so (403). A member
  never ends a pairing as `completed` or `withdrawn` (a coordinator's call).

Ending closes the pairing (`closed`, `ended_at`, `end_reason`, `end_note`, `ended_by`) and
cancels its sessions still to come in the same transaction; a closed pair is never suggested
nor assigned again (`services.matching` treats it like a rejected one), and the mentee can be
matched anew. Every write checks the pairing's version (409 when stale) and lands in the
audit log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from companion.domain import Pairing, PairingStatus
from companion.domain.clock import Clock, clock_or_system
from companion.domain.relationship import EndReason
from companion.errors import (
    BadInputError,
    ConflictError,
    NotFoundError,
    StaleVersionError,
    forbidden,
    hidden,
)
from companion.services.access import access_to
from companion.services.pairing_views import view, visible_pairing
from companion.services.sessions import cancel_future
from companion.services.tokens import Principal
from companion.store import (
    AuditLog,
    Database,
    PairingRepository,
    ParticipantRepository,
    ProgramRepository,
    Session,
)
from companion.store.relationship import SessionRepository
from companion.store.tables import ProgramRow

#: Pairings that can end (a pending proposal is rejected instead).
ENDABLE = (PairingStatus.approved, PairingStatus.active)
NOTE_MAX = 2000
REASONS = tuple(r.value for r in EndReason)


def parse_reason(reason: str | EndReason | None) -> EndReason:
    try:
        return EndReason(str(reason.value if isinstance(reason, EndReason) else reason))
    except ValueError:
        raise BadInputError(f"reason must be one of {', '.join(REASONS)}, not '{reason}'",
                            field="reason") from None


def _note(note: str | None) -> str | None:
    note = (note or "").strip() or None
    if note is not None and len(note) > NOTE_MAX:
        raise BadInputError(f"note is {len(note)} characters; at most {NOTE_MAX}",
                            field="note")
    return note


@dataclass(frozen=True)
class TrialState:
    """Where a pairing stands in its trial period."""

    held: int
    trial_sessions: int

    @property
    def open(self) -> bool:
        """The no-fault exit is open to the pair (up to and right after the last trial
        session)."""
        return self.held <= self.trial_sessions


def trial_state(db: Database, pairing_id: str) -> TrialState:
    with db.session() as session:
        program = PairingRepository.of_pairing(session, pairing_id).program
        return _trial(session, program, pairing_id)


def _trial(session: Session, program: ProgramRow, pairing_id: str) -> TrialState:
    held = SessionRepository(session, program).held_counts([pairing_id]).get(pairing_id, 0)
    model = ProgramRepository(session).get(program.name)
    return TrialState(held, model.trial_sessions)


def end(db: Database, pairing_id: str, reason: str | EndReason, *, by: str,
        version: int | None = None, note: str | None = None, member: bool = False,
        clock: Clock | None = None) -> Pairing:
    """Close an approved or active pairing with `reason`, cancelling its future sessions in
    the same transaction. `member`: the one ending it is a member of the pair (then only the
    no-fault exit of the trial period is theirs). `version` None: the current one (CLI)."""
    why = parse_reason(reason)
    note = _note(note)
    if member and why is not EndReason.no_fault:
        raise forbidden(f"a member of the pair may only leave with reason no_fault (during the "
                        f"trial period); ending as '{why.value}' is the coordinator's")
    at = clock_or_system(clock).now()
    with db.session(write=True) as session:
        repo = PairingRepository.of_pairing(session, pairing_id)
        program = repo.program
        current = repo.get(pairing_id)
        expected = current.version if version is None else version
        if expected != current.version:
            raise StaleVersionError(
                f"pairing '{pairing_id}' is at version {current.version}, not "
                f"{expected} ({current.status}); reload and decide again")
        if current.status not in ENDABLE:
            hint = " (reject a pending one instead)" if current.status is \
                PairingStatus.pending else ""
            raise ConflictError(f"cannot end pairing '{pairing_id}': it is {current.status} "
                                f"(only approved or active pairings can end){hint}")
        trial = _trial(session, program, pairing_id)
        if member and not trial.open:
            raise forbidden(
                f"the no-fault exit closed after the trial period ({trial.held} sessions held, "
                f"the trial is {trial.trial_sessions}): ask your coordinator to end the "
                "pairing", program=program.name)
        ended = repo.end(pairing_id, expected_version=expected, reason=why.value, by=by,
                         at=at, note=note)
        cancelled = cancel_future(session, program, pairing_id, by=by, at=at,
                                  reason=f"pairing ended ({why.value})")
        AuditLog(session).append(by, "pairing.end", "pairing", pairing_id,
                                 program=program.name, detail={
                                     "mentee_id": current.mentee_id,
                                     "mentor_id": current.mentor_id,
                                     "from": current.status.value, "reason": why.value,
                                     "by_member": member, "held_sessions": trial.held,
                                     "cancelled_sessions": [s.id for s in cancelled],
                                     "version": ended.version})
    return ended


def end_as(db: Database, principal: Principal, pairing_id: str, reason: str | EndReason, *,
           version: int | None, note: str | None = None, clock: Clock | None = None
           ) -> dict[str, Any]:
    """End a pairing the principal may see: coordinators with any reason, a member of the
    pair with the no-fault exit during the trial period; anyone else: hidden (404)."""
    seen = visible_pairing(db, principal, pairing_id)
    access = seen.access
    member = (not access.coordinator and not access.admin
              and access.me in (seen.pairing.mentee_id, seen.pairing.mentor_id))
    if not (member or access.coordinator or access.admin):
        raise forbidden("only the pair (no-fault exit, trial period) and coordinators end "
                        "a pairing", program=access.program.name)
    ended = end(db, pairing_id, reason, by=access.reviewer_name, version=version, note=note,
                member=member, clock=clock)
    return view(access, ended, seen.people)


@dataclass(frozen=True)
class Withdrawal:
    """A participant's withdrawal: when, and the pairings it closed or turned down."""

    program: str
    participant_id: str
    withdrawn_at: datetime
    already: bool
    ended: list[Pairing] = field(default_factory=list)
    rejected: list[Pairing] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        return {"program": self.program, "participant_id": self.participant_id,
                "withdrawn_at": self.withdrawn_at.isoformat(), "already_withdrawn":
                self.already,
                "ended": [p.model_dump(mode="json") for p in self.ended],
                "rejected": [p.model_dump(mode="json") for p in self.rejected]}


def withdraw(db: Database, program: str, participant_id: str, *, by: str,
             reason: str | None = None, clock: Clock | None = None) -> Withdrawal:
    """Withdraw a participant: their approved and active pairings end (reason `withdrawn`,
    future sessions cancelled), their pending proposals are rejected, and they are never
    matched again. Withdrawing again changes nothing (`already`)."""
    note = _note(reason)
    at = clock_or_system(clock).now()
    with db.session(write=True) as session:
        row = ProgramRepository(session).row(program)
        people = ParticipantRepository(session, row.id)
        try:
            people.get(participant_id)
        except NotFoundError:
            raise NotFoundError(f"no participant '{participant_id}' in {program}") from None
        people.lock([participant_id])
        first = people.withdraw(participant_id, at=at)
        when = people.withdrawn()[participant_id]
        repo = PairingRepository(session, row)
        mine = repo.live_of([participant_id]) + repo.live_of(mentor_ids=[participant_id])
        ended, rejected = [], []
        log = AuditLog(session)
        for pairing in {p.id: p for p in mine}.values():
            if pairing.status in ENDABLE:
                ended.append(repo.end(pairing.id, expected_version=pairing.version,
                                      reason=EndReason.withdrawn.value, by=by, at=at,
                                      note=note or f"{participant_id} withdrew"))
                cancelled = cancel_future(session, row, pairing.id, by=by, at=at,
                                          reason="pairing ended (withdrawn)")
                log.append(by, "pairing.end", "pairing", pairing.id, program=program, detail={
                    "mentee_id": pairing.mentee_id, "mentor_id": pairing.mentor_id,
                    "from": pairing.status.value, "reason": EndReason.withdrawn.value,
                    "withdrawn": participant_id,
                    "cancelled_sessions": [s.id for s in cancelled]})
            elif pairing.status is PairingStatus.pending:
                rejected.append(repo.decide(pairing.id, expected_version=pairing.version,
                                            status=PairingStatus.rejected, by=by,
                                            note=f"{participant_id} withdrew"))
        if first:
            log.append(by, "participant.withdraw", "participant", participant_id,
                       program=program, detail={"reason": note,
                                                "ended": [p.id for p in ended],
                                                "rejected": [p.id for p in rejected]})
    return Withdrawal(program, participant_id, when, not first, ended, rejected)


def withdraw_as(db: Database, principal: Principal, program: str, participant_id: str, *,
                reason: str | None = None, clock: Clock | None = None) -> Withdrawal:
    """Coordinators withdraw participants (a partner organisation's: their own people)."""
    access = access_to(db, principal, program)
    access.require_coordinator("withdraw participants")
    if access.partner_coordinator:
        from companion.services.access import people_of

        person = people_of(db, program, [participant_id]).get(participant_id)
        if not access.own_org(person):
            raise hidden(f"participant '{participant_id}' in {program}",
                         reason="another organisation's participant", program=program)
    return withdraw(db, program, participant_id, by=access.reviewer_name, reason=reason,
                    clock=clock)


__all__ = ["ENDABLE", "REASONS", "TrialState", "Withdrawal", "end", "end_as", "parse_reason",
           "trial_state", "withdraw", "withdraw_as"]
