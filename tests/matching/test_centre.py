"""The frozen reference corpus gives exactly the centre the sample generator used to derive at
run time, so freezing it (production no longer imports `companion.sample`) changed no score.

`derived_texts` is the derivation `companion.matching.centre` ran before the corpus was frozen.
If the sample generator changes, the equivalence test fails: production keeps the frozen
corpus either way; refreeze `companion/matching/data/reference_texts.json` from
`derived_texts()` only if the centre should move (and re-run the matching evals)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import numpy as np
import pytest

from companion.domain import Participant
from companion.embeddings import HashingEmbedder
from companion.matching import centre as centre_module
from companion.matching.centre import reference_centre, reference_texts
from companion.matching.texts import expertise_phrases
from companion.progress import Tick
from companion.sample import generate_program

#: sha256 of the JSON list the derivation produced when the corpus was frozen.
FROZEN_SHA256 = "719c85a7136a9f6b61293e2719a998ddf808fa7dadded2f66edd91f370a5b89a"
_TEXT_FIELDS = ("id", "name", "role", "goals", "expertise", "skills", "title", "department")


def derived_texts() -> list[str]:
    """Goals and expertise phrases of the seeded sample program, as derived before freezing."""
    texts: list[str] = []
    for record in generate_program(mentees=120, mentors=40, seed=2027).records:
        person = Participant.model_validate({key: record[key] for key in _TEXT_FIELDS
                                             if key in record})
        texts.extend(person.goals)
        if person.role.mentors:
            texts.extend(expertise_phrases(person))
    return texts


def test_the_frozen_corpus_is_the_one_derived_when_it_was_frozen() -> None:
    texts = reference_texts()
    assert len(texts) == 376
    digest = hashlib.sha256(json.dumps(texts, ensure_ascii=False).encode()).hexdigest()
    assert digest == FROZEN_SHA256


def test_the_frozen_corpus_equals_the_sample_derivation() -> None:
    assert reference_texts() == derived_texts()


def test_the_frozen_centre_equals_the_derived_centre(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(centre_module, "_centres", {})
    embedder = HashingEmbedder()
    frozen = reference_centre(embedder)
    derived = embedder.embed(derived_texts()).mean(axis=0)
    assert frozen.dtype == derived.dtype and np.array_equal(frozen, derived)
    # the figures measured from the old run-time derivation, before the corpus was frozen
    assert float(np.linalg.norm(frozen)) == pytest.approx(0.301535040140152, abs=1e-6)
    assert float(frozen.sum()) == pytest.approx(0.2516753673553467, abs=1e-5)


def test_the_centre_is_computed_once_per_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(centre_module, "_centres", {})
    calls: list[int] = []

    class Counting(HashingEmbedder):
        def embed(self, texts: Sequence[str], *, tick: Tick | None = None) -> np.ndarray:
            calls.append(len(texts))
            return super().embed(texts, tick=tick)

    embedder = Counting()
    assert reference_centre(embedder) is reference_centre(embedder)
    assert calls == [376]


def test_a_pool_is_centred_on_its_own_texts() -> None:
    """Issue 13: the reference is the program's own pool (goals and phrases weighted equally);
    the frozen corpus only when the pool has fewer than MIN_POOL_TEXTS texts."""
    from companion.matching.centre import CORPUS_WEIGHT, MIN_POOL_TEXTS, centre_for

    embedder = HashingEmbedder()
    goals = embedder.embed([f"goal number {k} about leading people" for k in range(15)])
    phrases = embedder.embed([f"expertise {k} in finance" for k in range(5)])
    mean, source = centre_for(embedder, goals, phrases)
    assert source == "pool" and len(goals) + len(phrases) == MIN_POOL_TEXTS
    own = np.concatenate([goals, phrases]).mean(axis=0)
    expected = (20 * own + CORPUS_WEIGHT * reference_centre(embedder)) / (20 + CORPUS_WEIGHT)
    assert np.allclose(mean, expected, atol=1e-6)
    # a large pool is centred (almost) on itself
    many = np.repeat(goals, 200, axis=0)
    mean, _ = centre_for(embedder, many, phrases)
    assert np.linalg.norm(mean - np.concatenate([many, phrases]).mean(axis=0)) < 0.1 * (
        np.linalg.norm(reference_centre(embedder) - np.concatenate([many, phrases]).mean(axis=0)))
    mean, source = centre_for(embedder, goals[:14], phrases)
    assert source == "reference corpus" and np.array_equal(mean, reference_centre(embedder))
    _, source = centre_for(embedder, goals, phrases[:0])  # no expertise at all: no pool mean
    assert source == "reference corpus"


def test_the_engine_uses_the_pools_centre() -> None:
    from companion.matching.engine import MatchPool
    from tests import factories

    rows = [factories.mentor(f"m{k}", expertise=f"Coached managers on topic {k}.")
            for k in range(10)]
    rows += [factories.mentee(f"e{k}", goals=f"Grow in area {k}") for k in range(10)]
    people = [Participant.model_validate(r) for r in rows]
    assert MatchPool(factories.program(), people, HashingEmbedder()).semantic.centred_on == "pool"
    few = [p for p in people if p.id in ("m1", "e1")]
    pool = MatchPool(factories.program(), few, HashingEmbedder())
    assert pool.semantic.centred_on == "reference corpus"
