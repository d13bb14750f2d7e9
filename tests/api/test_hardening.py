"""Issue 10 item 8's smaller holes over HTTP: bodies too deep or with numbers too long to parse,
anonymous denials flooding the audit log, control characters in audited paths, storage errors
that name the server's files, and readiness of the vector store."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from companion.api import denials
from companion.api.denials import WINDOW_SECONDS, DenialThrottle, flush_denials
from companion.api.limits import MAX_JSON_DEPTH, MAX_NUMBER_DIGITS
from tests.api.conftest import World
from tests.api.helpers import assert_problem, audit, call, error_fields, ok, post


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


# -- anonymous denials are aggregated -----------------------------------------------------
def _anonymous_rows(world: World) -> list[Any]:
    return [e for e in audit(world, "access.denied") if e.actor == "anonymous"]


def _accounted(rows: list[Any]) -> int:
    """Requests the rows stand for: each row itself, plus the ones it says it stands for."""
    return sum(1 + int(e.detail.get("repeated", 0)) - bool(e.detail.get("flushed"))
               for e in rows)


@pytest.fixture
def fresh_throttle(monkeypatch: pytest.MonkeyPatch) -> DenialThrottle:
    """A throttle of its own with a clock the test moves."""
    clock = [1000.0]
    mine = DenialThrottle(clock=lambda: clock[0])
    mine.now = clock  # type: ignore[attr-defined]
    monkeypatch.setattr(denials, "throttle", mine)
    return mine


def test_two_thousand_anonymous_requests_write_a_handful_of_rows(
        world: World, fresh_throttle: DenialThrottle) -> None:
    def hammer(n: int) -> None:
        for i in range(n):
            bad = {"Authorization": "Bearer cmp_nope"} if i % 2 else {}
            assert world.client.get(f"/api/v1/drafts/dr-{i}", headers=bad).status_code == 401

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(hammer, [500] * 4))
    rows = _anonymous_rows(world)
    assert len(rows) == 2, [(e.entity_id, e.detail) for e in rows]  # "no token", "bad token"
    assert {e.detail["reason"] for e in rows} == {"no token", "bad token"}
    assert all(e.detail["client"] == "testclient" for e in rows)
    # a minute later the next one opens a new window and carries the count
    fresh_throttle.now[0] += WINDOW_SECONDS  # type: ignore[attr-defined]
    assert world.client.get("/api/v1/me").status_code == 401
    rows = _anonymous_rows(world)
    assert len(rows) == 4, [(e.entity_id, e.detail) for e in rows]
    assert sorted(e.detail.get("repeated", 0) for e in rows) == [0, 0, 999, 999]
    # what no request reopened is written out at exit
    flush_denials()
    rows = _anonymous_rows(world)
    assert _accounted(rows) == 2001 and len(rows) == 4


def test_a_known_tokens_denials_are_each_written(world: World,
                                                  fresh_throttle: DenialThrottle) -> None:
    before = len(audit(world, "access.denied", actor="mentee:e1"))
    for _ in range(30):
        assert_problem(call(world, "e1", "GET", "/programs/Pilot/report"), 403)
        assert_problem(call(world, "e1", "GET", "/drafts/dr-000000000000"), 404)
    assert len(audit(world, "access.denied", actor="mentee:e1")) == before + 60


def test_two_processes_write_a_row_per_window_each_and_keep_the_count(world: World) -> None:
    """Two workers on one database: each aggregates its own window; the counts survive the
    processes' exit."""
    script = textwrap.dedent("""
        from fastapi.testclient import TestClient
        from companion.api.app import create_app
        with TestClient(create_app()) as client:
            for i in range(1000):
                assert client.get(f"/api/v1/drafts/x{i}").status_code == 401
    """)
    root = str(Path(__file__).resolve().parents[2])  # this checkout's companion, not another
    workers = [subprocess.Popen([sys.executable, "-c", script], cwd=root,
                                env=dict(os.environ, PYTHONPATH=root)) for _ in range(2)]
    assert [w.wait(timeout=300) for w in workers] == [0, 0]
    rows = _anonymous_rows(world)
    assert len(rows) <= 4, [(e.entity_id, e.detail) for e in rows]
    assert _accounted(rows) == 2000
