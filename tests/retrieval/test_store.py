"""The Chroma wrapper: collection names, addresses, list metadata, and updates that never
leave a passage unreachable by search."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from companion.config import Settings
from companion.embeddings import HashingEmbedder
from companion.errors import ConfigurationError
from companion.retrieval import ingest, store
from companion.retrieval.chunking import chunk_text, embedding_text
from companion.retrieval.store import FileWrite, KnowledgeStore, collection_name, open_store
from tests.retrieval.conftest import guideline

CHROMA_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,61}[a-zA-Z0-9]$")


@pytest.mark.parametrize("model", [
    "hashing-256", "all-MiniLM-L6-v2@53aa51172d14", "/models/my model (v2)/", "x",
    "sentence-transformers/paraphrase-multilingual-mpnet-base-v2-with-a-very-long-suffix"])
def test_collection_names_follow_chromas_rules(model: str) -> None:
    name = collection_name(model)

    assert CHROMA_NAME.match(name) and ".." not in name
    assert name == collection_name(model)


def test_models_differing_only_in_punctuation_get_different_collections() -> None:
    assert collection_name("org/model") != collection_name("org-model")


@pytest.mark.parametrize("url", ["localhost:8000", "ftp://host:1", "http://", "http://h:99999",
                                 "http://h:1/api", "http://h:x"])
def test_a_bad_chroma_url_names_the_setting(settings: Settings, url: str) -> None:
    broken = settings.model_copy(update={"chroma_url": url})

    with pytest.raises(ConfigurationError, match="COMPANION_CHROMA_URL"):
        open_store(broken, "hashing-256")


def test_an_unreachable_server_names_the_setting(settings: Settings, free_port: int) -> None:
    broken = settings.model_copy(update={"chroma_url": f"http://127.0.0.1:{free_port}"})

    with pytest.raises(ConfigurationError, match="cannot reach .*COMPANION_CHROMA_URL"):
        open_store(broken, "hashing-256")


def test_the_embedded_store_lives_under_home_and_restores_lists(
        settings: Settings, embedder: HashingEmbedder) -> None:
    text = guideline(topics="[rituals, stand-ups]", audience="[mentor, coordinator]",
                     phase="launch", kind="template")
    passages = chunk_text(text, "team/rituals.md")
    kept = open_store(settings, embedder.name)
    kept.apply([FileWrite(passages, embedder.embed([embedding_text(p) for p in passages]),
                          "team", "abc")])

    (found,) = kept.query(embedder.embed(["daily stand-up"])[0], top=5)

    assert (settings.home / "chroma").is_dir()
    assert found.model_dump(exclude={"score"}) == passages[0].model_dump(exclude={"score"})
    assert found.topics == ["rituals", "stand-ups"] and found.audience == ["mentor", "coordinator"]
    assert 0 < found.score <= 1


def _self_lookups_missed(kept: KnowledgeStore) -> list[str]:
    """Ids whose own stored vector does not find them first."""
    found = kept.collection.get(include=["embeddings"])
    return [i for i, v in zip(found["ids"], found["embeddings"], strict=True)
            if kept.query(np.asarray(v), top=1)[0].id != i]


def test_updates_and_deletes_leave_every_passage_reachable(
        settings: Settings, embedder: HashingEmbedder, knowledge: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "_BATCH", 7)  # several batches per write and delete
    ingest(settings, embedder)
    for name in ("mentor-guide.md", "group-mentoring.md"):
        path = knowledge / name
        path.write_text(path.read_text(encoding="utf-8").replace("## ", "## Revised ", 2)
                        + "\n## Appendix\n\nMore words.\n", encoding="utf-8")
    (knowledge / "peer-mentoring.md").unlink()

    report = ingest(settings, embedder)

    kept = open_store(settings, embedder.name)
    assert (report.files_updated, report.files_removed) == (2, 1)
    assert kept.count() == report.chunks_total
    assert not _self_lookups_missed(kept)


def test_searches_explore_the_whole_index(settings: Settings) -> None:
    # A collection made with Chroma's default ef_search (100) is widened when opened.
    path = settings.home / "chroma"
    client = store._client(settings, ("path", str(path)))
    client.create_collection(collection_name("old-model"), embedding_function=None,
                             configuration={"hnsw": {"space": "cosine"}})
    store.reset_clients()

    opened = _hnsw(open_store(settings, "old-model"))
    new = _hnsw(open_store(settings, "new-model"))

    assert opened["ef_search"] == new["ef_search"] == store.EF_SEARCH >= 1000
    assert new["space"] == "cosine"


def _hnsw(kept: KnowledgeStore) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "legacy embedding function config")
        return dict(kept.collection.configuration["hnsw"] or {})
