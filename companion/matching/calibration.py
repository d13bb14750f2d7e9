"""What a semantic fit means, per program and per embedding model.

The semantic component is a centred cosine rescaled to [0, 1]: it ranks mentors well, but its
size depends on the model and on how alike the pool's texts are (one-line survey answers
centred on their own mean can score 0.87 for unrelated texts). So a label is given by

- the fit's **percentile** among pairs of the same program (a sample of its mentees with goals
  × every mentor, scored exactly as a suggestion is), or, in a pool too small for that, among
  pairs built from the frozen reference corpus (`centre.reference_texts`) for this model — the
  reasons say which ("closer than 92% of pairs in this program");
- an **absolute floor** on the raw (uncentred) cosine of the goal and expertise phrase the
  reason quotes: "Strong" and "Good" need the two texts to be close in meaning for this
  model, not only closer than their neighbours. The floors are the larger of a fixed minimum
  and a high percentile of raw cosines between random reference texts for the model.

Measured with all-MiniLM-L6-v2: random reference pairs have raw cosine median 0.23, 95th
percentile 0.43; "Manage stakeholders across the US and Europe" ↔ "Budget ownership and
forecasting" 0.26; "Learn to delegate work to my new team" ↔ "I help new managers delegate
work to their team…" 0.72.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from companion.embeddings import Embedder
from companion.matching import components as comp
from companion.matching.centre import centre, reference_texts

#: Raw cosine a quoted goal/phrase pair needs at least for "Strong" / "Good", whatever the
#: model's reference distribution says.
STRONG_MIN_COSINE = 0.45
GOOD_MIN_COSINE = 0.30
#: Percentiles of random reference-pair raw cosines that set the floors per model.
STRONG_COSINE_PERCENTILE = 95.0
GOOD_COSINE_PERCENTILE = 90.0
#: Percentile of the fit (among the program's pairs) each label needs, with the fit itself.
STRONG = (0.6, 90)
GOOD = (0.4, 75)
PARTIAL = (0.2, 50)
#: Pairs a program needs for its own distribution; mentees sampled to build it.
MIN_PROGRAM_PAIRS = 50
SAMPLE_MENTEES = 128
#: Every third reference text (126 texts, 7,875 pairs): plenty for a 95th percentile, and a
#: third of the embedding time when the model is first used.
CORPUS_STEP = 3
IN_PROGRAM = "this program"
IN_REFERENCE = "the reference corpus"


@dataclass(frozen=True)
class Floors:
    """Raw-cosine floors of one model."""

    strong: float
    good: float


@dataclass(frozen=True)
class Calibration:
    """The fits a label is measured against, and the model's raw-cosine floors."""

    fits: np.ndarray
    """Semantic fits of the reference pairs, sorted."""
    among: str
    """Where the pairs come from, as the reasons say it."""
    floors: Floors

    def percentiles(self, fits: np.ndarray) -> np.ndarray:
        """For each fit, the share of reference pairs with a lower fit, in whole percent."""
        if not len(self.fits):
            return np.zeros(np.shape(fits), dtype=np.int64)
        below = np.searchsorted(self.fits, np.asarray(fits, dtype=np.float64), side="left")
        return np.floor(100 * below / len(self.fits)).astype(np.int64)

    def strength(self, fit: float, percentile: int, cosine: float) -> str:
        """Strong, Good, Partial or Weak."""
        return _strength(fit >= STRONG[0] and percentile >= STRONG[1]
                         and cosine >= self.floors.strong,
                         fit >= GOOD[0] and percentile >= GOOD[1] and cosine >= self.floors.good,
                         fit >= PARTIAL[0] or percentile >= PARTIAL[1])


def _strength(strong: bool, good: bool, partial: bool) -> str:
    return "Strong" if strong else "Good" if good else "Partial" if partial else "Weak"


_floors: dict[str, Floors] = {}
_reference_fits: dict[str, np.ndarray] = {}
_lock = threading.Lock()


def floors(embedder: Embedder) -> Floors:
    """This model's raw-cosine floors (computed once per model)."""
    with _lock:
        if embedder.name not in _floors:
            vectors = embedder.embed(reference_texts()[::CORPUS_STEP])
            raw = (vectors @ vectors.T)[np.triu_indices(len(vectors), 1)]
            _floors[embedder.name] = Floors(
                strong=max(STRONG_MIN_COSINE,
                           float(np.percentile(raw, STRONG_COSINE_PERCENTILE))),
                good=max(GOOD_MIN_COSINE, float(np.percentile(raw, GOOD_COSINE_PERCENTILE))))
            _reference_fits[embedder.name] = _corpus_fits(vectors)
        return _floors[embedder.name]


def reference_fits(embedder: Embedder) -> np.ndarray:
    """Sorted fits of pairs built from the reference corpus for this model: every other text
    a goal, the rest grouped three by three into mentors; each goal's fit with a mentor is the
    mean of its two best phrase cosines, as in matching."""
    floors(embedder)
    return _reference_fits[embedder.name]


def _corpus_fits(vectors: np.ndarray) -> np.ndarray:
    centred = centre(vectors, vectors.mean(axis=0))
    goals, phrases = centred[0::2], centred[1::2]
    mentors = len(phrases) // 3
    if not len(goals) or not mentors:
        return np.zeros(0)
    cosine = (goals @ phrases[:3 * mentors].T).reshape(len(goals), mentors, 3)
    top_two = np.sort(cosine, axis=2)[:, :, 1:].mean(axis=2)
    return np.sort(comp.semantic_fit(top_two).ravel().astype(np.float64))


def sample_rows(rows: np.ndarray, limit: int = SAMPLE_MENTEES) -> np.ndarray:
    """Up to `limit` of `rows`, spread evenly over them (the same rows every run)."""
    if len(rows) <= limit:
        return rows
    return rows[np.unique(np.linspace(0, len(rows) - 1, limit).round().astype(np.int64))]
