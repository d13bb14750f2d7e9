"""Fairness-aware assignment: a minimum share of each department's (or organisation's) mentees
to place, and what that minimum costs in total fit — the price of fairness.

The solver (`companion.matching.assign`) meets the minimums first, as far as the pool allows, and
optimises the objective among the assignments that do; this module turns a coordinator's option
into group indices and minimums, and the two solutions (with and without the minimums) into a
report. Mentees without a value for the field form their own group, "(unspecified)", with the
same minimum share: everyone is covered by the guarantee, and the gap in the data shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from companion.domain import Participant
from companion.errors import BadInputError
from companion.matching import rules

GroupBy = Literal["department", "organization"]
GROUP_BY: tuple[GroupBy, ...] = ("department", "organization")
#: Spellings accepted for `group_by`, mapped to the participant field.
_ALIASES = {"department": "department", "organization": "organization",
            "organisation": "organization"}
#: Every spelling a face may accept.
SPELLINGS = tuple(_ALIASES)
#: The group of mentees with no value for the grouping field.
UNSPECIFIED = "(unspecified)"


@dataclass(frozen=True)
class Fairness:
    """Place at least `min_share` (0–1) of each group's mentees, groups being the values of
    the mentees' `group_by` field. A share of a group that is not a whole number of people is
    rounded up: 0.5 of 3 mentees is 2."""

    group_by: str
    min_share: float

    def checked(self) -> Fairness:
        """This option with `group_by` spelt canonically; BadInputError naming the field if a
        value is wrong."""
        group_by = _ALIASES.get(str(self.group_by).strip().lower())
        if group_by is None:
            raise BadInputError(f"cannot group by '{self.group_by}': use department or "
                                "organization", field="fairness.group_by")
        share = self.min_share
        if isinstance(share, bool) or not isinstance(share, int | float) \
                or not math.isfinite(share) or not 0 <= share <= 1:
            raise BadInputError(f"the minimum share must be a number from 0 to 1 (0.5 = half "
                                f"of each group), not {share!r}", field="fairness.min_share")
        return Fairness(group_by, float(share))

    def minimum(self, to_place: int) -> int:
        """Mentees of a group of `to_place` this option wants placed."""
        return min(math.ceil(round(self.min_share * to_place, 9)), to_place)


@dataclass(frozen=True)
class GroupPlan:
    """The solver's input for an option: a group index per mentee (−1: not being placed) and
    a minimum per group."""

    names: list[str]
    groups: np.ndarray
    minimums: np.ndarray
    sizes: np.ndarray


def plan(fairness: Fairness, mentees: Sequence[Participant], rows: np.ndarray) -> GroupPlan:
    """Groups over the mentees this run places (`rows`, indices into `mentees`): those already
    held are outside every group and its minimum."""
    value_of = [_group_of(mentees[int(i)], fairness.group_by) for i in rows]
    names = sorted(set(value_of), key=lambda name: (name == UNSPECIFIED, name))
    index = {name: k for k, name in enumerate(names)}
    groups = np.full(len(mentees), -1, dtype=np.int64)
    groups[rows] = [index[name] for name in value_of]
    sizes = np.bincount(groups[groups >= 0], minlength=len(names)).astype(np.int64)
    minimums = np.array([fairness.minimum(int(size)) for size in sizes], dtype=np.int64)
    return GroupPlan(names, groups, minimums, sizes)


def _group_of(person: Participant, field: str) -> str:
    value = getattr(person, field)
    text = "" if value is None else str(value).strip()
    return text or UNSPECIFIED


def displaced_reason(fairness: Fairness) -> str:
    """Why a mentee the run without minimums would have placed was left out."""
    field = "organisation" if fairness.group_by == "organization" else fairness.group_by
    return (f"the minimum coverage per {field} gave their place to a mentee of a group below "
            f"its minimum (without it they would have been placed); add capacity or recruit a "
            f"mentor, then {rules.RUN_AGAIN}")


@dataclass(frozen=True)
class GroupCoverage:
    group: str
    to_place: int
    """Mentees of the group this run placed or tried to place."""
    matched: int
    minimum: int

    @property
    def met(self) -> bool:
        return self.matched >= self.minimum


@dataclass(frozen=True)
class FairnessReport:
    """What the minimums did: coverage per group, and the price of fairness — the total score
    given up against the same run without minimums (absolute, and as a share of that total)."""

    group_by: str
    min_share: float
    groups: list[GroupCoverage]
    total_score: float
    unconstrained_total_score: float
    matched: int
    unconstrained_matched: int

    @property
    def all_met(self) -> bool:
        return all(g.met for g in self.groups)

    @property
    def price(self) -> float:
        return round(self.unconstrained_total_score - self.total_score, 4)

    @property
    def relative_price(self) -> float:
        if self.unconstrained_total_score <= 0:
            return 0.0
        return round(self.price / self.unconstrained_total_score, 4)

    def json(self) -> dict[str, Any]:
        return {
            "group_by": self.group_by, "min_share": self.min_share,
            "groups": [{"group": g.group, "to_place": g.to_place, "matched": g.matched,
                        "minimum": g.minimum, "met": g.met} for g in self.groups],
            "all_met": self.all_met,
            "total_score": self.total_score,
            "unconstrained_total_score": self.unconstrained_total_score,
            "price": self.price, "relative_price": self.relative_price,
            "matched": self.matched, "unconstrained_matched": self.unconstrained_matched,
        }

    def audit(self) -> dict[str, Any]:
        """The option and its outcome, for the audit log."""
        return {"group_by": self.group_by, "min_share": self.min_share,
                "all_met": self.all_met, "price": self.price,
                "short": [g.group for g in self.groups if not g.met]}


def report(fairness: Fairness, group_plan: GroupPlan, mentees: Sequence[Participant],
           placed: set[str], total: float, unconstrained_total: float,
           unconstrained_matched: int) -> FairnessReport:
    """Coverage per group of the pairings actually proposed (`placed`: mentee ids), and the
    solver's totals with and without the minimums."""
    matched = np.zeros(len(group_plan.names), dtype=np.int64)
    for i, g in enumerate(group_plan.groups):
        if g >= 0 and mentees[i].id in placed:
            matched[g] += 1
    groups = [GroupCoverage(name, int(size), int(got), int(minimum)) for name, size, got, minimum
              in zip(group_plan.names, group_plan.sizes, matched, group_plan.minimums,
                     strict=True)]
    return FairnessReport(fairness.group_by, fairness.min_share, groups,
                          round(total, 4), round(unconstrained_total, 4), len(placed),
                          unconstrained_matched)
