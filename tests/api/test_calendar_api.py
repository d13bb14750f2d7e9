"""Calendars over HTTP: one session's .ics for the pair only, the feed link made and revoked
by the person or a coordinator, and the public feed URL (no token header; 404 once revoked)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import vobject
from icalendar import Calendar

from tests.api.conftest import World
from tests.api.helpers import assert_problem, call, get, ok, post

FUTURE = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT15:00")


def _feed_path(url: str) -> str:
    return "/calendar/" + url.rsplit("/calendar/", 1)[1]


def test_session_ics_and_the_feed_link(world: World) -> None:
    planned = ok(post(world, "e1", "/pairings/pr-approved/sessions",
                      json={"at": FUTURE, "minutes": 60, "location": "Room 4"}), 201)
    sid = planned["id"]
    answer = get(world, "m1", f"/sessions/{sid}/ics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(answer.content).walk("VEVENT")
    assert str(event["UID"]) == f"{sid}@companion" and str(event["LOCATION"]) == "Room 4"
    assert vobject.readOne(answer.text).vevent.uid.value == f"{sid}@companion"
    for outsider in ("coord", "e2", "partner"):  # the file is the pair's
        assert_problem(get(world, outsider, f"/sessions/{sid}/ics"), 404)

    link = ok(post(world, "e1", "/participants/e1/calendar-token"), 201)
    assert link["participant_id"] == "e1" and "/calendar/cal_" in link["url"]
    feed = world.client.get(_feed_path(link["url"]))  # no Authorization header
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert {str(e["UID"]) for e in Calendar.from_ical(feed.content).walk("VEVENT")} == {
        f"{sid}@companion"}
    assert ok(get(world, "e1", "/participants/e1/calendar-token"))["live"] is True
    # someone else's link cannot be made, nor theirs revoked
    assert_problem(post(world, "e2", "/participants/e1/calendar-token"), 404)
    assert_problem(call(world, "e2", "DELETE", "/participants/e1/calendar-token"), 404)
    # a coordinator rotates it for the person: the old URL is dead
    rotated = ok(post(world, "coord", "/participants/e1/calendar-token"), 201)
    assert world.client.get(_feed_path(link["url"])).status_code == 404
    assert world.client.get(_feed_path(rotated["url"])).status_code == 200
    revoked = ok(call(world, "e1", "DELETE", "/participants/e1/calendar-token"))
    assert revoked["live"] is False and revoked["revoked"] == 1
    assert world.client.get(_feed_path(rotated["url"])).status_code == 404
    assert world.client.get("/calendar/cal_nothing.ics").status_code == 404
