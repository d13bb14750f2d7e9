"""Ending a pairing and withdrawing a participant over HTTP: the pair's no-fault exit,
coordinators' reasons, 404 to outsiders, field-naming 422, 409 stale, 428 without a
version; a withdrawn participant's pairing ends."""

from __future__ import annotations

from tests.api.conftest import World
from tests.api.helpers import assert_problem, audit, error_fields, get, ok, post

END = "/pairings/pr-approved/end"


def test_the_mentee_leaves_no_fault_in_the_trial_period(world: World) -> None:
    version = ok(get(world, "e1", "/pairings/pr-approved"))["version"]
    for outsider in ("e2", "e3", "o1", "other", "partner"):
        assert_problem(post(world, outsider, END, json={"reason": "no_fault",
                                                        "version": version}), 404)
    assert_problem(post(world, "e1", END, json={"reason": "completed", "version": version}),
                   403)
    ended = ok(post(world, "e1", END, json={"reason": "no_fault", "version": version}))
    assert (ended["status"], ended["end_reason"]) == ("closed", "no_fault")
    assert "end_note" not in ended  # the pair read why, not the coordinators' note
    (event,) = audit(world, "pairing.end", entity_id="pr-approved")
    assert event.detail["by_member"] is True


def test_coordinator_ends_with_versions_and_field_errors(world: World) -> None:
    assert_problem(post(world, "coord", END, json={"reason": "completed"}), 428)
    assert_problem(post(world, "coord", END, json={"reason": "completed", "version": 9}),
                   409)
    problem = assert_problem(post(world, "coord", END, json={"reason": "bored",
                                                             "version": 2}), 422)
    assert "reason" in error_fields(problem)
    ended = ok(post(world, "coord", END, json={"reason": "completed", "note": "done well",
                                               "version": 2}))
    assert (ended["status"], ended["end_reason"], ended["end_note"]) == (
        "closed", "completed", "done well")
    assert_problem(post(world, "coord", END, json={"reason": "completed",
                                                   "version": ended["version"]}), 409)


def test_coordinator_withdraws_a_participant(world: World) -> None:
    assert_problem(post(world, "e1", "/programs/Pilot/participants/m1/withdraw", json={}),
                   403)
    result = ok(post(world, "coord", "/programs/Pilot/participants/m1/withdraw",
                     json={"reason": "left"}))
    assert [p["id"] for p in result["ended"]] == ["pr-approved"]
    assert ok(get(world, "coord", "/pairings/pr-approved"))["end_reason"] == "withdrawn"
