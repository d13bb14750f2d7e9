"""Issue 10 item 8's smaller holes over HTTP: bodies too deep or with numbers too long to parse,
anonymous denials flooding the audit log, control characters in audited paths, storage errors
that name the server's files, and readiness of the vector store."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from companion.api.limits import MAX_JSON_DEPTH, MAX_NUMBER_DIGITS
from tests.api.conftest import World
from tests.api.helpers import assert_problem, call, error_fields, ok, post


def _json(world: World, who: str, path: str, body: str) -> httpx.Response:
    return call(world, who, "POST", path, content=body.encode(),
                headers={"Content-Type": "application/json"})


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _bodies(world: World) -> list[tuple[str, str, str, str]]:
    """(who, path, body, what the problem names) on routes that take bodies."""
    deep, long = _nested(5000), "9" * 5000
    pending = world.drafts["pending"]
    return [
        ("coord", "/pairings/pr-pending/review",
         f'{{"decision": "reject", "version": 1, "note": {deep}}}', "nested deeper"),
        ("coord", "/pairings/pr-pending/review", f'{{"decision": "approve", "version": {long}}}',
         "digits"),
        ("e1", f"/drafts/{pending}/review",
         f'{{"decision": "edit", "version": 1, "content": {{"items": {_nested(990)}}}}}',
         "nested deeper"),
        ("e1", f"/drafts/{pending}/review",
         f'{{"decision": "edit", "version": 1, "content": {{"duration_minutes": {long}}}}}',
         "digits"),
        ("coord", "/programs/Pilot/assignments", deep, "nested deeper"),
        ("admin", "/programs", f'{{"name": "X", "months": {"1" * 4301}}}', "digits"),
        ("coord", "/programs/Pilot/participants/import", f'[{{"id": {long}}}]', "digits"),
        ("coord", "/programs/Pilot/participants/import", f'[{{"extra": {deep}}}]',
         "nested deeper"),
    ]


def test_deep_or_long_numbered_json_is_422_naming_the_problem(world: World) -> None:
    for who, path, body, named in _bodies(world):
        problem = assert_problem(_json(world, who, path, body), 422)
        assert named in problem["detail"], (path, problem)
        assert error_fields(problem) == ["body"], problem
    # nothing was decided or stored on the way
    assert ok(call(world, "coord", "GET", "/pairings/pr-pending"))["version"] == 1


@pytest.mark.parametrize("body", [
    # brackets and digits inside strings are text, not structure
    {"decision": "reject", "version": 1, "note": "[" * 400 + "9" * 400},
    # as deep as allowed
    {"decision": "reject", "version": 1, "note": "no",
     "with_pairing": None, "mentor_id": None},
])
def test_text_that_looks_deep_is_not_refused(world: World, body: dict[str, Any]) -> None:
    decided = ok(post(world, "coord", "/pairings/pr-pending/review", json=body))
    assert decided["pairing"]["status"] == "rejected"


def test_the_limits_are_exact() -> None:
    from companion.api.limits import json_shape_problem

    assert json_shape_problem(_nested(MAX_JSON_DEPTH).encode()) is None
    assert "nested deeper" in str(json_shape_problem(_nested(MAX_JSON_DEPTH + 1).encode()))
    wide = "[" + ",".join(["{}"] * 500) + "]"  # many brackets, little depth
    assert json_shape_problem(wide.encode()) is None
    assert json_shape_problem(b'{"a": ' + b"9" * MAX_NUMBER_DIGITS + b"}") is None
    assert "digits" in str(json_shape_problem(b"[" + b"9" * (MAX_NUMBER_DIGITS + 1) + b"]"))
    assert json_shape_problem(b'{"a": "\\"[[[[' + b"[" * 100 + b'"}') is None

