"""`companion calendar PARTICIPANT_ID`: the feed on stdout (parsed by two parsers), --link
(rotating) and --revoke."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import vobject
from icalendar import Calendar

from companion.config import get_settings
from companion.services import calendar
from companion.store import get_database
from tests.cli.conftest import Run
from tests.cli.test_session_commands import pilot  # noqa: F401  (the fixture)

Cli = Callable[..., Run]


def test_calendar_prints_the_feed_and_manages_the_link(cli: Cli, pilot: None) -> None:  # noqa: F811
    made = cli("session", "schedule", "--pairing", "pr-1", "--at", "2099-01-12T15:00",
               "--by", "e1", "--format", "json")
    assert made.code == 0, made.err
    sid = json.loads(made.out)["id"]
    run = cli("calendar", "m1")
    assert run.code == 0, run.err
    (event,) = Calendar.from_ical(run.out).walk("VEVENT")
    assert str(event["UID"]) == f"{sid}@companion"
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2099, 1, 12, 14, tzinfo=UTC)
    assert vobject.readOne(run.out).vevent.uid.value == f"{sid}@companion"

    link = cli("calendar", "e1", "--link", "--format", "json")
    assert link.code == 0, link.err
    url = json.loads(link.out)["url"]
    assert url.startswith(get_settings().public_url.rstrip("/") + "/calendar/cal_")
    secret = url.rsplit("/", 1)[1].removesuffix(".ics")
    db = get_database(get_settings())
    assert calendar.feed_by_token(db, secret)
    revoked = cli("calendar", "e1", "--revoke", "--format", "json")
    assert revoked.code == 0 and json.loads(revoked.out)["revoked"] == 1
    missing = cli("calendar", "nobody")
    assert missing.code == 2 and "no participant 'nobody'" in missing.err
    assert cli("calendar", "e1", "--link", "--revoke").code == 2
