"""A queue worker SIGKILLed in the middle of a job: a worker started afterwards runs the job
again once the dead worker's heartbeat is stale (the periodic sweep's `get_stalled_jobs`).

This is the queue's own recovery, without Companion's draft claims (which a restarted
`companion worker` also checks at start): bench/job_queue.py found that the sweep's cron,
written "*/15 * * * * *", ran only in minutes 0, 15, 30 and 45 — croniter reads seconds
last — so a job of a killed worker could wait up to 15 minutes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.servers import ROOT

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

WORKER = textwrap.dedent("""
    import sys, time
    from companion.queue import Handlers, worker_app

    url, record = sys.argv[1], sys.argv[2]

    def draft(draft_id, attempt, last):
        with open(record, "a") as f:
            f.write(f"start {draft_id}\\n")
        time.sleep(60)  # killed before it ends

    app = worker_app(url, Handlers(draft, lambda: 0), sweep_every=2, stalled_after=4)
    with app.open():
        with open(record, "a") as f:
            f.write("worker\\n")
        app.run_worker(queues=["drafts"], concurrency=1, update_heartbeat_interval=1)
""")


def _psycopg(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _wait(record: Path, line: str, count: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if record.exists() and record.read_text().splitlines().count(line) >= count:
            return True
        time.sleep(0.1)
    return False


def test_a_killed_workers_job_runs_again_on_the_next_worker(postgres_url: str,
                                                             tmp_path: Path) -> None:
    import procrastinate

    from companion.queue import JobQueue

    url = _psycopg(postgres_url)
    app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector(conninfo=url))
    with app.open():
        app.schema_manager.apply_schema()
    record = tmp_path / "record"
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, str(script), url, str(record)], cwd=ROOT,
                                env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

    first = start()
    second: subprocess.Popen[bytes] | None = None
    queue = JobQueue(url)
    try:
        assert _wait(record, "worker", 1, 60), "first worker did not start"
        assert queue.submit("draft-1")
        assert _wait(record, "start draft-1", 1, 30), "job did not start"
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed = time.monotonic()
        second = start()
        # stale after 4 s, swept every 2 s: well within 30 s (was: the next quarter hour)
        assert _wait(record, "start draft-1", 2, 30), "the killed worker's job never ran again"
        assert time.monotonic() - killed < 30
    finally:
        queue.close()
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
