"""The matching engine: one program's pool prepared as matrices, scored block by block.

Scores for a block of mentees × every mentor are computed with numpy (one matrix product for
semantic fit), hard constraints are applied as masks (an excluded pair scores −inf and can
never be suggested or assigned), and reasons are written only for the pairs that are shown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from typing import Any, NamedTuple

import numpy as np

from companion.domain import Participant, Program, ProgramType
from companion.domain.reporting import chain_of_command
from companion.embeddings import Embedder
from companion.matching import components as comp
from companion.matching.centre import centre, reference_centre
from companion.matching.constraints import reporting_line_rule
from companion.matching.texts import expertise_phrases, goal_texts, shorten
from companion.progress import NoProgress, Progress

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
        self.goal_text = [t for _, t in goals]
        self.phrase_owner = np.array([j for j, _ in phrases], dtype=np.int64)
        self.phrase_text = [t for _, t in phrases]
        self._goal_quote = _Quotes(self.goal_text)
        self._phrase_quote = _Quotes(self.phrase_text)
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
        # Phrase slots per mentor (−1 = empty) to gather a few candidates' phrases.
        counts = np.bincount(self.phrase_owner, minlength=len(self.mentors))
        width = max(int(counts.max()) if len(counts) else 1, 1)
        self.mentor_slots = np.full((len(self.mentors), width), -1, dtype=np.int64)
        within = np.arange(len(self.phrase_owner)) - self.phrase_start[self.phrase_owner]
        self.mentor_slots[self.phrase_owner, within] = np.arange(len(self.phrase_owner))
        # The same slots as slices to score whole blocks: slot k holds every k-th phrase. With
        # mentors ordered by phrase count (most first), the mentors having a k-th phrase are a
        # prefix of that order, so each slot updates a contiguous column range in place.
        self._slot_order = np.argsort(-counts, kind="stable")
        self._slot_position = np.argsort(self._slot_order, kind="stable")
        ordered = counts[self._slot_order]
        self._slot_width = [int(np.count_nonzero(ordered > k))
                            for k in range(width if len(self.phrase_owner) else 0)]
        self._slot_vecs = [
            np.ascontiguousarray(self.phrase_vecs[self.phrase_start[self._slot_order[:n]] + k])
            for k, n in enumerate(self._slot_width)
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
        self._tables()

    def _tables(self) -> None:
        """Each component but semantic fit as a small table over the distinct attribute
        values on each side (a few dozen), filled by the same vectorised formulas: a block
        then gathers its values instead of evaluating every formula for every pair."""
        kind = self.program.type
        levels = _Pairwise.of(self.mentee_level, self.mentor_level,
                              lambda a, b: comp.level_fit(kind, a, b))
        departments = _Pairwise.of(
            np.stack([self.mentee_dept, self.prefers_cross], axis=1), self.mentor_dept,
            lambda a, b: comp.department_fit(a[:, 0], b, a[:, 1]))
        organisations = _Pairwise.of(self.mentee_org, self.mentor_org,
                                     lambda a, b: comp.organization_fit(kind, a, b))
        zones = _Pairwise.of(self.mentee_offset, self.mentor_offset,
                             lambda a, b: comp.timezone_fit(comp.overlap_hours(a, b)))

        def shared_known(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return (a @ b.T) > 0, (a.sum(axis=1)[:, None] > 0) & (b.sum(axis=1)[None, :] > 0)

        languages = _Pairwise.of(self.mentee_langs, self.mentor_langs,
                                 lambda a, b: comp.language_fit(*shared_known(a, b)))
        shared, known = shared_known(languages.mentee_values, languages.mentor_values)
        self._no_shared_language = languages.with_table(known & ~shared)
        self._pairwise: dict[str, _Pairwise] = {
            "level": levels, "cross_department": departments,
            "cross_organization": organisations, "timezone": zones, "language": languages}
        self._load_fit = comp.load_fit(self.load, self.capacity)
        self._full = np.flatnonzero(self.load >= self.capacity)

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
        parts = self._other_parts(rows)
        parts["semantic"] = self._semantic_all(rows)
        total = self.weighted(parts)
        total[self._excluded_mask(rows)] = -np.inf
        return total, parts

    def block_total(self, rows: np.ndarray, semantic: np.ndarray | None = None) -> np.ndarray:
        """`score_block`'s totals alone, without building every component: each component's
        weighted table is gathered and added in `weighted`'s order, so the sums are the same
        numbers. `semantic` when the caller already has it."""
        if semantic is None:
            semantic = self._semantic_all(rows)
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
        parts["semantic"] = self._semantic_for(rows, cand)
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
        """Exact semantic fit of `rows` against every mentor, via the phrase slots: slot k
        holds the k-th phrase of each mentor having one, mentors in phrase-count order, so one
        matrix product per slot updates a running best / second best in place on a column
        prefix — no gathers, no temporaries, the same numbers as segmented reductions over
        goals × phrases. The products keep their per-slot shapes on purpose: BLAS results can
        differ in the last bit with the shape (one product over all slots moved a few scores
        in the 8th decimal)."""
        out = np.zeros((len(rows), len(self.mentors)))
        goals, _, has = self._goals_of(rows)
        if not len(goals) or not len(self.mentors):
            return out
        vectors = self.goal_vecs[goals]
        widths = self._slot_width
        best = np.empty((len(goals), len(self.mentors)), dtype=np.float32)
        second = np.empty_like(best)
        scratch = np.empty(len(goals) * (widths[1] if len(widths) > 1 else 0), dtype=np.float32)
        best[:, widths[0]:] = -np.inf  # mentors without a phrase (never built so)
        np.matmul(vectors, self._slot_vecs[0].T, out=best[:, :widths[0]])
        for k in range(1, len(widths)):
            n = widths[k]
            cosine = scratch[:len(goals) * n].reshape(len(goals), n)
            np.matmul(vectors, self._slot_vecs[k].T, out=cosine)
            b, s = best[:, :n], second[:, :n]
            if k == 1:  # second best so far: the smaller of the first two
                np.minimum(b, cosine, out=s)
            else:  # max(second, min(best, c)) written as min(best, max(second, c)): in place
                np.maximum(s, cosine, out=s)
                np.minimum(s, b, out=s)
            np.maximum(b, cosine, out=b)
        two = widths[1] if len(widths) > 1 else 0
        np.add(best[:, :two], second[:, :two], out=best[:, :two])
        np.multiply(best[:, :two], 0.5, out=best[:, :two])  # == / 2, exactly
        comp.semantic_fit_inplace(best)
        counts = self.goal_count[rows][has]
        sums = _segment_sums(best, counts)[:, self._slot_position]  # mentors in their order
        if has.all():
            np.divide(sums, counts[:, None], out=out)
        else:
            out[has] = sums / counts[:, None]
        return out

    def _excluded_mask(self, rows: np.ndarray) -> np.ndarray:
        mask = np.zeros((len(rows), len(self.mentors)), dtype=bool)
        mask[:, self._full] = True
        if self.program.require_shared_language and self._no_shared_language.any:
            mask |= self._no_shared_language.block(rows)
        for local, i in enumerate(rows.tolist()):
            for j in self.pair_rules.get(i, ()):
                mask[local, j] = True
        return mask

    def _mask_pair_rules(self, total: np.ndarray, rows: np.ndarray) -> None:
        for local, i in enumerate(rows.tolist()):
            rules = self.pair_rules.get(i)
            if rules:
                total[local, list(rules)] = -np.inf

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
        texts = (table[table.key(i, j)] for table in self._reason_tables)
        return [text for text in (*texts, self._load_texts[j]) if text]

    @cached_property
    def _reason_tables(self) -> list[_Reasons]:
        """Memoised reason texts per attribute (level, department, organisation in cross-org
        programs, time zone, languages), in the order reasons are listed; the mentor's load
        comes last (`_load_texts`). 50,000 candidates share a few thousand distinct texts."""
        kind = self.program.type
        mentees, mentors = self.mentees, self.mentors
        tables = [
            _Reasons([p.level for p in mentees], [p.level for p in mentors],
                     lambda a, b: _level_reason(kind, a, b)),
            _Reasons([(p.department, p.prefer_cross_department) for p in mentees],
                     [p.department for p in mentors],
                     lambda a, b: _department_reason(a[0], b, a[1])),
        ]
        if kind is ProgramType.cross_org:
            tables.append(_Reasons([p.organization for p in mentees],
                                   [p.organization for p in mentors], _organisation_reason))
        offsets = self._plain["mentee_offset"], self._plain["mentor_offset"]
        tables += [
            _Reasons([(p.timezone, offsets[0][i]) for i, p in enumerate(mentees)],
                     [(p.timezone, offsets[1][j]) for j, p in enumerate(mentors)],
                     lambda a, b: _timezone_reason(a[0], b[0], a[1], b[1])),
            _Reasons([tuple(p.languages) for p in mentees], [tuple(p.languages) for p in mentors],
                     _language_reason),
        ]
        return tables

    @cached_property
    def _load_texts(self) -> list[str]:
        return [f"Mentor has {load} of {capacity} places filled" for load, capacity in
                zip(self._plain["load"], self._plain["capacity"], strict=True)]

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
            return [_NO_GOALS] * len(mentors)
        if quotes is None:
            goal, phrase, covered = self.match_quotes(np.array([i]),
                                                      np.array([list(mentors)]))
            quotes = (goal[0], phrase[0], covered[0])
        goal, phrase, covered = quotes
        return [_semantic_text(fit, self._goal_quote[int(goal[m])],
                               self._phrase_quote[int(phrase[m])], int(covered[m]), count)
                for m, fit in enumerate(fits)]

    # -- suggestions -----------------------------------------------------------------------

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
            semantic = self._semantic_all(block)
            total = self.block_total(block, semantic)
            best = np.argpartition(-total, k - 1, axis=1)[:, :k]
            order = np.lexsort((best, -np.take_along_axis(total, best, axis=1)), axis=1)
            best = np.take_along_axis(best, order, axis=1)
            shown = best[:, :top]
            quotes = self.match_quotes(block, shown)
            # components of the shown candidates, rounded, as Python floats in one go
            parts = self._candidate_parts(block, shown)
            parts["semantic"] = np.take_along_axis(semantic, shown, axis=1)
            values = np.stack([np.round(parts[name], 4) for name in comp.COMPONENTS],
                              axis=2).tolist()
            yield from self._explained(block, best, np.take_along_axis(total, best, axis=1),
                                       values, quotes, top)

    def _explained(self, block: np.ndarray, ranked: np.ndarray, scores: np.ndarray,
                   values: list[list[list[float]]], quotes: tuple[np.ndarray, ...], top: int
                   ) -> Iterator[tuple[str, list[_Shown], str | None]]:
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
                    phrase_quote[phrase[local][r]], covered[local][r], count) if count else (
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
        """Cosine similarity between mentees' goals (the mean of each mentee's centred goal
        vectors), for cohorts of related goals in group programs. None above `limit` mentees
        (the matrix grows with the square)."""
        n = len(self.mentees)
        if n > limit or not len(self.goal_owner):
            return None
        means = np.zeros((n, self.goal_vecs.shape[1]), dtype=np.float64)
        np.add.at(means, self.goal_owner, self.goal_vecs)
        norms = np.linalg.norm(means, axis=1, keepdims=True)
        means = np.divide(means, norms, out=np.zeros_like(means), where=norms > 0)
        similarity: np.ndarray = means @ means.T
        return similarity

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


_NO_GOALS = "No goals recorded for the mentee, so fit rests on the other factors"
_Shown = tuple[str, float, dict[str, float], list[str]]  # Candidate's fields


def _semantic_text(fit: float, goal: str, phrase: str, covered: int, count: int) -> str:
    """The first reason: how well the goals fit, quoting the best-matching goal and expertise
    phrase, and how many of the mentee's `count` (> 0) goals are covered well."""
    text = f"{_fit_label(fit)}: goal “{goal}” ↔ expertise “{phrase}”"
    if count > 1:
        text += f"; covers {covered} of {count} goals well"
    return text


def _fit_label(fit: float) -> str:
    # memoised by value, except ±0.0: equal as keys, but formatted "0%" and "-0%"
    return _label(fit) if fit else _label.__wrapped__(fit)


@lru_cache(maxsize=16384)
def _label(fit: float) -> str:
    strength = "Strong" if fit >= 0.6 else "Good" if fit >= 0.4 else "Partial" if (
        fit >= 0.2) else "Weak"
    return f"{strength} fit ({fit:.0%})"


class _Reasons(dict[int, str]):
    """A reason that depends on one attribute of each side: texts memoised by the pair of
    distinct values (a plain dict look-up once written)."""

    def __init__(self, mentee_values: Sequence[Hashable], mentor_values: Sequence[Hashable],
                 write: Callable[[Any, Any], str]) -> None:
        super().__init__()
        self._mentee_values, self._mentee = _numbered(mentee_values)
        self._mentor_values, self._mentor = _numbered(mentor_values)
        self._mentee_codes = np.array(self._mentee, dtype=np.int64)
        self._mentor_codes = np.array(self._mentor, dtype=np.int64)
        self._width = max(len(self._mentor_values), 1)
        self._write = write

    def key(self, i: int, j: int) -> int:
        return self._mentee[i] * self._width + self._mentor[j]

    def pair_keys(self, rows: np.ndarray, cand: np.ndarray) -> list[int]:
        """`key(rows[r], cand[r, m])` for every pair, flattened row by row."""
        mentee = self._mentee_codes[rows][:, None]
        return (mentee * self._width + self._mentor_codes[cand]).ravel().tolist()

    def __missing__(self, key: int) -> str:
        a, b = divmod(key, self._width)
        text = self[key] = self._write(self._mentee_values[a], self._mentor_values[b])
        return text


class _Quotes(dict[int, str]):
    """Quotable excerpts of texts by index, made when first quoted: reasons quote a few
    thousand of the pool's texts, not all of them."""

    def __init__(self, texts: Sequence[str]) -> None:
        super().__init__()
        self._texts = texts

    def __missing__(self, index: int) -> str:
        quote = self[index] = shorten(self._texts[index])
        return quote


def _numbered(values: Sequence[Hashable]) -> tuple[list[Any], list[int]]:
    """Distinct values in first-seen order, and each value's number among them."""
    numbers: dict[Hashable, int] = {}
    codes = [numbers.setdefault(v, len(numbers)) for v in values]
    return list(numbers), codes


def _segment_sums(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """`np.add.reduceat(values, starts, axis=0)` for consecutive segments of `counts` rows
    (each ≥ 1), with the same float arithmetic but ~8x faster: reduceat adds each segment's
    rows after the first left to right, then adds the first row; up to 8 rows a segment (one
    to three goals is typical) that order is replayed on whole row sets at once, once checked
    against reduceat itself (`_reduceat_order_holds`); longer segments use reduceat."""
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    if not len(counts) or counts.max() > 8 or not _reduceat_order_holds():
        return np.add.reduceat(values, starts, axis=0)
    return _replayed_sums(values, starts, counts)


def _replayed_sums(values: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    out = values[starts]
    several = np.flatnonzero(counts > 1)
    if len(several):
        first = starts[several]
        rest = values[first + 1]
        for k in range(2, int(counts.max())):
            more = counts[several] > k
            rest[more] += values[first[more] + k]
        out[several] += rest
    return out


@lru_cache(maxsize=1)
def _reduceat_order_holds() -> bool:
    """Does this numpy's reduceat add segment rows in the order `_replayed_sums` replays?"""
    rng = np.random.default_rng(0)
    counts = np.array([1, 2, 3, 4, 5, 6, 7, 8, 3, 2, 8, 1])
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    for columns in (1, 7, 64, 1000):
        values = rng.standard_normal((int(counts.sum()), columns)).astype(np.float32)
        if not np.array_equal(_replayed_sums(values, starts, counts),
                              np.add.reduceat(values, starts, axis=0)):
            return False
    return True


class _Pairwise:
    """A component (or rule) that depends on one attribute of each side only: its values
    over the distinct attribute values (mentee × mentor), and each person's row or column."""

    def __init__(self, mentee: np.ndarray, mentor: np.ndarray, table: np.ndarray,
                 mentee_values: np.ndarray, mentor_values: np.ndarray) -> None:
        self.mentee, self.mentor, self.table = mentee, mentor, table
        self.mentee_values, self.mentor_values = mentee_values, mentor_values
        self.any = bool(table.any())
        self._constant = table.size > 0 and bool((table == table.flat[0]).all())
        self._weighted: dict[float, np.ndarray] = {}

    @classmethod
    def of(cls, mentee_values: np.ndarray, mentor_values: np.ndarray,
           formula: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> _Pairwise:
        a, rows = _distinct(mentee_values)
        b, columns = _distinct(mentor_values)
        return cls(rows, columns, formula(a, b), a, b)

    def with_table(self, table: np.ndarray) -> _Pairwise:
        """Another function of the same attributes (`table` over the same distinct values)."""
        return _Pairwise(self.mentee, self.mentor, table, self.mentee_values,
                         self.mentor_values)

    def block(self, rows: np.ndarray) -> np.ndarray:
        """Values for mentees `rows` × every mentor."""
        return np.take(self.table[self.mentee[rows]], self.mentor, axis=1)

    def pairs(self, rows: np.ndarray, cand: np.ndarray) -> np.ndarray:
        """Values for mentee `rows[r]` × mentors `cand[r, :]`."""
        return self.table[self.mentee[rows][:, None], self.mentor[cand]]

    def weighted_block(self, rows: np.ndarray, weight: np.floating) -> np.ndarray | np.floating:
        """`weight * block(rows)`: the same products, from a weighted table (a scalar when
        the component is constant, as organisation fit is outside cross-org programs)."""
        table = self._weighted.get(float(weight))
        if table is None:
            table = self._weighted[float(weight)] = weight * self.table
        if self._constant:
            return table.flat[0]
        return np.take(table[self.mentee[rows]], self.mentor, axis=1)


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values (rows of a matrix) and each entry's index among them."""
    if values.ndim == 1:
        unique, inverse = np.unique(values, return_inverse=True)
        return unique, inverse.reshape(-1)
    # Rows compared as bytes (30x faster than np.unique(axis=0) on 10k rows): equal bytes are
    # equal values; the reverse needs no care here, a repeated row only repeats table rows.
    rows = np.ascontiguousarray(values)
    if not rows.shape[1]:
        return rows[:1], np.zeros(len(rows), dtype=np.int64)
    keys = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).reshape(-1)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return rows[first], inverse.reshape(-1)


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
