"""Calendars of sessions (RFC 5545): one session's .ics and each person's feed behind a
revocable link. Every output is read back by two independent parsers (icalendar and
vobject): stable UID across a reschedule, SEQUENCE bumps, cancellation (STATUS:CANCELLED in
the feed, METHOD:CANCEL in a single file), a Berlin wall-clock time in UTC, token revocation
and rotation, and privacy (notes never in a calendar; one person's link opens only theirs)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import vobject
from icalendar import Calendar
from sqlalchemy import select

from companion.domain import AccessRole, Pairing, PairingStatus
from companion.domain.clock import FixedClock
from companion.errors import AccessDenied, NotFoundError
from companion.services import calendar, sessions
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.services.tokens import Principal
from companion.store import Database, PairingRepository, ProgramRepository
from companion.store.tables import CalendarTokenRow
from tests import factories

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
URL = "https://companion.example"
SECRET_NOTES = "Confidential: talked about the reorganisation"


@pytest.fixture
def world(db: Database, tmp_path: Path) -> Database:
    """Pilot: e1 (Berlin) – m1 (New York) approved, e2 – m2 approved."""
    create_program(db, build_program("Pilot", start=date(2027, 1, 4), session_minutes=45))
    people = [factories.mentor("m1", name="Mara Mentor", timezone="America/New_York"),
              factories.mentor("m2", name="Max Mentor", timezone="Asia/Tokyo"),
              factories.mentee("e1", name="Ella Mentee", timezone="Europe/Berlin"),
              factories.mentee("e2", name="Eddie Mentee", timezone="Asia/Tokyo")]
    report = import_participants_file(db, "Pilot", factories.write_csv(tmp_path / "p.csv",
                                                                       people),
                                      skip_invalid=False)
    assert report.imported, report.errors
    with db.session(write=True) as session:
        repo = PairingRepository(session, ProgramRepository(session).row("Pilot"))
        for pid, mentee, mentor in [("pr-1", "e1", "m1"), ("pr-2", "e2", "m2")]:
            repo.add(Pairing(id=pid, program="Pilot", mentee_id=mentee, mentor_id=mentor))
            repo.decide(pid, expected_version=1, status=PairingStatus.approved, by="c")
    return db


def _who(pid: str, role: str, organization: str | None = None) -> Principal:
    return Principal(f"t-{pid}", pid, AccessRole(role), "Pilot", organization)


def _events(data: bytes) -> dict[str, Any]:
    """Parse with icalendar and with vobject; both must agree on every event's UID,
    SEQUENCE, start (UTC) and status. Returns icalendar's events by UID."""
    cal = Calendar.from_ical(data)
    ours = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    # vobject keeps the first VTIMEZONE it ever parsed for a TZID for the whole process: one
    # another test's file brought (its transitions only around that file's dates) would
    # place these events. A calendar client reads each file on its own; so does this check.
    registry = vars(vobject.icalendar)["__tzidMap"]
    for tzid in [t for t in registry if t != "UTC"]:
        del registry[tzid]
    other = vobject.readOne(data.decode("utf-8"))
    theirs = {e.uid.value: e for e in getattr(other, "vevent_list", [])}
    assert set(ours) == set(theirs)
    for uid, event in ours.items():
        twin = theirs[uid]
        assert int(event["SEQUENCE"]) == int(twin.sequence.value)
        assert event.decoded("DTSTART").astimezone(UTC) == twin.dtstart.value.astimezone(UTC)
        assert event.decoded("DTEND").astimezone(UTC) == twin.dtend.value.astimezone(UTC)
        assert str(event.get("STATUS")) == twin.status.value
        assert str(event["SUMMARY"]) == twin.summary.value
    return ours


def test_a_berlin_afternoon_is_14_00_utc_in_winter_with_its_zone(world: Database) -> None:
    meeting = sessions.schedule(world, "pr-1", "2027-01-12T15:00", by="e1", format="video",
                                location="https://meet.example/ella-mara", clock=FixedClock(NOW))
    data = calendar.session_ics(world, meeting.id).content
    event = _events(data)[meeting.uid]
    start = event.decoded("DTSTART")
    assert start.astimezone(UTC) == datetime(2027, 1, 12, 14, 0, tzinfo=UTC)
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert b"BEGIN:VTIMEZONE" in data and b"TZID:Europe/Berlin" in data
    assert event.decoded("DTEND") - start == timedelta(minutes=45)
    assert str(event["SUMMARY"]) == "Mentoring: Ella Mentee & Mara Mentor"
    assert str(event["LOCATION"]) == str(event["URL"]) == "https://meet.example/ella-mara"
    assert str(Calendar.from_ical(data)["METHOD"]) == "PUBLISH"
    # a summer session is 13:00Z
    summer = sessions.schedule(world, "pr-1", "2027-07-12T15:00", by="e1",
                               clock=FixedClock(NOW))
    event = _events(calendar.session_ics(world, summer.id).content)[summer.uid]
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2027, 7, 12, 13, tzinfo=UTC)


def test_uid_stays_and_sequence_rises_through_reschedule_and_cancel(world: Database) -> None:
    clock = FixedClock(NOW)
    meeting = sessions.schedule(world, "pr-1", "2027-01-12T15:00", by="e1", clock=clock)
    first = _events(calendar.feed(world, "e1", clock=clock))[meeting.uid]
    assert int(first["SEQUENCE"]) == 0 and str(first["STATUS"]) == "CONFIRMED"
    moved = sessions.reschedule(world, meeting.id, "2027-01-14T09:00", by="m1", clock=clock)
    second = _events(calendar.feed(world, "e1", clock=clock))
    assert list(second) == [meeting.uid]  # the same event, moved
    assert int(second[meeting.uid]["SEQUENCE"]) == moved.sequence == 1
    assert second[meeting.uid].decoded("DTSTART").astimezone(UTC) == datetime(
        2027, 1, 14, 14, 0, tzinfo=UTC)  # 09:00 in New York
    sessions.cancel(world, meeting.id, by="e1", reason="ill", clock=clock)
    # the feed keeps the event as CANCELLED with a higher SEQUENCE so clients remove it
    third = _events(calendar.feed(world, "m1", clock=clock))[meeting.uid]
    assert (str(third["STATUS"]), int(third["SEQUENCE"])) == ("CANCELLED", 2)
    single = calendar.session_ics(world, meeting.id).content
    assert str(Calendar.from_ical(single)["METHOD"]) == "CANCEL"
    assert b"ill" not in single.replace(b"Mentoring", b"")  # the reason stays private


def test_ending_a_pairing_cancels_its_future_sessions_in_the_feed(world: Database) -> None:
    clock = FixedClock(NOW)
    meeting = sessions.schedule(world, "pr-1", "2027-01-20T10:00", by="e1", clock=clock)
    with world.session(write=True) as session:
        sessions.cancel_future(session, ProgramRepository(session).row("Pilot"), "pr-1",
                               by="coordinator", at=NOW, reason="pairing ended")
    event = _events(calendar.feed(world, "e1", clock=clock))[meeting.uid]
    assert (str(event["STATUS"]), int(event["SEQUENCE"])) == ("CANCELLED", 1)


def test_notes_never_reach_a_calendar(world: Database) -> None:
    clock = FixedClock(NOW)
    held = sessions.schedule(world, "pr-1", "2027-01-08T10:00", by="e1", notes=SECRET_NOTES,
                             action_items=["Secret action"], clock=clock)
    for data in (calendar.feed(world, "e1", clock=clock), calendar.feed(world, "m1"),
                 calendar.session_ics(world, held.id).content):
        assert held.uid in _events(data)
        assert b"Confidential" not in data and b"Secret action" not in data


def test_the_feed_link_opens_only_its_persons_calendar_until_revoked(world: Database) -> None:
    clock = FixedClock(NOW)
    mine = sessions.schedule(world, "pr-1", "2027-01-12T15:00", by="e1", clock=clock)
    theirs = sessions.schedule(world, "pr-2", "2027-01-13T15:00", by="e2", clock=clock)
    link = calendar.create_link_as(world, _who("e1", "mentee"), "e1", public_url=URL,
                                   clock=clock)
    assert link.url.startswith(f"{URL}/calendar/cal_") and link.url.endswith(".ics")
    secret = link.url.rsplit("/", 1)[1].removesuffix(".ics")
    with world.session() as session:  # only the hash is stored
        stored = session.scalars(select(CalendarTokenRow.secret_hash)).all()
    assert secret not in stored and len(stored) == 1
    events = _events(calendar.feed_by_token(world, secret, clock=clock))
    assert set(events) == {mine.uid}  # e2's session is not in e1's feed
    other = calendar.create_link_as(world, _who("e2", "mentee"), "e2", public_url=URL)
    other_secret = other.url.rsplit("/", 1)[1].removesuffix(".ics")
    assert set(_events(calendar.feed_by_token(world, other_secret))) == {theirs.uid}
    # rotation: a new link stops the old one
    rotated = calendar.create_link_as(world, _who("e1", "mentee"), "e1", public_url=URL)
    with pytest.raises(NotFoundError):
        calendar.feed_by_token(world, secret)
    new_secret = rotated.url.rsplit("/", 1)[1].removesuffix(".ics")
    assert calendar.link_status(world, "e1", "Pilot").live
    calendar.revoke_links_as(world, _who("e1", "mentee"), "e1")
    with pytest.raises(NotFoundError):
        calendar.feed_by_token(world, new_secret)
    with pytest.raises(NotFoundError):
        calendar.feed_by_token(world, "cal_guessed")
    assert not calendar.link_status(world, "e1", "Pilot").live


def test_who_manages_links_and_reads_one_sessions_file(world: Database) -> None:
    clock = FixedClock(NOW)
    meeting = sessions.schedule(world, "pr-1", "2027-01-12T15:00", by="e1", clock=clock)
    # a coordinator makes a link for a participant; another participant cannot
    assert calendar.create_link_as(world, _who("c", "coordinator"), "e1", public_url=URL)
    with pytest.raises(AccessDenied) as denied:
        calendar.create_link_as(world, _who("e2", "mentee"), "e1", public_url=URL)
    assert denied.value.status == 404
    with pytest.raises(AccessDenied):
        calendar.revoke_links_as(world, _who("m2", "mentor"), "e1")
    # one session's file: the pair only
    assert calendar.session_ics_as(world, _who("m1", "mentor"), meeting.id).content
    for outsider in (_who("e2", "mentee"), _who("c", "coordinator")):
        with pytest.raises(AccessDenied) as denied:
            calendar.session_ics_as(world, outsider, meeting.id)
        assert denied.value.status == 404
