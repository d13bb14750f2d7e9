"""Retrieval fixtures: the deterministic embedder, a private copy of knowledge/, and small
guideline files written on the fly."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from companion.config import Settings
from companion.embeddings import HashingEmbedder
from companion.retrieval.store import reset_clients

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


@pytest.fixture(autouse=True)
def fresh_clients() -> Iterator[None]:
    """Each test opens Chroma under its own home; forget clients pointing at old homes."""
    reset_clients()
    yield
    reset_clients()


@pytest.fixture
def embedder() -> HashingEmbedder:
    """Deterministic, records every batch it embeds in `.calls`."""
    return HashingEmbedder()


@pytest.fixture
def knowledge(tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the bundled guidelines that tests may edit, set as the default folder."""
    folder = tmp_path / "guides" / "knowledge"
    shutil.copytree(KNOWLEDGE, folder)
    monkeypatch.setenv("COMPANION_KNOWLEDGE_DIR", str(folder))
    return folder


def guideline(title: str = "Team rituals", body: str = "# Team rituals\n\n## Stand-ups\n\n"
              "Keep the daily stand-up to fifteen minutes.\n", **front: str) -> str:
    """The text of a guideline file with front matter."""
    lines = [f"title: {title}", *(f"{k}: {v}" for k, v in front.items())]
    return "---\n" + "\n".join(lines) + "\n---\n\n" + body


@pytest.fixture
def write_guideline(tmp_path: Path) -> Callable[..., Path]:
    """`write_guideline("playbook/rituals.md", text)` writes under tmp_path and returns it."""

    def write(relative: str, text: str | None = None) -> Path:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(guideline() if text is None else text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (at the time of asking)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
