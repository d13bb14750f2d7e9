"""Nudges: a pair that has not met for `nudge_days` past the cadence (default 7, 14, 21) is
reminded, both members; at `coordinator_queue_days` (28) the pairing joins the coordinators'
queue. docs/relationship.md ("Nudges") states the rule.

* Idempotent: each notice has a dedup key (pairing, kind, threshold, the day the count
  started, recipient) that the database keeps unique (`Notifications.add_once`), so cron
  running it twice, or two processes at once, write and send each notice once. A new held
  session moves the day the count starts, so the next lapse nudges again.
* A run that finds several thresholds passed (nobody ran it for weeks) sends the highest
  only: one reminder, not three at once.
* Every notice shows in the web app (unread until read); a member with an e-mail address
  also gets it by e-mail, through the outbox in the same transaction (`channel` email and
  `outbox_id`), delivered afterwards by `mail.deliver_outbox`."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

from companion.domain import Program
from companion.domain.clock import Clock, clock_or_system
from companion.domain.relationship import Channel, Notification, NotificationKind
from companion.errors import NotFoundError
from companion.services.health import PairingFacts, load_facts
from companion.store import (
    Database,
    Notifications,
    Outbox,
    ParticipantRepository,
    ProgramRepository,
)

log = logging.getLogger("companion.nudges")

COORDINATORS = "coordinators"  # the `to` of a coordinator-queue notice


@dataclass(frozen=True)
class Nudge:
    """One notice this run wrote (and sent)."""

    pairing_id: str
    to: str  # a participant id, or "coordinators"
    kind: NotificationKind
    threshold_days: int
    reason: str
    channel: Channel
    dedup_key: str

    def json(self) -> dict[str, Any]:
        return {"pairing_id": self.pairing_id, "to": self.to, "kind": self.kind.value,
                "threshold_days": self.threshold_days, "reason": self.reason,
                "channel": self.channel.value}


@dataclass(frozen=True)
class NudgeRun:
    program: str
    as_of: date
    nudges: list[Nudge]

    def json(self) -> dict[str, Any]:
        return {"program": self.program, "as_of": self.as_of.isoformat(),
                "nudges": [n.json() for n in self.nudges]}


@dataclass(frozen=True)
class _Due:
    facts: PairingFacts
    kind: NotificationKind
    threshold: int
    days_past: int

    def key(self, recipient: str) -> str:
        return (f"{self.facts.pairing.id}:{self.kind.value}:{self.threshold}:"
                f"{self.facts.since.isoformat()}:{recipient}")


def due_notices(facts: PairingFacts, program: Program, today: date) -> list[_Due]:
    """What a pairing is owed today: the highest nudge threshold passed, and the
    coordinators' queue once `coordinator_queue_days` have passed."""
    past = (today - facts.since).days - program.cadence_weeks * 7
    found: list[_Due] = []
    passed = [d for d in program.nudge_days if past >= d]
    if passed:
        found.append(_Due(facts, NotificationKind.nudge, passed[-1], past))
    if past >= program.coordinator_queue_days:
        found.append(_Due(facts, NotificationKind.coordinator_queue,
                          program.coordinator_queue_days, past))
    return found


def _reason(due: _Due, program: Program) -> str:
    since = "your last session" if due.facts.last_held else "your pairing was approved"
    if due.kind is NotificationKind.coordinator_queue:
        return (f"no session for {due.days_past + program.cadence_weeks * 7} days: "
                f"{due.days_past} days past the {program.cadence_weeks}-week cadence "
                f"(counted from {due.facts.since.isoformat()})")
    return (f"It has been {due.days_past + program.cadence_weeks * 7} days since {since} "
            f"({due.days_past} days past the program's {program.cadence_weeks}-week "
            "cadence): time to plan the next session.")


def run_nudges(db: Database, program: str, *, clock: Clock | None = None,
               by: str = "nudges") -> NudgeRun:
    """Write (once) and queue for e-mail every notice due today; the notices this call wrote
    are returned (a second run the same day returns none)."""
    now = clock_or_system(clock).now()
    today = now.date()
    written: list[Nudge] = []
    with db.session(write=True) as session:
        programs = ProgramRepository(session)
        row, model = programs.row(program), programs.get(program)
        facts = load_facts(session, row, model, today)
        dues = [d for f in facts for d in due_notices(f, model, today)]
        if not dues:
            return NudgeRun(program, today, [])
        notices = Notifications(session, row)
        # one read of the keys already written, so a daily run over thousands of pairings
        # only tries the new ones (the unique key still decides between racing writers)
        known = notices.keys()
        owed = [(due, recipient, due.key(recipient or COORDINATORS)) for due in dues
                for recipient in ([None] if due.kind is NotificationKind.coordinator_queue
                                  else [due.facts.pairing.mentee_id,
                                        due.facts.pairing.mentor_id])]
        owed = [item for item in owed if item[2] not in known]
        if not owed:
            return NudgeRun(program, today, [])
        people = ParticipantRepository(session, row.id).by_ids(
            {recipient for _, recipient, _ in owed if recipient})
        wanted: list[tuple[_Due, str | None, Notification]] = []
        for due, recipient, key in owed:
            person = people.get(recipient) if recipient else None
            wanted.append((due, recipient, Notification(
                program=program, pairing_id=due.facts.pairing.id, recipient_id=recipient,
                kind=due.kind, threshold_days=due.threshold, reason=_reason(due, model),
                dedup_key=key, channel=Channel.email if person is not None and person.email
                else Channel.in_app)))
        # the database decides which writer wrote each key: only that one sends the e-mail
        mine = notices.add_many_once([n for _, _, n in wanted], at=now)
        mails: list[tuple[str, dict[str, str | None]]] = []
        for due, recipient, notice in wanted:
            if notice.dedup_key not in mine:
                continue  # another run wrote it first: theirs to send
            written.append(Nudge(due.facts.pairing.id, recipient or COORDINATORS, due.kind,
                                 due.threshold, notice.reason, notice.channel,
                                 notice.dedup_key))
            person = people.get(recipient) if recipient else None
            if person is not None and person.email:
                mails.append((notice.dedup_key, {
                    "to": person.email, "program": program,
                    "subject": f"{program}: time to plan your next mentoring session",
                    "body": f"Hello {person.name},\n\n{notice.reason}\n\nSign in to "
                            "Companion to schedule it.\n"}))
        ids = Outbox(session).add_many([m for _, m in mails], created_by=by)
        notices.link_outbox({key: oid for (key, _), oid in zip(mails, ids, strict=True)},
                            at=now)
    return NudgeRun(program, today, written)


#: One scheduled run at a time per process (across processes the dedup key decides).
_running = threading.Lock()


def run_all_programs(db: Database, *, clock: Clock | None = None) -> list[NudgeRun] | None:
    """`run_nudges` for every program (the scheduled task of `companion serve`); None when
    a run is still going in this process. A program that fails is logged and skipped."""
    if not _running.acquire(blocking=False):
        return None
    try:
        with db.session() as session:
            names = ProgramRepository(session).names()
        runs: list[NudgeRun] = []
        for name in names:
            try:
                runs.append(run_nudges(db, name, clock=clock))
            except NotFoundError:
                continue  # deleted meanwhile
            except Exception:
                log.exception("nudges for program %s failed; the next run tries again", name)
        return runs
    finally:
        _running.release()


__all__ = ["COORDINATORS", "Nudge", "NudgeRun", "due_notices", "run_all_programs",
           "run_nudges"]
