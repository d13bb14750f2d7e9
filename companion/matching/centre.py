"""The 'generic leadership language' direction every profile shares, removed before scoring.

Sentence embeddings of profiles all lean the same way ("led teams", "stakeholders", "I want
to grow"), which makes a generic sentence look similar to everything. Subtracting the mean
vector of the texts being matched removes that shared direction.

The reference is the program's own pool (`centre_for`): the mean of its goals and expertise
phrases, so the centre follows the program's own vocabulary (one-line survey answers lean
elsewhere than paragraphs of leadership prose) and nothing at run time comes from the sample
generator. A frozen corpus shipped in the package (`data/reference_texts.json`: goals and
expertise phrases once written by the sample generator, frozen as data, embedded once per
model and cached) is the prior: it alone centres a pool of fewer than `MIN_POOL_TEXTS` texts,
and it counts as `CORPUS_WEIGHT` texts beside a larger pool's own. Texts, not vectors, are
frozen: the centre follows whichever model is set.

Measured with all-MiniLM-L6-v2 (matching eval, issue 13): hit@1 / hit@3 of the paraphrase set
0.838 / 1.0 (frozen corpus alone: 0.85 / 1.0; pool alone: 0.825 / 1.0); sample-program theme
hit@3 0.754 (0.754; pool alone 0.738 — that set comes from the generator the corpus was
written by). The pool alone also cost group cohorts their theme lift (2.03 → 1.82), which
the corpus weight keeps (2.05)."""

from __future__ import annotations

import json
import threading
from functools import cache
from importlib import resources

import numpy as np

from companion.embeddings import Embedder

#: The frozen corpus, shipped with the package (see its "about").
REFERENCE_FILE = "data/reference_texts.json"
_centres: dict[str, np.ndarray] = {}
_lock = threading.Lock()


@cache
def _frozen_texts() -> tuple[str, ...]:
    data = json.loads(resources.files(__package__).joinpath(REFERENCE_FILE)
                      .read_text(encoding="utf-8"))
    return tuple(data["texts"])


def reference_texts() -> list[str]:
    """The reference corpus: the goals and expertise phrases of the seeded sample program
    (376 texts), frozen as package data so production never runs the sample generator."""
    return list(_frozen_texts())


def reference_centre(embedder: Embedder) -> np.ndarray:
    """Mean reference vector for this embedder's model."""
    with _lock:
        if embedder.name not in _centres:
            _centres[embedder.name] = embedder.embed(reference_texts()).mean(axis=0)
        return _centres[embedder.name]


#: Fewer texts than this in a pool and its own mean is too noisy: the frozen corpus is used.
MIN_POOL_TEXTS = 20
#: How many texts the frozen corpus counts for beside a pool's own (see `centre_for`).
CORPUS_WEIGHT = 150
POOL = "pool"
REFERENCE = "reference corpus"


def centre_for(embedder: Embedder, goals: np.ndarray, phrases: np.ndarray
               ) -> tuple[np.ndarray, str]:
    """The direction to remove from a pool's vectors, and where it came from.

    A pool of at least `MIN_POOL_TEXTS` texts is centred on itself: the mean of its goals and
    expertise phrases, with the frozen corpus counted as `CORPUS_WEIGHT` more texts (a prior
    that a large pool outweighs: 150 texts are centred half on themselves, 1,500 for 91%).
    A smaller pool, or one without goals or without phrases, on the frozen corpus alone."""
    texts = len(goals) + len(phrases)
    if texts >= MIN_POOL_TEXTS and len(goals) and len(phrases):
        own = np.concatenate([goals, phrases]).mean(axis=0, dtype=np.float64)
        prior = reference_centre(embedder).astype(np.float64)
        mean = (texts * own + CORPUS_WEIGHT * prior) / (texts + CORPUS_WEIGHT)
        return mean.astype(np.float32), POOL
    return reference_centre(embedder), REFERENCE


def centre(vectors: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Vectors with the shared direction removed, re-normalised."""
    if not len(vectors):
        return vectors
    shifted = vectors - mean[None, :]
    return (shifted / np.maximum(np.linalg.norm(shifted, axis=1, keepdims=True), 1e-12)
            ).astype(np.float32, copy=False)
