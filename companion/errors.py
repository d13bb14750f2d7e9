"""Companion's error hierarchy. Messages say what went wrong and what to do next.

Only `companion.api` turns these into HTTP responses; the CLI maps them to exit codes
(2 for bad input, 1 for everything else).
"""

from __future__ import annotations


class CompanionError(Exception):
    """Base class for every error Companion raises on purpose."""

    exit_code = 1
    http_status = 500
    title = "Internal error"
    #: The kind of problem, as the API's problem `type` names it (companion.api.errors).
    kind = "internal-error"


class BadInputError(CompanionError):
    """The caller's input (a file, an argument, a request body) is wrong."""

    exit_code = 2
    http_status = 422
    title = "Invalid input"
    kind = "invalid-request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFoundError(CompanionError):
    """A named thing (program, participant, pairing, draft) does not exist."""

    exit_code = 2
    http_status = 404
    title = "Not found"
    kind = "not-found"


class ConflictError(CompanionError):
    """The request conflicts with the current state (duplicate name, stale version)."""

    exit_code = 2
    http_status = 409
    title = "Conflict"
    kind = "conflict"


class StaleVersionError(ConflictError):
    """A change was made on a version that is no longer the current one."""

    kind = "stale-version"


class AccessDenied(CompanionError):
    """An access decision against the caller: 401 (who are you), 403 (you may see this but
    not do this) or 404 (not yours to see — said exactly as if it did not exist). The API
    writes each to the audit log; `reason` is what the log records, never shown."""

    exit_code = 2
    title = "Denied"

    def __init__(self, status: int, detail: str, *, reason: str | None = None,
                 program: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.http_status = status
        self.detail = detail
        self.reason = reason or detail
        self.program = program
        self.headers = headers or {}


def hidden(what: str, *, reason: str, program: str | None = None) -> AccessDenied:
    """A 'not found' that hides something the caller may not see (same text as a real
    miss)."""
    return AccessDenied(404, f"no {what}", reason=reason, program=program)


def forbidden(detail: str, *, program: str | None = None) -> AccessDenied:
    """The caller may see the thing but not do this to it."""
    return AccessDenied(403, detail, program=program)


class RateLimitedError(CompanionError):
    """Too many requests of one kind from one person in a while; `retry_after` seconds."""

    exit_code = 2
    http_status = 429
    title = "Too many requests"
    kind = "rate-limited"

    def __init__(self, message: str, *, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ConfigurationError(CompanionError):
    """Settings or the environment are wrong (bad database URL, model weights mismatch)."""

    title = "Configuration error"
    kind = "configuration-error"


class StoreError(CompanionError):
    """The database failed in a way the caller cannot fix by changing the request."""

    title = "Storage error"
    kind = "storage-error"
