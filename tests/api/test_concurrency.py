"""Optimistic concurrency on decisions: the version decided on (body `version` or If-Match with
the ETag) must be the current one — a stale one is 409, none is 428, a malformed one is 422 —
and two people deciding the same thing at the same moment make exactly one decision."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import httpx
import pytest

from tests.api.conftest import World
from tests.api.helpers import assert_problem, audit, each, error_fields, get, ok, post

PAIRING = "/pairings/pr-pending"


def _approve_pairing(world: World, who: str = "coord", **kwargs: Any) -> httpx.Response:
    return post(world, who, f"{PAIRING}/review", **kwargs)


# -- pairings -----------------------------------------------------------------------------
def test_a_second_stale_approval_is_a_conflict_and_approves_once(world: World) -> None:
    first = ok(_approve_pairing(world, json={"decision": "approve", "version": 1}))
    assert first["pairing"]["status"] == "approved" and first["pairing"]["version"] == 2
    second = _approve_pairing(world, "admin", json={"decision": "approve", "version": 1})
    assert "version" in assert_problem(second, 409)["detail"]
    # even with the current version an approved pairing cannot be approved again
    again = _approve_pairing(world, "admin", json={"decision": "approve", "version": 2})
    assert "approved" in assert_problem(again, 409)["detail"]
    current = ok(get(world, "coord", PAIRING))
    assert (current["status"], current["version"], current["decided_by"]) == (
        "approved", 2, "coordinator:c-pilot")
    assert len(audit(world, "pairing.approve", entity_id="pr-pending")) == 1


def test_if_match_with_the_etag_from_get(world: World) -> None:
    read = get(world, "coord", PAIRING)
    assert read.headers["etag"] == '"1"'
    decided = _approve_pairing(world, json={"decision": "approve"},
                               headers={"If-Match": read.headers["etag"]})
    assert ok(decided)["pairing"]["version"] == 2
    assert decided.headers["etag"] == '"2"'
    assert get(world, "coord", PAIRING).headers["etag"] == '"2"'
    # the old ETag is stale now
    stale = post(world, "coord", f"{PAIRING}/review", json={"decision": "lock"},
                 headers={"If-Match": read.headers["etag"]})
    assert_problem(stale, 409)
    locked = post(world, "coord", f"{PAIRING}/review", json={"decision": "lock"},
                  headers={"If-Match": 'W/"2"'})
    assert ok(locked)["pairing"]["locked"] is True


def test_a_stale_if_match_is_a_conflict(world: World) -> None:
    assert_problem(_approve_pairing(world, json={"decision": "approve"},
                                    headers={"If-Match": '"7"'}), 409)
    assert ok(get(world, "coord", PAIRING))["status"] == "pending"


def test_no_version_and_no_if_match_is_428(world: World) -> None:
    body = assert_problem(_approve_pairing(world, json={"decision": "approve"}), 428)
    assert "If-Match" in body["detail"] and "version" in body["detail"]
    assert ok(get(world, "coord", PAIRING))["status"] == "pending"


def test_a_malformed_if_match_is_422_naming_it(world: World) -> None:
    def check(value: str) -> None:
        response = _approve_pairing(world, json={"decision": "approve"},
                                    headers={"If-Match": value.encode("latin-1")})  # type: ignore[dict-item]
        body = assert_problem(response, 422)
        assert error_fields(body) == ["If-Match"], body

    each(["abc", "*", '"1', '1"', '"-1"', '"1", "2"', '"1.0"', '"99999999999"', "\u00e9",
          'W/"', "W/1x", ""], check)
    assert ok(get(world, "coord", PAIRING))["status"] == "pending"


def test_version_and_if_match_must_agree(world: World) -> None:
    response = _approve_pairing(world, json={"decision": "approve", "version": 1},
                                headers={"If-Match": '"2"'})
    assert error_fields(assert_problem(response, 422)) == ["version"]


def test_a_bad_version_in_the_body_is_422_naming_it(world: World) -> None:
    def check(version: Any) -> None:
        response = _approve_pairing(world, json={"decision": "approve", "version": version})
        assert error_fields(assert_problem(response, 422)) == ["version"]

    each([0, -1, "one", "1", 1.5, 1.0, True, [1], {"v": 1}, 10**30, 2**31], check)
    # an explicit null is "not sent"
    assert_problem(_approve_pairing(world, json={"decision": "approve", "version": None}), 428)
    assert ok(get(world, "coord", PAIRING))["status"] == "pending"


# -- drafts -------------------------------------------------------------------------------
def _draft(world: World) -> str:
    return f"/drafts/{world.drafts['pending']}"


def test_draft_if_match_stale_missing_and_malformed(world: World) -> None:
    read = get(world, "e1", _draft(world))
    etag = read.headers["etag"]
    assert etag == f'"{read.json()["version"]}"'
    review = f"{_draft(world)}/review"
    assert_problem(post(world, "e1", review, json={"decision": "approve"}), 428)
    assert_problem(post(world, "e1", review, json={"decision": "approve"},
                        headers={"If-Match": '"9"'}), 409)
    bad = post(world, "e1", review, json={"decision": "approve"}, headers={"If-Match": "x"})
    assert error_fields(assert_problem(bad, 422)) == ["If-Match"]
    assert ok(get(world, "e1", _draft(world)))["status"] == "pending_review"
    decided = post(world, "e1", review, json={"decision": "approve"},
                   headers={"If-Match": etag})
    approved = ok(decided)
    assert approved["status"] == "approved"
    assert decided.headers["etag"] == f'"{approved["version"]}"'
    again = post(world, "e1", review, json={"decision": "approve"}, headers={"If-Match": etag})
    assert_problem(again, 409)
    assert_problem(post(world, "e1", review, json={"decision": "reject", "note": "no",
                                                   "version": approved["version"]}), 409)
    assert ok(get(world, "e1", _draft(world)))["status"] == "approved"
    assert len(audit(world, "draft.approve", entity_id=world.drafts["pending"])) == 1


def test_an_edit_makes_a_new_version_and_stales_the_old_etag(world: World) -> None:
    read = ok(get(world, "e1", _draft(world)))
    content = {**read["content"], "title": "Our first session, edited"}
    edited = ok(post(world, "e1", f"{_draft(world)}/review",
                     json={"decision": "edit", "version": read["version"],
                           "content": content}))
    assert edited["version"] == read["version"] + 1
    assert edited["status"] == "pending_review" and edited["content"]["title"] == \
        "Our first session, edited"
    assert_problem(post(world, "e1", f"{_draft(world)}/review",
                        json={"decision": "approve", "version": read["version"]}), 409)
    versions = ok(get(world, "e1", f"{_draft(world)}/versions"))["versions"]
    assert [v["number"] for v in versions] == [1, 2] and versions[1]["diff"]


# -- real concurrency ---------------------------------------------------------------------
def _race(world: World, who: str, path: str, body: dict[str, Any], n: int
          ) -> list[httpx.Response]:
    """`n` threads send the same decision at the same moment through one app."""
    barrier = threading.Barrier(n)
    results: list[httpx.Response] = []
    lock = threading.Lock()

    def send() -> None:
        barrier.wait()
        response = post(world, who, path, json=body)
        with lock:
            results.append(response)

    threads = [threading.Thread(target=send) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == n
    return results


@pytest.mark.parametrize("n", [2, 4])
def test_simultaneous_pairing_approvals_make_one_decision(world: World, n: int) -> None:
    results = _race(world, "coord", f"{PAIRING}/review", {"decision": "approve", "version": 1},
                    n)
    assert Counter(r.status_code for r in results) == {200: 1, 409: n - 1}, \
        [r.text[:200] for r in results]
    for response in results:
        if response.status_code == 409:
            assert_problem(response, 409)
    current = ok(get(world, "coord", PAIRING))
    assert (current["status"], current["version"]) == ("approved", 2)
    assert len(audit(world, "pairing.approve", entity_id="pr-pending")) == 1


def test_simultaneous_approve_and_reject_of_a_pairing(world: World) -> None:
    barrier = threading.Barrier(2)
    results: dict[str, httpx.Response] = {}

    def decide(who: str, body: dict[str, Any]) -> None:
        barrier.wait()
        results[who] = post(world, who, f"{PAIRING}/review", json=body)

    threads = [threading.Thread(target=decide, args=args) for args in (
        ("coord", {"decision": "approve", "version": 1}),
        ("admin", {"decision": "reject", "version": 1, "note": "not a fit"}))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    codes = sorted(r.status_code for r in results.values())
    assert codes == [200, 409], {k: v.text[:200] for k, v in results.items()}
    winner = next(w for w, r in results.items() if r.status_code == 200)
    status = ok(get(world, "coord", PAIRING))["status"]
    assert status == ("approved" if winner == "coord" else "rejected")
    decisions = audit(world, "pairing.approve") + audit(world, "pairing.reject")
    assert len(decisions) == 1


def test_simultaneous_draft_approvals_make_one_decision(world: World) -> None:
    version = ok(get(world, "e1", _draft(world)))["version"]
    results = _race(world, "e1", f"{_draft(world)}/review",
                    {"decision": "approve", "version": version}, 3)
    assert Counter(r.status_code for r in results) == {200: 1, 409: 2}, \
        [r.text[:200] for r in results]
    current = ok(get(world, "e1", _draft(world)))
    assert (current["status"], current["version"]) == ("approved", version + 1)
    assert len(audit(world, "draft.approve", entity_id=world.drafts["pending"])) == 1
    assert len(ok(get(world, "e1", f"{_draft(world)}/versions"))["versions"]) == version + 1


def test_two_workers_deciding_a_draft_at_once_make_one_decision(world: World) -> None:
    """As two worker processes would: both read the draft at version 1 and resume the agent at
    the same moment. The database's claim on the version lets exactly one decision land; the
    other is a conflict, and what each caller is told is true."""
    from companion.config import get_settings
    from companion.errors import ConflictError
    from companion.services import drafts

    settings = get_settings()
    draft_id = world.drafts["pending"]
    outcomes: dict[str, Any] = {}
    barrier = threading.Barrier(2)

    def decide(decision: str, note: str | None) -> None:
        barrier.wait()
        try:
            outcomes[decision] = drafts.review_draft(world.db, settings, draft_id, decision,
                                                     by="e1", version=1, note=note)
        except ConflictError as exc:
            outcomes[decision] = exc
        except Exception as exc:  # a checkpointer clash must not pass as a decision either
            outcomes[decision] = exc

    threads = [threading.Thread(target=decide, args=args)
               for args in (("approve", None), ("reject", None))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    won = {d: o for d, o in outcomes.items() if not isinstance(o, Exception)}
    assert len(won) == 1, outcomes
    [(decision, draft)] = won.items()
    final = drafts.get_draft(world.db, draft_id)
    assert final.status.value == {"approve": "approved", "reject": "rejected"}[decision]
    assert draft.status == final.status and final.version == 2
    assert len(audit(world, "draft.approve", entity_id=draft_id)) + \
        len(audit(world, "draft.reject", entity_id=draft_id)) == 1
