"""Issue 10's promises tried the way they broke: two `uvicorn` server processes on one
database (SQLite file and PostgreSQL), parallel requests, and kill -9 in the middle of a draft
followed by a restart."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from companion.domain import Pairing, PairingStatus
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.services.tokens import create_token
from companion.store import Database, PairingRepository, ProgramRepository, reset_databases
from tests import factories
from tests.servers import clean_env, serve

pytestmark = pytest.mark.slow
#: A restarted server: recovery at start (as `companion serve`), the same fake model, quick.
RESTART = {"COMPANION_WARMUP": "1", "COMPANION_TEST_SLOW_MODEL": "60",
           "COMPANION_TEST_FAST_CALLS": "1000"}


@contextmanager
def _server(env: dict[str, str], *, extra: dict[str, str] | None = None
            ) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    with serve("tests.api.serve_app:create", {**env, **(extra or {})}) as (url, process):
        yield f"{url}/api/v1", process


def _env(home: Path, url: str | None) -> dict[str, str]:
    return clean_env(home, **({"COMPANION_DATABASE_URL": url} if url else {}))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path
          ) -> Iterator[tuple[Database, dict[str, str]]]:
    home = tmp_path / "srv-home"
    url = (request.getfixturevalue("postgres_url") if request.param == "postgresql"
           else f"sqlite:///{home / 'companion.db'}")
    home.mkdir()
    db = Database(url)
    create_program(db, build_program("Pilot", start=date(2027, 1, 11)))
    people = [factories.mentor("m1", capacity="1")]
    people += [factories.mentee(f"e{i}") for i in range(1, 31)]
    report = import_participants_file(db, "Pilot", factories.write_csv(tmp_path / "p.csv",
                                                                       people),
                                      skip_invalid=False)
    assert report.imported, report.errors
    yield db, _env(home, url)
    db.dispose()
    reset_databases()


def _headers(db: Database, pid: str, role: str) -> dict[str, str]:
    token = create_token(db, participant_id=pid, role=role, program="Pilot").token
    return {"Authorization": f"Bearer {token}"}


def test_two_processes_approving_at_once_never_exceed_capacity(
        store: tuple[Database, dict[str, str]]) -> None:
    db, env = store
    coord = _headers(db, "c1", "coordinator")
    with _server(env) as (a, _), _server(env) as (b, _):
        over, tried, conflicts = 0, 0, 0
        for round_ in range(12):
            ids = [f"pr-{round_}-1", f"pr-{round_}-2"]
            with db.session() as session:
                repo = PairingRepository(session, ProgramRepository(session).row("Pilot"))
                for k, pid in enumerate(ids):
                    repo.add(Pairing(id=pid, program="Pilot", mentee_id=f"e{2 * round_ + k + 1}",
                                     mentor_id="m1"))
            barrier = threading.Barrier(2)
            codes: list[int] = []

            def approve(base: str, pid: str, barrier: threading.Barrier = barrier,
                        codes: list[int] = codes) -> None:
                barrier.wait()
                codes.append(httpx.post(f"{base}/pairings/{pid}/review", headers=coord,
                                        json={"decision": "approve", "version": 1},
                                        timeout=30).status_code)

            threads = [threading.Thread(target=approve, args=(base, pid))
                       for base, pid in zip((a, b), ids, strict=True)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            tried += 1
            assert sorted(codes) == [200, 409], codes
            conflicts += codes.count(409)
            with db.session() as session:
                repo = PairingRepository(session, ProgramRepository(session).row("Pilot"))
                held = repo.seat_holders("m1")
                over += len(held) > 1
                for p in held:  # free the seat for the next round
                    repo.decide(p.id, expected_version=p.version,
                                status=PairingStatus.rejected, by="test", note="next round")
    assert (tried, over, conflicts) == (12, 0, 12)


def test_kill_9_during_a_draft_then_restart_resumes_it_and_the_key_replays(
        store: tuple[Database, dict[str, str]]) -> None:
    db, env = store
    mentee = _headers(db, "e1", "mentee")
    request: dict[str, Any] = {"kind": "questions", "topic": "after a tough review"}
    key = {"Idempotency-Key": "retry-me-1"}
    with _server(env, extra={"COMPANION_TEST_SLOW_MODEL": "60"}) as (base, process):
        def send() -> None:
            try:
                httpx.post(f"{base}/programs/Pilot/drafts", headers={**mentee, **key},
                           json=request, timeout=90)
            except httpx.HTTPError:
                pass  # the server dies under it

        sender = threading.Thread(target=send)
        sender.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            listed = httpx.get(f"{base}/drafts", headers=mentee, timeout=5).json()
            if listed["drafts"]:
                break
            time.sleep(0.1)
        assert listed["drafts"] and listed["drafts"][0]["status"] == "drafting"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        sender.join(30)
    draft_id = listed["drafts"][0]["id"]
    # restarted (recovery runs at start, as `companion serve` does)
    with _server(env, extra=RESTART) as (base, _):
        deadline = time.monotonic() + 60
        status = ""
        while time.monotonic() < deadline:
            status = httpx.get(f"{base}/drafts/{draft_id}", headers=mentee, timeout=5
                               ).json()["status"]
            if status != "drafting":
                break
            time.sleep(0.3)
        assert status == "pending_review", status
        retry = httpx.post(f"{base}/programs/Pilot/drafts", headers={**mentee, **key},
                           json=request, timeout=60)
        assert retry.status_code == 200, retry.text
        assert retry.headers["Idempotency-Replayed"] == "true"
        assert retry.json()["id"] == draft_id


def _wait_for(check: Any, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def test_kill_9_during_a_redraft_keeps_the_draft_and_finishes_it_after_restart(
        store: tuple[Database, dict[str, str]]) -> None:
    """Issue 10: kill -9 during a reject-with-note redraft left the draft `rejected` and out
    of every queue. Now it is `drafting` until the redraft lands, and recovery finishes it."""
    db, env = store
    mentee = _headers(db, "e1", "mentee")
    slow = {"COMPANION_TEST_SLOW_MODEL": "60", "COMPANION_TEST_FAST_CALLS": "1"}
    with _server(env, extra=slow) as (base, process):
        made = httpx.post(f"{base}/programs/Pilot/drafts",
                          headers={**mentee, "Prefer": "wait=30"},
                          json={"kind": "questions"}, timeout=40).json()
        assert made["status"] == "pending_review", made
        draft = f"{base}/drafts/{made['id']}"

        def reject() -> None:
            try:
                httpx.post(f"{draft}/review", headers=mentee, timeout=90, json={
                    "decision": "reject", "version": made["version"],
                    "note": "fewer questions, about delegation"})
            except httpx.HTTPError:
                pass

        sender = threading.Thread(target=reject)
        sender.start()
        assert _wait_for(lambda: httpx.get(draft, headers=mentee, timeout=5).json()["status"]
                         == "drafting", 30)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        sender.join(30)
    with _server(env, extra=RESTART) as (base, _):
        draft = f"{base}/drafts/{made['id']}"
        done = _wait_for(lambda: (d := httpx.get(draft, headers=mentee, timeout=5).json())
                         ["status"] != "drafting" and d)
        assert done and done["status"] == "pending_review", done
        assert done["version"] > made["version"]
        queue = httpx.get(f"{base}/me/queue", headers=mentee, timeout=5).json()
        assert made["id"] in {d["id"] for d in queue["drafts"]}
        history = httpx.get(f"{draft}/versions", headers=mentee, timeout=5).json()["versions"]
        assert any(v["note"] == "fewer questions, about delegation" for v in history)
