"""Sessions in Chromium: the mentee schedules a session in their own time zone (a bad value
is named at its field), the mentor sees it at their own wall-clock time and records a
session held with private notes and action items, the .ics downloads, the calendar link is
made and revoked; the coordinator sees the pairing's held count and dates but no notes text
anywhere on the page."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from tests.web.conftest import (
    PROGRAM,
    Site,
    mentee_of,
    mentor_of,
    run_in_site,
    running_site,
    shot,
)

NOTES = "Talked through the reorganisation; Ella worries about her new peer group"
ACTION = "Book a skip-level meeting"


@pytest.fixture(scope="module")
def own_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A site of its own: other modules may end or change the shared site's pairing."""
    with running_site(tmp_path_factory.mktemp("sessions-home")) as running:
        yield running




def _zone(site: Site, pid: str) -> str:
    return str(site.people[pid].get("timezone") or "UTC")


def _nav_sessions(page: Any) -> None:
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Sessions", exact=True).click()


def _sign_in(site: Site, page: Any, role: str, pid: str) -> None:
    page.goto(site.link(role, pid))
    expect(page.get_by_role("status")).to_have_text("You are signed in.")
    _nav_sessions(page)
    expect(page.get_by_role("heading", name="Your sessions", level=1)).to_be_visible()


def _past_scheduled_session(site: Site, pairing_id: str) -> str:
    """A session planned for yesterday and not yet recorded (time has passed since it was
    planned): written through the store, as a clock moving on would leave it."""
    return str(run_in_site(site, f"""
from datetime import UTC, datetime, timedelta
from companion.domain.relationship import MentoringSession
from companion.store import ProgramRepository, SessionRepository
at = datetime.now(UTC) - timedelta(days=1)
with db.session(write=True) as session:
    repo = SessionRepository(session, ProgramRepository(session).row(PROGRAM))
    repo.add(MentoringSession(id="ss-pastplanned", program=PROGRAM, pairing_id={pairing_id!r},
             starts_at=at.replace(minute=0, second=0, microsecond=0), minutes=60,
             uid="ss-pastplanned@companion", created_by="test"), at=at - timedelta(days=7))
print(json.dumps("ss-pastplanned"))
"""))


def test_schedule_see_in_own_zone_record_notes_coordinator_sees_no_notes(
        own_site: Site, page: Any, tmp_path: Path) -> None:
    site = own_site
    mentee, mentor = mentee_of(site), mentor_of(site)
    mentee_zone, mentor_zone = ZoneInfo(_zone(site, mentee)), ZoneInfo(_zone(site, mentor))
    day = (datetime.now(mentee_zone) + timedelta(days=9)).date()
    local = datetime(day.year, day.month, day.day, 15, 0, tzinfo=mentee_zone)

    # the mentee schedules; a bad length is named at its field, what was typed is kept
    _sign_in(site, page, "mentee", mentee)
    expect(page.get_by_text("No session is planned.")).to_be_visible()
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label(re.compile(r"^Start time")).fill("15:00")
    page.get_by_label("Minutes").evaluate("e => e.removeAttribute('max')")
    page.get_by_label("Minutes").fill("900")
    page.get_by_label("Format").select_option("video")
    page.get_by_label("Location or link").fill("https://meet.example/ella")
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_role("alert")).to_contain_text("minutes must be from 5 to 480")
    expect(page.get_by_label("Location or link")).to_have_value("https://meet.example/ella")
    page.get_by_label("Minutes").fill("45")
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_role("status")).to_have_text("Session scheduled.")
    mine = local.strftime("%a %d %b %Y, %H:%M")
    expect(page.locator(".next-when")).to_contain_text(mine)
    shot(page, "sessions")

    # the .ics download: the same instant
    with page.expect_download() as got:
        page.locator(".next-session").get_by_role("link", name="Add to calendar (.ics)").click()
    path = tmp_path / "s.ics"
    got.value.save_as(path)
    (event,) = Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    assert event.decoded("DTSTART").astimezone(UTC) == local.astimezone(UTC)

    # the calendar link: made (shown once), then revoked (the feed answers 404)
    page.get_by_role("button", name="Create my calendar link").click()
    url = page.get_by_label(re.compile("Your calendar link")).input_value()
    assert "/calendar/cal_" in url
    with urllib.request.urlopen(url) as answer:  # noqa: S310 - the test's own server
        assert answer.headers["content-type"].startswith("text/calendar")
        assert b"BEGIN:VEVENT" in answer.read()
    page.get_by_role("button", name="Revoke link").click()
    expect(page.get_by_role("status")).to_contain_text("Calendar link revoked")
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(url)  # noqa: S310
    assert gone.value.code == 404

    # the mentor sees it at their own wall-clock time and records a past session held
    pairing_id = str(site.approved["pairing_id"])  # type: ignore[attr-defined]
    past = _past_scheduled_session(site, pairing_id)
    _sign_in(site, page, "mentor", mentor)
    theirs = local.astimezone(mentor_zone).strftime("%a %d %b %Y, %H:%M")
    expect(page.locator(".next-when")).to_contain_text(theirs)
    card = page.locator(f"#session-{past}")
    card.get_by_label("Private notes").fill(NOTES)
    card.get_by_label("Action items (one per line)").fill(f"{ACTION}\nShare the reading list")
    card.get_by_role("button", name="Mark as held").click()
    expect(page.get_by_role("status")).to_have_text("Session recorded as held with your notes.")
    card = page.locator(f"#session-{past}")
    expect(card.locator(".status")).to_have_text("held")
    expect(card.locator(".notes")).to_have_text(NOTES)
    expect(card.locator(".actions-list li")).to_have_count(2)

    # the coordinator: held count and dates, and no notes text anywhere
    page.goto(site.link("coordinator", "coord-ana"))
    expect(page.get_by_role("heading", name=PROGRAM, exact=True)).to_be_visible()
    _nav_sessions(page)
    row = page.locator(f"#pairing-{pairing_id}")
    expect(row.locator(".held-count")).to_have_text("1")
    expect(row.locator(".last-held")).not_to_have_text("—")
    expect(row.locator(".next-scheduled")).to_contain_text(
        local.astimezone(UTC).strftime("%Y-%m-%d %H:%M"))
    html = page.content()
    assert "reorganisation" not in html and ACTION not in html and "meet.example" not in html
    shot(page, "coordinator-sessions")
