"""Check-ins at the services layer: the schedule (30 days after approval, then every 60,
and the closing survey) written once however often it runs, answering once (late is fine)
by the person it belongs to only, field-naming errors, and what coordinators see —
aggregates with groups under 3 respondents suppressed, free text unattributed and only from 3
respondents, the overdue list without answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from companion.domain import AccessRole, Pairing, PairingStatus
from companion.domain.clock import FixedClock
from companion.domain.relationship import CheckinKind, EndReason
from companion.errors import AccessDenied, BadInputError, ConflictError
from companion.services import checkins
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.services.tokens import Principal
from companion.store import Database, PairingRepository, ProgramRepository
from tests import factories

APPROVED = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)


def _who(pid: str, role: str, organization: str | None = None) -> Principal:
    return Principal(f"t-{pid}", pid, AccessRole(role), "Pilot", organization)


@pytest.fixture
def world(db: Database, tmp_path: Path) -> Database:
    """Pilot (12 months from 2027-01-04): four pairs approved on 2027-01-10; mentees of
    Sales (e1, e2, e3) and Legal (e4); mentors of Acme (m1, m2, m3) and Beta (m4)."""
    create_program(db, build_program("Pilot", start=date(2027, 1, 4), months=12))
    people = [factories.mentor(f"m{n}", organization="Acme" if n < 4 else "Beta",
                               department="Ops", capacity="2") for n in range(1, 5)]
    people += [factories.mentee(f"e{n}", name=f"Mentee {n}", organization="Acme",
                                department="Sales" if n < 4 else "Legal")
               for n in range(1, 5)]
    report = import_participants_file(db, "Pilot", factories.write_csv(tmp_path / "p.csv",
                                                                       people),
                                      skip_invalid=False)
    assert report.imported, report.errors
    with db.session(write=True) as session:
        repo = PairingRepository(session, ProgramRepository(session).row("Pilot"))
        for n in range(1, 5):
            repo.add(Pairing(id=f"pr-{n}", program="Pilot", mentee_id=f"e{n}",
                             mentor_id=f"m{n}"))
            repo.decide(f"pr-{n}", expected_version=1, status=PairingStatus.approved, by="c")
        # approval is stamped with the real time: put it on the scenario's day
        from companion.store.tables import PairingRow
        for row in session.query(PairingRow).filter(PairingRow.status == "approved"):
            row.approved_at = APPROVED
    return db


def test_the_schedule_is_written_once_per_due_date(world: Database) -> None:
    clock = FixedClock(APPROVED + timedelta(days=29))
    assert checkins.due_checkins(world, "Pilot", clock).created == 0  # not due yet
    clock.advance(days=1)  # 2027-02-09: 30 days after approval
    first = checkins.due_checkins(world, "Pilot", clock)
    assert first.created == 8 and len(first.open) == 8  # each member of four pairs
    assert {c.due_on for c in first.open} == {date(2027, 2, 9)}
    assert {c.kind for c in first.open} == {CheckinKind.pulse}
    again = checkins.due_checkins(world, "Pilot", clock)
    assert again.created == 0 and len(again.open) == 8
    clock.advance(days=59)
    assert checkins.due_checkins(world, "Pilot", clock).created == 0
    clock.advance(days=1)  # 90 days after approval
    assert checkins.due_checkins(world, "Pilot", clock).created == 8
    assert checkins.pulse_dates(date(2027, 1, 10), 30, 60, date(2027, 7, 10)) == [
        date(2027, 2, 9), date(2027, 4, 10), date(2027, 6, 9)]


def test_a_closed_pairing_gets_its_closing_survey_and_no_more_pulses(
        world: Database) -> None:
    with world.session(write=True) as session:
        repo = PairingRepository(session, ProgramRepository(session).row("Pilot"))
        current = repo.get("pr-1")
        repo.end("pr-1", expected_version=current.version, reason=EndReason.completed,
                 by="c", at=datetime(2027, 3, 1, tzinfo=UTC))
    clock = FixedClock(datetime(2027, 3, 2, tzinfo=UTC))
    report = checkins.due_checkins(world, "Pilot", clock)
    mine = sorted((c.kind.value, c.due_on) for c in report.open if c.pairing_id == "pr-1")
    assert mine == [("closing", date(2027, 3, 1)), ("closing", date(2027, 3, 1)),
                    ("pulse", date(2027, 2, 9)), ("pulse", date(2027, 2, 9))]
    clock.set(datetime(2027, 6, 1, tzinfo=UTC))
    checkins.due_checkins(world, "Pilot", clock)
    later = checkins.list_checkins(world, program="Pilot")
    assert max(c.due_on for c in later if c.pairing_id == "pr-1") == date(2027, 3, 1)
    # the program's end: every live pairing's closing survey on its last day
    clock.set(datetime(2028, 1, 5, tzinfo=UTC))
    checkins.due_checkins(world, "Pilot", clock)
    closing = [c for c in checkins.list_checkins(world, program="Pilot")
               if c.kind is CheckinKind.closing and c.pairing_id == "pr-2"]
    assert [c.due_on for c in closing] == [date(2028, 1, 3)] * 2


def test_answering_once_late_is_fine_and_only_by_its_owner(world: Database) -> None:
    clock = FixedClock(APPROVED + timedelta(days=30))
    report = checkins.due_checkins(world, "Pilot", clock)
    mine = next(c for c in report.open if c.participant_id == "e1")
    assert mine.id is not None
    with pytest.raises(AccessDenied) as others:
        checkins.submit_as(world, _who("m1", "mentor"), mine.id, rating=2,
                           meetings_per_month=1)
    assert others.value.status == 404  # someone else's, as if absent
    for answer, field in [({"rating": 6, "meetings_per_month": 1}, "rating"),
                          ({"rating": None, "meetings_per_month": 1}, "rating"),
                          ({"rating": "four", "meetings_per_month": 1}, "rating"),
                          ({"rating": 4}, "meetings_per_month"),
                          ({"rating": 4, "meetings_per_month": -1}, "meetings_per_month"),
                          ({"rating": 4, "meetings_per_month": 1, "text": "x" * 3000},
                           "text")]:
        with pytest.raises(BadInputError) as refused:
            checkins.submit_as(world, _who("e1", "mentee"), mine.id, **answer)
        assert refused.value.field == field, answer
    clock.advance(days=20)  # late
    done = checkins.submit_as(world, _who("e1", "mentee"), mine.id, rating=4,
                              meetings_per_month=1.5, text="Going well", clock=clock)
    assert (done.rating, done.meetings_per_month, done.comment, done.submitted_at) == (
        4, 1.5, "Going well", clock.now())
    with pytest.raises(ConflictError, match="answered already"):
        checkins.submit_as(world, _who("e1", "mentee"), mine.id, rating=1,
                           meetings_per_month=0)


def _answer(db: Database, clock: FixedClock, who: str, rating: int, text: str) -> None:
    [mine] = checkins.list_checkins(db, program="Pilot", participant_id=who, submitted=False)
    checkins.submit_checkin(db, mine.id or 0, by=who, rating=rating, meetings_per_month=1,
                            text=text, clock=clock)


def test_coordinators_see_aggregates_suppressed_under_three(world: Database) -> None:
    clock = FixedClock(APPROVED + timedelta(days=30))
    checkins.due_checkins(world, "Pilot", clock)
    coordinator = _who("coord", "coordinator")
    _answer(world, clock, "e1", 5, "My mentor is great")
    _answer(world, clock, "e2", 3, "We rarely meet")
    small = checkins.summary_as(world, coordinator, "Pilot", clock)
    assert (small.overall.responses, small.overall.respondents, small.overall.suppressed,
            small.overall.mean_rating) == (2, 2, True, None)
    assert small.comments is None
    assert "great" not in str(small.json()) and "rarely" not in str(small.json())

    _answer(world, clock, "e3", 4, "Helpful")
    _answer(world, clock, "e4", 2, "Not a fit")
    full = checkins.summary_as(world, coordinator, "Pilot", clock)
    assert (full.overall.respondents, full.overall.mean_rating) == (4, 3.5)
    assert full.comments == sorted(["My mentor is great", "We rarely meet", "Helpful",
                                    "Not a fit"])
    departments = {g.group: g for g in full.by_department}
    # Legal has one respondent: hidden; and Sales too, or e4's 2 = 4 × 3.5 − 3 × 4 is
    # readable off the program's mean
    assert departments["Legal"].suppressed and departments["Legal"].mean_rating is None
    assert departments["Sales"].suppressed and departments["Sales"].respondents == 3
    [acme] = full.by_organization
    assert (acme.group, acme.respondents, acme.mean_rating) == ("Acme", 4, 3.5)
    assert "Mentee" not in str(full.json()["comments"])  # no names with the text

    with pytest.raises(AccessDenied):
        checkins.summary_as(world, _who("e1", "mentee"), "Pilot", clock)


def test_the_overdue_list_names_people_not_answers(world: Database) -> None:
    clock = FixedClock(APPROVED + timedelta(days=30))
    checkins.due_checkins(world, "Pilot", clock)
    _answer(world, clock, "e1", 1, "secret")
    clock.advance(days=checkins.OVERDUE_AFTER_DAYS)
    assert checkins.summary(world, "Pilot", clock).overdue == []  # within the grace days
    clock.advance(days=1)
    late = checkins.summary(world, "Pilot", clock)
    assert late.open == 7 and len(late.overdue) == 7
    assert {o.participant_id for o in late.overdue} == {"e2", "e3", "e4", "m1", "m2", "m3",
                                                        "m4"}
    assert all(o.days_overdue == 8 and o.kind == "pulse" for o in late.overdue)
    assert "secret" not in str(late.json()) and "rating" not in str(
        [o.json() for o in late.overdue])
