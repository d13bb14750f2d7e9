"""The 'generic leadership language' direction every profile shares, removed before scoring.

Sentence embeddings of profiles all lean the same way ("led teams", "stakeholders", "I want
to grow"), which makes a generic sentence look similar to everything. Subtracting the mean
vector of a fixed reference corpus — the seeded sample program's goals and expertise, frozen
in `data/reference_texts.json` — removes that shared direction. Measured on the sample
program: theme hit@3 of semantic fit alone rose from 0.62/0.65 to 0.73/0.67 (max over
phrases) across two seeds, and the eval set decides the rest. The corpus is fixed, so the
centre is the same for a pool of one or of ten thousand, and it is embedded once per model
(then cached). Texts, not vectors, are frozen: the centre follows whichever model is set."""

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


def centre(vectors: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Vectors with the shared direction removed, re-normalised."""
    if not len(vectors):
        return vectors
    shifted = vectors - mean[None, :]
    return (shifted / np.maximum(np.linalg.norm(shifted, axis=1, keepdims=True), 1e-12)
            ).astype(np.float32, copy=False)
