"""Fixtures for the import tests: a program to import into and a one-call import."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from companion.config import Settings
from companion.services.participants import ImportReport, import_participants_file
from companion.services.programs import build_program, create_program
from companion.store import Database, get_database

PROGRAM = "Pilot"

Importer = Callable[..., ImportReport]


@pytest.fixture(scope="session")
def pilot_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file holding the empty program 'Pilot', built once per session:
    migrating a fresh database for every test was most of these tests' run time."""
    path = tmp_path_factory.mktemp("template") / "companion.db"
    database = Database(f"sqlite:///{path}")
    create_program(database, build_program(PROGRAM, start=date(2027, 1, 11)))
    database.dispose()  # checkpoints the WAL into the main file
    return path


@pytest.fixture
def pilot(settings: Settings, pilot_template: Path) -> Database:
    """The test's own SQLite database (under its COMPANION_HOME) with the program 'Pilot'."""
    shutil.copyfile(pilot_template, settings.ensure_home() / "companion.db")
    database = get_database(settings)
    assert database.url == f"sqlite:///{settings.home / 'companion.db'}"
    return database


@pytest.fixture
def run_import(pilot: Database) -> Importer:
    """`run_import(path, skip_invalid=False)` into 'Pilot'."""

    def run(path: Path, *, skip_invalid: bool = False) -> ImportReport:
        return import_participants_file(pilot, PROGRAM, path, skip_invalid=skip_invalid)

    return run
