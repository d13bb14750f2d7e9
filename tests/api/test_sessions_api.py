"""Sessions over HTTP: the pair schedules and keeps notes, coordinators see status and dates
only, everyone else gets a 404; field-naming 422s, 409 on a stale version, 428 without one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.api.conftest import World
from tests.api.helpers import assert_problem, audit, error_fields, get, ok, post

FUTURE = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT15:00")
PAST = (datetime.now(UTC) - timedelta(days=3)).strftime("%Y-%m-%dT10:00")


def _schedule(world: World, who: str, at: str, **extra: object) -> dict[str, object]:
    return ok(post(world, who, "/pairings/pr-approved/sessions",
                   json={"at": at, "minutes": 60, **extra}), 201)


def test_the_pair_schedules_and_keeps_its_notes_private(world: World) -> None:
    planned = _schedule(world, "e1", FUTURE, location="https://meet.example/x")
    assert {"id", "pairing_id", "starts_at", "minutes", "status"} <= planned.keys()
    assert (planned["pairing_id"], planned["status"], planned["minutes"]) == (
        "pr-approved", "scheduled", 60)
    logged = _schedule(world, "m1", PAST)
    assert logged["status"] == "held"
    sid = str(logged["id"])
    done = ok(post(world, "e1", f"/sessions/{sid}/done",
                   json={"notes": "Ella's private notes", "action_items": ["ask for budget"],
                         "version": logged["version"]}))
    assert done["notes"] == "Ella's private notes"

    mentor = ok(get(world, "m1", f"/sessions/{sid}"))
    assert mentor["notes"] == "Ella's private notes" and mentor["action_items"] == [
        "ask for budget"]
    coordinator = ok(get(world, "coord", f"/sessions/{sid}"))
    assert coordinator["status"] == "held" and coordinator["starts_at"] == logged["starts_at"]
    assert not {"notes", "action_items", "location"} & coordinator.keys()
    listed = ok(get(world, "coord", "/programs/Pilot/sessions"))["sessions"]
    assert {s["id"] for s in listed} == {planned["id"], sid}
    assert all("notes" not in s for s in listed)
    assert ok(get(world, "admin", f"/sessions/{sid}"))["notes"] == "Ella's private notes"

    for outsider in ("e2", "e3", "partner", "other", "o1"):
        assert_problem(get(world, outsider, f"/sessions/{sid}"), 404)
    assert ok(get(world, "e3", "/programs/Pilot/sessions"))["sessions"] == []
    assert_problem(get(world, "e2", "/programs/Pilot/sessions?pairing_id=pr-approved"), 404)
    (event,) = audit(world, "session.log", entity_id=sid)
    assert event.token_id == world.token_ids["m1"]


def test_coordinators_plan_but_never_write_the_notes(world: World) -> None:
    planned = _schedule(world, "coord", FUTURE)
    moved = ok(post(world, "coord", f"/sessions/{planned['id']}/reschedule",
                    json={"at": FUTURE.replace("T15", "T16"), "version": planned["version"]}))
    assert moved["sequence"] == 1
    logged = _schedule(world, "e1", PAST)
    assert_problem(post(world, "coord", f"/sessions/{logged['id']}/done",
                        json={"notes": "x", "version": logged["version"]}), 403)
    assert_problem(post(world, "partner", "/pairings/pr-approved/sessions",
                        json={"at": FUTURE}), 404)
    assert_problem(post(world, "e2", "/pairings/pr-pending/sessions", json={"at": FUTURE}),
                   404)  # not e2's partner yet: hidden
    assert_problem(post(world, "coord", "/pairings/pr-pending/sessions", json={"at": FUTURE}),
                   409)  # the coordinator sees it: only approved or active pairings meet


def test_versions_and_field_errors(world: World) -> None:
    planned = _schedule(world, "e1", FUTURE)
    path = f"/sessions/{planned['id']}/cancel"
    assert_problem(post(world, "e1", path, json={}), 428)
    assert_problem(post(world, "e1", path, json={"version": 7}), 409)
    cancelled = ok(post(world, "e1", path, json={"version": planned["version"]}))
    assert (cancelled["status"], cancelled["sequence"]) == ("cancelled", 1)
    for body, field in [({"at": FUTURE, "minutes": 0}, "minutes"),
                        ({"at": "sometime"}, "at"),
                        ({"at": FUTURE, "timezone": "Mars/Base"}, "timezone"),
                        ({"at": FUTURE, "format": "smoke"}, "format"),
                        ({"at": FUTURE, "colour": "red"}, "colour")]:
        problem = assert_problem(post(world, "e1", "/pairings/pr-approved/sessions",
                                      json=body), 422)
        assert field in error_fields(problem), (body, problem)
