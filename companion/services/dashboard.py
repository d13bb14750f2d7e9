"""The program dashboard and the HR export. docs/relationship.md ("Dashboard") defines each
figure.

Aggregates only: the dashboard counts sessions, goals by status and check-in ratings; it
never reads a note, a goal statement or a check-in comment. The export has one row per
pairing (approved, active or closed) with ids, names, departments, dates, counts, health
and goal completion — nothing private either."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from companion.domain import Pairing, PairingStatus, Program, Role
from companion.domain.clock import Clock, clock_or_system
from companion.domain.relationship import CheckinKind, GoalStatus, Health
from companion.errors import BadInputError
from companion.importing.writers import FORMATS, table_bytes
from companion.services.checkins import MIN_GROUP
from companion.services.health import LIVE, PairingHealth, classify, load_facts
from companion.store import (
    CheckinRepository,
    Database,
    GoalRepository,
    PairingRepository,
    ParticipantRepository,
    PersonBrief,
    ProgramRepository,
    SessionRepository,
)

#: Pairings that are (or were) a mentoring relationship.
RELATIONSHIP = (PairingStatus.approved, PairingStatus.active, PairingStatus.closed)
BREAKDOWNS = ("department", "organization", "level")
NONE = "(none)"


@dataclass(frozen=True)
class MonthFigures:
    month: str  # YYYY-MM
    held: int  # sessions held that month
    pairs: int  # pairings live at some point of the month
    pairs_met: int  # of which met at least once
    per_pair: float  # held / pairs

    def json(self) -> dict[str, Any]:
        return {"month": self.month, "held": self.held, "pairs": self.pairs,
                "pairs_met": self.pairs_met, "per_pair": self.per_pair}


@dataclass(frozen=True)
class GroupFigures:
    group: str
    mentees: int
    covered: int
    coverage: float
    pairs: int
    sessions_held: int
    health: dict[str, int]

    def json(self) -> dict[str, Any]:
        return {"group": self.group, "mentees": self.mentees, "covered": self.covered,
                "coverage": self.coverage, "pairs": self.pairs,
                "sessions_held": self.sessions_held, "health": dict(self.health)}


@dataclass(frozen=True)
class Dashboard:
    program: str
    as_of: date
    mentees: int
    covered: int  # mentees with an approved or active pairing
    coverage: float
    pairs_by_status: dict[str, int]
    pairs_by_health: dict[str, int]
    sessions_held: int
    months: list[MonthFigures]
    goals: dict[str, Any]
    checkins: dict[str, Any]
    breakdowns: dict[str, list[GroupFigures]] = field(default_factory=dict)

    def json(self) -> dict[str, Any]:
        return {"program": self.program, "as_of": self.as_of.isoformat(),
                "coverage": {"mentees": self.mentees, "covered": self.covered,
                             "share": self.coverage},
                "pairs_by_status": dict(self.pairs_by_status),
                "pairs_by_health": dict(self.pairs_by_health),
                "sessions_held": self.sessions_held,
                "meetings_per_month": [m.json() for m in self.months],
                "goals": dict(self.goals), "checkins": dict(self.checkins),
                "breakdowns": {k: [g.json() for g in v] for k, v in self.breakdowns.items()}}


@dataclass(frozen=True)
class _Loaded:
    model: Program
    today: date
    pairings: list[Pairing]
    people: dict[str, PersonBrief]
    health: dict[str, PairingHealth]
    held: list[tuple[str, datetime]]
    goals: dict[str, Counter[str]]  # pairing -> current goals by status
    ratings: list[int]
    recommends: list[int]
    checkins_due: int
    checkins_submitted: int
    respondents: int  # distinct people with a pulse rating


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _load(db: Database, program: str, today: date) -> _Loaded:
    with db.session() as session:
        programs = ProgramRepository(session)
        row, model = programs.row(program), programs.get(program)
        pairings = PairingRepository(session, row).list(RELATIONSHIP)
        live = [p for p in pairings if p.status in LIVE]
        counts = GoalRepository(session, row).status_counts()
        facts = load_facts(session, row, model, today, live, counts)
        people = ParticipantRepository(session, row.id).briefs()
        held = SessionRepository(session, row).held_starts()
        goals: dict[str, Counter[str]] = {pid: Counter(c) for pid, c in counts.items()}
        checkins = CheckinRepository(session, row).list()
    due = [c for c in checkins if c.kind is CheckinKind.pulse and c.due_on <= today]
    return _Loaded(
        model, today, pairings, people, {f.pairing.id: classify(f, model, today)
                                         for f in facts}, held, goals,
        [c.rating for c in checkins if c.kind is CheckinKind.pulse and c.rating is not None],
        [c.recommend for c in checkins if c.recommend is not None],
        len(due), sum(1 for c in due if c.submitted_at is not None),
        len({c.participant_id for c in checkins
             if c.kind is CheckinKind.pulse and c.rating is not None}))


def _months(data: _Loaded) -> list[MonthFigures]:
    held_by_month: Counter[str] = Counter()
    met: dict[str, set[str]] = defaultdict(set)
    for pairing_id, at in data.held:
        key = f"{at.year:04d}-{at.month:02d}"
        held_by_month[key] += 1
        met[key].add(pairing_id)
    first = min([data.model.start_date] + [at.date() for _, at in data.held])
    found: list[MonthFigures] = []
    year, month = first.year, first.month
    while (year, month) <= (data.today.year, data.today.month):
        start = date(year, month, 1)
        end = date(year + month // 12, month % 12 + 1, 1)  # the next month's first day
        key = f"{year:04d}-{month:02d}"
        pairs = sum(1 for p in data.pairings if p.approved_at is not None
                    and p.approved_at.date() < end
                    and (p.ended_at is None or p.ended_at.date() >= start))
        found.append(MonthFigures(key, held_by_month[key], pairs, len(met[key]),
                                  round(held_by_month[key] / pairs, 3) if pairs else 0.0))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def _mentees(people: dict[str, PersonBrief]) -> list[PersonBrief]:
    return [p for p in people.values() if p.role in (Role.mentee, Role.both)]


def _group_of(person: PersonBrief | None, by: str) -> str:
    value = getattr(person, by, None) if person is not None else None
    return NONE if value in (None, "") else str(value)


def _breakdown(data: _Loaded, by: str, live_of: dict[str, Pairing],
               held_counts: Counter[str]) -> list[GroupFigures]:
    mentees: dict[str, list[str]] = defaultdict(list)
    for person in _mentees(data.people):
        mentees[_group_of(person, by)].append(person.id)
    figures: list[GroupFigures] = []
    for group in sorted(mentees, key=lambda g: (g == NONE, _sort_key(g))):
        ids = mentees[group]
        pairs = [live_of[pid] for pid in ids if pid in live_of]
        health = Counter(data.health[p.id].health.value for p in pairs)
        figures.append(GroupFigures(group, len(ids), len(pairs), _share(len(pairs), len(ids)),
                                    len(pairs), sum(held_counts[p.id] for p in pairs),
                                    {h.value: health[h.value] for h in Health}))
    return figures


def _sort_key(group: str) -> tuple[int, str]:
    return (int(group), "") if group.isdigit() else (10**6, group.casefold())


def program_dashboard(db: Database, program: str, *, clock: Clock | None = None
                      ) -> Dashboard:
    """The program's figures as of the clock's today."""
    data = _load(db, program, clock_or_system(clock).today())
    live_of = {p.mentee_id: p for p in data.pairings if p.status in LIVE}
    mentees = _mentees(data.people)
    covered = sum(1 for m in mentees if m.id in live_of)
    held_counts: Counter[str] = Counter(pid for pid, _ in data.held)
    status = Counter(p.status.value for p in data.pairings)
    health = Counter(h.health.value for h in data.health.values())
    goal_status: Counter[str] = Counter()
    for counts in data.goals.values():
        goal_status.update(counts)
    counted = sum(goal_status.values()) - goal_status[GoalStatus.dropped.value]
    # as the check-in summary does: fewer than MIN_GROUP respondents show counts only
    ratings = Counter(data.ratings)
    shown = data.respondents >= MIN_GROUP
    closing_shown = len(data.recommends) >= MIN_GROUP
    return Dashboard(
        program, data.today, len(mentees), covered, _share(covered, len(mentees)),
        {s.value: status[s.value] for s in RELATIONSHIP},
        {h.value: health[h.value] for h in Health}, len(data.held), _months(data),
        {"total": sum(goal_status.values()),
         "by_status": {s.value: goal_status[s.value] for s in GoalStatus},
         "completion": _share(goal_status[GoalStatus.done.value], counted)},
        {"due": data.checkins_due, "submitted": data.checkins_submitted,
         "response_rate": _share(data.checkins_submitted, data.checkins_due),
         "respondents": data.respondents,
         "ratings": {str(r): ratings[r] for r in range(1, 6)} if shown else None,
         "average_rating": round(sum(data.ratings) / len(data.ratings), 2)
         if shown and data.ratings else None,
         "closing_responses": len(data.recommends),
         "average_recommend": round(sum(data.recommends) / len(data.recommends), 2)
         if closing_shown else None},
        {by: _breakdown(data, by, live_of, held_counts) for by in BREAKDOWNS})


# -- the HR export ---------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "pairing_id", "status", "mentee_id", "mentee_name", "mentee_department",
    "mentee_organization", "mentee_level", "mentor_id", "mentor_name", "mentor_department",
    "mentor_organization", "approved_at_utc", "ended_at_utc", "end_reason", "sessions_held",
    "last_session_on", "health", "goals", "goals_done", "goal_completion")


@dataclass(frozen=True)
class Export:
    columns: tuple[str, ...]
    rows: list[list[Any]]

    def bytes(self, fmt: str) -> bytes:
        return table_bytes(fmt, self.columns, self.rows, sheet="Pairings")


def export_rows(db: Database, program: str, *, clock: Clock | None = None) -> Export:
    """One row per approved, active or closed pairing, for HR (no private content)."""
    data = _load(db, program, clock_or_system(clock).today())
    held_counts: Counter[str] = Counter(pid for pid, _ in data.held)
    last: dict[str, datetime] = {}
    for pid, at in data.held:
        if pid not in last or at > last[pid]:
            last[pid] = at
    rows: list[list[Any]] = []
    for p in data.pairings:
        mentee, mentor = data.people.get(p.mentee_id), data.people.get(p.mentor_id)
        goals = data.goals.get(p.id, Counter())
        counted = sum(goals.values()) - goals[GoalStatus.dropped.value]
        health = data.health.get(p.id)
        rows.append([
            p.id, p.status.value, p.mentee_id, mentee.name if mentee else "",
            _plain(mentee, "department"), _plain(mentee, "organization"),
            mentee.level if mentee and mentee.level is not None else "",
            p.mentor_id, mentor.name if mentor else "", _plain(mentor, "department"),
            _plain(mentor, "organization"), _utc(p.approved_at), _utc(p.ended_at),
            p.end_reason or "", held_counts[p.id],
            last[p.id].date() if p.id in last else "",
            health.health.value if health else "", sum(goals.values()),
            goals[GoalStatus.done.value],
            _share(goals[GoalStatus.done.value], counted) if counted else ""])
    return Export(EXPORT_COLUMNS, rows)


def _plain(person: PersonBrief | None, name: str) -> str:
    value = getattr(person, name, None) if person is not None else None
    return "" if value is None else str(value)


def _utc(at: datetime | None) -> datetime | str:
    return "" if at is None else at.astimezone(UTC).replace(microsecond=0)


def export_to(db: Database, program: str, path: Path, *, clock: Clock | None = None
              ) -> int:
    """Write the export to `path` (.csv or .xlsx); returns the number of rows."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise BadInputError(f"export to a .csv or .xlsx file, not '{path.name}'", field="to")
    export = export_rows(db, program, clock=clock)
    content = export.bytes(fmt)
    try:
        path.write_bytes(content)
    except OSError as exc:
        raise BadInputError(f"cannot write {path}: {exc.strerror or exc}", field="to") from None
    return len(export.rows)


__all__ = ["BREAKDOWNS", "EXPORT_COLUMNS", "Dashboard", "Export", "GroupFigures",
           "MonthFigures", "export_rows", "export_to", "program_dashboard"]
