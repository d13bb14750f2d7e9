"""Nudges: a pair that has not met for `nudge_days` past the cadence (default 7, 14, 21) is
reminded, both members; at `coordinator_queue_days` (28) the pairing joins the coordinators'
queue. docs/relationship.md ("Nudges") states the rule.

* Idempotent: each notice has a dedup key (pairing, kind, threshold, the day the count
  started, recipient) that the database keeps unique (`Notifications.add_once`), so cron
  running it twice, or two processes at once, write and send each notice once. A new held
  session moves the day the count starts, so the next lapse nudges again.
* A run that finds several thresholds passed (nobody ran it for weeks) sends the highest
  only: one reminder, not three at once.
* Reminders too: each member's check-in when it falls due and is open (`checkin_due`, per
  check-in), and both members for a goal checkpoint due within `CHECKPOINT_DAYS` or overdue
  and not done (`checkpoint_due`, per checkpoint and goal version). The checkpoint's text is
  in the members' own notices and e-mails only; the run's report gives its date.
* Every notice shows in the web app (unread until read); a member with an e-mail address
  also gets it by e-mail, through the outbox in the same transaction (`channel` email and
  `outbox_id`), delivered afterwards by `mail.deliver_outbox`."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from companion.domain import Pairing, Program
from companion.domain.clock import Clock, clock_or_system
from companion.domain.relationship import (
    Channel,
    CheckinKind,
    Notification,
    NotificationKind,
)
from companion.errors import NotFoundError
from companion.services import checkins, goals
from companion.services.goals import DueCheckpoint
from companion.services.health import LIVE, PairingFacts, load_facts
from companion.store import (
    CheckinRepository,
    Database,
    Notifications,
    Outbox,
    PairingRepository,
    ParticipantRepository,
    ProgramRepository,
    Session,
)
from companion.store.tables import ProgramRow

log = logging.getLogger("companion.nudges")

COORDINATORS = "coordinators"  # the `to` of a coordinator-queue notice
#: A goal checkpoint is reminded this many days before it falls due (or once it is overdue).
CHECKPOINT_DAYS = 7


@dataclass(frozen=True)
class Nudge:
    """One notice this run wrote (and sent)."""

    pairing_id: str
    to: str  # a participant id, or "coordinators"
    kind: NotificationKind
    threshold_days: int | None  # nudges and the queue; None for the reminders
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


@dataclass(frozen=True)
class _Owed:
    """One notice owed to one recipient (None: the coordinators' queue)."""

    pairing_id: str
    recipient: str | None
    kind: NotificationKind
    threshold: int | None
    reason: str
    key: str
    subject: str
    action: str  # the e-mail's last line
    summary: str | None = None  # what the run reports, when `reason` is for the recipient only


def _checkin_reason(kind: CheckinKind, due_on: date, today: date) -> str:
    what = ("the closing survey of your mentoring pairing (how it went, and whether you "
            "would recommend the program)" if kind is CheckinKind.closing else
            "your check-in: how the mentoring relationship is going (a rating from 1 to 5, "
            "how often you meet, a comment if you like)")
    late = (today - due_on).days
    when = (f"due today ({due_on.isoformat()})" if late <= 0 else
            f"due since {due_on.isoformat()} ({late} days ago)")
    return f"Please answer {what}, {when}. It takes a minute."


def _checkpoint_reason(point: DueCheckpoint) -> str:
    if point.days_until < 0:
        when = f"was due on {point.due_on.isoformat()} ({-point.days_until} days ago)"
    elif point.days_until == 0:
        when = f"is due today ({point.due_on.isoformat()})"
    else:
        when = f"is due on {point.due_on.isoformat()} (in {point.days_until} days)"
    return f"A checkpoint of your goal {when}: \u201c{point.check}\u201d. Mark it done " \
           "when it is, or talk it over at your next session."


def _checkpoint_summary(point: DueCheckpoint) -> str:
    """The run's report of a checkpoint reminder: the date, not the pair's text."""
    when = (f"{-point.days_until} days overdue" if point.days_until < 0 else
            f"in {point.days_until} days")
    return f"goal checkpoint due on {point.due_on.isoformat()} ({when})"


def _checkins_owed(session: Session, row: ProgramRow, model: Program, pairings: list[Pairing],
                   today: date, now: datetime) -> list[_Owed]:
    """Write the check-ins due (batched) and remind each person of their current one —
    the latest pulse and the closing survey due — while it is open: run daily, every
    check-in once, on the day it falls due (answering the latest never brings up an
    older, missed one). A closed pairing's members are reminded of the closing survey only."""
    _, current = checkins.ensure_due_in(session, row, model, today, now, pairings=pairings)
    status = {p.id: p.status for p in pairings}
    latest: dict[tuple[str, str, CheckinKind], tuple[int, date]] = {}
    for checkin_id, pairing_id, who, kind, due_on in CheckinRepository(session, row
                                                                       ).open_due(today):
        if (pairing_id, who, kind, due_on) not in current:
            continue
        if kind is CheckinKind.pulse and status.get(pairing_id) not in LIVE:
            continue
        latest[(pairing_id, who, kind)] = (checkin_id, due_on)
    owed = []
    for (pairing_id, who, kind), (checkin_id, due_on) in latest.items():
        owed.append(_Owed(pairing_id, who, NotificationKind.checkin_due, None,
                          _checkin_reason(kind, due_on, today),
                          f"{pairing_id}:checkin_due:{checkin_id}:{who}",
                          f"{model.name}: your mentoring "
                          f"{'closing survey' if kind is CheckinKind.closing else 'check-in'}"
                          " is due", "Sign in to Companion and open Check-ins to answer."))
    return owed


def _checkpoints_owed(session: Session, row: ProgramRow, model: Program,
                      pairings: list[Pairing], today: date) -> list[_Owed]:
    """Both members, once per open checkpoint of a current goal due within
    `CHECKPOINT_DAYS` or overdue (per goal version: a readjusted goal reminds again)."""
    live = {p.id: p for p in pairings if p.status in LIVE}
    owed = []
    for point in goals.due_checkpoints_in(session, row, today, within_days=CHECKPOINT_DAYS,
                                          live=live):
        for who in (point.mentee_id, point.mentor_id):
            owed.append(_Owed(point.pairing_id, who, NotificationKind.checkpoint_due, None,
                              _checkpoint_reason(point),
                              f"{point.pairing_id}:checkpoint_due:{point.goal_id}:"
                              f"v{point.goal_version}:{point.checkpoint_id}:{who}",
                              f"{model.name}: a goal checkpoint is due",
                              "Sign in to Companion and open Goals.",
                              summary=_checkpoint_summary(point)))
    return owed


def run_nudges(db: Database, program: str, *, clock: Clock | None = None,
               by: str = "nudges") -> NudgeRun:
    """Write (once) and queue for e-mail every notice due today — nudges, the coordinators'
    queue, check-in and checkpoint reminders; the notices this call wrote are returned (a
    second run the same day returns none)."""
    now = clock_or_system(clock).now()
    today = now.date()
    written: list[Nudge] = []
    with db.session(write=True) as session:
        programs = ProgramRepository(session)
        row, model = programs.row(program), programs.get(program)
        pairings = PairingRepository(session, row).list()
        facts = load_facts(session, row, model, today,
                           pairings=[p for p in pairings if p.status in LIVE])
        owed: list[_Owed] = []
        for due in (d for f in facts for d in due_notices(f, model, today)):
            for recipient in ([None] if due.kind is NotificationKind.coordinator_queue
                              else [due.facts.pairing.mentee_id, due.facts.pairing.mentor_id]):
                owed.append(_Owed(due.facts.pairing.id, recipient, due.kind, due.threshold,
                                  _reason(due, model), due.key(recipient or COORDINATORS),
                                  f"{program}: time to plan your next mentoring session",
                                  "Sign in to Companion to schedule it."))
        owed += _checkins_owed(session, row, model, pairings, today, now)
        owed += _checkpoints_owed(session, row, model, pairings, today)
        if not owed:
            return NudgeRun(program, today, [])
        notices = Notifications(session, row)
        # one read of the keys already written, so a daily run over thousands of pairings
        # only tries the new ones (the unique key still decides between racing writers)
        known = notices.keys()
        owed = [item for item in owed if item.key not in known]
        if not owed:
            return NudgeRun(program, today, [])
        people = ParticipantRepository(session, row.id).by_ids(
            {item.recipient for item in owed if item.recipient})
        wanted: list[tuple[_Owed, Notification]] = []
        for item in owed:
            person = people.get(item.recipient) if item.recipient else None
            wanted.append((item, Notification(
                program=program, pairing_id=item.pairing_id, recipient_id=item.recipient,
                kind=item.kind, threshold_days=item.threshold, reason=item.reason,
                dedup_key=item.key, channel=Channel.email if person is not None and
                person.email else Channel.in_app)))
        # the database decides which writer wrote each key: only that one sends the e-mail
        mine = notices.add_many_once([n for _, n in wanted], at=now)
        mails: list[tuple[str, dict[str, str | None]]] = []
        for item, notice in wanted:
            if notice.dedup_key not in mine:
                continue  # another run wrote it first: theirs to send
            written.append(Nudge(item.pairing_id, item.recipient or COORDINATORS, item.kind,
                                 item.threshold, item.summary or notice.reason,
                                 notice.channel, notice.dedup_key))
            person = people.get(item.recipient) if item.recipient else None
            if person is not None and person.email:
                mails.append((notice.dedup_key, {
                    "to": person.email, "program": program, "subject": item.subject,
                    "body": f"Hello {person.name},\n\n{notice.reason}\n\n{item.action}\n"}))
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
