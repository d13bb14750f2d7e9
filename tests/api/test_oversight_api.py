"""Health, dashboard, export and notifications over HTTP: the host's coordinators read the
figures (a partner's coordinator 403, a participant 403, another program 404); each
participant reads and marks their own notices, never someone else's (404)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from companion.domain.clock import FixedClock
from companion.services.nudges import run_nudges
from tests.api.conftest import World
from tests.api.helpers import assert_problem, get, ok, post

LATER = (datetime.now(UTC) + timedelta(days=40)).date().isoformat()  # 12 days past 4 weeks


def test_coordinators_read_health_and_the_dashboard(world: World) -> None:
    found = ok(get(world, "coord", f"/programs/Pilot/pairing-health?now={LATER}"))
    (item,) = found["pairings"]
    assert (item["pairing_id"], item["health"], item["days_since_last_session"]) == (
        "pr-approved", "needs_checkin", 40)
    board = ok(get(world, "coord", f"/programs/Pilot/dashboard?now={LATER}"))
    assert board["pairs_by_health"]["needs_checkin"] == 1
    assert board["coverage"]["covered"] == 1
    for who, code in (("partner", 403), ("e1", 403), ("m1", 403), ("o1", 404)):
        assert_problem(get(world, who, "/programs/Pilot/pairing-health"), code)
        assert_problem(get(world, who, "/programs/Pilot/dashboard"), code)
    assert_problem(get(world, "coord", "/programs/Pilot/pairing-health?now=soon"), 422)


def test_the_export_downloads_as_csv_and_xlsx(world: World) -> None:
    answer = get(world, "coord", "/programs/Pilot/export.csv")
    assert answer.status_code == 200  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))  # type: ignore[attr-defined]
    assert [r["pairing_id"] for r in rows] == ["pr-approved"]
    xlsx = get(world, "coord", "/programs/Pilot/export.xlsx")
    assert xlsx.content[:2] == b"PK"  # type: ignore[attr-defined]
    assert_problem(get(world, "e1", "/programs/Pilot/export.csv"), 403)
    assert get(world, "coord", "/programs/Pilot/export.pdf").status_code in (404, 422)  # type: ignore[attr-defined]


def test_participants_read_and_mark_their_own_notices(world: World) -> None:
    later = datetime.now(UTC) + timedelta(days=60)  # 32 days past: nudge 21 and the queue
    run_nudges(world.db, "Pilot", clock=FixedClock(later))
    mine = ok(get(world, "e1", "/programs/Pilot/notifications"))
    # the nudge, and the reminder of the first pulse check-in (due 30 days after approval)
    assert sorted(n["kind"] for n in mine["notifications"]) == ["checkin_due", "nudge"]
    (notice,) = [n for n in mine["notifications"] if n["kind"] == "nudge"]
    assert (mine["unread"], notice["threshold_days"], notice["read"]) == (2, 21, False)
    assert ok(get(world, "e2", "/programs/Pilot/notifications"))["notifications"] == []
    assert_problem(post(world, "e2", f"/programs/Pilot/notifications/{notice['id']}/read"),
                   404)
    assert ok(post(world, "e1", f"/programs/Pilot/notifications/{notice['id']}/read")) == {
        "id": notice["id"], "changed": True}
    unread = ok(get(world, "e1", "/programs/Pilot/notifications?unread=true"))
    assert ([n["kind"] for n in unread["notifications"]], unread["unread"]) == (
        ["checkin_due"], 1)
    queue = ok(get(world, "coord", "/programs/Pilot/notifications"))["notifications"]
    assert [(n["kind"], n["pairing_id"]) for n in queue] == [("coordinator_queue",
                                                             "pr-approved")]
