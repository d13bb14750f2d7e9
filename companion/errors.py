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


class BadInputError(CompanionError):
    """The caller's input (a file, an argument, a request body) is wrong."""

    exit_code = 2
    http_status = 422
    title = "Invalid input"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFoundError(CompanionError):
    """A named thing (program, participant, pairing, draft) does not exist."""

    exit_code = 2
    http_status = 404
    title = "Not found"


class ConflictError(CompanionError):
    """The request conflicts with the current state (duplicate name, stale version)."""

    exit_code = 2
    http_status = 409
    title = "Conflict"


class ConfigurationError(CompanionError):
    """Settings or the environment are wrong (bad database URL, model weights mismatch)."""

    title = "Configuration error"


class StoreError(CompanionError):
    """The database failed in a way the caller cannot fix by changing the request."""

    title = "Storage error"
