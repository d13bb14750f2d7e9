"""Storage failures reach the local operator with the database's path and what to do; an
HTTP client gets the same diagnosis without the path (tests/api/test_hardening.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.cli import output
from companion.config import get_settings
from companion.store import reset_databases


def _use_database(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setattr(output.err, "width", 400)  # the message on one line
    monkeypatch.setenv("COMPANION_DATABASE_URL", url)
    get_settings.cache_clear()
    reset_databases()


def test_a_read_only_database_is_named_with_what_to_check(
        cli, migrated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = migrated_home / "companion.db"
    _use_database(monkeypatch, f"sqlite:///file:{database}?mode=ro&uri=true")
    run = cli("program", "create", "Pilot", "--start", "2027-01-11")
    assert run.code == 1 and "Traceback" not in run.err
    message = run.err
    assert f"the database at {database} is read-only" in message, run.err
    assert "COMPANION_HOME" in message and "writable" in message
    assert "cannot reach" not in message


def test_a_missing_database_file_is_not_called_unreachable(
        cli, migrated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = migrated_home / "nowhere" / "companion.db"
    _use_database(monkeypatch, f"sqlite:///file:{missing}?mode=ro&uri=true")
    run = cli("program", "list")
    message = run.err
    assert run.code == 1 and f"cannot open the database file at {missing}" in message, run.err
    assert not (Path.cwd() / "file:").exists()  # the URI is not taken for a folder name
