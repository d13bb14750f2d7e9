"""Logging: the request a log line belongs to, and one JSON line per record in production.

`COMPANION_LOG_FORMAT=text` (the default) keeps the short human format; `json` writes one JSON
object per line with the request id and the principal's opaque id (a token id or `web-<id>`).
Nothing here reads a record's arguments for people: callers never log names, e-mails or
participant ids, and the access log carries only the route template, never the raw path.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

#: The fields an access-log line may carry beside the standard ones (passed as `extra=`).
ACCESS_FIELDS = ("method", "route", "status", "duration_ms")


@dataclass
class RequestContext:
    """The request being served: its id and, once the caller is known, who it is."""

    request_id: str
    principal: Callable[[], str | None] = field(default=lambda: None)


_request: ContextVar[RequestContext | None] = ContextVar("companion_request", default=None)


@contextmanager
def request_context(context: RequestContext) -> Iterator[RequestContext]:
    """Make `context` the current request's for every log record written inside."""
    reset = _request.set(context)
    try:
        yield context
    finally:
        _request.reset(reset)


def current_request() -> RequestContext | None:
    return _request.get()


def current_request_id() -> str | None:
    context = _request.get()
    return context.request_id if context else None


class JsonFormatter(logging.Formatter):
    """One JSON object per record: timestamp, level, logger, message, request_id, principal,
    and the access fields when the record has them."""

    def format(self, record: logging.LogRecord) -> str:
        context = _request.get()
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None)
            or (context.request_id if context else None),
            "principal": getattr(record, "principal", None)
            or (context.principal() if context else None),
        }
        for name in ACCESS_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str, fmt: str = "text") -> None:
    """Set up the root logger once for the process: `text` or `json` lines on stderr. With
    `json` the per-request access lines (logger `companion.access`) are on."""
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not getattr(h, "companion", False)]
    if root.handlers:  # someone else (a test runner, an embedding app) owns the output
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.companion = True  # type: ignore[attr-defined]
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.getLogger("companion.access").setLevel(
        logging.INFO if fmt == "json" else logging.NOTSET)
