"""Issue 15's scale-out topology, run for real on 127.0.0.1: PostgreSQL, a `chroma run`
server, `companion serve --workers 2` with COMPANION_DRAFTING=worker, two `companion worker`
processes and a model behind the real litellm path (an OpenAI-compatible fake that writes
with the offline drafter). A draft requested through the API is answered 202; the worker
writing it is killed with SIGKILL in the middle of its model call and started again; the draft
is finished from its checkpoint, once. Then the per-organisation model-call limit holds across
the two worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from companion.evals.fake_server import FakeOpenAIServer, Reply, Request, good_answer
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.services.tokens import create_token
from companion.store import AuditLog, Database, reset_databases
from tests import factories
from tests.servers import ROOT, clean_env, free_port

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
COMPANION = [str(Path(sys.executable).with_name("companion"))]


class Model:
    """The fake provider: the first call hangs until released (the worker is killed during
    it); later calls answer after `delay` seconds; in-flight calls are counted."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.first_call = threading.Event()
        self.delay = 0.0
        self.calls = 0
        self.in_flight = 0
        self.most_in_flight = 0
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Reply:
        with self.lock:
            self.calls += 1
            first = self.calls == 1
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if first:
                self.first_call.set()
                self.release.wait(120)
                return Reply.error(500, "the caller went away", "gone")
            time.sleep(self.delay)
            return good_answer(request)
        finally:
            with self.lock:
                self.in_flight -= 1

    def reset_counts(self) -> None:
        with self.lock:
            self.most_in_flight = self.in_flight


def _wait(check: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


@contextmanager
def _process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def _up(url: str, seconds: float, process: subprocess.Popen[bytes], log: Path) -> None:
    def answers() -> bool:
        assert process.poll() is None, f"{url} exited:\n{log.read_text()[-3000:]}"
        try:
            return httpx.get(url, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    _wait(answers, seconds, url)


@pytest.fixture
def topology(tmp_path: Path, postgres_url: str) -> Iterator[dict[str, Any]]:
    model = Model()
    fake = FakeOpenAIServer(responder=model).start()
    chroma_port = free_port()
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(home, COMPANION_DATABASE_URL=postgres_url,
                    COMPANION_CHROMA_URL=f"http://127.0.0.1:{chroma_port}",
                    COMPANION_DRAFTING="worker", COMPANION_MODEL="openai/topology",
                    COMPANION_LLM_API_BASE=fake.base_url, COMPANION_LLM_API_KEY="test",
                    COMPANION_MODEL_CONCURRENCY="1", COMPANION_NUDGES_EVERY_MINUTES="0",
                    HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    chroma_log = tmp_path / "chroma.log"
    chroma = [str(Path(sys.executable).with_name("chroma")), "run", "--path",
              str(tmp_path / "chroma"), "--host", "127.0.0.1", "--port", str(chroma_port)]
    with _process(chroma, env, chroma_log) as server:
        _up(f"http://127.0.0.1:{chroma_port}/api/v2/heartbeat", 60, server, chroma_log)
        migrated = subprocess.run([*COMPANION, "db", "upgrade"], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=120)
        assert migrated.returncode == 0, migrated.stderr
        # the guidelines into the Chroma server once, as the deployment's one-shot step does
        ingested = subprocess.run([*COMPANION, "knowledge", "ingest"], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=600)
        assert ingested.returncode == 0, ingested.stderr
        db = Database(postgres_url)
        create_program(db, build_program("Pilot", start=date(2027, 1, 11)))
        people = [factories.mentor("m1"), factories.mentee("e1"),
                  factories.mentee("e2", organization="Northwind"),
                  factories.mentee("e3"), factories.mentee("e4", organization="Northwind")]
        report = import_participants_file(db, "Pilot", factories.write_csv(
            tmp_path / "people.csv", people), skip_invalid=False)
        assert report.imported, report.errors
        tokens = {pid: create_token(db, participant_id=pid, role="mentee",
                                    program="Pilot").token for pid in ("e1", "e2", "e3", "e4")}
        try:
            yield {"env": env, "db": db, "model": model, "tmp": tmp_path, "tokens": tokens}
        finally:
            model.release.set()
            fake.stop()
            db.dispose()
            reset_databases()


def _worker(top: dict[str, Any], name: str) -> Any:
    return _process([*COMPANION, "worker", "--concurrency", "2"], top["env"],
                    top["tmp"] / f"{name}.log")


def _headers(top: dict[str, Any], pid: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {top['tokens'][pid]}"}


def _writer(db: Database, draft_id: str) -> str | None:
    from companion.store import DraftingRuns

    with db.session() as session:
        runs = {r.draft_id: r for r in DraftingRuns(session).all()}
    run = runs.get(draft_id)
    return run.worker if run else None


def test_a_worker_killed_mid_draft_is_replaced_and_the_draft_finished_once(
        topology: dict[str, Any]) -> None:
    top, db, model = topology, topology["db"], topology["model"]
    port = free_port()
    api_log = top["tmp"] / "api.log"
    serve = [*COMPANION, "serve", "--workers", "2", "--port", str(port)]
    with _process(serve, top["env"], api_log) as api, \
            _worker(top, "worker-a") as first, _worker(top, "worker-b") as second:
        base = f"http://127.0.0.1:{port}/api/v1"
        _up(f"{base}/health", 120, api, api_log)
        made = httpx.post(f"{base}/programs/Pilot/drafts", headers=_headers(top, "e1"),
                          json={"kind": "questions", "topic": "after a tough review"},
                          timeout=30)
        assert made.status_code == 202, made.text
        draft = made.json()
        assert draft["status"] == "drafting" and draft["stage"] == "queued"
        url = f"{base}/drafts/{draft['id']}"

        # a worker takes it and is in the middle of its model call
        assert model.first_call.wait(180), "no worker called the model"
        seen = httpx.get(url, headers=_headers(top, "e1"), timeout=10).json()
        assert seen["status"] == "drafting" and seen["stage"].startswith("drafting"), seen
        writer = _wait(lambda: _writer(db, draft["id"]), 30, "the writing worker")
        pid = int(writer.rpartition(":")[2])
        victim = first if first.pid == pid else second
        assert victim.pid == pid, (writer, first.pid, second.pid)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(10)
        model.release.set()  # the hung call ends; its caller is gone

        # started again, as a supervisor would
        with _worker(top, "worker-restarted") as restarted:
            done = _wait(lambda: (d := httpx.get(url, headers=_headers(top, "e1"),
                                                 timeout=10).json())["status"] != "drafting"
                         and d, 180, "the draft to be finished")
            assert done["status"] == "pending_review", done
            assert done["version"] == 1 and done["generator"].endswith("topology")
            assert done["content"]["questions"] and done["citations"]
            with db.session() as session:
                events = AuditLog(session).list(entity_id=draft["id"])
            actions = [e.action for e in events]
            assert actions.count("draft.recover") == 1, actions
            recovered = next(e for e in events if e.action == "draft.recover")
            assert recovered.detail["from_worker"] == writer
            assert actions.count("draft.generate") == 1, actions  # written once
            finisher = _writer_of_record(events)
            assert finisher != writer

            # the per-organisation limit across both workers (2 threads each): one model
            # call at a time for Harbourline, one for Northwind, both at once
            model.delay = 1.0
            model.reset_counts()
            ids = []
            for pid_ in ("e1", "e2", "e3", "e4"):
                response = httpx.post(f"{base}/programs/Pilot/drafts",
                                      headers=_headers(top, pid_), json={"kind": "goals"},
                                      timeout=30)
                assert response.status_code == 202, response.text
                ids.append(response.json()["id"])
            for draft_id in ids:
                _wait(lambda d=draft_id: httpx.get(
                    f"{base}/drafts/{d}", headers=_headers(top, _owner(ids, d)), timeout=10
                ).json()["status"] != "drafting", 180, f"draft {draft_id}")
            assert model.most_in_flight == 2, model.most_in_flight
            assert restarted.poll() is None and api.poll() is None


def _owner(ids: list[str], draft_id: str) -> str:
    return ("e1", "e2", "e3", "e4")[ids.index(draft_id)]


def _writer_of_record(events: list[Any]) -> str | None:
    """The worker named by the last claim on record (the recovering one)."""
    recovered = [e for e in events if e.action == "draft.recover"]
    return recovered[-1].detail.get("worker") if recovered else None
