"""The shortcuts behind fast suggestions give the same results as the plain way."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from companion.domain import Participant
from companion.embeddings import CachedEmbedder, EmbeddingCache, HashingEmbedder
from companion.matching.engine import _segment_sums
from companion.matching.texts import shorten
from companion.services import matching
from companion.store import Database
from tests.matching.conftest import PEOPLE


@pytest.mark.parametrize("most", [1, 3, 8, 9, 12])
def test_segment_sums_are_reduceat(most: int) -> None:
    rng = np.random.default_rng(most)
    counts = rng.integers(1, most + 1, size=50)
    values = rng.standard_normal((int(counts.sum()), 37)).astype(np.float32)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    assert np.array_equal(_segment_sums(values, counts),
                          np.add.reduceat(values, starts, axis=0))


def _plain_shorten(text: str, limit: int = 110) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return f"{cut}…"


def test_shorten_is_the_plain_definition() -> None:
    rng = random.Random(7)
    pieces = ["word", "a", " ", "  ", "\n", "\t", ",", ";", ":", "é", "\u00a0", "\u2003",
              "x" * 30, " , ", "…"]
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.choice([0, 3, 30, 60, 120])))
        for limit in (110, 20, 3):
            assert shorten(text, limit) == _plain_shorten(text, limit)


def test_participants_read_back_as_validated(program_db: Database) -> None:
    state = matching.load_state(program_db, "Pilot")
    validated = {p["id"]: Participant.model_validate(p) for p in PEOPLE}
    assert sorted(p.id for p in state.people) == sorted(validated)
    for person in state.people:
        expected = validated[person.id]
        assert person == expected
        assert person.model_dump() == expected.model_dump()
        assert list(person.__dict__) == list(Participant.model_fields)
        assert person.model_fields_set == set(Participant.model_fields)
        assert person.__pydantic_extra__ is None and person.__pydantic_private__ is None


def test_cached_vectors_come_back_unchanged(tmp_path: Path) -> None:
    texts = ["lead a team", "read a budget", "lead a team", "present to the board"]
    embedder = CachedEmbedder(HashingEmbedder(), EmbeddingCache(tmp_path / "cache.sqlite"))
    cold = embedder.embed(texts)
    warm = embedder.embed(texts)
    assert embedder.misses == 3 and embedder.hits == 5
    assert warm.dtype == np.float32 and warm.flags.writeable
    assert np.array_equal(cold, warm)
    assert np.array_equal(warm, HashingEmbedder().embed(texts))


def test_collector_pause_is_counted_and_restored() -> None:
    import gc

    assert gc.isenabled()
    with matching.collector_paused():
        with matching.collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), matching.collector_paused():
        raise RuntimeError
    assert gc.isenabled()
