"""Audit rows for denied requests, without letting anonymous floods fill the audit log.

A denial by an authenticated caller is written every time: the token is known, revocable, and
each attempt is evidence of what it probed. A request without a (valid) token is anyone's, and
one client can send thousands a second: those are written at most once per `WINDOW_SECONDS`
per (database, client address, reason). The row that opens a window carries, as
`detail.repeated`, how many the previous window suppressed; a window that no later request
reopens is written out (`detail.repeated`, `detail.flushed`) by the next denial after it
closed, when more than `MAX_WINDOWS` clients are being tracked, or when the process exits.

The windows live in this process (shared by its threads): N `companion serve` workers write at
most N rows per window per client and reason, not one per request. A worker killed with
SIGKILL loses the count of its open windows (at most one window's worth per client).
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from companion.store import AuditLog, Database

log = logging.getLogger("companion.services.denials")

WINDOW_SECONDS = 60.0
#: Clients tracked at once; beyond it the oldest window is written out early.
MAX_WINDOWS = 10_000


class DenialKey(NamedTuple):
    """What one window of anonymous denials counts."""

    database: str
    client: str
    reason: str


@dataclass
class _Window:
    opened: float
    db: Database
    entity_id: str
    detail: dict[str, Any]
    suppressed: int = 0


@dataclass
class _Row:
    db: Database
    entity_id: str
    detail: dict[str, Any]
    program: str | None = None


@dataclass
class DenialThrottle:
    """Per-key windows of anonymous denials (thread-safe)."""

    window: float = WINDOW_SECONDS
    max_windows: int = MAX_WINDOWS
    clock: Callable[[], float] = time.monotonic
    _windows: OrderedDict[DenialKey, _Window] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, key: DenialKey, db: Database, entity_id: str, detail: dict[str, Any]
              ) -> list[_Row]:
        """The rows to write for one more denial under `key`: none while its window is open
        (it is counted), else the row opening a new window — after any closed windows that
        still hold a count."""
        now = self.clock()
        with self._lock:
            current = self._windows.get(key)
            if current is not None and now - current.opened < self.window:
                current.suppressed += 1
                return []
            carried = self._windows.pop(key).suppressed if current is not None else 0
            rows = self._closed(now)
            self._windows[key] = _Window(now, db, entity_id, detail)
            while len(self._windows) > self.max_windows:
                rows += self._written_out(*self._windows.popitem(last=False))
        opening = dict(detail, repeated=carried) if carried else detail
        return [*rows, _Row(db, entity_id, opening)]

    def drain(self) -> list[_Row]:
        """Rows for every window still holding a count (at exit); forgets all windows."""
        with self._lock:
            rows = [row for key, w in self._windows.items() for row in self._written_out(key, w)]
            self._windows.clear()
        return rows

    def _closed(self, now: float) -> list[_Row]:
        # windows are ordered by opening time, so the closed ones are at the front
        rows: list[_Row] = []
        while self._windows:
            key, oldest = next(iter(self._windows.items()))
            if now - oldest.opened < self.window:
                break
            del self._windows[key]
            rows += self._written_out(key, oldest)
        return rows

    @staticmethod
    def _written_out(_key: DenialKey, window: _Window) -> list[_Row]:
        if not window.suppressed:
            return []
        return [_Row(window.db, window.entity_id,
                     dict(window.detail, repeated=window.suppressed, flushed=True))]


throttle = DenialThrottle()


def record_denial(db: Database, *, actor: str, anonymous: bool, client: str | None,
                  entity_id: str, program: str | None, detail: dict[str, Any]) -> None:
    """Write the audit row(s) for one denied request (see the module's docstring)."""
    if anonymous:
        key = DenialKey(db.url, client or "unknown", str(detail.get("reason")))
        rows = throttle.admit(key, db, entity_id, dict(detail, client=client))
    else:
        rows = [_Row(db, entity_id, detail, program)]
    _write(rows, actor="anonymous" if anonymous else actor)


def flush_denials() -> None:
    """Write out every count still held in memory (called at exit; tests call it too)."""
    _write(throttle.drain(), actor="anonymous")


def _write(rows: list[_Row], *, actor: str) -> None:
    for row in rows:
        try:
            with row.db.session() as session:
                AuditLog(session).append(actor, "access.denied", "request", row.entity_id,
                                         program=row.program, detail=row.detail)
        except Exception:  # the denial itself must still be answered
            log.exception("could not log a denied request")


atexit.register(flush_denials)
