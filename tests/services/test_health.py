"""Health of live pairings (docs/relationship.md, "Health"): days since the last held session
(or the approval) against the cadence, then low check-in ratings and goals at risk."""

from __future__ import annotations

from datetime import date

import pytest

from companion.domain import PairingStatus
from companion.domain.clock import FixedClock
from companion.domain.relationship import GoalStatus, Health
from companion.services.health import program_health
from companion.store import Database
from tests import relationship_world as w

APPROVED = date(2027, 1, 4)


@pytest.fixture
def pilot(db: Database) -> Database:
    """Pilot, cadence 4 weeks (28 days), nudges 7/14/21: pr-1 (e1–m1) approved 4 January."""
    w.program(db, "Pilot", cadence_weeks=4)
    w.people(db, "Pilot", [w.person("m1", "mentor", email="m1@example.org"),
                           w.person("e1", "mentee", email="e1@example.org"),
                           w.person("m2", "mentor"), w.person("e2", "mentee"),
                           w.person("e3", "mentee")])
    w.pairs(db, "Pilot", [("pr-1", "e1", "m1", APPROVED)])
    return db


def _health(db: Database, today: date, pairing: str = "pr-1") -> dict[str, object]:
    found = program_health(db, "Pilot", clock=FixedClock(w.at(today, 12))).json()
    (item,) = [p for p in found["pairings"] if p["pairing_id"] == pairing]
    return item


@pytest.mark.parametrize(("days_after", "expected"), [
    (0, Health.too_early), (27, Health.too_early),   # no session, less than a cadence
    (28, Health.on_track), (34, Health.on_track),    # a cadence, within 7 days' grace
    (35, Health.needs_checkin), (48, Health.needs_checkin),  # 7–20 days past the cadence
    (49, Health.at_risk), (120, Health.at_risk),     # 21 or more
])
def test_without_a_session_the_count_starts_at_the_approval(
        pilot: Database, days_after: int, expected: Health) -> None:
    item = _health(pilot, APPROVED + w.days(days_after))
    assert (item["health"], item["days_since_last_session"], item["last_session_on"],
            item["counted_from"]) == (expected.value, days_after, None, APPROVED.isoformat())


@pytest.mark.parametrize(("days_after", "expected"), [
    (0, Health.on_track), (34, Health.on_track), (35, Health.needs_checkin),
    (48, Health.needs_checkin), (49, Health.at_risk)])
def test_the_last_held_session_restarts_the_count(pilot: Database, days_after: int,
                                                  expected: Health) -> None:
    last = date(2027, 2, 1)
    w.held(pilot, "Pilot", [("pr-1", date(2027, 1, 10)), ("pr-1", last)])
    item = _health(pilot, last + w.days(days_after))
    assert (item["health"], item["days_since_last_session"], item["last_session_on"],
            item["days_past_cadence"]) == (expected.value, days_after, last.isoformat(),
                                           days_after - 28)
    assert item["status"] == PairingStatus.active.value


def test_thresholds_follow_the_programs_cadence_and_nudge_days(db: Database) -> None:
    w.program(db, "Pilot", cadence_weeks=2, nudge_days=[3, 10])
    w.people(db, "Pilot", [w.person("m1", "mentor"), w.person("e1", "mentee")])
    w.pairs(db, "Pilot", [("pr-1", "e1", "m1", APPROVED)])
    assert [_health(db, APPROVED + w.days(d))["health"] for d in (13, 16, 17, 23, 24)] == [
        "too_early", "on_track", "needs_checkin", "needs_checkin", "at_risk"]


def test_a_recent_low_rating_makes_a_pairing_at_risk(pilot: Database) -> None:
    w.held(pilot, "Pilot", [("pr-1", date(2027, 3, 1))])
    today = date(2027, 3, 10)
    w.rating(pilot, "Pilot", "pr-1", "e1", date(2027, 3, 5), 2)
    item = _health(pilot, today)
    assert (item["health"], item["low_rating"]) == ("at_risk", 2)
    assert any("rated the relationship 2" in r for r in item["reasons"])
    w.rating(pilot, "Pilot", "pr-1", "e1", date(2027, 3, 8), 4)  # the latest counts
    assert _health(pilot, today)["health"] == "on_track"


def test_a_low_rating_older_than_the_checkin_interval_no_longer_counts(pilot: Database
                                                                        ) -> None:
    w.rating(pilot, "Pilot", "pr-1", "m1", date(2027, 1, 5), 1)
    w.held(pilot, "Pilot", [("pr-1", date(2027, 3, 20))])
    assert _health(pilot, date(2027, 3, 6))["health"] == "at_risk"     # 60 days later
    assert _health(pilot, date(2027, 3, 21))["health"] == "on_track"    # 75 days later


def test_a_goal_at_risk_calls_for_a_checkin(pilot: Database) -> None:
    w.held(pilot, "Pilot", [("pr-1", date(2027, 2, 1))])
    w.goal(pilot, "Pilot", "pr-1", "e1", "k1", GoalStatus.on_track)
    assert _health(pilot, date(2027, 2, 5))["health"] == "on_track"
    w.goal(pilot, "Pilot", "pr-1", "e1", "k2", GoalStatus.at_risk)
    item = _health(pilot, date(2027, 2, 5))
    assert (item["health"], item["goals_at_risk"]) == ("needs_checkin", 1)
    assert _health(pilot, date(2027, 3, 30))["health"] == "at_risk"  # lapse still counts


def test_only_approved_and_active_pairings_are_classified(pilot: Database) -> None:
    w.pairs(pilot, "Pilot", [("pr-2", "e2", "m2", None)])  # pending
    w.pairs(pilot, "Pilot", [("pr-3", "e3", "m2", APPROVED)], status=PairingStatus.closed)
    found = program_health(pilot, "Pilot", clock=FixedClock(w.at(date(2027, 1, 20)))).json()
    assert [p["pairing_id"] for p in found["pairings"]] == ["pr-1"]
    assert found["counts"] == {"too_early": 1, "on_track": 0, "needs_checkin": 0,
                               "at_risk": 0}
