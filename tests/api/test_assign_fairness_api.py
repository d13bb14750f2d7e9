"""POST /programs/{program}/assignments with a `fairness` option: the answer's `fairness`
object, the same as the service's, and 422s naming the field for bad values."""

from __future__ import annotations

from typing import Any

import pytest

from companion.services import matching
from companion.services.fairness import Fairness
from tests.api.conftest import World
from tests.api.helpers import assert_problem, audit, error_fields, ok, post

URL = "/programs/Pilot/assignments"


def test_fairness_object_only_when_asked(world: World, hashing_embedder: Any) -> None:
    plain = ok(post(world, "coord", URL, json={"objective": "best_total"}))
    assert "fairness" not in plain
    data = ok(post(world, "coord", URL, json={
        "objective": "best_total",
        "fairness": {"group_by": "organisation", "min_share": 0.5}}))
    assert set(plain) < set(data)
    fair = data["fairness"]
    assert fair["group_by"] == "organization" and fair["min_share"] == 0.5
    # e1 holds an approved pairing: only e2 (Globex) and e3 (Acme) are being placed
    assert {(g["group"], g["to_place"], g["minimum"]) for g in fair["groups"]} == {
        ("Acme", 1, 1), ("Globex", 1, 1)}
    for key in ("price", "relative_price", "total_score", "unconstrained_total_score"):
        assert isinstance(fair[key], float | int) and not isinstance(fair[key], bool)
    assert isinstance(fair["all_met"], bool)
    # one service behind both faces
    again = matching.assign(world.db, "Pilot", hashing_embedder,
                            fairness=Fairness("organization", 0.5)).json()["fairness"]
    assert again == fair
    runs = audit(world, "pairing.assign")
    assert runs[1].detail["fairness"]["group_by"] == "organization"  # the API's run
    assert "fairness" not in runs[2].detail


@pytest.mark.parametrize(("fairness", "field"), [
    ({"group_by": "level", "min_share": 0.5}, "fairness.group_by"),
    ({"group_by": "department", "min_share": 1.5}, "fairness.min_share"),
    ({"group_by": "department", "min_share": -0.1}, "fairness.min_share"),
    ({"group_by": "department", "min_share": "half"}, "fairness.min_share"),
    ({"group_by": "department", "min_share": True}, "fairness.min_share"),
    ({"group_by": "department"}, "fairness.min_share"),
    ({"group_by": "department", "min_share": 0.5, "max_share": 1}, "fairness.max_share"),
])
def test_bad_values_are_422_naming_the_field(world: World, fairness: dict[str, Any],
                                             field: str) -> None:
    body = assert_problem(post(world, "coord", URL, json={"fairness": fairness}), 422)
    assert any(field in f for f in error_fields(body)), body


def test_only_the_host_coordinator_may_run_it(world: World) -> None:
    response = post(world, "e3", URL, json={"fairness": {"group_by": "department",
                                                          "min_share": 0.5}})
    assert response.status_code in (403, 404)
