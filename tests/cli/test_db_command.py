"""`companion db upgrade`: migrates a fresh database once, reports the revision, and is a no-op
on a current one (compose.yaml's one-shot `migrate` service runs it before the API workers)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from companion.store import Database, reset_databases
from companion.store.db import head_revision
from tests.cli.conftest import Run

Cli = Callable[..., Run]


def test_upgrade_migrates_a_fresh_database_then_is_a_no_op(cli: Cli, migrated_home: Path) -> None:
    (migrated_home / "companion.db").unlink()  # the fixture's copy is already migrated
    reset_databases()
    first = cli("db", "upgrade", "--format", "json")
    assert first.code == 0, first.err
    assert json.loads(first.out) == {"database": "sqlite", "revision": head_revision()}
    database = Database(f"sqlite:///{migrated_home / 'companion.db'}")
    assert database.current_revision() == head_revision()
    database.dispose()

    reset_databases()
    again = cli("db", "upgrade")
    assert again.code == 0, again.err
    assert f"sqlite database at revision {head_revision()}" in again.out


def test_upgrade_reports_an_unreachable_database_without_a_traceback(
        cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPANION_DATABASE_URL",
                       "postgresql+psycopg://companion@127.0.0.1:1/companion")
    result = cli("db", "upgrade")
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "COMPANION_DATABASE_URL" in result.err + result.out
