"""Database failures the caller cannot fix, told apart: read-only, full, failing disk, cannot
open, locked, unreachable — each with what to do about it.

The message names the database (its file, or its URL without the password) for the operator
who reads it in the CLI or the server log; `public` says the same without any path or URL, for
HTTP clients, who must not learn where the server keeps its files.
"""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import unquote

from sqlalchemy.exc import DBAPIError

from companion.errors import StoreError


class StorageUnavailable(StoreError):
    """The database cannot do what was asked, for a reason on the server's side."""

    http_status = 503
    title = "Storage unavailable"

    def __init__(self, message: str, *, public: str) -> None:
        super().__init__(message)
        self.public = public


class _Kind(NamedTuple):
    markers: tuple[str, ...]  # lower-case fragments of the driver's message
    problem: str  # "{where}" is the database
    sqlite_hint: str
    server_hint: str
    public: str


_LOGGED = "; this is logged for the server's operator"
_KINDS = (
    _Kind(("readonly database", "read-only transaction", "read-only file system"),
          "the database at {where} is read-only, so nothing can be saved",
          "check that COMPANION_HOME and the files in it are writable by the user running "
          "Companion, and that its disk is not mounted read-only",
          "point COMPANION_DATABASE_URL at a primary server that accepts writes",
          "the server's database is read-only, so nothing can be saved" + _LOGGED),
    _Kind(("database or disk is full", "no space left on device", "could not extend file",
           "disk quota exceeded"),
          "the disk holding the database at {where} is full",
          "free space on it (or raise the quota), then retry",
          "free space on the database server's disk, then retry",
          "the server's storage is full, so nothing can be saved" + _LOGGED),
    _Kind(("disk i/o error",),
          "the database at {where} could not be read or written (disk I/O error)",
          "check the disk and its free space, and that the file was not removed or replaced "
          "while Companion was running",
          "check the database server's disk",
          "the server's storage failed" + _LOGGED),
    _Kind(("file is not a database", "database disk image is malformed"),
          "the file at {where} is not a readable Companion database",
          "restore it from a backup, or point COMPANION_HOME / COMPANION_DATABASE_URL at "
          "the right one",
          "check the database server",
          "the server's database is damaged" + _LOGGED),
    _Kind(("unable to open database file",),
          "cannot open the database file at {where}",
          "check that its directory (COMPANION_HOME) exists and is writable by the user "
          "running Companion",
          "check COMPANION_DATABASE_URL",
          "the server cannot open its database" + _LOGGED),
    _Kind(("database is locked", "database table is locked", "lock timeout",
           "could not obtain lock"),
          "the database at {where} stayed locked by another writer too long",
          "retry; if it persists, look for a process holding it (a long import, a stuck "
          "command)",
          "retry; if it persists, look for a long transaction holding locks",
          "the database is busy; retry in a moment"),
    _Kind(("could not connect", "connection refused", "connection failed",
           "could not translate host name", "timeout expired", "server closed the connection",
           "terminating connection", "no route to host"),
          "cannot reach the database at {where}",
          "check COMPANION_DATABASE_URL",
          "check COMPANION_DATABASE_URL and that the server is running",
          "the server cannot reach its database" + _LOGGED),
)


def location(url: str) -> str:
    """Where the database is, for the operator: a SQLite file's path, or the URL without
    its password."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if path.startswith("file:"):  # a URI filename: sqlite:///file:/x.db?mode=ro&uri=true
            path = unquote(path.removeprefix("file:").split("?", 1)[0])
        return path or ":memory:"
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}" if ":" in creds else url
    return url


def classify(exc: DBAPIError, url: str) -> StorageUnavailable | None:
    """The failure `exc` stands for, or None when it is not one of these (a bug, a
    constraint: left to propagate as it is)."""
    text = str(exc.orig if exc.orig is not None else exc).lower()
    for kind in _KINDS:
        if any(marker in text for marker in kind.markers):
            hint = kind.sqlite_hint if url.startswith("sqlite") else kind.server_hint
            problem = kind.problem.format(where=location(url))
            cause = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else ""
            return StorageUnavailable(f"{problem} ({cause}): {hint}" if cause else
                                      f"{problem}: {hint}", public=kind.public)
    return None
