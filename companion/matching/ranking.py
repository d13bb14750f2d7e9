"""Ranking: the best allowed mentors per mentee (suggestions with reasons) and the best
candidate edges per mentee for the assignment solver. `MatchPool` is the whole engine: pool,
semantic index, rules, components, explanations, and this."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np

from companion.matching import components as comp
from companion.matching.explain import (
    _NO_GOALS,
    Calibrated,
    ExplainedPool,
    _semantic_text,
    _Shown,
)


class Candidate(NamedTuple):
    """One suggested mentor for a mentee."""

    mentor_id: str
    score: float
    components: dict[str, float]
    reasons: list[str]


class Suggestion(NamedTuple):
    """The top candidates for one mentee, or why there are none."""

    mentee_id: str
    candidates: list[Candidate]
    note: str | None



class MatchPool(ExplainedPool):
    """Everything needed to score one program's mentees against its mentors."""

    def suggest(self, top: int = 5, mentee_ids: Sequence[str] | None = None) -> list[Suggestion]:
        """Top-`top` mentors per mentee with scores, components and reasons."""
        return [Suggestion(mentee_id, [Candidate(*c) for c in candidates], note)
                for mentee_id, candidates, note in self._ranked(top, mentee_ids)]

    def suggest_json(self, top: int = 5, mentee_ids: Sequence[str] | None = None
                     ) -> list[dict[str, Any]]:
        """`suggest` as the `match suggest` JSON items, built directly as dicts."""
        items: list[dict[str, Any]] = []
        for mentee_id, candidates, note in self._ranked(top, mentee_ids):
            item: dict[str, Any] = {"mentee_id": mentee_id, "candidates": [
                {"mentor_id": mentor, "score": score, "components": parts, "reasons": reasons}
                for mentor, score, parts, reasons in candidates]}
            if note:
                item["note"] = note
            items.append(item)
        return items

    def _ranked(self, top: int, mentee_ids: Sequence[str] | None
                ) -> Iterator[tuple[str, list[_Shown], str | None]]:
        """(mentee id, candidates as Candidate fields, note) per mentee, block by block."""
        rows = np.arange(len(self.mentees)) if mentee_ids is None else np.array(
            [self.mentee_index[m] for m in mentee_ids], dtype=np.int64)
        k = min(top + 1, len(self.mentors))  # one more than shown, for the runner-up gap
        for block in self.blocks(rows):
            if k == 0:
                for i in block.tolist():
                    yield self.mentees[i].id, [], self.exclusion_summary(i)
                continue
            semantic = self.semantic.fit_all(block)
            total = self.block_total(block, semantic)
            best = np.argpartition(-total, k - 1, axis=1)[:, :k]
            order = np.lexsort((best, -np.take_along_axis(total, best, axis=1)), axis=1)
            best = np.take_along_axis(best, order, axis=1)
            shown = best[:, :top]
            quotes = self.match_quotes(block, shown)
            # components of the shown candidates, rounded, as Python floats in one go
            parts = self._candidate_parts(block, shown)
            parts["semantic"] = np.take_along_axis(semantic, shown, axis=1)
            rounded = {name: np.round(parts[name], 4) for name in comp.COMPONENTS}
            values = np.stack([rounded[name] for name in comp.COMPONENTS], axis=2).tolist()
            labels = self.calibrated(rounded["semantic"], quotes[0], quotes[1])
            yield from self._explained(block, best, np.take_along_axis(total, best, axis=1),
                                       values, quotes, top, labels)

    def _explained(self, block: np.ndarray, ranked: np.ndarray, scores: np.ndarray,
                   values: list[list[list[float]]], quotes: tuple[np.ndarray, ...], top: int,
                   labels: list[Calibrated]) -> Iterator[tuple[str, list[_Shown], str | None]]:
        """Candidates with reasons for each mentee of `block`, from its ranked mentors (best
        first) and their `scores`; `values` and `quotes` hold the first `top` ranks. Excluded
        pairs score −inf, which sorts last, so the allowed candidates are a prefix of the
        ranks. Plain Python values throughout (formatting numpy scalars costs ~10x more), and
        the attribute reasons of the whole block looked up at once."""
        mentor_ids = self._mentor_ids
        names = comp.COMPONENTS
        shown = ranked[:, :top]
        allowed = np.isfinite(scores).sum(axis=1).tolist()
        goal, phrase, covered = (q.tolist() for q in quotes)
        goal_quote, phrase_quote = self._goal_quote, self._phrase_quote
        source = self._phrase_source
        counts = self.goal_count[block].tolist()
        columns = [[table[key] for key in table.pair_keys(block, shown)]
                   for table in self._reason_tables]
        columns.append([self._load_texts[j] for j in shown.ravel().tolist()])
        attributes = [[text for text in texts if text] for texts in zip(*columns, strict=True)]
        width = shown.shape[1]
        for local, (i, row, ranks) in enumerate(zip(block.tolist(), scores.tolist(),
                                                    ranked.tolist(), strict=True)):
            if not allowed[local]:
                yield self.mentees[i].id, [], self.exclusion_summary(i)
                continue
            count = counts[local]
            candidates: list[_Shown] = []
            for r in range(min(allowed[local], top)):
                components = dict(zip(names, values[local][r], strict=True))
                first = _semantic_text(
                    components["semantic"], goal_quote[goal[local][r]],
                    phrase_quote[phrase[local][r]], covered[local][r], count,
                    labels[local * width + r], source[phrase[local][r]]) if count else (
                    _NO_GOALS)
                reasons = [first, *attributes[local * width + r]]
                if r > 0:
                    reasons.append(f"{row[0] - row[r]:.3f} behind the top candidate")
                elif allowed[local] > 1:
                    reasons.append(f"Leads the runner-up ({self.mentors[ranks[1]].name}) by "
                                   f"{row[0] - row[1]:.3f}")
                candidates.append((mentor_ids[ranks[r]], round(row[r], 4), components, reasons))
            yield self.mentees[i].id, candidates, None

    @cached_property
    def _mentor_ids(self) -> list[str]:
        return [p.id for p in self.mentors]

    def mentee_similarity(self, limit: int = 5000) -> np.ndarray | None:
        """The semantic index's similarity between mentees' goals (for cohorts)."""
        return self.semantic.mentee_similarity(limit)


    def candidate_edges(self, rows: np.ndarray, per_mentee: int
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The best `per_mentee` allowed mentors of each mentee in `rows`, as edge arrays
        (mentee index, mentor index, score) for the assignment solver."""
        mentees: list[np.ndarray] = []
        mentors: list[np.ndarray] = []
        scores: list[np.ndarray] = []
        for block in self.blocks(rows):
            total = self.block_total(block)
            k = min(per_mentee, total.shape[1])
            if k == 0:
                continue
            top = np.argpartition(-total, k - 1, axis=1)[:, :k]
            values = np.take_along_axis(total, top, axis=1)
            keep = np.isfinite(values)
            mentees.append(np.repeat(block, k).reshape(len(block), k)[keep])
            mentors.append(top[keep])
            scores.append(values[keep])
        if not mentees:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        return np.concatenate(mentees), np.concatenate(mentors), np.concatenate(scores)

