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
from typing import NamedTuple

import numpy as np

from companion.domain import Participant, Program, ProgramType
from companion.domain.reporting import chain_of_command
from companion.embeddings import Embedder
from companion.matching import components as comp
from companion.matching.centre import centre, reference_centre
from companion.matching.constraints import reporting_line_rule
from companion.matching.texts import expertise_phrases, goal_texts, shorten
from companion.services.progress import NoProgress, Progress

BLOCK = 512  # mentees per scoring block: bounds memory at ~BLOCK × mentors × 8 bytes × 8


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
        """Total scores (−inf where a hard rule excludes the pair) and each component, for
        mentees `rows` against every mentor."""
        parts = {
            "semantic": self._semantic(rows),
            "level": comp.level_fit(self.program.type, self.mentee_level[rows],
                                    self.mentor_level),
            "cross_department": comp.department_fit(self.mentee_dept[rows], self.mentor_dept,
                                                    self.prefers_cross[rows]),
            "cross_organization": comp.organization_fit(self.program.type, self.mentee_org[rows],
                                                        self.mentor_org),
            "timezone": comp.timezone_fit(comp.overlap_hours(self.mentee_offset[rows],
                                                             self.mentor_offset)),
            "language": comp.language_fit(*self._languages(rows)),
            "load": np.broadcast_to(comp.load_fit(self.load, self.capacity),
                                    (len(rows), len(self.mentors))),
        }
        total = sum(w * parts[name] for w, name in zip(self.weights, comp.COMPONENTS,
                                                       strict=True))
        total = np.asarray(total, dtype=np.float64) / self.weights.sum()
        total[self._excluded_mask(rows)] = -np.inf
        return total, parts

    def _semantic(self, rows: np.ndarray) -> np.ndarray:
        out = np.zeros((len(rows), len(self.mentors)))
        counts = self.goal_count[rows]
        has_goals = counts > 0
        if not has_goals.any() or not len(self.mentors):
            return out
        starts = self.goal_start[rows][has_goals]
        index = np.concatenate([np.arange(s, s + c) for s, c in
                                zip(starts, counts[has_goals], strict=True)])
        cosine = self.goal_vecs[index] @ self.phrase_vecs.T           # goals × phrases
        fit = comp.semantic_fit(self._top_two(cosine))                # goals × mentors
        local_starts = np.concatenate([[0], np.cumsum(counts[has_goals])[:-1]])
        out[has_goals] = np.add.reduceat(fit, local_starts, axis=0) / counts[has_goals, None]
        return out

    def _top_two(self, cosine: np.ndarray) -> np.ndarray:
        """Per goal and mentor, the mean of the mentor's two best-matching phrases (the best
        alone for a one-phrase mentor). Measured against the best phrase alone: hit@3 on the
        matching eval 0.863 → 0.938, theme hit@3 on a sample program 0.705 → 0.754 — one
        lucky generic sentence no longer carries a mentor."""
        best = np.maximum.reduceat(cosine, self.phrase_start, axis=1)
        counts = np.diff(np.append(self.phrase_start, cosine.shape[1]))
        without_best = np.where(cosine >= np.repeat(best, counts, axis=1), -np.inf, cosine)
        second = np.maximum.reduceat(without_best, self.phrase_start, axis=1)
        second = np.where(np.isfinite(second), second, best)  # one phrase, or a tie
        return (best + second) / 2

    def _languages(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        shared = (self.mentee_langs[rows] @ self.mentor_langs.T) > 0
        known = (self.mentee_langs[rows].sum(axis=1)[:, None] > 0) & (
            self.mentor_langs.sum(axis=1)[None, :] > 0)
        return shared, known

    def _excluded_mask(self, rows: np.ndarray) -> np.ndarray:
        mask = np.zeros((len(rows), len(self.mentors)), dtype=bool)
        mask[:, self.load >= self.capacity] = True
        if self.program.require_shared_language:
            shared, known = self._languages(rows)
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
        mentee, mentor = self.mentees[i], self.mentors[j]
        reasons = [self._semantic_reason(i, j, parts["semantic"])]
        reasons.append(_level_reason(self.program.type, mentee.level, mentor.level))
        if mentee.department and mentor.department:
            if mentee.department.casefold() != mentor.department.casefold():
                asked = ", as requested" if mentee.prefer_cross_department else ""
                reasons.append(f"Different department ({mentor.department} → "
                               f"{mentee.department}){asked}")
            else:
                note = " although a cross-department mentor was requested" if (
                    mentee.prefer_cross_department) else ""
                reasons.append(f"Same department ({mentee.department}){note}")
        if self.program.type is ProgramType.cross_org and mentee.organization and (
                mentor.organization):
            if mentee.organization.casefold() != mentor.organization.casefold():
                reasons.append(f"Mentor from partner organisation {mentor.organization}")
            else:
                reasons.append(f"Same organisation ({mentor.organization})")
        reasons.append(self._timezone_reason(i, j))
        shared = sorted(set(mentee.languages) & set(mentor.languages))
        if shared:
            reasons.append(f"Shared language: {', '.join(shared)}")
        elif not mentee.languages or not mentor.languages:
            reasons.append("Languages not recorded for both: check they share one")
        reasons.append(f"Mentor has {self.load[j]} of {self.capacity[j]} places filled")
        return reasons

    def _semantic_reason(self, i: int, j: int, fit: float) -> str:
        goals = np.flatnonzero(self.goal_owner == i) if self.goal_count[i] else np.array([])
        if not len(goals):
            return "No goals recorded for the mentee, so fit rests on the other factors"
        start = self.phrase_start[j]
        end = self.phrase_start[j + 1] if j + 1 < len(self.mentors) else len(self.phrase_text)
        cosine = self.goal_vecs[goals] @ self.phrase_vecs[start:end].T
        g, p = np.unravel_index(int(np.argmax(cosine)), cosine.shape)
        strength = "Strong" if fit >= 0.6 else "Good" if fit >= 0.4 else "Partial" if (
            fit >= 0.2) else "Weak"
        text = (f"{strength} fit ({fit:.0%}): goal “{shorten(self.goal_text[goals[g]])}” ↔ "
                f"expertise “{shorten(self.phrase_text[start + p])}”")
        if len(goals) > 1:
            per_goal = comp.semantic_fit(cosine.max(axis=1))
            covered = int((per_goal >= 0.4).sum())
            text += f"; covers {covered} of {len(goals)} goals well"
        return text

    def _timezone_reason(self, i: int, j: int) -> str:
        a, b = self.mentees[i].timezone, self.mentors[j].timezone
        if not a or not b:
            return "Time zone not recorded for both"
        hours = float(comp.overlap_hours(self.mentee_offset[[i]], self.mentor_offset[[j]])[0, 0])
        zones = a if a == b else f"{b} and {a}"
        if hours >= comp.FULL_OVERLAP_HOURS:
            return f"{hours:.0f} h of working-day overlap ({zones})"
        if hours > 0:
            return f"Only {hours:.0f} h of working-day overlap ({zones})"
        return f"No working-day overlap ({zones}): check both can meet early or late"

    # -- suggestions -----------------------------------------------------------------------

    def suggest(self, top: int = 5, mentee_ids: Sequence[str] | None = None) -> list[Suggestion]:
        """Top-`top` mentors per mentee with scores, components and reasons."""
        rows = np.arange(len(self.mentees)) if mentee_ids is None else np.array(
            [self.mentee_index[m] for m in mentee_ids], dtype=np.int64)
        results: list[Suggestion] = []
        for block in self.blocks(rows):
            total, parts = self.score_block(block)
            for local, i in enumerate(block):
                results.append(self._suggestion(int(i), total[local],
                                                {k: v[local] for k, v in parts.items()}, top))
        return results

    def _suggestion(self, i: int, scores: np.ndarray, parts: Mapping[str, np.ndarray],
                    top: int) -> Suggestion:
        allowed = np.flatnonzero(np.isfinite(scores))
        mentee_id = self.mentees[i].id
        if not len(allowed):
            return Suggestion(mentee_id, [], self.exclusion_summary(i))
        k = min(top + 1, len(allowed))  # one more than shown, for the runner-up gap
        best = allowed[np.argpartition(-scores[allowed], k - 1)[:k]]
        best = best[np.lexsort((best, -scores[best]))]
        candidates = []
        for rank, j in enumerate(best[:top]):
            values = {name: round(float(parts[name][j]), 4) for name in comp.COMPONENTS}
            reasons = self.reasons(i, int(j), values)
            if rank == 0 and len(best) > 1:
                runner = self.mentors[int(best[1])]
                reasons.append(f"Leads the runner-up ({runner.name}) by "
                               f"{scores[j] - scores[best[1]]:.3f}")
            elif rank > 0:
                reasons.append(f"{scores[best[0]] - scores[j]:.3f} behind the top candidate")
            candidates.append(Candidate(self.mentors[int(j)].id, round(float(scores[j]), 4),
                                        values, reasons))
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


def _category(reason: str | None) -> str | None:
    if reason is None:
        return None
    if reason.startswith("do-not-match"):
        return "do-not-match"
    if reason in ("their manager", "above them in their reporting line", "reports to them"):
        return "in their reporting line"
    return reason


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
