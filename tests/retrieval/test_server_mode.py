"""COMPANION_CHROMA_URL: the same ingestion and search against a real `chroma run` server."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from companion.config import Settings, get_settings
from companion.embeddings import HashingEmbedder
from companion.retrieval import ingest, search
from companion.retrieval.store import reset_clients

CHROMA = Path(sys.executable).parent / "chroma"


@pytest.fixture
def chroma_url(tmp_path: Path, free_port: int) -> Iterator[str]:
    """A `chroma run` server on 127.0.0.1 with its data in tmp_path, stopped afterwards."""
    if not CHROMA.exists():
        pytest.skip(f"no chroma command at {CHROMA}")
    url = f"http://127.0.0.1:{free_port}"
    log = (tmp_path / "chroma.log").open("wb")
    server = subprocess.Popen([str(CHROMA), "run", "--path", str(tmp_path / "server"),
                               "--host", "127.0.0.1", "--port", str(free_port)],
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.skip("`chroma run` did not start: "
                                + (tmp_path / "chroma.log").read_text(errors="replace")[-500:])
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_ingest_and_search_through_a_chroma_server(
        chroma_url: str, knowledge: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPANION_CHROMA_URL", chroma_url)
    get_settings.cache_clear()
    settings: Settings = get_settings()
    embedder = HashingEmbedder()

    first = ingest(settings, embedder)
    path = knowledge / "mentor-guide.md"
    path.write_text(path.read_text(encoding="utf-8").replace("## Listening well", "## Hearing")
                    + "\n## Zebracorn\n\nZebracorn tea calms a nervous mentee.\n",
                    encoding="utf-8")
    second = ingest(settings, embedder)
    reset_clients()  # what a second process would see
    found = search(settings, embedder, "zebracorn tea", top=2, where={"kind": "guide"})

    assert first.files_added == 14 and not first.errors
    assert (second.files_updated, second.chunks_deleted) == (1, 1)
    assert second.chunks_total == first.chunks_total + 1
    assert found[0].id == "knowledge/mentor-guide.md#mentor-guide-zebracorn"
    assert not (settings.home / "chroma").exists()  # nothing went to the embedded store
