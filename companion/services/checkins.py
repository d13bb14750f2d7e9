"""Check-ins (issue 14): a short pulse survey per person of a pairing (relationship rating
1–5, meetings per month, free text) on the program's schedule, and a closing survey (rating,
recommend 0–10, free text) at the end of the pairing or the program. docs/relationship.md.

* **Schedule.** Pulses fall due `checkin_first_days` after the pairing's approval, then every
  `checkin_every_days`, while the pairing is live (and not after it closed or the program
  ended). `due_checkins` writes, for each member, the latest pulse due by the clock's date —
  run daily (the nudges do), that is every pulse; an older unanswered one stays open and may
  still be answered late. The closing survey falls due on the day the pairing closed, or on
  the program's last day for a pairing still live then. Writing is idempotent
  (`CheckinRepository.ensure_due`, a unique key): any number of runs, one check-in.
* **Answering.** Only the person a check-in belongs to answers it, once; late is fine.
* **Privacy.** Coordinators see aggregates only: per program, per department and per
  organisation of the respondents — responses, respondents, mean rating, mean meetings per
  month, mean recommend — and a group with fewer than `MIN_GROUP` (3) respondents shows its
  count and nothing else. When suppressing one group of a breakdown would let its answers be
  read off the program total, the next smallest group is suppressed too. Free text is shown
  to coordinators as an unattributed list per program (sorted, no names, no dates) once at
  least 3 people answered, never per person. Which check-ins are overdue (who, due when —
  never what anyone said) is listed for them to follow up."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from companion.domain import PairingStatus, Participant, Program
from companion.domain.clock import Clock, clock_or_system
from companion.domain.program import add_months
from companion.domain.records import Pairing
from companion.domain.relationship import Checkin, CheckinKind
from companion.errors import BadInputError, NotFoundError, forbidden, hidden
from companion.services.paging import Page, PageRequest, key_part, paginate
from companion.services.tokens import Principal
from companion.store import (
    AuditLog,
    CheckinRepository,
    Database,
    PairingRepository,
    ParticipantRepository,
    ProgramRepository,
    Session,
)
from companion.store.tables import ProgramRow

#: Fewer respondents than this in a group: its answers are not shown.
MIN_GROUP = 3
#: A check-in open this many days after it fell due is overdue.
OVERDUE_AFTER_DAYS = 7
COMMENT_MAX = 2000
LIVE = (PairingStatus.approved, PairingStatus.active)


# -- schedule -----------------------------------------------------------------------------

def pulse_dates(approved_on: date, first_days: int, every_days: int, until: date
                ) -> list[date]:
    """Every pulse due date from approval up to `until` (inclusive)."""
    found, due = [], approved_on + timedelta(days=first_days)
    while due <= until:
        found.append(due)
        due += timedelta(days=every_days)
    return found


@dataclass(frozen=True)
class DueReport:
    """What `due_checkins` found: the check-ins due and open, and how many it wrote now."""

    created: int
    open: list[Checkin]

    def json(self) -> dict[str, Any]:
        return {"created": self.created, "open": [checkin_json(c) for c in self.open]}


def checkin_json(checkin: Checkin, *, answers: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": checkin.id, "program": checkin.program, "pairing_id": checkin.pairing_id,
        "participant_id": checkin.participant_id, "kind": checkin.kind.value,
        "due_on": checkin.due_on.isoformat(), "submitted": checkin.submitted_at is not None,
        "submitted_at": checkin.submitted_at.isoformat() if checkin.submitted_at else None}
    if answers:
        data.update(rating=checkin.rating, meetings_per_month=checkin.meetings_per_month,
                    recommend=checkin.recommend, text=checkin.comment)
    return data


def _due_for(pairing: Pairing, first: int, every: int, program_end: date, today: date
             ) -> list[tuple[CheckinKind, date]]:
    if pairing.approved_at is None:
        return []
    approved_on = pairing.approved_at.date()
    ended_on = pairing.ended_at.date() if pairing.ended_at is not None else None
    if pairing.status in LIVE:
        last = min(today, program_end)
    elif pairing.status is PairingStatus.closed and ended_on is not None:
        last = min(today, ended_on, program_end)
    else:
        return []
    due: list[tuple[CheckinKind, date]] = []
    pulses = pulse_dates(approved_on, first, every, last)
    if pulses:
        due.append((CheckinKind.pulse, pulses[-1]))
    closing_on = ended_on if ended_on is not None else program_end
    closing_on = min(closing_on, program_end)
    if closing_on <= today and (pairing.status is PairingStatus.closed or today >= program_end):
        due.append((CheckinKind.closing, closing_on))
    return due


def ensure_due_in(session: Session, row: ProgramRow, model: Program, today: date,
                  now: datetime, *, pairings: Iterable[Pairing] | None = None,
                  participant_id: str | None = None
                  ) -> tuple[int, set[tuple[str, str, CheckinKind, date]]]:
    """Inside the caller's transaction: write the check-ins due by `today` that are not
    written yet (all pairings', or one person's), in a few batched INSERTs. Returns how
    many were created and the current ones (pairing, participant, kind, due_on): each
    member's latest pulse and closing survey due — what `nudges run` reminds of."""
    program_end = add_months(model.start_date, model.months) - timedelta(days=1)
    repo = CheckinRepository(session, row)
    if pairings is None:
        pairings = PairingRepository(session, row).list()
    wanted: list[tuple[str, str, CheckinKind, date]] = []
    for pairing in pairings:
        members = [pid for pid in (pairing.mentee_id, pairing.mentor_id)
                   if participant_id in (None, pid)]
        if not members:
            continue
        for kind, due_on in _due_for(pairing, model.checkin_first_days,
                                     model.checkin_every_days, program_end, today):
            wanted.extend((pairing.id, pid, kind, due_on) for pid in members)
    if not wanted:
        return 0, set()
    known = repo.keys()  # a daily run: only the new ones are inserted (the key decides races)
    missing = [w for w in wanted if (w[0], w[1], w[2].value, w[3]) not in known]
    return (repo.ensure_due_many(missing, at=now) if missing else 0), set(wanted)


def due_checkins(db: Database, program: str, clock: Clock | None = None, *,
                 participant_id: str | None = None) -> DueReport:
    """Write the check-ins due by the clock's date (idempotently) and list the open ones;
    with `participant_id`, only that person's (what their check-ins page does)."""
    now_clock = clock_or_system(clock)
    now, today = now_clock.now(), now_clock.today()
    with db.session(write=True) as session:
        programs = ProgramRepository(session)
        row, model = programs.row(program), programs.get(program)
        created, _ = ensure_due_in(session, row, model, today, now,
                                   participant_id=participant_id)
        still_open = CheckinRepository(session, row).list(submitted=False,
                                                          participant_id=participant_id)
    return DueReport(created, [c for c in still_open if c.due_on <= today])


# -- answering ----------------------------------------------------------------------------

def _number(value: Any, name: str, low: float, high: float, *, whole: bool) -> Any:
    if value is None:
        return None
    try:
        number = int(value) if whole and not isinstance(value, float) else float(value)
    except (TypeError, ValueError):
        raise BadInputError(f"{name} must be a number from {low:g} to {high:g}; got "
                            f"'{value}'", field=name) from None
    if whole and isinstance(value, float) and not value.is_integer():
        raise BadInputError(f"{name} must be a whole number from {low:g} to {high:g}",
                            field=name)
    if not low <= number <= high:
        raise BadInputError(f"{name} must be from {low:g} to {high:g}; got {value}",
                            field=name)
    return int(number) if whole else number


def get_checkin(db: Database, checkin_id: int) -> Checkin:
    with db.session() as session:
        programs = ProgramRepository(session)
        for name in programs.names():
            try:
                return CheckinRepository(session, programs.row(name)).get(checkin_id)
            except NotFoundError:
                continue
    raise NotFoundError(f"no check-in {checkin_id}")


def submit_checkin(db: Database, checkin_id: int, *, by: str | None, rating: Any,
                   meetings_per_month: Any = None, recommend: Any = None,
                   text: str | None = None, clock: Clock | None = None) -> Checkin:
    """Answer a check-in (once; late is fine). `by`: the person answering, who must be the
    one it belongs to; None: the local operator (the CLI) on that person's behalf. A pulse
    needs `rating` and `meetings_per_month`, a closing survey `rating` and `recommend`."""
    now = clock_or_system(clock).now()
    checkin = get_checkin(db, checkin_id)
    if by is not None and by != checkin.participant_id:
        raise forbidden("a check-in is answered by the person it belongs to",
                        program=checkin.program)
    score = _number(rating, "rating", 1, 5, whole=True)
    if score is None:
        raise BadInputError("rating (1–5) is required", field="rating")
    meetings = _number(meetings_per_month, "meetings_per_month", 0, 31, whole=False)
    promoter = _number(recommend, "recommend", 0, 10, whole=True)
    if checkin.kind is CheckinKind.pulse and meetings is None:
        raise BadInputError("meetings_per_month is required (0 or more)",
                            field="meetings_per_month")
    if checkin.kind is CheckinKind.closing and promoter is None:
        raise BadInputError("recommend (0–10) is required in the closing survey",
                            field="recommend")
    comment = (text or "").strip() or None
    if comment is not None and len(comment) > COMMENT_MAX:
        raise BadInputError(f"text is {len(comment)} characters long; at most {COMMENT_MAX}",
                            field="text")
    if comment is not None and "\x00" in comment:
        raise BadInputError("text contains a NUL character", field="text")
    with db.session(write=True) as session:
        row = ProgramRepository(session).row(checkin.program)
        done = CheckinRepository(session, row).submit(
            checkin_id, at=now, rating=score, meetings_per_month=meetings,
            recommend=promoter, comment=comment)
        AuditLog(session).append(by or checkin.participant_id, "checkin.submit", "checkin",
                                 str(checkin_id), program=checkin.program,
                                 detail={"kind": checkin.kind.value,
                                         "late": done.submitted_at is not None
                                         and done.submitted_at.date() > checkin.due_on})
    return done


def list_checkins(db: Database, *, program: str | None = None,
                  participant_id: str | None = None, submitted: bool | None = None
                  ) -> list[Checkin]:
    with db.session() as session:
        programs = ProgramRepository(session)
        names = [program] if program is not None else programs.names()
        found: list[Checkin] = []
        for name in names:
            found += CheckinRepository(session, programs.row(name)).list(
                participant_id=participant_id, submitted=submitted)
    return sorted(found, key=lambda c: (c.due_on, c.id or 0))


# -- what coordinators see ----------------------------------------------------------------

@dataclass(frozen=True)
class GroupScore:
    """Answers of one group. `suppressed`: fewer than MIN_GROUP respondents (or hiding one
    such group from the total), so only the counts are shown."""

    group: str
    responses: int
    respondents: int
    suppressed: bool
    mean_rating: float | None = None
    mean_meetings: float | None = None
    mean_recommend: float | None = None

    def json(self) -> dict[str, Any]:
        return {"group": self.group, "responses": self.responses,
                "respondents": self.respondents, "suppressed": self.suppressed,
                "mean_rating": self.mean_rating, "mean_meetings": self.mean_meetings,
                "mean_recommend": self.mean_recommend}


@dataclass(frozen=True)
class Overdue:
    """An unanswered check-in past its grace period: who and when, never an answer."""

    checkin_id: int
    participant_id: str
    name: str | None
    pairing_id: str
    kind: str
    due_on: date
    days_overdue: int

    def json(self) -> dict[str, Any]:
        return {"checkin_id": self.checkin_id, "participant_id": self.participant_id,
                "name": self.name, "pairing_id": self.pairing_id, "kind": self.kind,
                "due_on": self.due_on.isoformat(), "days_overdue": self.days_overdue}


@dataclass(frozen=True)
class CheckinSummary:
    program: str
    overall: GroupScore
    by_department: list[GroupScore]
    by_organization: list[GroupScore]
    comments: list[str] | None  # None: fewer than MIN_GROUP respondents
    open: int
    overdue: list[Overdue] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        return {"program": self.program, "min_group": MIN_GROUP,
                "overall": self.overall.json(),
                "by_department": [g.json() for g in self.by_department],
                "by_organization": [g.json() for g in self.by_organization],
                "comments": self.comments, "open": self.open,
                "overdue": [o.json() for o in self.overdue]}


def _mean(values: Iterable[float | int | None]) -> float | None:
    present = [float(v) for v in values if v is not None]
    return round(sum(present) / len(present), 2) if present else None


def _score(group: str, answers: list[Checkin], hide: bool = False) -> GroupScore:
    respondents = len({a.participant_id for a in answers})
    if hide or respondents < MIN_GROUP:
        return GroupScore(group, len(answers), respondents, True)
    return GroupScore(group, len(answers), respondents, False,
                      _mean(a.rating for a in answers),
                      _mean(a.meetings_per_month for a in answers),
                      _mean(a.recommend for a in answers))


def _breakdown(answers: list[Checkin], key: Any, overall_shown: bool) -> list[GroupScore]:
    groups: dict[str, list[Checkin]] = {}
    for answer in answers:
        groups.setdefault(key(answer) or "(none)", []).append(answer)
    scores = {name: _score(name, rows) for name, rows in groups.items()}
    # complementary suppression: the hidden groups together must not be readable off the
    # program total as "total minus the groups shown"
    while overall_shown:
        hidden_count = sum(s.respondents for s in scores.values() if s.suppressed)
        shown = sorted((s for s in scores.values() if not s.suppressed),
                       key=lambda s: (s.respondents, s.group))
        if hidden_count == 0 or hidden_count >= MIN_GROUP or not shown:
            break
        smallest = shown[0].group
        scores[smallest] = _score(smallest, groups[smallest], hide=True)
    return sorted(scores.values(), key=lambda s: s.group)


def summary(db: Database, program: str, clock: Clock | None = None, *,
            people_filter: Any = None) -> CheckinSummary:
    """The program's check-in answers in aggregate, and who is overdue (see the module).
    `people_filter(participant) -> bool` narrows to some people (a partner's own)."""
    today = clock_or_system(clock).today()
    with db.session() as session:
        row = ProgramRepository(session).row(program)
        checkins = CheckinRepository(session, row).list()
        people = ParticipantRepository(session, row.id).by_ids(
            {c.participant_id for c in checkins})
    if people_filter is not None:
        checkins = [c for c in checkins if people_filter(people.get(c.participant_id))]
    answers = [c for c in checkins if c.submitted_at is not None]

    def attr(name: str) -> Any:
        def read(c: Checkin) -> str | None:
            person: Participant | None = people.get(c.participant_id)
            return getattr(person, name) if person is not None else None
        return read

    overall = _score("program", answers)
    comments = None
    if not overall.suppressed:
        comments = sorted(c.comment for c in answers if c.comment)
    open_ = [c for c in checkins if c.submitted_at is None and c.due_on <= today]
    overdue = [Overdue(c.id or 0, c.participant_id,
                       people[c.participant_id].name if c.participant_id in people else None,
                       c.pairing_id, c.kind.value, c.due_on, (today - c.due_on).days)
               for c in open_ if (today - c.due_on).days > OVERDUE_AFTER_DAYS]
    return CheckinSummary(program, overall,
                          _breakdown(answers, attr("department"), not overall.suppressed),
                          _breakdown(answers, attr("organization"), not overall.suppressed),
                          comments, len(open_), overdue)


# -- as a principal may ---------------------------------------------------------------------

def mine_as(db: Database, principal: Principal, program: str,
            clock: Clock | None = None) -> list[Checkin]:
    """The caller's own check-ins, those due by now written first (answers included: they
    are theirs)."""
    from companion.services.access import access_to

    access = access_to(db, principal, program)
    due_checkins(db, program, clock, participant_id=access.me)  # idempotent
    return list_checkins(db, program=program, participant_id=access.me)


def mine_page(db: Database, principal: Principal, program: str, request: PageRequest, *,
              clock: Clock | None = None) -> Page[Checkin]:
    """`mine_as`, by due date, a page at a time."""
    return paginate(mine_as(db, principal, program, clock),
                    lambda c: (key_part(c.due_on.isoformat()), c.id or 0), request,
                    scope=f"checkins|{program}")


def submit_as(db: Database, principal: Principal, checkin_id: int, *, rating: Any,
              meetings_per_month: Any = None, recommend: Any = None,
              text: str | None = None, clock: Clock | None = None) -> Checkin:
    try:
        checkin = get_checkin(db, checkin_id)
    except NotFoundError:
        raise hidden(f"check-in {checkin_id}", reason="no such check-in") from None
    if principal.participant_id != checkin.participant_id or (
            principal.program not in (None, checkin.program)):
        raise hidden(f"check-in {checkin_id}", reason="someone else's check-in",
                     program=checkin.program)
    return submit_checkin(db, checkin_id, by=principal.participant_id, rating=rating,
                          meetings_per_month=meetings_per_month, recommend=recommend,
                          text=text, clock=clock)


def summary_as(db: Database, principal: Principal, program: str,
               clock: Clock | None = None) -> CheckinSummary:
    from companion.services.access import access_to

    access = access_to(db, principal, program)
    access.require_coordinator("read the check-in summary")
    only = access.own_org if access.partner_coordinator else None
    return summary(db, program, clock, people_filter=only)
