"""`companion --help` stays fast: no command module imports the store, the services or a heavy
library at module level (issue 16). Not a timed test: it checks what the help imported, in a
fresh interpreter, so a regression fails on any machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

#: What a help screen must never import (each costs from 0.05 to several seconds).
HEAVY = ("sqlalchemy", "alembic", "numpy", "torch", "sentence_transformers", "icalendar",
         "litellm", "langgraph", "chromadb")
#: Companion's own layers below the faces: commands import them inside their functions.
LAYERS = ("companion.store", "companion.services", "companion.embeddings", "companion.drafting",
          "companion.retrieval", "companion.llm", "companion.evals")

#: Runs the real entry point with the given arguments and writes, as JSON on stderr, its exit
#: code and which of HEAVY and LAYERS it imported (stdout holds the help).
SCRIPT = """
import json, sys
from companion.cli import main
args, watched = json.loads(sys.argv[1]), json.loads(sys.argv[2])
try:
    main(args)
except SystemExit as exited:
    code = exited.code
found = sorted({top for name in sys.modules for top in watched
                if name == top or name.startswith(top + ".")})
sys.stderr.write(json.dumps({"code": code, "imported": found}))
"""


def _imported_by(args: list[str]) -> tuple[int, list[str]]:
    done = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(args),
                           json.dumps([*HEAVY, *LAYERS])],
                          capture_output=True, text=True, timeout=120, check=False)
    result = json.loads(done.stderr.strip().splitlines()[-1])
    assert "Usage" in done.stdout or "companion" in done.stdout, done.stdout
    return result["code"], result["imported"]


@pytest.mark.parametrize("args", [
    ["--help"],
    ["--version"],
    ["match", "--help"],
    ["match", "suggest", "--help"],
    ["pairing", "approve", "--help"],
    ["draft", "agenda", "--help"],
    ["drafts", "--help"],
    ["eval", "--help"],
    ["calendar", "--help"],
    ["token", "create", "--help"],
    ["session", "--help"],
    ["knowledge", "--help"],
])
def test_help_imports_nothing_heavy(args: list[str]) -> None:
    code, imported = _imported_by(args)
    assert code in (0, None)
    assert imported == [], (
        f"`companion {' '.join(args)}` imported {', '.join(imported)}: import services and "
        "heavy libraries inside the command functions (see companion/cli/commands/serve.py), "
        "names used only in annotations under `if TYPE_CHECKING:`")


def test_constants_spelled_out_for_the_help_match_their_sources() -> None:
    """Option defaults and help texts the CLI keeps its own copy of, to import nothing heavy."""
    from companion.cli.commands import evals, tokens
    from companion.evals import runner
    from companion.services import tokens as token_service

    assert evals.SUITES == runner.SUITES
    assert tokens.DEFAULT_DAYS == token_service.DEFAULT_DAYS


#: Runs `companion.cli.console` (the installed executable's entry) with `main` replaced by one
#: that records the collector's thresholds while a command runs; prints them, then the
#: thresholds and frozen count once `console` has returned.
CONSOLE = """
import gc, importlib, json
app = importlib.import_module("companion.cli.app")  # the module: the package's `app` is Typer's
seen = []
app.main = lambda: seen.append(gc.get_threshold())
before = gc.get_threshold()
app.console()
print(json.dumps({"before": before, "during": seen[0], "frozen": gc.get_freeze_count()}))
"""


def test_the_executable_collects_rarely_while_a_command_runs_and_not_again_at_exit() -> None:
    """A warm `draft agenda` spent ~0.5 s in collections during its start-up and ~0.7 s in the
    interpreter's last walk over everything it built (docs/benchmarks.md, issue 16)."""
    done = subprocess.run([sys.executable, "-c", CONSOLE], capture_output=True, text=True,
                          timeout=120, check=True)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["before"][0] < 1_000  # Python's own first threshold (700)
    assert seen["during"][0] >= 10_000
    assert seen["frozen"] > 0  # what the command built is out of the final collection


def test_commands_that_run_for_hours_restore_pythons_collector(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve` and `worker` keep Python's thresholds, and leave start-up's objects frozen."""
    import gc
    import importlib

    import uvicorn

    from companion.services import draft_jobs

    cli_app = importlib.import_module("companion.cli.app")

    seen: dict[str, tuple[int, ...]] = {}
    original = gc.get_threshold()

    def record(name: str) -> object:
        def recorder(*args: object, **kwargs: object) -> None:
            seen[name] = gc.get_threshold()
        return recorder

    monkeypatch.setattr(uvicorn, "run", record("serve"))
    monkeypatch.setattr(draft_jobs, "run_worker", record("worker"))
    try:
        for command in (["serve", "--port", "8765"], ["worker"]):
            gc.set_threshold(*cli_app._GC_COMMAND)
            with pytest.raises(SystemExit) as exited:
                cli_app.main(command)
            assert exited.value.code in (0, None)
    finally:
        gc.unfreeze()
        gc.set_threshold(*original)
    assert seen == {"serve": cli_app._GC_DEFAULT, "worker": cli_app._GC_DEFAULT}


def test_the_executable_leaves_no_sqlite_journal_behind(tmp_path: Path) -> None:
    """Freezing instead of collecting at exit left SQLAlchemy's pooled connections (in
    reference cycles) unclosed, so SQLite kept companion.db-wal beside the file: a coordinator
    copying companion.db would have copied it without the last commits. Engines and the
    checkpoint files are now closed at exit."""
    home = tmp_path / "home"
    env = {**os.environ, "COMPANION_HOME": str(home)}
    guidelines = tmp_path / "guidelines"
    guidelines.mkdir()
    (guidelines / "rhythm.md").write_text("# Rhythm\n\nAgree a meeting rhythm in the first "
                                          "session.\n", encoding="utf-8")  # no front matter
    for command in (["program", "create", "Walk", "--start", "2027-01-11", "--months", "12"],
                    # the embedding cache too, after a command that failed (a traceback held
                    # its connection in a reference cycle)
                    ["knowledge", "ingest", str(guidelines)]):
        done = subprocess.run([sys.executable, "-m", "companion.cli", *command], env=env,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode in (0, 2), done.stderr
    assert (home / "companion.db").is_file()
    assert not list(home.rglob("*-wal")) and not list(home.rglob("*-shm"))


def test_a_server_stopped_with_sigterm_leaves_no_sqlite_journal_behind(tmp_path: Path) -> None:
    """What a service manager sends (systemd, Docker): uvicorn shut down gracefully, then
    raised SIGTERM again, whose default action skipped Python's exit handlers, so the
    engines' pooled connections stayed open and companion.db-wal stayed beside the file."""
    import signal
    import time

    import httpx

    from tests.servers import clean_env, free_port

    home = tmp_path / "home"
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "companion.cli", "serve", "--port",
                                str(port)], env=clean_env(home), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).is_success:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, (
                process.stderr.read().decode()[-2000:] if process.stderr else "")
            time.sleep(0.2)
        assert list(home.glob("companion.db-wal"))  # the server has the database open
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert (home / "companion.db").is_file()
    assert not list(home.glob("companion.db-wal")) and not list(home.glob("companion.db-shm"))
