"""Background drafting (issue 15): a draft request is recorded at once (`drafting`, stage
`queued`) and written by a job, so no caller waits for the model.

Two ways to run the jobs, one rule set (`drafts.run_job`):

* `in-process` (the default; SQLite or PostgreSQL): a small thread pool in the serving process
  writes them — `make demo` stays two commands. A crash leaves the draft `drafting`; the next
  start (or any live process's sweep) takes it over and carries it on from its checkpoint.
* `worker` (PostgreSQL): the job goes into the PostgreSQL job queue (`companion.queue`,
  procrastinate) and `companion worker` processes write it; a worker killed mid-draft is found
  by its missing heartbeat (or its lapsed claim) and another worker carries the draft on from
  its checkpoint.

Everything the services decide — access, rate limits, idempotency, versions — is still decided
by `companion.services.drafts` before anything is queued, so a refusal reaches the caller in
line, as before.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from companion.config import Settings
from companion.domain import Draft, DraftKind, DraftStatus
from companion.services import drafts
from companion.services.draft_store import QUEUED, alive_worker
from companion.services.tokens import Principal
from companion.store import Database, DraftingRuns
from companion.store.tables import utcnow

if TYPE_CHECKING:
    from companion.drafting.deps import Deps

log = logging.getLogger("companion.draft_jobs")
#: In-process attempts of one draft before it ends `failed` (the worker's are the queue's).
MAX_ATTEMPTS = 3
#: Seconds before an in-process retry (doubling).
RETRY_WAIT = 1.0


class InProcessRunner:
    """The jobs of one serving process: a thread pool writing drafts, retrying a run that
    stopped with an error (from its checkpoint) before it ends `failed`."""

    def __init__(self, threads: int) -> None:
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="drafting")
        self.threads = threads

    def submit(self, db: Database, settings: Settings, draft_id: str,
               deps: Deps | None) -> None:
        self.pool.submit(self._run, db, settings, draft_id, deps)

    @staticmethod
    def _run(db: Database, settings: Settings, draft_id: str, deps: Deps | None) -> None:
        if deps is None:
            deps = process_deps(db, settings)
            deps.calls.clear()  # a log for tests; a long-lived process keeps none
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                drafts.run_job(db, settings, draft_id, deps=deps,
                               final=attempt == MAX_ATTEMPTS)
                return
            except drafts.JobRetry as exc:
                log.info("draft %s: attempt %d stopped (%s); trying again", draft_id,
                         attempt, exc)
                time.sleep(RETRY_WAIT * 2 ** (attempt - 1))
            except Exception:
                log.exception("drafting %s failed", draft_id)
                return


_deps: dict[int, Deps] = {}


def process_deps(db: Database, settings: Settings) -> Deps:
    """This process's drafting dependencies (model, index, planner), made once: loading the
    embedding model and the guideline catalogue takes seconds, a draft should not pay it."""
    with _lock:
        found = _deps.get(id(db))
    if found is None:
        found = drafts.default_deps(db, settings)
        with _lock:
            found = _deps.setdefault(id(db), found)
    return found


_runners: dict[int, InProcessRunner] = {}
_queues: dict[str, Any] = {}
_lock = threading.Lock()


def _runner(settings: Settings) -> InProcessRunner:
    with _lock:
        runner = _runners.get(settings.drafting_threads)
        if runner is None:
            runner = _runners[settings.drafting_threads] = InProcessRunner(
                settings.drafting_threads)
        return runner


def job_queue(settings: Settings) -> Any:
    """The PostgreSQL job queue of this process (drafting = worker)."""
    from companion.queue import JobQueue

    url = settings.resolved_database_url
    with _lock:
        if url not in _queues:
            _queues[url] = JobQueue(url)
        return _queues[url]


def check_mode(settings: Settings) -> None:
    """drafting=worker needs PostgreSQL (the queue lives there)."""
    from companion.errors import ConfigurationError

    if settings.drafting == "worker" and settings.database_kind != "postgresql":
        raise ConfigurationError("COMPANION_DRAFTING=worker needs a PostgreSQL database "
                          "(COMPANION_DATABASE_URL=postgresql+psycopg://...): the job queue "
                          "lives there; use in-process with SQLite")


def dispatch(db: Database, settings: Settings, draft_id: str, deps: Deps | None = None) -> bool:
    """Have `draft_id` written: queued for a worker, or by this process's drafting threads.
    False when a job for it was already waiting in the queue."""
    if settings.drafting == "worker":
        check_mode(settings)
        return bool(job_queue(settings).submit(draft_id))
    _runner(settings).submit(db, settings, draft_id, deps)
    return True


@dataclass(frozen=True)
class SweepReport:
    """What a sweep found: drafts queued again, drafts live runs are writing."""

    queued: list[str]
    running: list[str]


def sweep(db: Database, settings: Settings, *, deps: Deps | None = None) -> SweepReport:
    """Queue again every `drafting` draft no live run is writing: never picked up (a crash
    between the draft's commit and its job), or its run's process died or stopped renewing
    its claim. Safe in every process at once: a draft is written by one run only."""
    queued: list[str] = []
    running: list[str] = []
    now = utcnow()
    with db.session() as session:
        runs = DraftingRuns(session).all()
    for run in runs:
        live = run.worker is not None and run.lease_until is not None and \
            run.lease_until > now and alive_worker(run.worker)
        if live:
            running.append(run.draft_id)
            continue
        if dispatch(db, settings, run.draft_id, deps):
            queued.append(run.draft_id)
    return SweepReport(queued, running)


def queue_depth(db: Database, settings: Settings) -> int:
    """Drafts waiting for or being written (the `drafting` ones)."""
    with db.session() as session:
        return DraftingRuns(session).count()


def stage_label(draft: Draft) -> str | None:
    """Where a `drafting` draft is, in plain words (None once it is done)."""
    if draft.status is not DraftStatus.drafting:
        return None
    stage = draft.stage or QUEUED
    if stage.startswith(QUEUED):
        return ("Waiting for its turn to be written" if "retrying" not in stage
                else "Waiting to try again after an interruption")
    if stage == "gathering":
        return "Reading the program, your goals and the guidelines"
    if stage.startswith("drafting"):
        _, _, turn = stage.partition(" ")
        first, _, of = turn.partition("/")
        if first in ("", "1"):
            return "Writing the draft"
        return f"Revising the draft (attempt {first} of {of}) so it passes every check"
    return stage


#: How long a redraft's caller waits for the rejection to land before answering anyway.
START_WAIT = 10.0
_POLL = 0.05


class _Job:
    """One background call and how it ended."""

    def __init__(self, work: Callable[[], Any], name: str) -> None:
        self.done = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(work,), name=name, daemon=True)

    def _run(self, work: Callable[[], Any]) -> None:
        try:
            work()
        except BaseException as exc:  # reported to the caller if it is still waiting
            self.error = exc
            log.info("background %s ended with %s: %s", self.thread.name,
                     type(exc).__name__, exc)
        finally:
            self.done.set()


def _start(work: Callable[[], Any], started: Callable[[], bool], name: str,
           wait: float) -> None:
    """Run `work` in the background; return once `started()` (its first write landed) or
    once it ended. An error from a run that wrote nothing is raised here."""
    job = _Job(work, name)
    job.thread.start()
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if job.done.wait(_POLL):
            break
        if started():
            return
    if job.done.is_set() and job.error is not None and not started():
        raise job.error


def draft_id_for(principal: Principal, key: str) -> str:
    """The draft a request key names: one key, one draft, so a double click or a resubmitted
    form finds the draft the first submission started (even while it is still drafting)."""
    digest = hashlib.sha256(f"{principal.token_id}\0{principal.participant_id}\0{key}"
                            .encode()).hexdigest()
    return f"dr-{digest[:12]}"


def start_request(db: Database, settings: Settings, principal: Principal, *, program: str,
                  kind: DraftKind | str, topic: str | None = None,
                  partner_id: str | None = None, key: str, deps: Deps | None = None) -> str:
    """Record `drafts.request_as` for `principal` with the one-time `key` (its
    Idempotency-Key), have it written in the background, and return the draft's id."""
    outcome = submit_request(db, settings, principal, program=program, kind=kind, topic=topic,
                             partner_id=partner_id, idempotency_key=key, deps=deps,
                             draft_id=draft_id_for(principal, key))
    return outcome.draft.id


def submit_request(db: Database, settings: Settings, principal: Principal, *, program: str,
                   kind: DraftKind | str, participant_id: str | None = None,
                   topic: str | None = None, partner_id: str | None = None,
                   idempotency_key: str | None = None, deps: Deps | None = None,
                   draft_id: str | None = None) -> drafts.RequestOutcome:
    """`drafts.request_as` without the wait: the draft is recorded (`drafting`, queued) and
    handed to the jobs; a retry with the same key gets the same draft (and re-queues it if
    no live run is writing it)."""
    outcome = drafts.request_as(db, settings, principal, program=program, kind=kind,
                                participant_id=participant_id, topic=topic,
                                partner_id=partner_id, idempotency_key=idempotency_key,
                                deps=deps, draft_id=draft_id, run=False)
    if outcome.draft.status is DraftStatus.drafting:
        if not outcome.replayed:
            dispatch(db, settings, outcome.draft.id, deps)
        else:
            _requeue_if_orphaned(db, settings, outcome.draft.id, deps)
    return outcome


def _requeue_if_orphaned(db: Database, settings: Settings, draft_id: str,
                         deps: Deps | None) -> None:
    with db.session() as session:
        runs = {r.draft_id: r for r in DraftingRuns(session).all()}
    run = runs.get(draft_id)
    if run is None:
        return
    if run.worker is None or run.lease_until is None or run.lease_until <= utcnow() or \
            not alive_worker(run.worker):
        dispatch(db, settings, draft_id, deps)


def wait_for(db: Database, draft_id: str, seconds: float, *,
             poll: float = 0.05) -> Draft:
    """The draft once it left `drafting`, or as it stands after `seconds`."""
    deadline = time.monotonic() + max(0.0, seconds)
    while True:
        draft = drafts.get_draft(db, draft_id)
        if draft.status is not DraftStatus.drafting or time.monotonic() >= deadline:
            return draft
        time.sleep(poll)
        poll = min(poll * 1.5, 0.5)


def start_review(db: Database, settings: Settings, principal: Principal, draft_id: str,
                 decision: str, *, version: int, note: str | None = None,
                 content: dict[str, Any] | None = None, deps: Deps | None = None,
                 confirm_failed_checks: bool | None = None) -> drafts.ReviewOutcome | None:
    """`submit_review` for the web app: None when a redraft went to the jobs (the page then
    shows the draft `drafting`), the outcome otherwise."""
    outcome = submit_review(db, settings, principal, draft_id, decision, version=version,
                            note=note, content=content, deps=deps,
                            confirm_failed_checks=confirm_failed_checks)
    return None if outcome.draft.status is DraftStatus.drafting else outcome


def submit_review(db: Database, settings: Settings, principal: Principal, draft_id: str,
                  decision: str, *, version: int, note: str | None = None,
                  content: dict[str, Any] | None = None, deps: Deps | None = None,
                  confirm_failed_checks: bool | None = None) -> drafts.ReviewOutcome:
    """`drafts.review_as` without waiting for the model: approvals, edits and rejections
    without a note are made in line; a rejection with a note is recorded (the draft
    `drafting`, queued) and its redraft handed to the jobs. Every refusal (a stale version,
    a bad edit, failed checks not confirmed) is raised here."""
    outcome = drafts.review_as(db, settings, principal, draft_id, decision, version=version,
                               note=note, content=content,
                               deps=deps or process_deps(db, settings),
                               confirm_failed_checks=confirm_failed_checks, run=False)
    if outcome.draft.status is DraftStatus.drafting:
        dispatch(db, settings, draft_id, deps)
    return outcome


# -- the worker ----------------------------------------------------------------------------

def run_worker(db: Database, settings: Settings, *, concurrency: int | None = None,
               sweep_every: int = 15, on_start: Callable[[], None] | None = None) -> None:
    """`companion worker`: write queued drafts until stopped (SIGINT / SIGTERM let the drafts
    in hand finish first). Drafts whose run died are queued again at start and by the
    periodic sweep."""
    from companion.errors import NotFoundError
    from companion.queue import Handlers, worker_app

    check_mode(settings)
    if settings.drafting != "worker":
        from companion.errors import ConfigurationError

        raise ConfigurationError("`companion worker` writes the drafts of "
                                 "COMPANION_DRAFTING=worker; with in-process drafting the "
                                 "serving processes write them (set COMPANION_DRAFTING=worker "
                                 "on the API servers and the workers alike)")
    deps = process_deps(db, settings)  # one model, index and planner per process

    def handle(draft_id: str, attempt: int, last: bool) -> None:
        deps.calls.clear()  # a log for tests; a long-lived process keeps none
        try:
            drafts.run_job(db, settings, draft_id, deps=deps, final=last)
        except NotFoundError:  # the draft (or its program) was deleted meanwhile
            log.info("draft %s no longer exists", draft_id)

    def sweep_queue() -> int:
        return len(sweep(db, settings).queued)

    app = worker_app(settings.resolved_database_url, Handlers(handle, sweep_queue),
                     sweep_every=sweep_every)
    stop = threading.Event()
    threading.Thread(target=_keep_alive, args=(db, settings, stop), name="liveness",
                     daemon=True).start()
    with app.open():
        swept = sweep(db, settings)
        if swept.queued:
            log.warning("%d interrupted draft(s) queued again: %s", len(swept.queued),
                        ", ".join(swept.queued))
        if on_start is not None:
            on_start()
        try:
            app.run_worker(queues=["drafts"],
                           concurrency=concurrency or settings.drafting_threads,
                           name=f"companion-{drafts.worker_name()}")
        finally:
            stop.set()



#: How often a worker says it is alive (and can reach the database), for `worker --check`.
LIVENESS_EVERY = 10.0


def _liveness_file(settings: Settings, host: str | None = None) -> Any:
    import socket

    return settings.ensure_home() / "workers" / (host or socket.gethostname())


def _keep_alive(db: Database, settings: Settings, stop: threading.Event) -> None:
    """Touch this host's liveness file while the database answers."""
    path = _liveness_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        try:
            queue_depth(db, settings)  # the database answers
            path.write_text(drafts.worker_name())
        except Exception:  # no touch: the health check sees the file go stale
            log.warning("worker liveness: the database does not answer", exc_info=True)
        if stop.wait(LIVENESS_EVERY):
            return


def worker_healthy(settings: Settings, *, host: str | None = None,
                   within: float = 60.0) -> bool:
    """Whether a `companion worker` of this host reached the database in the last `within`
    seconds (a container's health check)."""
    path = _liveness_file(settings, host)
    try:
        return time.time() - path.stat().st_mtime <= within
    except FileNotFoundError:
        return False
