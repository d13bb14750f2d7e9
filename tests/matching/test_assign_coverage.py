"""Whole-pool assignment with a minimum coverage per mentee group: known cases, validation, and
brute force on small pools (seeded random instances)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from companion.matching.assign import AssignmentResult, Objective, solve_assignment

Edge = tuple[int, int, float]


def solve(n: int, caps: list[int], edges: list[Edge], **kwargs: object) -> AssignmentResult:
    arrays = np.array(edges, dtype=np.float64).reshape(-1, 3)
    return solve_assignment(n, caps, arrays[:, 0].astype(np.int64),
                            arrays[:, 1].astype(np.int64), arrays[:, 2], **kwargs)  # type: ignore[arg-type]


def shortfall_of(matched: set[int], groups: list[int], minimums: list[int]) -> list[int]:
    sizes = [groups.count(g) for g in range(len(minimums))]
    return [max(min(want, size) - sum(1 for i in matched if groups[i] == g), 0)
            for g, (want, size) in enumerate(zip(minimums, sizes, strict=True))]


def brute_force(n: int, caps: list[int], edges: list[Edge], objective: Objective,
                groups: list[int] | None = None, minimums: list[int] | None = None
                ) -> tuple[int, int, float]:
    """(total shortfall, matched, total score) of the best assignment: least shortfall first,
    then the objective — by enumerating every feasible assignment."""
    best: dict[tuple[int, int], float] = {}
    for i, j, s in edges:
        best[(i, j)] = max(s, best.get((i, j), -np.inf))
    options = [[None] + [j for (i, j) in best if i == mentee and caps[j] > 0]
               for mentee in range(n)]
    found = []
    for choice in itertools.product(*options):
        used = [j for j in choice if j is not None]
        if any(used.count(j) > cap for j, cap in enumerate(caps)):
            continue
        matched = {i for i, j in enumerate(choice) if j is not None}
        short = sum(shortfall_of(matched, groups, minimums)) if groups is not None else 0
        total = sum(best[(i, j)] for i, j in enumerate(choice) if j is not None)
        found.append((short, len(matched), total))
    least = min(short for short, _, _ in found)
    found = [f for f in found if f[0] == least]
    if objective == "best_total":
        return max(found, key=lambda f: f[2])
    most = max(count for _, count, _ in found)
    return max((f for f in found if f[1] == most), key=lambda f: f[2])


# best_total places only mentee 0 (1.0 > 0.5 + 0.1); mentees 0 and 1 are in different groups.
LEAVE_ONE_OUT = [(0, 0, 1.0), (0, 1, 0.1), (1, 0, 0.5)]


def test_a_minimum_changes_who_is_placed_and_costs_score() -> None:
    free = solve(2, [1, 1], LEAVE_ONE_OUT)
    fair = solve(2, [1, 1], LEAVE_ONE_OUT, groups=[0, 1], minimums=[1, 1])
    assert (free.pairs, free.shortfall) == ([(0, 0, 1.0)], ())
    assert fair.pairs == [(0, 1, 0.1), (1, 0, 0.5)]
    assert fair.shortfall == (0, 0)
    assert fair.total_score == pytest.approx(0.6) and free.total_score == pytest.approx(1.0)


def test_a_minimum_that_cannot_be_met_is_met_as_far_as_possible() -> None:
    # One seat for two groups that each want one: one group falls short by one, and the
    # better-scoring placement wins among the assignments with that least shortfall.
    result = solve(2, [1], [(0, 0, 0.3), (1, 0, 0.8)], groups=[0, 1], minimums=[1, 1])
    assert result.pairs == [(1, 0, 0.8)]
    assert result.shortfall == (1, 0)


def test_minimum_above_group_size_counts_as_the_size() -> None:
    result = solve(2, [2], [(0, 0, 0.3), (1, 0, 0.8)], groups=[0, 0], minimums=[5])
    assert [i for i, _, _ in result.pairs] == [0, 1]
    assert result.shortfall == (0,)


def test_ungrouped_mentees_have_no_minimum() -> None:
    # Mentee 1 (no group) scores higher, but mentee 0's group wants one placed.
    result = solve(2, [1], [(0, 0, 0.2), (1, 0, 0.9)], groups=[0, -1], minimums=[1])
    assert result.pairs == [(0, 0, 0.2)]
    result = solve(2, [1], [(0, 0, 0.2), (1, 0, 0.9)], groups=[-1, -1], minimums=[])
    assert (result.pairs, result.shortfall) == ([(1, 0, 0.9)], ())


def test_zero_minimums_change_nothing() -> None:
    rng = np.random.default_rng(3)
    n, m = 40, 10
    mentee, mentor = rng.integers(0, n, 200), rng.integers(0, m, 200)
    scores, caps = rng.random(200), rng.integers(0, 4, m)
    groups = rng.integers(-1, 4, n)
    for objective in ("best_total", "most_matched"):
        free = solve_assignment(n, caps, mentee, mentor, scores, objective=objective)
        fair = solve_assignment(n, caps, mentee, mentor, scores, objective=objective,
                                groups=groups, minimums=np.zeros(4, dtype=np.int64))
        assert fair._replace(shortfall=()) == free
        assert fair.shortfall == (0, 0, 0, 0)


def test_empty_pool_reports_every_minimum_short() -> None:
    result = solve(3, [0], [(0, 0, 0.5)], groups=[0, 0, 1], minimums=[1, 2])
    assert result == AssignmentResult([], [0, 1, 2], 0.0, "ortools-min-cost-flow", (1, 1))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"groups": [0, 0]}, "give both or neither"),
    ({"minimums": [1]}, "give both or neither"),
    ({"groups": [0], "minimums": [1]}, "one entry per mentee: 2 mentees, 1 entries"),
    ({"groups": [0, 1], "minimums": [1]}, r"groups\[1\] = 1 is out of range \[-1, 1\)"),
    ({"groups": [0, -2], "minimums": [1]}, r"groups\[1\] = -2"),
    ({"groups": [0.0, 1.0], "minimums": [1, 1]}, "groups must hold integers"),
    ({"groups": [0, 1], "minimums": [1, -1]}, "minimums must be whole numbers >= 0"),
    ({"groups": [0, 1], "minimums": [1, 0.5]}, "minimums must be whole numbers >= 0"),
    ({"groups": [0, 1], "minimums": [1, np.nan]}, "minimums must be whole numbers >= 0"),
    ({"groups": [0, 1], "minimums": [[1, 1]]}, "minimums must be one-dimensional"),
])
def test_invalid_groups_raise_naming_the_problem(kwargs: dict[str, object],
                                                 message: str) -> None:
    with pytest.raises(ValueError, match=message):
        solve_assignment(2, [1, 1], np.array([0, 1]), np.array([0, 1]), np.array([0.5, 0.5]),
                         **kwargs)  # type: ignore[arg-type]


def random_instance(seed: int) -> tuple[int, list[int], list[Edge], list[int], list[int]]:
    rng = np.random.default_rng(1000 + seed)
    n, m = int(rng.integers(1, 7)), int(rng.integers(1, 4))
    caps = rng.integers(0, 3, m).tolist()
    density = rng.uniform(0.2, 0.9)
    edges = [(i, j, float(rng.integers(0, 11)) / 10 if rng.random() < 0.5 else rng.random())
             for i in range(n) for j in range(m) if rng.random() < density]
    n_groups = int(rng.integers(1, 4))
    groups = rng.integers(-1, n_groups, n).tolist()
    minimums = rng.integers(0, 3, n_groups).tolist()
    return n, caps, edges, groups, minimums


@pytest.mark.parametrize("seed", range(80))
@pytest.mark.parametrize("objective", ["best_total", "most_matched"])
def test_matches_brute_force_on_small_pools(seed: int, objective: Objective) -> None:
    n, caps, edges, groups, minimums = random_instance(seed)
    fair = solve(n, caps, edges, objective=objective, groups=groups, minimums=minimums)
    short, matched, total = brute_force(n, caps, edges, objective, groups, minimums)
    placed = {i for i, _, _ in fair.pairs}
    assert list(fair.shortfall) == shortfall_of(placed, groups, minimums)
    assert sum(fair.shortfall) == short  # zero whenever some assignment meets every minimum
    assert fair.total_score == pytest.approx(total, abs=1e-6)
    if objective == "most_matched":
        assert len(fair.pairs) == matched
    for j, cap in enumerate(caps):
        assert sum(1 for _, m, _ in fair.pairs if m == j) <= cap
    free = solve(n, caps, edges, objective=objective)
    if objective == "best_total":
        assert fair.total_score <= free.total_score + 1e-9
    else:
        assert len(fair.pairs) <= len(free.pairs)
