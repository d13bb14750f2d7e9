"""The matching engine: one program's pool prepared as matrices, scored block by block.

Scores for a block of mentees × every mentor are computed with numpy (one matrix product for
semantic fit), hard constraints are applied as masks (an excluded pair scores −inf and can
never be suggested or assigned), and reasons are written only for the pairs that are shown.

The work is split by job; this module gathers the public names:

- `pool` — who can be matched, their attributes, the hard rules between them;
- `semantic` — the semantic index: embeddings, centring, goal × phrase fit;
- `rules` — the hard rules' vocabulary shared by the engine, explanations and services;
- `registry` — the score components as a registry, weighted into a total;
- `explain` — the reasons shown with a pair;
- `ranking` — suggestions and the solver's candidate edges (`MatchPool`).
"""

from __future__ import annotations

from companion.matching.centre import reference_centre
from companion.matching.explain import (
    _NO_GOALS,
    _department_reason,
    _language_reason,
    _level_reason,
    _organisation_reason,
    _semantic_text,
    _timezone_reason,
)
from companion.matching.pool import BLOCK, PoolInputs
from companion.matching.ranking import Candidate, MatchPool, Suggestion
from companion.matching.semantic import _segment_sums

__all__ = ["BLOCK", "Candidate", "MatchPool", "PoolInputs", "Suggestion", "_NO_GOALS",
           "_department_reason", "_language_reason", "_level_reason", "_organisation_reason",
           "_segment_sums", "_semantic_text", "_timezone_reason", "reference_centre"]
