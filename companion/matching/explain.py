"""Explanations: the plain-language reasons shown with a pair — which goal met which
expertise phrase and how well, then level, department, organisation, time zone, languages
and the mentor's load. Texts depend on a few attributes each, so they are memoised by the
distinct values; `reason_fields` names the profile fields each phrasing quotes."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from functools import cached_property, lru_cache
from typing import Any, NamedTuple

import numpy as np

from companion.domain import ProgramType
from companion.matching import calibration
from companion.matching import components as comp
from companion.matching.calibration import Calibration
from companion.matching.registry import ScoredPool
from companion.matching.texts import shorten


class ExplainedPool(ScoredPool):
    """A scored pool that says why, in sentences."""

    def match_quotes(self, rows: np.ndarray, cand: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The semantic index's `match_quotes` (best goal, best phrase, goals covered)."""
        return self.semantic.match_quotes(rows, cand)

    @cached_property
    def _goal_quote(self) -> _Quotes:
        return _Quotes(self.semantic.goal_text)

    @cached_property
    def _phrase_quote(self) -> _Quotes:
        return _Quotes(self.semantic.phrase_text)

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


    def _semantic_reasons(self, i: int, mentors: Sequence[int], fits: Sequence[float],
                          quotes: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                          ) -> list[str]:
        count = int(self.semantic.goal_count[i])
        if not count:
            return [_NO_GOALS] * len(mentors)
        if quotes is None:
            goal, phrase, covered = self.match_quotes(np.array([i]),
                                                      np.array([list(mentors)]))
            quotes = (goal[0], phrase[0], covered[0])
        goal, phrase, covered = quotes
        calibrated = self.calibrated(np.asarray(fits, dtype=np.float64), np.asarray(goal),
                                     np.asarray(phrase))
        return [_semantic_text(fit, self._goal_quote[int(goal[m])],
                               self._phrase_quote[int(phrase[m])], int(covered[m]), count,
                               calibrated[m], self._phrase_source[int(phrase[m])])
                for m, fit in enumerate(fits)]

    @cached_property
    def _phrase_source(self) -> list[tuple[str, str]]:
        """What each phrase is, for the reason that quotes it: a mentor without expertise or
        skills is described by title and department, or by name (`texts.expertise_phrases`)."""
        kinds = []
        for person in self.mentors:
            if (person.expertise or "").strip() or person.skills:
                kinds.append(EXPERTISE)
            else:
                kinds.append(TITLE if person.title or person.department else NAME)
        owner: list[int] = self.semantic.phrase_owner.tolist()
        return [kinds[j] for j in owner]

    @cached_property
    def calibration(self) -> Calibration:
        """The pairs labels are measured against: a sample of this program's mentees with
        goals × every mentor, or the reference corpus's pairs when the program has too few."""
        rows = np.flatnonzero(self.semantic.goal_count > 0)
        floors = self.semantic.floors
        if len(rows) * len(self.mentors) < calibration.MIN_PROGRAM_PAIRS:
            return Calibration(self.semantic.reference_fits, calibration.IN_REFERENCE, floors)
        fits = self.semantic.fit_all(calibration.sample_rows(rows))
        return Calibration(np.sort(fits.ravel()), calibration.IN_PROGRAM, floors)

    def calibrated(self, fits: np.ndarray, goals: np.ndarray, phrases: np.ndarray
                   ) -> list[Calibrated]:
        """Label, percentile and reference of each fit, flattened; `goals` and `phrases` are
        the quoted texts' indices (their raw cosine gates "Strong" and "Good")."""
        table = self.calibration
        percentiles = table.percentiles(fits).ravel().tolist()
        cosines = np.nan_to_num(self.semantic.raw_cosine(goals, phrases), nan=-1.0)
        return [Calibrated(table.strength(fit, pct, cos), pct, table.among)
                for fit, pct, cos in zip(np.ravel(fits).tolist(), percentiles,
                                         cosines.ravel().tolist(), strict=True)]



_NO_GOALS = "No goals recorded for the mentee, so fit rests on the other factors"
_Shown = tuple[str, float, dict[str, float], list[str]]  # Candidate's fields


class Calibrated(NamedTuple):
    """A fit's label, measured against the program's pairs (`calibration`)."""

    strength: str
    percentile: int
    among: str


#: How a reason names what a mentor's phrase is: expertise, or what stands in for it.
EXPERTISE = ("expertise", "")
TITLE = ("title", " (no expertise recorded)")
NAME = ("name", " (no expertise, title or department recorded)")


def _semantic_text(fit: float, goal: str, phrase: str, covered: int, count: int,
                   calibrated: Calibrated | None = None,
                   source: tuple[str, str] = EXPERTISE) -> str:
    """The first reason: how well the goals fit, quoting the best-matching goal and expertise
    phrase, and how many of the mentee's `count` (> 0) goals are covered well. With
    `calibrated`, the label and the fit's percentile among the program's pairs; without, the
    label from the fit alone (which reads only the number, for callers without a pool)."""
    label = _fit_label(fit) if calibrated is None else _calibrated_label(fit + 0.0, *calibrated)
    text = f"{label}: goal “{goal}” ↔ {source[0]} “{phrase}”{source[1]}"
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


@lru_cache(maxsize=16384)
def _calibrated_label(fit: float, strength: str, percentile: int, among: str) -> str:
    return f"{strength} fit ({fit:.0%}; closer than {percentile}% of pairs in {among})"


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
