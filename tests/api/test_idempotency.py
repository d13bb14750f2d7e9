"""Idempotency-Key on draft requests: a retry gets the same draft (200, Idempotency-Replayed),
never a second one; the same key for another request is a 422 naming the header; keys are
per caller."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import httpx

from companion.services import drafts
from tests.api.conftest import World
from tests.api.helpers import WAIT, assert_problem, error_fields, ok, post

URL = "/programs/Pilot/drafts"
BODY = {"kind": "questions", "topic": "first session"}


def _request(world: World, who: str, key: str | None, body: dict[str, Any] | None = None
             ) -> httpx.Response:
    headers = {**WAIT, **({} if key is None else {"Idempotency-Key": key})}
    return post(world, who, URL, json=BODY if body is None else body, headers=headers)


def _count(world: World, participant: str) -> int:
    return len(drafts.list_drafts(world.db, program="Pilot", participant_id=participant))


def test_a_retry_gets_the_same_draft(world: World) -> None:
    before = _count(world, "e1")
    first = _request(world, "e1", "retry-1")
    made = ok(first, 201)
    assert first.headers["location"] == f"/api/v1/drafts/{made['id']}"
    assert "idempotency-replayed" not in first.headers
    for _ in range(2):
        again = _request(world, "e1", "retry-1")
        assert ok(again)["id"] == made["id"]
        assert again.headers["idempotency-replayed"] == "true"
        assert again.headers["etag"] == f'"{made["version"]}"'
        assert again.json() == made
    assert _count(world, "e1") == before + 1
    # without a key, every request is a new draft
    assert ok(_request(world, "e1", None), 201)["id"] != made["id"]
    assert _count(world, "e1") == before + 2


def test_the_replay_shows_the_draft_as_it_is_now(world: World) -> None:
    made = ok(_request(world, "e1", "k-now"), 201)
    ok(post(world, "e1", f"/drafts/{made['id']}/review",
            json={"decision": "approve", "version": made["version"]}))
    replay = ok(_request(world, "e1", "k-now"))
    assert replay["id"] == made["id"] and replay["status"] == "approved"


def test_the_same_key_for_another_request_is_422_naming_it(world: World) -> None:
    made = ok(_request(world, "e1", "k-1"), 201)
    for body in ({"kind": "agenda"}, {**BODY, "topic": "something else"},
                 {**BODY, "participant_id": "e1", "topic": "x"}):
        response = _request(world, "e1", "k-1", body)
        problem = assert_problem(response, 422)
        assert error_fields(problem) == ["Idempotency-Key"]
        assert "Idempotency-Key" in problem["detail"] or "different request" in \
            problem["detail"]
    # naming oneself explicitly is the same request
    assert ok(_request(world, "e1", "k-1", {**BODY, "participant_id": "e1"}))["id"] == \
        made["id"]


def test_keys_are_per_caller(world: World) -> None:
    mine = ok(_request(world, "e1", "shared-key"), 201)
    theirs = _request(world, "e3", "shared-key")
    assert ok(theirs, 201)["id"] != mine["id"]
    assert theirs.json()["participant_id"] == "e3"
    assert "idempotency-replayed" not in theirs.headers
    # a coordinator's request for e1 with the same key is theirs, not e1's
    coord = _request(world, "coord", "shared-key", {**BODY, "participant_id": "e1"})
    assert ok(coord, 201)["id"] != mine["id"]
    assert ok(_request(world, "e1", "shared-key"))["id"] == mine["id"]


def test_a_failed_request_frees_its_key(world: World) -> None:
    bad = {"kind": "framework"}  # a framework needs a topic: nothing is made
    assert error_fields(assert_problem(_request(world, "m1", "k-free", bad), 422)) == ["topic"]
    assert error_fields(assert_problem(_request(world, "m1", "k-free", bad), 422)) == ["topic"]
    good = {"kind": "framework", "topic": "feedback on missed deadlines"}
    made = ok(_request(world, "m1", "k-free", good), 201)
    assert ok(_request(world, "m1", "k-free", good))["id"] == made["id"]


def test_a_denied_request_claims_nothing(world: World) -> None:
    other = {**BODY, "participant_id": "e3"}
    assert_problem(_request(world, "e1", "k-denied", other), 403)
    assert ok(_request(world, "e1", "k-denied"), 201)["participant_id"] == "e1"


def test_bad_keys_are_422_naming_the_header(world: World) -> None:
    for key in ("   ", "k" * 201):
        problem = assert_problem(_request(world, "e1", key), 422)
        assert any("idempotency-key" in f.lower() for f in error_fields(problem)), problem


def test_simultaneous_retries_make_one_draft(world: World) -> None:
    before = _count(world, "e2")
    barrier = threading.Barrier(3)
    results: list[httpx.Response] = []

    def send() -> None:
        barrier.wait()
        results.append(_request(world, "e2", "race-key"))

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    codes = Counter(r.status_code for r in results)
    assert codes[201] == 1 and set(codes) <= {200, 201, 409}, [r.text[:200] for r in results]
    ids = {r.json()["id"] for r in results if r.status_code in (200, 201)}
    assert len(ids) == 1
    assert _count(world, "e2") == before + 1
    assert ok(_request(world, "e2", "race-key"))["id"] in ids
