"""`companion --help` stays fast: no command module imports the store, the services or a heavy
library at module level (issue 16). Not a timed test: it checks what the help imported, in a
fresh interpreter, so a regression fails on any machine."""

from __future__ import annotations

import json
import subprocess
import sys

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
