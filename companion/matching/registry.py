"""Score components as a registry: each component but semantic fit is a function of one
attribute on each side, declared once here with the formula from `components` and turned
into a table over distinct values (`tables.Pairwise`); semantic fit comes from the semantic
index and mentor load from capacity. The total is the weighted mean in `COMPONENTS` order,
with hard-rule exclusions (from the pool) at −inf."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date

import numpy as np

from companion.domain import Participant, Program
from companion.embeddings import Embedder
from companion.matching import components as comp
from companion.matching.pool import BLOCK, PoolBase, PoolInputs
from companion.matching.tables import Pairwise
from companion.progress import Progress

#: Builds one component's table over the pool's distinct attribute values.
TableBuilder = Callable[[PoolBase], Pairwise]
#: The components computed from one attribute on each side, by name.
PAIRWISE: dict[str, TableBuilder] = {}
#: Components with their own computation: semantic fit (the semantic index), load (mentors).
SPECIAL = ("semantic", "load")


def component(name: str) -> Callable[[TableBuilder], TableBuilder]:
    """Register a pairwise component under `name` (one of `components.COMPONENTS`)."""
    if name not in comp.COMPONENTS:
        raise ValueError(f"unknown score component '{name}'")

    def register(build: TableBuilder) -> TableBuilder:
        PAIRWISE[name] = build
        return build
    return register


@component("level")
def _level(pool: PoolBase) -> Pairwise:
    kind = pool.program.type
    return Pairwise.of(pool.mentee_level, pool.mentor_level,
                       lambda a, b: comp.level_fit(kind, a, b))


@component("cross_department")
def _department(pool: PoolBase) -> Pairwise:
    return Pairwise.of(np.stack([pool.mentee_dept, pool.prefers_cross], axis=1),
                       pool.mentor_dept, lambda a, b: comp.department_fit(a[:, 0], b, a[:, 1]))


@component("cross_organization")
def _organisation(pool: PoolBase) -> Pairwise:
    kind = pool.program.type
    return Pairwise.of(pool.mentee_org, pool.mentor_org,
                       lambda a, b: comp.organization_fit(kind, a, b))


@component("timezone")
def _timezone(pool: PoolBase) -> Pairwise:
    return Pairwise.of(pool.mentee_offset, pool.mentor_offset,
                       lambda a, b: comp.timezone_fit(comp.overlap_hours(a, b)))


@component("language")
def _language(pool: PoolBase) -> Pairwise:
    def fit(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        shared = (a @ b.T) > 0
        known = (a.sum(axis=1)[:, None] > 0) & (b.sum(axis=1)[None, :] > 0)
        return comp.language_fit(shared, known)
    return Pairwise.of(pool.mentee_langs, pool.mentor_langs, fit)


class ScoredPool(PoolBase):
    """A pool that scores pairs: every registered component, weighted, rules applied."""

    def __init__(self, program: Program, people: Sequence[Participant], embedder: Embedder, *,
                 inputs: PoolInputs | None = None, today: date | None = None,
                 progress: Progress | None = None) -> None:
        super().__init__(program, people, embedder, inputs=inputs, today=today,
                         progress=progress)
        weights = program.matching_weights.model_dump()
        self.weights = np.array([weights[name] for name in comp.COMPONENTS], dtype=np.float64)
        if self.weights.sum() <= 0:
            self.weights = np.ones_like(self.weights)
        self._pairwise: dict[str, Pairwise] = {
            name: PAIRWISE[name](self) for name in comp.COMPONENTS if name not in SPECIAL}
        self._load_fit = comp.load_fit(self.load, self.capacity)

    def score_block(self, rows: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Exact total scores (−inf where a hard rule excludes the pair) and each component,
        for mentees `rows` against every mentor."""
        parts = self._other_parts(rows)
        parts["semantic"] = self.semantic.fit_all(rows)
        total = self.weighted(parts)
        total[self._excluded_mask(rows)] = -np.inf
        return total, parts

    def block_total(self, rows: np.ndarray, semantic: np.ndarray | None = None) -> np.ndarray:
        """`score_block`'s totals alone, without building every component: each component's
        weighted table is gathered and added in `weighted`'s order, so the sums are the same
        numbers. `semantic` when the caller already has it."""
        if semantic is None:
            semantic = self.semantic.fit_all(rows)
        total: np.ndarray | None = None
        for weight, name in zip(self.weights, comp.COMPONENTS, strict=True):
            if name == "semantic":
                term: np.ndarray | np.floating = weight * semantic
            elif name == "load":
                term = weight * self._load_fit
            else:
                term = self._pairwise[name].weighted_block(rows, weight)
            if total is None:  # sum() starts from 0
                total = np.add(0, np.broadcast_to(term, (len(rows), len(self.mentors))))
            else:
                total += term
        assert total is not None
        total /= self.weights.sum()
        total[:, self._full] = -np.inf
        if self.program.require_shared_language and self._no_shared_language.any:
            total[self._no_shared_language.block(rows)] = -np.inf
        self._mask_pair_rules(total, rows)
        return total

    def score_candidates(self, rows: np.ndarray, cand: np.ndarray
                         ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Exact scores of mentee `rows[r]` against mentors `cand[r, :]` (shape n × N); for a
        few chosen pairs (proposals, swaps), cheaper than a whole block."""
        parts = self._candidate_parts(rows, cand)
        parts["semantic"] = self.semantic.fit_for(rows, cand)
        total = self.weighted(parts)
        total[np.take_along_axis(self._excluded_mask(rows), cand, axis=1)] = -np.inf
        return total, parts

    def weighted(self, parts: Mapping[str, np.ndarray]) -> np.ndarray:
        """The weighted mean of the components (no hard-rule mask)."""
        total = sum(w * parts[name] for w, name in zip(self.weights, comp.COMPONENTS,
                                                       strict=True))
        return np.asarray(total, dtype=np.float64) / self.weights.sum()

    def _other_parts(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """Every component but semantic fit, for `rows` × every mentor (cheap: no vectors)."""
        parts = {name: table.block(rows) for name, table in self._pairwise.items()}
        parts["load"] = np.broadcast_to(self._load_fit, (len(rows), len(self.mentors)))
        return parts

    def _candidate_parts(self, rows: np.ndarray, cand: np.ndarray) -> dict[str, np.ndarray]:
        """Every component but semantic fit, for mentee `rows[r]` × mentors `cand[r, :]`."""
        parts = {name: table.pairs(rows, cand) for name, table in self._pairwise.items()}
        parts["load"] = self._load_fit[cand]
        return parts


    def score_pairs(self, mentee_idx: np.ndarray, mentor_idx: np.ndarray
                    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Exact scores and components of arbitrary pairs (proposals, swaps)."""
        total = np.zeros(len(mentee_idx))
        parts = {name: np.zeros(len(mentee_idx)) for name in comp.COMPONENTS}
        for start in range(0, len(mentee_idx), BLOCK):
            rows = mentee_idx[start:start + BLOCK]
            block_total, block_parts = self.score_candidates(
                rows, mentor_idx[start:start + BLOCK, None])
            total[start:start + len(rows)] = block_total[:, 0]
            for name, values in block_parts.items():
                parts[name][start:start + len(rows)] = values[:, 0]
        return total, parts

