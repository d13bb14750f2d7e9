"""Mentoring sessions at the services layer: scheduling in each person's time zone, logging
a past session, the pairing's activation at its first held session, rescheduling (SEQUENCE),
cancelling, notes, field-naming errors, and who may see the notes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from companion.domain import AccessRole, PairingStatus
from companion.domain.clock import FixedClock
from companion.domain.relationship import SessionStatus
from companion.errors import AccessDenied, BadInputError, ConflictError
from companion.services import pairings, session_views, sessions
from companion.services.programs import build_program, create_program
from companion.services.tokens import Principal
from companion.store import AuditLog, Database, PairingRepository, ProgramRepository
from tests import factories
from tests import relationship_world as w

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def world(db: Database, tmp_path: Path) -> Database:
    """Pilot: e1 (Berlin) – m1 (New York) approved, e2 – m2 approved, e3 – m1 pending."""
    create_program(db, build_program("Pilot", start=date(2027, 1, 4), cadence_weeks=4,
                                     session_minutes=45))
    people = [factories.mentor("m1", name="Mara Mentor", timezone="America/New_York",
                               capacity="3"),
              factories.mentor("m2", name="Max Mentor", timezone="Asia/Tokyo"),
              factories.mentee("e1", name="Ella Mentee", timezone="Europe/Berlin"),
              factories.mentee("e2", name="Eddie Mentee", timezone="Asia/Tokyo"),
              factories.mentee("e3", name="Erin Mentee")]
    return w.imported_with_pairings(db, tmp_path, people, [("pr-1", "e1", "m1", True),
                                                          ("pr-2", "e2", "m2", True),
                                                          ("pr-3", "e3", "m1", False)])


def _who(pid: str, role: str, program: str | None = "Pilot",
         organization: str | None = None) -> Principal:
    return Principal(f"t-{pid}", pid, AccessRole(role), program, organization)


def test_a_start_without_offset_is_the_scheduling_persons_own_time(world: Database) -> None:
    clock = FixedClock(NOW)
    by_mentee = sessions.schedule(world, "pr-1", "2027-01-12T15:00", by="e1", clock=clock)
    by_mentor = sessions.schedule(world, "pr-1", "2027-01-12T15:00", by="m1", clock=clock)
    explicit = sessions.schedule(world, "pr-1", "2027-01-12T15:00+00:00", by="e1", clock=clock)
    coordinator = sessions.schedule(world, "pr-1", "2027-01-12T15:00", by="coordinator",
                                    clock=clock)  # not in the pair: the mentee's zone
    assert by_mentee.starts_at == datetime(2027, 1, 12, 14, 0, tzinfo=UTC)   # Berlin, UTC+1
    assert by_mentor.starts_at == datetime(2027, 1, 12, 20, 0, tzinfo=UTC)   # New York, UTC-5
    assert explicit.starts_at == datetime(2027, 1, 12, 15, 0, tzinfo=UTC)
    assert coordinator.starts_at == by_mentee.starts_at
    assert (by_mentee.status, by_mentee.minutes, by_mentee.sequence) == (
        SessionStatus.scheduled, 45, 0)  # the program's session length by default
    view = sessions.SessionView(by_mentee, {"e1": "Europe/Berlin", "m1": "America/New_York"})
    assert view.json()["local_starts_at"] == {"e1": "2027-01-12T15:00:00+01:00",
                                              "m1": "2027-01-12T09:00:00-05:00"}
    assert pairings.get_pairing(world, "pr-1").status is PairingStatus.approved


def test_a_past_start_logs_a_held_session_and_activates_the_pairing(world: Database) -> None:
    clock = FixedClock(NOW)
    logged = sessions.schedule(world, "pr-1", "2027-01-08T10:00", by="e1", minutes=30,
                               notes="We agreed on three goals.", action_items=["draft goals"],
                               clock=clock)
    assert (logged.status, logged.held_at, logged.notes, logged.action_items) == (
        SessionStatus.held, NOW, "We agreed on three goals.", ["draft goals"])
    assert pairings.get_pairing(world, "pr-1").status is PairingStatus.active
    with world.session() as session:
        (event,) = AuditLog(session).list(entity_id=logged.id)
    assert event.action == "session.log" and event.detail["pairing_activated"] is True
    assert "agreed" not in str(event.detail)  # notes never reach the audit log


def test_done_reschedule_and_cancel(world: Database) -> None:
    clock = FixedClock(NOW)
    planned = sessions.schedule(world, "pr-1", "2027-01-12T15:00", by="e1", clock=clock)
    with pytest.raises(ConflictError, match="cannot have been held yet"):
        sessions.mark_done(world, planned.id, by="e1", clock=clock)
    moved = sessions.reschedule(world, planned.id, "2027-01-13T15:00", by="m1", clock=clock)
    assert (moved.starts_at, moved.sequence, moved.version) == (
        datetime(2027, 1, 13, 20, 0, tzinfo=UTC), 1, 2)
    with pytest.raises(ConflictError, match="version 2, not 1"):
        sessions.reschedule(world, planned.id, "2027-01-14T15:00", by="m1", version=1,
                            clock=clock)
    clock.advance(days=4)
    held = sessions.mark_done(world, planned.id, by="e1", notes="Talked delegation.",
                              action_items=["list tasks", " "], clock=clock)
    assert (held.status, held.action_items, held.sequence) == (SessionStatus.held,
                                                               ["list tasks"], 2)
    edited = sessions.mark_done(world, planned.id, by="m1", notes="Talked delegation, more.",
                                clock=clock)
    assert edited.notes == "Talked delegation, more." and edited.action_items == ["list tasks"]
    with pytest.raises(ConflictError, match="cannot cancel"):
        sessions.cancel(world, planned.id, by="e1", clock=clock)
    later = sessions.schedule(world, "pr-1", "2027-02-10T15:00", by="e1", clock=clock)
    cancelled = sessions.cancel(world, later.id, by="e1", reason="travel", clock=clock)
    assert (cancelled.status, cancelled.sequence, cancelled.cancel_reason) == (
        SessionStatus.cancelled, 1, "travel")
    listed = sessions.list_sessions(world, pairing_id="pr-1")
    assert [s.id for s in listed] == [planned.id, later.id]


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"at": "2027-01-12T15:00", "minutes": 0}, "minutes"),
    ({"at": "2027-01-12T15:00", "minutes": 1000}, "minutes"),
    ({"at": "next tuesday"}, "at"),
    ({"at": "2027-01-12"}, "at"),
    ({"at": "2027-13-12T15:00"}, "at"),
    ({"at": "2027-01-12T15:00", "timezone": "Mars/Olympus"}, "timezone"),
    ({"at": "2027-01-12T15:00", "format": "telepathy"}, "format"),
    ({"at": "2027-01-12T15:00", "notes": "before it happened"}, "notes"),
    ({"at": "2027-01-12T15:00", "agenda_draft_id": "d-none"}, "agenda_draft_id"),
    ({"at": "2027-01-12T15:00", "location": "x" * 501}, "location"),
])
def test_bad_input_names_the_field(world: Database, kwargs: dict[str, object],
                                   field: str) -> None:
    at = kwargs.pop("at")
    with pytest.raises(BadInputError) as caught:
        sessions.schedule(world, "pr-1", at, by="e1", clock=FixedClock(NOW),  # type: ignore
                          **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field, caught.value


def test_only_approved_or_active_pairings_have_sessions(world: Database) -> None:
    with pytest.raises(ConflictError, match="only approved or active"):
        sessions.schedule(world, "pr-3", "2027-01-12T15:00", by="e3", clock=FixedClock(NOW))
    with pytest.raises(ConflictError):  # not even after the fact
        sessions.schedule(world, "pr-3", "2027-01-02T15:00", by="e3", clock=FixedClock(NOW))


def test_the_pair_sees_notes_coordinators_see_dates_others_nothing(world: Database) -> None:
    clock = FixedClock(NOW)
    held = session_views.schedule_as(world, _who("e1", "mentee"), "pr-1", "2027-01-08T10:00",
                                     location="https://meet.example/abc", clock=clock)
    done = session_views.done_as(world, _who("m1", "mentor"), held.session.id,
                                 version=held.session.version, notes="private words",
                                 action_items=["read chapter 2"], clock=clock)
    assert done.json()["notes"] == "private words"
    mine = session_views.get_as(world, _who("e1", "mentee"), held.session.id).json()
    assert mine["notes"] == "private words" and mine["location"].startswith("https://")
    assert mine["your_starts_at"] == "2027-01-08T10:00:00+01:00"
    coordinator = session_views.get_as(world, _who("c-pilot", "coordinator"),
                                       held.session.id).json()
    assert coordinator["status"] == "held" and coordinator["starts_at"]
    assert not {"notes", "action_items", "location", "agenda_draft_id"} & coordinator.keys()
    admin = session_views.get_as(world, _who("root", "admin", None), held.session.id).json()
    assert admin["notes"] == "private words"
    for outsider in (_who("m2", "mentor"), _who("e2", "mentee"), _who("e3", "mentee"),
                     _who("c-other", "coordinator", "Other")):
        with pytest.raises(AccessDenied) as caught:
            session_views.get_as(world, outsider, held.session.id)
        assert caught.value.status == 404
        listed = session_views.list_as(world, outsider, "Pilot") if outsider.program == \
            "Pilot" else None
        assert listed is None or held.session.id not in {v.session.id
                                                         for v in listed.sessions}
    # the coordinator plans but does not write the pair's notes
    with pytest.raises(AccessDenied) as caught:
        session_views.done_as(world, _who("c-pilot", "coordinator"), held.session.id,
                              version=done.session.version, notes="x", clock=clock)
    assert caught.value.status == 403
    listed = session_views.list_as(world, _who("c-pilot", "coordinator"), "Pilot",
                                   pairing_id="pr-1").json()
    assert [s["id"] for s in listed["sessions"]] == [held.session.id]
    assert "notes" not in listed["sessions"][0]


def test_a_mentor_of_two_pairs_sees_each_pairs_notes_only_within_it(world: Database) -> None:
    clock = FixedClock(NOW)
    other = sessions.schedule(world, "pr-2", "2027-01-08T10:00", by="e2",
                              notes="e2's private words", clock=clock)
    with pytest.raises(AccessDenied):
        session_views.get_as(world, _who("m1", "mentor"), other.id)
    listed = session_views.list_as(world, _who("m1", "mentor"), "Pilot").json()
    assert listed == {"sessions": []}


def test_participants_see_why_a_pairing_ended_not_the_end_note(world: Database) -> None:
    from companion.services.access import access_to, people_of

    with world.session(write=True) as session:
        repo = PairingRepository(session, ProgramRepository(session).row("Pilot"))
        ended = repo.end("pr-1", expected_version=2, reason="no_fault", by="coordinator",
                         at=NOW, note="the mentor asked to stop")
    people = people_of(world, "Pilot")
    mentee = access_to(world, _who("e1", "mentee"), "Pilot").pairing_view(ended, people)
    coordinator = access_to(world, _who("c", "coordinator"), "Pilot").pairing_view(ended,
                                                                                  people)
    assert mentee["end_reason"] == "no_fault" and "end_note" not in mentee
    assert coordinator["end_note"] == "the mentor asked to stop"
