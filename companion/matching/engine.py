"""The matching engine: one program's pool prepared as matrices, scored block by block.

Scores for a block of mentees × every mentor are computed with numpy (one matrix product for
semantic fit), hard constraints are applied as masks (an excluded pair scores −inf and can
never be suggested or assigned), and reasons are written only for the pairs that are shown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from companion.domain import Participant, Program, ProgramType
from companion.domain.reporting import chain_of_command
from companion.embeddings import Embedder
from companion.matching import components as comp
from companion.matching.centre import centre, reference_centre
from companion.matching.constraints import reporting_line_rule
from companion.matching.texts import expertise_phrases, goal_texts, shorten
from companion.services.progress import NoProgress, Progress

BLOCK = 128  # mentees per scoring block: ~256 goals × mentors stays cache-friendly


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


@dataclass
class PoolInputs:
    """Decisions already taken in the program that constrain matching."""

    load: Mapping[str, int] = field(default_factory=dict)
    """Mentor id → mentees already approved/active/locked with them (counts against capacity)."""
    rejected: set[tuple[str, str]] = field(default_factory=set)
    """(mentee id, mentor id) pairs a coordinator rejected: never suggested again."""
    blocked: Mapping[tuple[str, str], str] = field(default_factory=dict)
    """Explicit do-not-match pairs with their reason."""


class MatchPool:
    """Everything needed to score one program's mentees against its mentors."""

    def __init__(self, program: Program, people: Sequence[Participant], embedder: Embedder, *,
                 inputs: PoolInputs | None = None, today: date | None = None,
                 progress: Progress | None = None) -> None:
        self.program = program
        self.inputs = inputs or PoolInputs()
        progress = progress or NoProgress()
        peer = program.type is ProgramType.peer
        self.mentees = [p for p in people if peer or p.role.is_mentored]
        self.mentors = [p for p in people if peer or p.role.mentors]
        self.mentee_index = {p.id: i for i, p in enumerate(self.mentees)}
        self.mentor_index = {p.id: j for j, p in enumerate(self.mentors)}
        weights = program.matching_weights.model_dump()
        self.weights = np.array([weights[name] for name in comp.COMPONENTS], dtype=np.float64)
        if self.weights.sum() <= 0:
            self.weights = np.ones_like(self.weights)
        self._embed(embedder, progress)
        self._attributes(today or program.start_date)
        self._exclusions(people)

    # -- preparation -------------------------------------------------------------------------

    def _embed(self, embedder: Embedder, progress: Progress) -> None:
        goals = [(i, text) for i, p in enumerate(self.mentees) for text in goal_texts(p)]
        phrases = [(j, text) for j, p in enumerate(self.mentors) for text in expertise_phrases(p)]
        self.goal_owner = np.array([i for i, _ in goals], dtype=np.int64)
        self._goal_quote = [shorten(t) for _, t in goals]
        self._phrase_quote = [shorten(t) for _, t in phrases]
        self.goal_text = [t for _, t in goals]
        self.phrase_owner = np.array([j for j, _ in phrases], dtype=np.int64)
        self.phrase_text = [t for _, t in phrases]
        texts = self.goal_text + self.phrase_text
        with progress.stage("Embedding profiles", len(texts)) as tick:
            vectors = embedder.embed(texts, tick=tick) if texts else np.zeros((0, 1), np.float32)
        mean = reference_centre(embedder) if texts else np.zeros(1, np.float32)
        self.goal_vecs = np.ascontiguousarray(centre(vectors[:len(goals)], mean))
        self.phrase_vecs = np.ascontiguousarray(centre(vectors[len(goals):], mean))
        # Goals are grouped by mentee and phrases by mentor (both built in order), so a
        # reduceat over start offsets aggregates them without Python loops.
        self.goal_count = np.bincount(self.goal_owner, minlength=len(self.mentees))
        self.goal_start = np.concatenate([[0], np.cumsum(self.goal_count)[:-1]]).astype(np.int64)
        self.phrase_start = np.searchsorted(self.phrase_owner, np.arange(len(self.mentors)))
        # Phrase slots per mentor (−1 = empty) to gather a few candidates' phrases, and the
        # same slots as slices (every mentor's k-th phrase) to score whole blocks.
        counts = np.bincount(self.phrase_owner, minlength=len(self.mentors))
        width = max(int(counts.max()) if len(counts) else 1, 1)
        self.mentor_slots = np.full((len(self.mentors), width), -1, dtype=np.int64)
        within = np.arange(len(self.phrase_owner)) - self.phrase_start[self.phrase_owner]
        self.mentor_slots[self.phrase_owner, within] = np.arange(len(self.phrase_owner))
        self.slices = [
            (np.flatnonzero(counts > k),
             np.ascontiguousarray(self.phrase_vecs[self.phrase_start[counts > k] + k]))
            for k in range(width if len(self.phrase_owner) else 0)
        ]

    def _attributes(self, on: date) -> None:
        def levels(people: list[Participant]) -> np.ndarray:
            return np.array([np.nan if p.level is None else p.level for p in people])

        def codes(values: list[str | None], table: dict[str, int]) -> np.ndarray:
            return np.array([-1 if v is None else table.setdefault(v.casefold(), len(table))
                             for v in values], dtype=np.int64)

        depts: dict[str, int] = {}
        orgs: dict[str, int] = {}
        self.mentee_level, self.mentor_level = levels(self.mentees), levels(self.mentors)
        self.mentee_dept = codes([p.department for p in self.mentees], depts)
        self.mentor_dept = codes([p.department for p in self.mentors], depts)
        self.mentee_org = codes([p.organization for p in self.mentees], orgs)
        self.mentor_org = codes([p.organization for p in self.mentors], orgs)
        self.prefers_cross = np.array(
            [-1 if p.prefer_cross_department is None else int(p.prefer_cross_department)
             for p in self.mentees], dtype=np.int64)
        offsets: dict[str | None, float] = {}
        for p in [*self.mentees, *self.mentors]:
            if p.timezone not in offsets:
                offsets[p.timezone] = comp.utc_offset_hours(p.timezone, on)
        self.mentee_offset = np.array([offsets[p.timezone] for p in self.mentees])
        self.mentor_offset = np.array([offsets[p.timezone] for p in self.mentors])
        languages: dict[str, int] = {}
        for p in [*self.mentees, *self.mentors]:
            for lang in p.languages:
                languages.setdefault(lang, len(languages))
        self.mentee_langs = self._language_matrix(self.mentees, languages)
        self.mentor_langs = self._language_matrix(self.mentors, languages)
        default = self.program.default_capacity
        self.capacity = np.array([default if p.capacity is None else p.capacity
                                  for p in self.mentors], dtype=np.int64)
        self.load = np.array([self.inputs.load.get(p.id, 0) for p in self.mentors],
                             dtype=np.int64)
        # Python copies for writing reasons (formatting numpy scalars is ~10x slower)
        self._plain: dict[str, list[Any]] = {
            "mentee_offset": self.mentee_offset.tolist(),
            "mentor_offset": self.mentor_offset.tolist(),
            "load": self.load.tolist(), "capacity": self.capacity.tolist(),
        }

    @staticmethod
    def _language_matrix(people: list[Participant], table: dict[str, int]) -> np.ndarray:
        matrix = np.zeros((len(people), max(len(table), 1)), dtype=np.float32)
        for row, person in enumerate(people):
            for lang in person.languages:
                matrix[row, table[lang]] = 1.0
        return matrix

    def _exclusions(self, people: Sequence[Participant]) -> None:
        """Pairwise hard rules (self, reporting line, do-not-match, rejected before)."""
        self.pair_rules: dict[int, dict[int, str]] = {}
        managers = {p.id: p.manager_id for p in people}

        def exclude(mentee_id: str, mentor_id: str, reason: str) -> None:
            i, j = self.mentee_index.get(mentee_id), self.mentor_index.get(mentor_id)
            if i is not None and j is not None:
                self.pair_rules.setdefault(i, {}).setdefault(j, reason)

        for person in self.mentees:
            if person.id in self.mentor_index:
                exclude(person.id, person.id, "self")
            for boss in chain_of_command(person.id, managers):
                rule = reporting_line_rule(person.id, boss, managers)
                if rule is not None:
                    exclude(person.id, boss, rule)
        for person in self.mentors:
            for report_of in chain_of_command(person.id, managers):
                exclude(report_of, person.id, "reports to them")
        for (mentee_id, mentor_id), why in self.inputs.blocked.items():
            exclude(mentee_id, mentor_id, f"do-not-match ({why})" if why else "do-not-match")
        for mentee_id, mentor_id in self.inputs.rejected:
            exclude(mentee_id, mentor_id, "rejected by a coordinator before")

    # -- scoring -------------------------------------------------------------------------------

    def score_block(self, rows: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Exact total scores (−inf where a hard rule excludes the pair) and each component,
        for mentees `rows` against every mentor."""
        languages = self._languages(rows)
        parts = self._other_parts(rows, languages)
        parts["semantic"] = self._semantic_all(rows)
        total = self.weighted(parts)
        total[self._excluded_mask(rows, languages)] = -np.inf
        return total, parts

    def score_candidates(self, rows: np.ndarray, cand: np.ndarray
                         ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Exact scores of mentee `rows[r]` against mentors `cand[r, :]` (shape n × N); for a
        few chosen pairs (proposals, swaps), cheaper than a whole block."""
        parts = {name: np.take_along_axis(values, cand, axis=1)
                 for name, values in self._other_parts(rows).items()}
        parts["semantic"] = self._semantic_for(rows, cand)
        total = self.weighted(parts)
        total[np.take_along_axis(self._excluded_mask(rows), cand, axis=1)] = -np.inf
        return total, parts

    def weighted(self, parts: Mapping[str, np.ndarray]) -> np.ndarray:
        """The weighted mean of the components (no hard-rule mask)."""
        total = sum(w * parts[name] for w, name in zip(self.weights, comp.COMPONENTS,
                                                       strict=True))
        return np.asarray(total, dtype=np.float64) / self.weights.sum()

    def _other_parts(self, rows: np.ndarray,
                     languages: tuple[np.ndarray, np.ndarray] | None = None
                     ) -> dict[str, np.ndarray]:
        """Every component but semantic fit, for `rows` × every mentor (cheap: no vectors)."""
        return {
            "level": comp.level_fit(self.program.type, self.mentee_level[rows],
                                    self.mentor_level),
            "cross_department": comp.department_fit(self.mentee_dept[rows], self.mentor_dept,
                                                    self.prefers_cross[rows]),
            "cross_organization": comp.organization_fit(self.program.type, self.mentee_org[rows],
                                                        self.mentor_org),
            "timezone": comp.timezone_fit(comp.overlap_hours(self.mentee_offset[rows],
                                                             self.mentor_offset)),
            "language": comp.language_fit(*(languages or self._languages(rows))),
            "load": np.broadcast_to(comp.load_fit(self.load, self.capacity),
                                    (len(rows), len(self.mentors))),
        }

    def _goals_of(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Goal indices of `rows` in order, each goal's row position, and rows with goals."""
        counts = self.goal_count[rows]
        has = counts > 0
        total = int(counts.sum())
        owner = np.repeat(np.arange(len(rows)), counts)
        first = np.repeat(self.goal_start[rows] - np.concatenate([[0], np.cumsum(counts)[:-1]]),
                          counts)
        return first + np.arange(total), owner, has

    def _semantic_for(self, rows: np.ndarray, cand: np.ndarray) -> np.ndarray:
        """Exact semantic fit of each mentee against its candidates: per goal, the mean of
        the mentor's two best-matching phrases (measured against the best phrase alone:
        matching-eval hit@3 0.863 → 0.938, sample-program theme hit@3 0.705 → 0.754 — one
        lucky generic sentence no longer carries a mentor); then the mean over goals."""
        out = np.zeros(cand.shape)
        goals, owner, has = self._goals_of(rows)
        if not len(goals) or not len(self.mentors):
            return out
        cosine = self.goal_vecs[goals] @ self.phrase_vecs.T            # goals × phrases
        slots = self.mentor_slots[cand[owner]]                           # goals × N × K
        values = cosine[np.arange(len(goals))[:, None, None], np.maximum(slots, 0)]
        values = np.where(slots >= 0, values, -np.inf)
        best = values.max(axis=2)
        second = np.where(values >= best[..., None], -np.inf, values).max(axis=2)
        second = np.where(np.isfinite(second), second, best)  # one phrase, or a tie
        fit = comp.semantic_fit((best + second) / 2)                     # goals × N
        counts = self.goal_count[rows][has]
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        out[has] = np.add.reduceat(fit, starts, axis=0) / counts[:, None]
        return out

    def _semantic_all(self, rows: np.ndarray) -> np.ndarray:
        """Exact semantic fit of `rows` against every mentor, via the phrase slot slices: one
        matrix product per slot and a running best / second-best, all on contiguous goals ×
        mentors arrays (1.8x faster than segmented reductions over goals × phrases, same
        result)."""
        out = np.zeros((len(rows), len(self.mentors)))
        goals, _, has = self._goals_of(rows)
        if not len(goals) or not len(self.mentors):
            return out
        vectors = self.goal_vecs[goals]
        shape = (len(goals), len(self.mentors))
        best = np.full(shape, -np.inf, dtype=np.float32)
        second = np.full(shape, -np.inf, dtype=np.float32)
        for columns, phrases in self.slices:
            cosine = vectors @ phrases.T
            if len(columns) == len(self.mentors):
                np.maximum(second, np.minimum(best, cosine), out=second)
                np.maximum(best, cosine, out=best)
            else:
                b = best[:, columns]
                second[:, columns] = np.maximum(second[:, columns], np.minimum(b, cosine))
                best[:, columns] = np.maximum(b, cosine)
        second = np.where(np.isfinite(second), second, best)  # one-phrase mentors
        fit = comp.semantic_fit((best + second) / 2)
        counts = self.goal_count[rows][has]
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        out[has] = np.add.reduceat(fit, starts, axis=0) / counts[:, None]
        return out

    def _languages(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        shared = (self.mentee_langs[rows] @ self.mentor_langs.T) > 0
        known = (self.mentee_langs[rows].sum(axis=1)[:, None] > 0) & (
            self.mentor_langs.sum(axis=1)[None, :] > 0)
        return shared, known

    def _excluded_mask(self, rows: np.ndarray,
                       languages: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        mask = np.zeros((len(rows), len(self.mentors)), dtype=bool)
        mask[:, self.load >= self.capacity] = True
        if self.program.require_shared_language:
            shared, known = languages or self._languages(rows)
            mask |= known & ~shared
        for local, i in enumerate(rows):
            for j in self.pair_rules.get(int(i), {}):
                mask[local, j] = True
        return mask

    def blocks(self, rows: np.ndarray | None = None) -> Iterator[np.ndarray]:
        rows = np.arange(len(self.mentees)) if rows is None else rows
        for start in range(0, len(rows), BLOCK):
            yield rows[start:start + BLOCK]

    # -- explanations ----------------------------------------------------------------------

    def exclusion_reason(self, i: int, j: int) -> str | None:
        """Why mentor j can never be paired with mentee i, or None when allowed."""
        rule = self.pair_rules.get(i, {}).get(j)
        if rule is not None:
            return rule
        if self.load[j] >= self.capacity[j]:
            return "at capacity"
        if self.program.require_shared_language:
            a, b = self.mentee_langs[i], self.mentor_langs[j]
            if a.any() and b.any() and not (a @ b) > 0:
                return "no shared language"
        return None

    def exclusion_summary(self, i: int) -> str:
        """Plain-language reason a mentee has no eligible mentor."""
        if not self.mentors:
            return "the program has no mentors"
        counts = Counter(_category(self.exclusion_reason(i, j)) for j in range(len(self.mentors)))
        counts.pop(None, None)
        if sum(counts.values()) < len(self.mentors):
            return "no eligible mentor"
        if set(counts) == {"at capacity"}:
            return "no mentor with capacity: all mentors are full"
        parts = ", ".join(f"{n} {what}" for what, n in counts.most_common())
        return f"all {len(self.mentors)} mentors excluded by rule: {parts}"

    def reasons(self, i: int, j: int, parts: Mapping[str, float]) -> list[str]:
        """Plain-language reasons for the pair (i, j), quoting what matched."""
        return self.reasons_for(i, [j], [parts])[0]

    def reasons_for(self, i: int, mentors: Sequence[int],
                    parts: Sequence[Mapping[str, float]],
                    quotes: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                    ) -> list[list[str]]:
        """Reasons for mentee i with each of `mentors`; `quotes` from `match_quotes` when the
        caller has batched them."""
        semantic = self._semantic_reasons(i, mentors, [p["semantic"] for p in parts], quotes)
        return [[first, *self._other_reasons(i, j)] for first, j in
                zip(semantic, mentors, strict=True)]

    def _other_reasons(self, i: int, j: int) -> list[str]:
        mentee, mentor = self.mentees[i], self.mentors[j]
        reasons = [_level_reason(self.program.type, mentee.level, mentor.level)]
        department = _department_reason(mentee.department, mentor.department,
                                        mentee.prefer_cross_department)
        if department:
            reasons.append(department)
        if self.program.type is ProgramType.cross_org:
            organisation = _organisation_reason(mentee.organization, mentor.organization)
            if organisation:
                reasons.append(organisation)
        reasons.append(_timezone_reason(mentee.timezone, mentor.timezone,
                                        self._plain["mentee_offset"][i],
                                        self._plain["mentor_offset"][j]))
        reasons.append(_language_reason(tuple(mentee.languages), tuple(mentor.languages)))
        reasons.append(f"Mentor has {self._plain['load'][j]} of "
                       f"{self._plain['capacity'][j]} places filled")
        return [r for r in reasons if r]

    def match_quotes(self, rows: np.ndarray, cand: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each mentee rows[r] and mentor cand[r, m]: the goal and the phrase that match
        best (global indices, −1 without goals) and how many goals are covered well. One
        batched product per call, so reasons for a whole block cost little."""
        counts = self.goal_count[rows]
        width = max(int(counts.max()) if len(counts) else 0, 1)
        goal_idx = self.goal_start[rows][:, None] + np.arange(width)[None, :]
        goal_ok = np.arange(width)[None, :] < counts[:, None]                 # n × G
        slots = self.mentor_slots[cand]                                        # n × N × K
        cosine = np.einsum("ngd,nmkd->nmgk",
                           self.goal_vecs[np.where(goal_ok, goal_idx, 0)],
                           self.phrase_vecs[np.maximum(slots, 0)])             # n × N × G × K
        valid = goal_ok[:, None, :, None] & (slots[:, :, None, :] >= 0)
        cosine = np.where(valid, cosine, -np.inf)
        flat = cosine.reshape(*cosine.shape[:2], -1).argmax(axis=2)
        g, k = np.divmod(flat, slots.shape[2])
        best_goal = np.where(counts[:, None] > 0, np.take_along_axis(
            np.broadcast_to(goal_idx, (len(rows), width)), g, axis=1), -1)
        best_phrase = np.take_along_axis(slots, k[..., None], axis=2)[..., 0]
        covered = (comp.semantic_fit(cosine.max(axis=3)) >= 0.4).sum(axis=2)
        return best_goal, best_phrase, covered

    def _semantic_reasons(self, i: int, mentors: Sequence[int], fits: Sequence[float],
                          quotes: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                          ) -> list[str]:
        count = int(self.goal_count[i])
        if not count:
            return ["No goals recorded for the mentee, so fit rests on the other factors"
                    ] * len(mentors)
        if quotes is None:
            goal, phrase, covered = self.match_quotes(np.array([i]),
                                                      np.array([list(mentors)]))
            quotes = (goal[0], phrase[0], covered[0])
        goal, phrase, covered = quotes
        texts = []
        for m, fit in enumerate(fits):
            strength = "Strong" if fit >= 0.6 else "Good" if fit >= 0.4 else "Partial" if (
                fit >= 0.2) else "Weak"
            text = (f"{strength} fit ({fit:.0%}): goal “{self._goal_quote[goal[m]]}” ↔ "
                    f"expertise “{self._phrase_quote[phrase[m]]}”")
            if count > 1:
                text += f"; covers {covered[m]} of {count} goals well"
            texts.append(text)
        return texts

    # -- suggestions -----------------------------------------------------------------------

    def suggest(self, top: int = 5, mentee_ids: Sequence[str] | None = None) -> list[Suggestion]:
        """Top-`top` mentors per mentee with scores, components and reasons."""
        rows = np.arange(len(self.mentees)) if mentee_ids is None else np.array(
            [self.mentee_index[m] for m in mentee_ids], dtype=np.int64)
        results: list[Suggestion] = []
        every = np.arange(len(self.mentors))
        for block in self.blocks(rows):
            total, parts = self.score_block(block)
            k = min(top + 1, total.shape[1])  # one more than shown, for the runner-up gap
            if k == 0:
                results += [Suggestion(self.mentees[int(i)].id, [], self.exclusion_summary(
                    int(i))) for i in block]
                continue
            best = np.argpartition(-total, k - 1, axis=1)[:, :k]
            order = np.lexsort((best, -np.take_along_axis(total, best, axis=1)), axis=1)
            best = np.take_along_axis(best, order, axis=1)
            quotes = self.match_quotes(block, best[:, :top])
            # components of the ranked candidates, rounded, as Python floats in one go
            shown = np.stack([np.round(np.take_along_axis(parts[name], best, axis=1), 4)
                              for name in comp.COMPONENTS], axis=2).tolist()
            for local, i in enumerate(block):
                results.append(self._suggestion(
                    int(i), every, total[local], shown[local], top,
                    ranked=best[local], quotes=tuple(q[local] for q in quotes)))
        return results

    def _suggestion(self, i: int, cand: np.ndarray, scores: np.ndarray,
                    components: list[list[float]], top: int, *, ranked: np.ndarray,
                    quotes: tuple[np.ndarray, ...]) -> Suggestion:
        """One mentee's suggestion from its ranked candidates (best first; excluded pairs,
        scored −inf, are dropped here). `components[r]` are the values of `ranked[r]`."""
        mentee_id = self.mentees[i].id
        keep = np.isfinite(scores[ranked])
        best = ranked[keep]
        if not len(best):
            return Suggestion(mentee_id, [], self.exclusion_summary(i))
        shown = best[:top]
        values = [dict(zip(comp.COMPONENTS, components[r], strict=True))
                  for r in np.flatnonzero(keep)[:top]]
        kept = keep[:top]
        batched = (quotes[0][:top][kept], quotes[1][:top][kept], quotes[2][:top][kept])
        all_reasons = self.reasons_for(i, [int(cand[c]) for c in shown], values, batched)
        candidates = []
        for rank, c in enumerate(shown):
            reasons = all_reasons[rank]
            if rank == 0 and len(best) > 1:
                runner = self.mentors[int(cand[best[1]])]
                reasons.append(f"Leads the runner-up ({runner.name}) by "
                               f"{scores[c] - scores[best[1]]:.3f}")
            elif rank > 0:
                reasons.append(f"{scores[best[0]] - scores[c]:.3f} behind the top candidate")
            candidates.append(Candidate(self.mentors[int(cand[c])].id,
                                        round(float(scores[c]), 4), values[rank], reasons))
        return Suggestion(mentee_id, candidates, None)

    def candidate_edges(self, rows: np.ndarray, per_mentee: int
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The best `per_mentee` allowed mentors of each mentee in `rows`, as edge arrays
        (mentee index, mentor index, score) for the assignment solver."""
        mentees: list[np.ndarray] = []
        mentors: list[np.ndarray] = []
        scores: list[np.ndarray] = []
        for block in self.blocks(rows):
            total, _ = self.score_block(block)
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


def _category(reason: str | None) -> str | None:
    if reason is None:
        return None
    if reason.startswith("do-not-match"):
        return "do-not-match"
    if reason in ("their manager", "above them in their reporting line", "reports to them"):
        return "in their reporting line"
    return reason


# The reasons below depend on a few small attributes only, so they are memoised: 50,000
# candidates share a few hundred distinct combinations.
@lru_cache(maxsize=4096)
def _department_reason(mentee: str | None, mentor: str | None, wants_cross: bool | None) -> str:
    if not mentee or not mentor:
        return ""
    if mentee.casefold() != mentor.casefold():
        return f"Different department ({mentor} → {mentee})" + (
            ", as requested" if wants_cross else "")
    return f"Same department ({mentee})" + (
        " although a cross-department mentor was requested" if wants_cross else "")


@lru_cache(maxsize=1024)
def _organisation_reason(mentee: str | None, mentor: str | None) -> str:
    if not mentee or not mentor:
        return ""
    if mentee.casefold() != mentor.casefold():
        return f"Mentor from partner organisation {mentor}"
    return f"Same organisation ({mentor})"


@lru_cache(maxsize=4096)
def _timezone_reason(mentee: str | None, mentor: str | None, mentee_offset: float,
                     mentor_offset: float) -> str:
    if not mentee or not mentor:
        return "Time zone not recorded for both"
    delta = abs(mentee_offset - mentor_offset)
    hours = max(0.0, 9.0 - min(delta, 24.0 - delta))
    zones = mentee if mentee == mentor else f"{mentor} and {mentee}"
    if hours >= comp.FULL_OVERLAP_HOURS:
        return f"{hours:.0f} h of working-day overlap ({zones})"
    if hours > 0:
        return f"Only {hours:.0f} h of working-day overlap ({zones})"
    return f"No working-day overlap ({zones}): check both can meet early or late"


@lru_cache(maxsize=4096)
def _language_reason(mentee: tuple[str, ...], mentor: tuple[str, ...]) -> str:
    shared = sorted(set(mentee) & set(mentor))
    if shared:
        return f"Shared language: {', '.join(shared)}"
    if not mentee or not mentor:
        return "Languages not recorded for both: check they share one"
    return ""


@lru_cache(maxsize=1024)
def _level_reason(program_type: ProgramType, mentee: int | None, mentor: int | None) -> str:
    if mentee is None or mentor is None:
        return "Level not recorded for both"
    gap = mentor - mentee
    levels = f"L{mentor} vs L{mentee}"
    if program_type is ProgramType.peer:
        return f"Similar level ({levels}), as a peer program wants" if abs(gap) <= 1 else (
            f"{abs(gap)} levels apart ({levels}): peers are best within one level")
    if program_type is ProgramType.reverse:
        return (f"Mentor is {-gap} level(s) more junior ({levels}), as reverse mentoring wants"
                if gap < 0 else f"Mentor is not more junior ({levels}): unusual for reverse "
                "mentoring")
    if 2 <= gap <= 4:
        return f"Mentor is {gap} levels more senior ({levels})"
    if gap == 1:
        return f"Only one level more senior ({levels}): less distance than ideal"
    if gap >= 5:
        return f"Mentor is {gap} levels more senior ({levels}): a very large gap"
    return f"Mentor is not more senior ({levels})"
