"""The import contracts in `.importlinter` hold today and catch the imports they forbid.

`make test` runs `lint-imports` on the package; this test shows each kind of contract failing
on a copy of the package with one forbidden import added (a contract that cannot fail guards
nothing)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).parent / "lint-imports"

pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed")


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT), "--no-cache", str(root / ".importlinter")], cwd=root,
                          env=env, capture_output=True, text=True, timeout=120)


def test_the_package_keeps_every_contract() -> None:
    run = lint(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


# (module added, its import, the contract that must break)
PROBES = [
    ("matching/_probe.py", "from companion.services.progress import NoProgress",
     "Layers: faces > services"),
    ("retrieval/_probe.py", "import sqlalchemy", "Only companion.store imports SQLAlchemy"),
    ("services/_probe.py", "import litellm", "Only companion.llm imports litellm"),
    ("web/_probe.py", "import openpyxl", "Only companion.importing imports openpyxl"),
    ("matching/_probe.py", "from companion.sample import generate_program",
     "Production code never runs the sample generator"),
    ("cli/_probe.py", "from companion.store import ProgramRepository",
     "Faces reach the store and the drafting graph only through services"),
    ("drafting/_probe.py", "from companion.store import Database",
     "Engines take what they need through ports"),
    ("domain/_probe.py", "from companion.embeddings import Embedder",
     "The domain imports nothing of Companion"),
]


def test_each_kind_of_forbidden_import_breaks_its_contract(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "companion", tmp_path / "companion",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    for path, line, _ in PROBES:
        target = tmp_path / "companion" / path
        target.write_text(f"{target.read_text() if target.exists() else ''}{line}\n")

    run = lint(tmp_path)

    assert run.returncode != 0
    broken = [line for line in run.stdout.splitlines() if " BROKEN" in line]
    for _, _, contract in PROBES:
        assert any(line.startswith(contract) for line in broken), (contract, run.stdout)
