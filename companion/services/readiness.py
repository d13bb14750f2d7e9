"""Readiness: does each store this process depends on answer, within a short time?"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from companion.config import Settings
from companion.store import Database
from companion.store.db import head_revision

log = logging.getLogger("companion.services.readiness")

#: How long a component may take to answer before it counts as down. A probe that hangs keeps
#: a worker thread, not the request: the answer comes after at most this long.
TIMEOUT_SECONDS = 3.0
OK = "ok"
# Checks run here, not on the request's thread, so one that hangs cannot hold the answer; a
# few threads are enough for one probe at a time per component.
_probes = ThreadPoolExecutor(max_workers=4, thread_name_prefix="companion-ready")


def check_database(db: Database) -> str:
    """`ok`, or `not migrated` when the schema is behind this version."""
    db.upgrade()
    return OK if db.current_revision() == head_revision() else "not migrated"  # a round trip


def check_vector_store(settings: Settings) -> str:
    """`ok` when the guideline store (embedded or `chroma run`) answers."""
    from companion.retrieval.store import ping  # imports chromadb: only when asked

    ping(settings)
    return OK


def readiness(db: Database, settings: Settings, *, timeout: float | None = None
              ) -> dict[str, str]:
    """Each component's status: `ok`, or `unavailable: …` naming the kind of failure (never
    a path or URL: the answer is public; the log has the details). Each has `timeout`
    seconds (default `TIMEOUT_SECONDS`), all at once."""
    timeout = TIMEOUT_SECONDS if timeout is None else timeout
    checks: dict[str, Callable[[], str]] = {
        "database": lambda: check_database(db),
        "vector_store": lambda: check_vector_store(settings),
    }
    running = {name: _probes.submit(check) for name, check in checks.items()}
    deadline = time.monotonic() + timeout
    found: dict[str, str] = {}
    for name, future in running.items():
        try:
            found[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            log.warning("readiness: %s did not answer within %.1f s", name, timeout)
            found[name] = f"unavailable: no answer within {timeout:g} s"
        except Exception as exc:  # readiness reports, it does not raise
            log.warning("readiness: %s is unavailable: %s", name, exc)
            found[name] = f"unavailable: {type(exc).__name__}"
    return found
