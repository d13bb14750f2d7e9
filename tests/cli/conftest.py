"""Running the `companion` command in-process and capturing what it prints."""

from __future__ import annotations

import shutil
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

from companion.cli import main
from companion.store import Database


class Run(NamedTuple):
    """One finished command: exit code, stdout, stderr."""

    code: int
    out: str
    err: str


@pytest.fixture(scope="session")
def empty_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite file, built once per session."""
    path = tmp_path_factory.mktemp("template") / "companion.db"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    database.dispose()
    return path


@pytest.fixture(autouse=True)
def migrated_home(companion_home: Path, empty_database: Path) -> Path:
    """Start each command-line test from an empty database that is already migrated:
    migrating a fresh one per test was most of these tests' run time."""
    companion_home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(empty_database, companion_home / "companion.db")
    return companion_home


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """`cli("program", "list")` runs `companion program list` and returns a Run.

    An exception escaping `main` is what a user would see as a traceback and exit 1, so it
    is reported that way (and fails the "no traceback" assertions) instead of erroring."""

    def run(*args: str) -> Run:
        capsys.readouterr()  # drop anything printed before this command
        try:
            main(list(args))
        except SystemExit as exited:
            code = exited.code
            out, err = capsys.readouterr()
            return Run(0 if code is None else int(code), out, err)
        except Exception:
            out, err = capsys.readouterr()
            return Run(1, out, err + "Traceback (most recent call last):\n"
                       + traceback.format_exc())
        raise AssertionError("companion.cli.main returned instead of exiting")

    return run
