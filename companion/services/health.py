"""How each live pairing is doing: too early | on track | needs check-in | at risk.
docs/relationship.md ("Health") states the rule; `classify` is it, as a pure function.

The facts come from the store in a handful of queries for a whole program (`load_facts`):
the live pairings, each one's latest held session (`SessionRepository.last_held`), the
members' latest pulse ratings (`CheckinRepository`) and the current goals marked at risk
(`GoalRepository`). Only those three numbers are read from check-ins and goals: never a
comment, a statement or a note."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from companion.domain import Pairing, PairingStatus, Program
from companion.domain.clock import Clock, clock_or_system
from companion.domain.relationship import CheckinKind, GoalStatus, Health
from companion.store import (
    CheckinRepository,
    Database,
    GoalRepository,
    PairingRepository,
    ProgramRepository,
    Session,
    SessionRepository,
)
from companion.store.tables import ProgramRow

#: Pairings that are classified (and nudged): approved, or active since a first session.
LIVE = (PairingStatus.approved, PairingStatus.active)
#: A pulse rating at or below this makes a pairing at risk.
LOW_RATING = 2


@dataclass(frozen=True)
class PairingFacts:
    """What the rule reads about one pairing."""

    pairing: Pairing
    last_held: datetime | None
    low_rating: int | None = None  # the lowest of the members' recent ratings, if ≤ LOW_RATING
    goals_at_risk: int = 0

    @property
    def since(self) -> date:
        """The day the count starts: the last held session, else the approval."""
        if self.last_held is not None:
            return self.last_held.date()
        p = self.pairing
        start = p.approved_at or p.decided_at or p.created_at
        assert start is not None, f"pairing {p.id} has no approval date"
        return start.date()


@dataclass(frozen=True)
class PairingHealth:
    """One pairing's class and why."""

    pairing: Pairing
    health: Health
    days_since_last_session: int
    days_past_cadence: int
    last_session_on: date | None
    counted_from: date
    low_rating: int | None = None
    goals_at_risk: int = 0
    reasons: list[str] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        p = self.pairing
        return {"pairing_id": p.id, "health": self.health.value,
                "days_since_last_session": self.days_since_last_session,
                "days_past_cadence": self.days_past_cadence,
                "last_session_on": _iso(self.last_session_on),
                "counted_from": self.counted_from.isoformat(),
                "approved_on": _iso(p.approved_at.date() if p.approved_at else None),
                "status": p.status.value, "mentee_id": p.mentee_id, "mentor_id": p.mentor_id,
                "low_rating": self.low_rating, "goals_at_risk": self.goals_at_risk,
                "reasons": list(self.reasons)}


@dataclass(frozen=True)
class ProgramHealth:
    program: str
    as_of: date
    pairings: list[PairingHealth]

    def counts(self) -> dict[str, int]:
        found = {h.value: 0 for h in Health}
        for item in self.pairings:
            found[item.health.value] += 1
        return found

    def json(self) -> dict[str, Any]:
        return {"program": self.program, "as_of": self.as_of.isoformat(),
                "counts": self.counts(), "pairings": [p.json() for p in self.pairings]}


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def classify(facts: PairingFacts, program: Program, today: date) -> PairingHealth:
    """The rule (docs/relationship.md, "Health"), with d = days since the last held session
    (or since approval when none), c = cadence_weeks × 7, first/last = the program's first
    and last nudge thresholds (default 7 and 21):

    * too_early — no session held yet and d < c;
    * on_track — d − c < first;
    * needs_checkin — first ≤ d − c < last;
    * at_risk — d − c ≥ last.

    Then: a member's latest pulse rating ≤ 2 (within `checkin_every_days`) makes it at_risk;
    a current goal marked at_risk raises too_early/on_track to needs_checkin."""
    days = (today - facts.since).days
    cadence = program.cadence_weeks * 7
    past = days - cadence
    first, last = (program.nudge_days[0], program.nudge_days[-1]) if program.nudge_days \
        else (7, 21)
    reasons: list[str] = []
    if facts.last_held is None and days < cadence:
        health = Health.too_early
        reasons.append(f"approved {days} days ago, no session yet (cadence {cadence} days)")
    elif past < first:
        health = Health.on_track
        reasons.append(f"{days} days since the last session (cadence {cadence} days)"
                       if facts.last_held else f"no session yet, {days} days after approval")
    else:
        health = Health.needs_checkin if past < last else Health.at_risk
        reasons.append(f"{past} days past the cadence of {cadence} days "
                       + ("since the last session" if facts.last_held else
                          "with no session since approval"))
    if facts.low_rating is not None:
        health = Health.at_risk
        reasons.append(f"a pulse check-in rated the relationship {facts.low_rating} of 5")
    if facts.goals_at_risk and health in (Health.too_early, Health.on_track):
        health = Health.needs_checkin
    if facts.goals_at_risk:
        reasons.append(f"{facts.goals_at_risk} goal(s) marked at risk")
    return PairingHealth(facts.pairing, health, days, past,
                         facts.last_held.date() if facts.last_held else None, facts.since,
                         facts.low_rating, facts.goals_at_risk, reasons)


def load_facts(session: Session, row: ProgramRow, program: Program, today: date,
               pairings: list[Pairing] | None = None,
               goals: dict[str, dict[str, int]] | None = None) -> list[PairingFacts]:
    """The facts of every live pairing of a program (or of `pairings`), in four queries
    (three when the caller has `GoalRepository.status_counts` already)."""
    if pairings is None:
        pairings = PairingRepository(session, row).list(LIVE)
    last = SessionRepository(session, row).last_held()
    recent_from = today - timedelta(days=program.checkin_every_days)
    latest: dict[tuple[str, str], tuple[date, int]] = {}
    for checkin in CheckinRepository(session, row).list(kind=CheckinKind.pulse,
                                                        submitted=True):
        if checkin.rating is None or checkin.submitted_at is None:
            continue
        key, when = (checkin.pairing_id, checkin.participant_id), checkin.submitted_at.date()
        if key not in latest or latest[key][0] <= when:
            latest[key] = (when, checkin.rating)
    low: dict[str, int] = {}
    for (pairing_id, _), (when, rating) in latest.items():
        if rating <= LOW_RATING and recent_from <= when <= today:
            low[pairing_id] = min(rating, low.get(pairing_id, rating))
    if goals is None:
        goals = GoalRepository(session, row).status_counts()
    return [PairingFacts(p, last.get(p.id), low.get(p.id),
                         goals.get(p.id, {}).get(GoalStatus.at_risk.value, 0))
            for p in pairings]


def program_health(db: Database, program: str, *, clock: Clock | None = None
                   ) -> ProgramHealth:
    """Every approved or active pairing of `program`, classified as of the clock's today."""
    today = clock_or_system(clock).today()
    with db.session() as session:
        programs = ProgramRepository(session)
        row, model = programs.row(program), programs.get(program)
        facts = load_facts(session, row, model, today)
    return ProgramHealth(program, today, [classify(f, model, today) for f in facts])


__all__ = ["LIVE", "LOW_RATING", "PairingFacts", "PairingHealth", "ProgramHealth",
           "classify", "load_facts", "program_health"]
