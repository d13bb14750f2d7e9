"""Goals and check-ins over HTTP: the pair reads and changes its goals (versions, If-Match,
428/409), coordinators read counts only (403 on the goals themselves), others 404; check-ins
answered once by their owner; the summary suppresses small groups; 422s name the field."""

from __future__ import annotations

from datetime import UTC, date, datetime

from companion.domain import Draft, DraftKind, DraftStatus
from companion.domain.clock import FixedClock
from companion.services import checkins
from companion.store import DraftRepository, ProgramRepository
from companion.store.tables import PairingRow
from tests.api.conftest import World
from tests.api.helpers import assert_problem, error_fields, get, ok, post

CONTENT = {"goals": [{"statement": "Delegate the weekly report", "time_bound": "2027-09-30",
                      "evaluated": [{"date": "2027-03-05", "check": "Review the hours log"}]}]}


def _draft(world: World) -> None:
    with world.db.session(write=True) as session:
        DraftRepository(session, ProgramRepository(session).row("Pilot")).add(Draft(
            id="dr-goals", program="Pilot", kind=DraftKind.goals, participant_id="e1",
            status=DraftStatus.approved, generator="test", content=CONTENT), author="e1")


def test_the_pair_tracks_updates_and_readjusts(world: World) -> None:
    _draft(world)
    path = "/pairings/pr-approved/goals"
    tracked = ok(post(world, "e1", f"{path}/track", json={"draft_id": "dr-goals"}), 201)
    assert ok(post(world, "e1", f"{path}/track", json={"draft_id": "dr-goals"}))[
        "created"] is False
    # made before the pairing, the draft is e1's own: the mentor cannot share it
    assert_problem(post(world, "m1", f"{path}/track", json={"draft_id": "dr-goals"}), 404)
    [goal] = ok(get(world, "m1", path))["goals"]
    assert goal["id"] == tracked["goals"][0]["id"]
    gid = goal["id"]
    assert_problem(post(world, "e1", f"/goals/{gid}/updates", json={"status": "on_track"}),
                   428)
    assert_problem(post(world, "e1", f"/goals/{gid}/updates",
                        json={"status": "on_track", "version": 2}), 409)
    updated = world.client.post(f"/api/v1/goals/{gid}/updates",
                                json={"status": "on_track", "note": "Handed over"},
                                headers={**world.headers("e1"), "If-Match": '"1"'})
    assert updated.status_code == 200 and updated.headers["ETag"] == '"1"'
    assert updated.json()["updates"][0]["evidence"] == "Handed over"
    new = ok(post(world, "m1", f"/goals/{gid}/readjust",
                  json={"statement": "Delegate one report", "version": 1}), 201)
    assert new["version"] == 2 and [h["id"] for h in new["history"]] == [gid]
    point = new["checkpoints"][0]["id"]
    assert ok(post(world, "e1", f"/checkpoints/{point}", json={"done": True}))["done"] is True
    problem = assert_problem(post(world, "e1", f"/goals/{new['id']}/updates",
                                  json={"status": "finished", "version": 2}), 422)
    assert "status" in error_fields(problem)
    problem = assert_problem(post(world, "e1", f"/goals/{new['id']}/readjust",
                                  json={"time_bound": "soon", "version": 2}), 422)
    assert "time_bound" in error_fields(problem)


def test_coordinators_see_counts_and_others_nothing(world: World) -> None:
    _draft(world)
    tracked = ok(post(world, "e1", "/pairings/pr-approved/goals/track",
                      json={"draft_id": "dr-goals"}), 201)
    gid = tracked["goals"][0]["id"]
    assert_problem(get(world, "coord", "/pairings/pr-approved/goals"), 403)
    assert_problem(get(world, "coord", f"/goals/{gid}"), 403)
    for outsider in ("e2", "e3", "other", "o1"):
        assert_problem(get(world, outsider, f"/goals/{gid}"), 404)
        assert_problem(post(world, outsider, f"/goals/{gid}/updates",
                            json={"status": "done", "version": 1}), 404)
    counts = ok(get(world, "coord", "/programs/Pilot/goals/completion"))
    assert counts["pairings"] == [{"pairing_id": "pr-approved", "goals": 1, "done": 0,
                                   "by_status": {"not_started": 1}, "checkpoints": 1,
                                   "checkpoints_done": 0}]
    assert counts["next_cursor"] is None and counts["total"] == 1
    assert_problem(get(world, "e1", "/programs/Pilot/goals/completion"), 403)


def test_checkins_are_answered_by_their_owner_and_summarised(world: World) -> None:
    with world.db.session(write=True) as session:
        session.get_one(PairingRow, "pr-approved").approved_at = datetime(2027, 1, 10,
                                                                          tzinfo=UTC)
    checkins.due_checkins(world.db, "Pilot", FixedClock(datetime(2027, 2, 9, tzinfo=UTC)))
    [mine] = ok(get(world, "e1", "/programs/Pilot/checkins"))["checkins"]
    assert (mine["kind"], mine["due_on"]) == ("pulse", date(2027, 2, 9).isoformat())
    path = f"/checkins/{mine['id']}/submit"
    assert_problem(post(world, "m1", path, json={"rating": 4, "meetings_per_month": 1}), 404)
    for body, field in [({"rating": 7, "meetings_per_month": 1}, "rating"),
                        ({"rating": 4}, "meetings_per_month"),
                        ({"rating": 4, "meetings_per_month": 1, "mood": "x"}, "mood")]:
        problem = assert_problem(post(world, "e1", path, json=body), 422)
        assert field in error_fields(problem), problem
    answered = ok(post(world, "e1", path, json={"rating": 5, "meetings_per_month": 2,
                                                "text": "Very helpful"}))
    assert answered["submitted"] is True
    assert_problem(post(world, "e1", path, json={"rating": 5, "meetings_per_month": 2}), 409)
    summary = ok(get(world, "coord", "/programs/Pilot/checkins/summary"))
    assert summary["overall"]["responses"] == 1 and summary["overall"]["suppressed"] is True
    assert "Very helpful" not in str(summary) and summary["comments"] is None
    assert_problem(get(world, "e1", "/programs/Pilot/checkins/summary"), 403)
