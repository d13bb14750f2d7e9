"""Issue 10 item 8's smaller holes over HTTP: bodies too deep or with numbers too long to parse,
anonymous denials flooding the audit log, control characters in audited paths, storage errors
that name the server's files, and readiness of the vector store."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from companion.api.app import create_app
from companion.api.limits import MAX_JSON_DEPTH, MAX_NUMBER_DIGITS
from companion.config import get_settings
from companion.services import denials, readiness
from companion.services.denials import WINDOW_SECONDS, DenialThrottle, flush_denials
from companion.store import reset_databases
from companion.store.failures import classify
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


# -- storage failures: clear, and no server paths over HTTP -------------------------------
def _no_server_details(response: httpx.Response, home: Path) -> None:
    for secret in (str(home), "companion.db", "sqlite", "/tmp", "file:"):
        assert secret not in response.text, (secret, response.text)


def _use_database(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("COMPANION_DATABASE_URL", url)
    get_settings.cache_clear()
    reset_databases()


def _participants_csv(n: int) -> bytes:
    rows = ["id,name,role,goals"] + [f"x{i},Person {i},mentee,{'Grow as a leader ' * 20}"
                                     for i in range(n)]
    return ("\n".join(rows) + "\n").encode()


def test_a_read_only_database_is_503_saying_so_without_its_path(
        world: World, companion_home: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    # root ignores file permissions: SQLite's own read-only mode fails writes for real
    _use_database(monkeypatch, f"sqlite:///file:{companion_home / 'companion.db'}"
                               "?mode=ro&uri=true")
    response = post(world, "admin", "/programs", json={"name": "New"})
    problem = assert_problem(response, 503)
    assert "read-only" in problem["detail"] and problem["title"] == "Storage unavailable"
    _no_server_details(response, companion_home)
    # the operator's log has the whole story: which file, and what to check
    assert str(companion_home / "companion.db") in caplog.text
    assert "COMPANION_HOME" in caplog.text


def test_a_database_that_cannot_be_opened_is_503_without_its_path(
        world: World, companion_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It used to be 500 "cannot reach the database at sqlite:///<the server's path>"."""
    _use_database(monkeypatch, f"sqlite:///file:{companion_home / 'gone.db'}?mode=ro&uri=true")
    for token in (world.tokens["admin"], "cmp_unknown"):
        response = world.client.get("/api/v1/programs",
                                    headers={"Authorization": f"Bearer {token}"})
        problem = assert_problem(response, 503)
        assert problem["detail"].startswith("the server cannot open its database")
        _no_server_details(response, companion_home)


def test_a_full_disk_is_503_saying_so_without_its_path(
        world: World, companion_home: Path, caplog: pytest.LogCaptureFixture) -> None:
    def no_room_to_grow(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count={pages}")  # SQLite: "database or disk is full"
        cursor.close()

    event.listen(world.db.engine, "connect", no_room_to_grow)
    world.db.engine.dispose()
    response = call(world, "coord", "POST", "/programs/Pilot/participants/import",
                    content=_participants_csv(300), headers={"Content-Type": "text/csv"})
    problem = assert_problem(response, 503)
    assert "storage is full" in problem["detail"], problem
    _no_server_details(response, companion_home)
    assert "is full" in caplog.text and str(companion_home / "companion.db") in caplog.text


def test_a_database_locked_too_long_is_503_retry(world: World, companion_home: Path) -> None:
    def impatient(connection: Any, _record: Any) -> None:
        connection.execute("PRAGMA busy_timeout=100")

    event.listen(world.db.engine, "connect", impatient)
    world.db.engine.dispose()
    holder = sqlite3.connect(companion_home / "companion.db", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holding the write lock
        response = post(world, "coord", "/pairings/pr-pending/review",
                        json={"decision": "approve", "version": 1})
    finally:
        holder.close()
    problem = assert_problem(response, 503)
    assert "busy; retry" in problem["detail"]
    _no_server_details(response, companion_home)
    assert ok(call(world, "coord", "GET", "/pairings/pr-pending"))["status"] == "pending"


@pytest.mark.parametrize(("driver_message", "url", "says"), [
    ("attempt to write a readonly database", "sqlite:////srv/c/companion.db", "read-only"),
    ("database or disk is full", "sqlite:////srv/c/companion.db", "is full"),
    ("disk I/O error", "sqlite:////srv/c/companion.db", "disk I/O error"),
    ("unable to open database file", "sqlite:///file:/srv/c/companion.db?mode=ro&uri=true",
     "cannot open"),
    ("database is locked", "sqlite:////srv/c/companion.db", "locked"),
    ('connection failed: connection to server at "10.0.0.5", port 5432 failed: Connection '
     "refused", "postgresql+psycopg://app:s3cret@10.0.0.5/companion", "cannot reach"),
    ("No space left on device", "postgresql+psycopg://app:s3cret@10.0.0.5/companion",
     "is full"),
])
def test_storage_failures_are_told_apart(driver_message: str, url: str, says: str) -> None:
    found = classify(OperationalError("INSERT ...", {}, Exception(driver_message)), url)
    assert found is not None and found.http_status == 503
    assert says in str(found)
    assert "/srv/c/companion.db" in str(found) or "10.0.0.5" in str(found)
    assert "s3cret" not in str(found)
    for secret in ("/srv", "10.0.0.5", "s3cret", "sqlite", "postgres"):
        assert secret not in found.public


def test_other_database_errors_are_not_dressed_up() -> None:
    assert classify(OperationalError("SELECT", {}, Exception("no such column: x")),
                    "sqlite:////srv/c.db") is None


# -- readiness covers the vector store ----------------------------------------------------
@pytest.fixture
def bare_client() -> Iterator[TestClient]:
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        yield client


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens once the socket is closed


def test_ready_checks_the_embedded_vector_store(bare_client: TestClient,
                                                companion_home: Path) -> None:
    response = bare_client.get("/api/v1/ready")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok" and body["checks"]["vector_store"] == "ok"
    assert (companion_home / "chroma").is_dir()


def test_ready_is_503_naming_the_vector_store_when_chroma_is_down(
        bare_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    port = _closed_port()
    monkeypatch.setenv("COMPANION_CHROMA_URL", f"http://127.0.0.1:{port}")
    get_settings.cache_clear()
    response = bare_client.get("/api/v1/ready")
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["unavailable"] == ["vector_store"]
    assert body["checks"]["vector_store"].startswith("unavailable")
    assert body["checks"]["database"] == "ok"
    assert str(port) not in response.text  # the answer is public: no addresses


def test_ready_answers_in_time_when_a_store_hangs(bare_client: TestClient,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    monkeypatch.setattr(readiness, "TIMEOUT_SECONDS", 0.5)
    monkeypatch.setattr(readiness, "check_vector_store", lambda _s: release.wait(30) and "ok")
    started = time.monotonic()
    try:
        response = bare_client.get("/api/v1/ready")
    finally:
        release.set()
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert response.json()["checks"]["vector_store"] == "unavailable: no answer within 0.5 s"
