"""Who can be matched in one program: its mentees and mentors, their attributes as arrays,
and the hard rules that exclude a pair (self, reporting line, do-not-match, rejected before,
capacity, no shared language). An excluded pair scores −inf and is never suggested or
assigned; `exclusion_reason` and `exclusion_summary` say why in the words of `rules`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from companion.domain import Participant, Program, ProgramType
from companion.domain.reporting import chain_of_command
from companion.embeddings import Embedder
from companion.matching import components as comp
from companion.matching import rules
from companion.matching.constraints import reporting_line_rule
from companion.matching.semantic import SemanticIndex
from companion.matching.tables import Pairwise
from companion.progress import NoProgress, Progress

BLOCK = 128  # mentees per scoring block: ~256 goals × mentors stays cache-friendly


@dataclass
class PoolInputs:
    """Decisions already taken in the program that constrain matching."""

    load: Mapping[str, int] = field(default_factory=dict)
    """Mentor id → mentees already approved/active/locked with them (counts against capacity)."""
    rejected: set[tuple[str, str]] = field(default_factory=set)
    """(mentee id, mentor id) pairs a coordinator rejected: never suggested again."""
    ended: set[tuple[str, str]] = field(default_factory=set)
    """(mentee id, mentor id) pairs whose pairing ended (closed): never suggested again."""
    blocked: Mapping[tuple[str, str], str] = field(default_factory=dict)
    """Explicit do-not-match pairs with their reason."""
    managers: Mapping[str, str | None] = field(default_factory=dict)
    """The organisation's reporting tree beyond the participants (id → manager id of people
    outside the program): the reporting-line rule walks through them all the way up."""


class PoolBase:
    """One program's mentees and mentors, their attributes, their semantic index, and the
    hard rules between them."""

    def __init__(self, program: Program, people: Sequence[Participant], embedder: Embedder, *,
                 inputs: PoolInputs | None = None, today: date | None = None,
                 progress: Progress | None = None) -> None:
        self.program = program
        self.inputs = inputs or PoolInputs()
        peer = program.type is ProgramType.peer
        self.mentees = [p for p in people if peer or p.role.is_mentored]
        self.mentors = [p for p in people if peer or p.role.mentors]
        self.mentee_index = {p.id: i for i, p in enumerate(self.mentees)}
        self.mentor_index = {p.id: j for j, p in enumerate(self.mentors)}
        self.semantic = SemanticIndex(self.mentees, self.mentors, embedder,
                                      progress or NoProgress())
        self._attributes(today or program.start_date)
        self._rule_tables()
        self._exclusions(people)

    # the semantic index's texts and vectors, where the pool exposed them before
    @property
    def goal_text(self) -> list[str]:
        return self.semantic.goal_text

    @property
    def phrase_text(self) -> list[str]:
        return self.semantic.phrase_text

    @property
    def goal_vecs(self) -> np.ndarray:
        return self.semantic.goal_vecs

    @property
    def phrase_vecs(self) -> np.ndarray:
        return self.semantic.phrase_vecs

    @property
    def goal_count(self) -> np.ndarray:
        return self.semantic.goal_count

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

    def _rule_tables(self) -> None:
        """The capacity and shared-language rules as arrays over mentors / distinct values."""

        def no_shared(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            known = (a.sum(axis=1)[:, None] > 0) & (b.sum(axis=1)[None, :] > 0)
            no_overlap: np.ndarray = known & ~((a @ b.T) > 0)
            return no_overlap

        self._no_shared_language = Pairwise.of(self.mentee_langs, self.mentor_langs, no_shared)
        self._full = np.flatnonzero(self.load >= self.capacity)
        # a mentee without goals has nothing to be matched on: no mentor, and the reason
        # (peers are matched both ways: one without goals can still meet another's goals)
        self.has_goals = self.semantic.goal_count > 0
        if self.program.type is ProgramType.peer:
            self.has_goals = np.ones_like(self.has_goals)
        self._some_without_goals = not bool(self.has_goals.all())

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
        managers = {**self.inputs.managers, **{p.id: p.manager_id for p in people}}

        def exclude(mentee_id: str, mentor_id: str, reason: str) -> None:
            i, j = self.mentee_index.get(mentee_id), self.mentor_index.get(mentor_id)
            if i is not None and j is not None:
                self.pair_rules.setdefault(i, {}).setdefault(j, reason)

        for person in self.mentees:
            if person.id in self.mentor_index:
                exclude(person.id, person.id, rules.SELF)
            for boss in chain_of_command(person.id, managers):
                rule = reporting_line_rule(person.id, boss, managers)
                if rule is not None:
                    exclude(person.id, boss, rule)
        for person in self.mentors:
            for report_of in chain_of_command(person.id, managers):
                exclude(report_of, person.id, rules.REPORTS_TO_THEM)
        for (mentee_id, mentor_id), why in self.inputs.blocked.items():
            exclude(mentee_id, mentor_id, rules.do_not_match(why))
        for mentee_id, mentor_id in self.inputs.rejected:
            exclude(mentee_id, mentor_id, rules.REJECTED_BEFORE)
        for mentee_id, mentor_id in self.inputs.ended:
            exclude(mentee_id, mentor_id, rules.ENDED_BEFORE)


    def _excluded_mask(self, rows: np.ndarray) -> np.ndarray:
        mask = np.zeros((len(rows), len(self.mentors)), dtype=bool)
        mask[:, self._full] = True
        if self.program.require_shared_language and self._no_shared_language.any:
            mask |= self._no_shared_language.block(rows)
        for local, i in enumerate(rows.tolist()):
            for j in self.pair_rules.get(i, ()):
                mask[local, j] = True
        if self._some_without_goals:
            mask[~self.has_goals[rows]] = True
        return mask

    def _mask_pair_rules(self, total: np.ndarray, rows: np.ndarray) -> None:
        """Pairwise rules and mentees without goals at −inf (capacity and languages are
        masked by the caller)."""
        for local, i in enumerate(rows.tolist()):
            excluded = self.pair_rules.get(i)
            if excluded:
                total[local, list(excluded)] = -np.inf
        if self._some_without_goals:
            total[~self.has_goals[rows]] = -np.inf

    def blocks(self, rows: np.ndarray | None = None) -> Iterator[np.ndarray]:
        rows = np.arange(len(self.mentees)) if rows is None else rows
        for start in range(0, len(rows), BLOCK):
            yield rows[start:start + BLOCK]

    def exclusion_reason(self, i: int, j: int) -> str | None:
        """Why mentor j can never be paired with mentee i, or None when allowed."""
        rule = self.pair_rules.get(i, {}).get(j)
        if rule is not None:
            return rule
        if self.load[j] >= self.capacity[j]:
            return rules.AT_CAPACITY
        if self.program.require_shared_language:
            a, b = self.mentee_langs[i], self.mentor_langs[j]
            if a.any() and b.any() and not (a @ b) > 0:
                return rules.NO_SHARED_LANGUAGE
        if not self.has_goals[i]:
            return rules.NO_GOALS
        return None

    def exclusion_summary(self, i: int) -> str:
        """Plain-language reason a mentee has no eligible mentor."""
        if self.mentors and not self.has_goals[i]:
            return rules.NO_GOALS
        return rules.exclusion_summary(
            (self.exclusion_reason(i, j) for j in range(len(self.mentors))), len(self.mentors))
