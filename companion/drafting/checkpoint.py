"""Where the drafting graph keeps its checkpoints (one thread per draft, so a draft waiting
for review survives restarts)."""

from __future__ import annotations

import atexit
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from companion.config import Settings


@contextmanager
def checkpointer(settings: Settings) -> Iterator[Any]:
    """SQLite under COMPANION_HOME, or PostgreSQL when the database is PostgreSQL."""
    if settings.database_kind == "postgresql":
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg import Connection
        from psycopg.rows import dict_row

        url = settings.resolved_database_url.replace("postgresql+psycopg://", "postgresql://")
        with Connection.connect(url, autocommit=True, prepare_threshold=0,
                                row_factory=dict_row) as conn:
            saver = PostgresSaver(conn)
            saver.setup()
            yield saver
        return
    yield _sqlite_saver(settings.ensure_home() / "checkpoints.sqlite")


_savers: dict[str, Any] = {}


def _sqlite_saver(path: Any) -> Any:
    """One saver per checkpoint file and process (WAL: a checkpoint write does not wait for a
    full fsync, which was most of the pipeline's slowest runs)."""
    import sqlite3

    from langgraph.checkpoint.sqlite import SqliteSaver

    key = str(path)
    if key not in _savers:
        conn = sqlite3.connect(key, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        _savers[key] = SqliteSaver(conn)
    return _savers[key]


def _close_savers() -> None:
    """Close the checkpoint files at exit: the last close folds the WAL back into the file.
    The `companion` executable freezes its objects at exit rather than collect them (issue
    16), so nothing else would close a connection held here."""
    while _savers:
        _, saver = _savers.popitem()
        try:
            saver.conn.close()
        except Exception:  # noqa: S110 - at exit: an unclosed file is replayed on next open
            pass


atexit.register(_close_savers)
