"""The job queue (issue 15): procrastinate on PostgreSQL. Only this package imports it.

A drafting job names one draft (`draft_id`); everything about the draft itself — what was
asked, who writes it, how far it got — is in the database and the LangGraph checkpoint, so a
job is safe to run twice, and a job that was lost (a crash between the draft's commit and the
job's insert) is made again by the sweep. Why procrastinate: docs/deploy.md ("Background
drafting") and docs/benchmarks.md ("Job queue") give the measurements; in short, the jobs live
in the PostgreSQL a deployment already runs and backs up (no Redis or RabbitMQ to run, secure
and back up for a few hundred jobs a day), workers heartbeat and stalled jobs are found, and
LISTEN/NOTIFY hands a job to a waiting worker in milliseconds.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("companion.queue")

DRAFT_TASK = "companion.draft"
SWEEP_TASK = "companion.sweep"
QUEUE = "drafts"
#: Attempts of one drafting job before the draft ends `failed` with the last error.
MAX_ATTEMPTS = 4
#: Seconds before the first retry (then doubling: 2, 4, 8 s).
RETRY_WAIT = 2
#: A worker that has not sent a heartbeat for this long is taken for dead; its jobs retried.
STALLED_AFTER = 30.0


def conninfo(database_url: str) -> str:
    """A libpq connection string from an SQLAlchemy URL."""
    for prefix in ("postgresql+psycopg://", "postgresql+psycopg2://", "postgres://"):
        if database_url.startswith(prefix):
            return "postgresql://" + database_url[len(prefix):]
    return database_url


class JobQueue:
    """Deferring jobs from a serving process (sync; one small connection pool per process)."""

    def __init__(self, database_url: str) -> None:
        self.url = conninfo(database_url)
        self._app: Any = None
        self._lock = threading.Lock()

    def _opened(self) -> Any:
        with self._lock:
            if self._app is None:
                import procrastinate

                app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector(
                    conninfo=self.url, kwargs={"prepare_threshold": None},
                    min_size=1, max_size=4))
                app.open()
                self._app = app
            return self._app

    def submit(self, draft_id: str) -> bool:
        """Queue the drafting job of `draft_id`; False when one is already waiting."""
        from procrastinate.exceptions import AlreadyEnqueued

        app = self._opened()
        try:
            app.configure_task(DRAFT_TASK, queue=QUEUE, queueing_lock=draft_id
                               ).defer(draft_id=draft_id)
        except AlreadyEnqueued:
            return False
        return True

    def depth(self) -> dict[str, int]:
        """Jobs by status (todo, doing, failed ...) in the drafting queue."""
        app = self._opened()
        rows = app.connector.execute_query_all(
            "SELECT status::text AS status, count(*) AS n FROM procrastinate_jobs "
            "WHERE queue_name = %(queue)s AND status IN ('todo', 'doing') GROUP BY status",
            queue=QUEUE)
        return {row["status"]: int(row["n"]) for row in rows}

    def close(self) -> None:
        with self._lock:
            if self._app is not None:
                self._app.close()
                self._app = None


@dataclass(frozen=True)
class Handlers:
    """What the worker's jobs do (the services layer's functions, passed in by the worker
    command): write one draft (draft_id, attempt number, last attempt?) and sweep."""

    draft: Callable[[str, int, bool], None]
    sweep: Callable[[], int]


def worker_app(database_url: str, handlers: Handlers, *, sweep_every: int = 15,
               stalled_after: float = STALLED_AFTER) -> Any:
    """The procrastinate app of `companion worker`: the drafting task (retried with
    exponential backoff, MAX_ATTEMPTS in all) and a periodic sweep that retries the jobs of
    workers that stopped heartbeating and queues drafts no live run is writing."""
    import procrastinate
    from procrastinate import JobContext, RetryStrategy

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(
        conninfo=conninfo(database_url), kwargs={"prepare_threshold": None}))

    @app.task(name=DRAFT_TASK, queue=QUEUE, pass_context=True,
              retry=RetryStrategy(max_attempts=MAX_ATTEMPTS - 1, exponential_wait=RETRY_WAIT))
    def draft(context: JobContext, draft_id: str) -> None:
        attempt = (context.job.attempts or 0) + 1
        handlers.draft(draft_id, attempt, attempt >= MAX_ATTEMPTS)

    # croniter puts seconds last: "* * * * * */15" is every 15 s ("*/15 * * * * *" would be
    # every second of minutes 0, 15, 30 and 45)
    @app.periodic(cron=f"* * * * * */{sweep_every}", periodic_id="sweep")
    @app.task(name=SWEEP_TASK, queue=QUEUE, pass_context=True,
              queueing_lock="companion-sweep")
    async def sweep(context: JobContext, timestamp: int) -> None:
        stalled = await context.app.job_manager.get_stalled_jobs(
            seconds_since_heartbeat=stalled_after)
        for job in stalled:
            if job.task_name == DRAFT_TASK:
                log.warning("job %s of a stopped worker: queued again", job.id)
                await context.app.job_manager.retry_job(job)
        queued = await asyncio.to_thread(handlers.sweep)
        if queued:
            log.info("sweep: queued %d draft(s) no live run was writing", queued)

    return app
