"""Whole-pool assignment: known optima, constraints, validation, and brute force on small pools."""

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


def assert_feasible(result: AssignmentResult, n: int, caps: list[int], edges: list[Edge],
                    min_score: float = 0.0) -> None:
    best: dict[tuple[int, int], float] = {}
    for i, j, s in edges:
        if s >= min_score:
            best[(i, j)] = max(s, best.get((i, j), -np.inf))
    mentees = [i for i, _, _ in result.pairs]
    assert mentees == sorted(set(mentees)), "a mentee twice, or pairs not sorted by mentee"
    for i, j, s in result.pairs:
        assert best[(i, j)] == s, f"pair ({i}, {j}) not an allowed edge with that score"
    for j, cap in enumerate(caps):
        assert sum(1 for _, m, _ in result.pairs if m == j) <= cap
    assert result.unassigned == sorted(set(range(n)) - set(mentees))
    assert result.total_score == pytest.approx(sum(s for _, _, s in result.pairs))


def brute_force(n: int, caps: list[int], edges: list[Edge], objective: Objective,
                min_score: float = 0.0) -> tuple[int, float]:
    """(matched, total) of the best assignment, by enumerating every feasible one."""
    best: dict[tuple[int, int], float] = {}
    for i, j, s in edges:
        if s >= min_score:
            best[(i, j)] = max(s, best.get((i, j), -np.inf))
    options = [[None] + [j for (i, j) in best if i == mentee] for mentee in range(n)]
    found = []
    for choice in itertools.product(*options):
        used = [j for j in choice if j is not None]
        if all(used.count(j) <= cap for j, cap in enumerate(caps)):
            found.append((len(used), sum(best[(i, j)] for i, j in enumerate(choice)
                                         if j is not None)))
    if objective == "best_total":
        return -1, max(total for _, total in found)
    most = max(count for count, _ in found)
    return most, max(total for count, total in found if count == most)


# best_total leaves mentee 1 out (1.0 > 0.5 + 0.1); most_matched places both.
LEAVE_ONE_OUT = [(0, 0, 1.0), (0, 1, 0.1), (1, 0, 0.5)]
# Greedy (best edge first) gets 0.9 + 0.1; the optimum swaps: 0.8 + 0.85.
GREEDY_TRAP = [(0, 0, 0.9), (0, 1, 0.8), (1, 0, 0.85), (1, 1, 0.1)]
SACRIFICE = [(0, 0, 1.0), (1, 1, 1.0), (2, 0, 0.01), (2, 1, 0.01), (0, 2, 0.01)]


@pytest.mark.parametrize(("n", "caps", "edges", "objective", "pairs", "total"), [
    (2, [1, 1], LEAVE_ONE_OUT, "best_total", [(0, 0, 1.0)], 1.0),
    (2, [1, 1], LEAVE_ONE_OUT, "most_matched", [(0, 1, 0.1), (1, 0, 0.5)], 0.6),
    (2, [1, 1], GREEDY_TRAP, "best_total", [(0, 1, 0.8), (1, 0, 0.85)], 1.65),
    (2, [1, 1], GREEDY_TRAP, "most_matched", [(0, 1, 0.8), (1, 0, 0.85)], 1.65),
    # One mentor, two seats, three mentees: the two best take the seats.
    (3, [2], [(0, 0, 0.3), (1, 0, 0.9), (2, 0, 0.6)], "best_total",
     [(1, 0, 0.9), (2, 0, 0.6)], 1.5),
    # Mentor 1 has no seats: its edges cannot be used.
    (2, [1, 0], [(0, 0, 0.2), (0, 1, 0.9), (1, 1, 0.9)], "most_matched", [(0, 0, 0.2)], 0.2),
    # A zero-score edge is still taken: leaving someone out gains nothing.
    (2, [1, 1], [(0, 0, 0.0), (1, 1, 0.4)], "best_total", [(0, 0, 0.0), (1, 1, 0.4)], 0.4),
    # Placing all three costs almost a whole point: only most_matched pays it.
    (3, [1, 1, 1], SACRIFICE, "best_total", [(0, 0, 1.0), (1, 1, 1.0)], 2.0),
    (3, [1, 1, 1], SACRIFICE, "most_matched", [(0, 2, 0.01), (1, 1, 1.0), (2, 0, 0.01)], 1.02),
    (3, [1, 2], [(0, 0, 1.0), (1, 0, 0.9), (2, 0, 0.8), (1, 1, 0.05), (2, 1, 0.05)],
     "best_total", [(0, 0, 1.0), (1, 1, 0.05), (2, 1, 0.05)], 1.1),
])
def test_known_optimum(n: int, caps: list[int], edges: list[Edge], objective: Objective,
                       pairs: list[Edge], total: float) -> None:
    result = solve(n, caps, edges, objective=objective)
    assert result.pairs == pairs
    assert result.total_score == pytest.approx(total)
    assert result.solver == "ortools-min-cost-flow"
    assert_feasible(result, n, caps, edges)


@pytest.mark.parametrize(("min_score", "pairs", "unassigned"), [
    (0.0, [(0, 1, 0.1), (1, 0, 0.5)], []),
    (0.1, [(0, 1, 0.1), (1, 0, 0.5)], []),  # an edge at exactly min_score is kept
    (0.11, [(0, 0, 1.0)], [1]),
    (0.6, [(0, 0, 1.0)], [1]),
])
def test_min_score_drops_lower_edges(min_score: float, pairs: list[Edge],
                                     unassigned: list[int]) -> None:
    result = solve(2, [1, 1], LEAVE_ONE_OUT, objective="most_matched", min_score=min_score)
    assert (result.pairs, result.unassigned) == (pairs, unassigned)


def test_min_score_can_leave_everyone_out() -> None:
    result = solve(2, [1, 1], LEAVE_ONE_OUT, min_score=1.5)
    assert result == AssignmentResult([], [0, 1], 0.0, "ortools-min-cost-flow")


@pytest.mark.parametrize("edges", [
    [(0, 0, 0.2), (0, 0, 0.7), (1, 1, 0.5)],
    [(0, 0, 0.7), (1, 1, 0.5), (0, 0, 0.2), (0, 0, 0.7)],
])
def test_duplicate_edges_keep_the_best_score(edges: list[Edge]) -> None:
    result = solve(2, [1, 1], edges)
    assert result.pairs == [(0, 0, 0.7), (1, 1, 0.5)]
    assert result.total_score == pytest.approx(1.2)


@pytest.mark.parametrize(("n", "caps", "edges", "unassigned"), [
    (0, [], [], []),
    (0, [2, 3], [], []),
    (3, [], [], [0, 1, 2]),
    (3, [2, 2], [], [0, 1, 2]),
    (2, [0, 0], [(0, 0, 0.9), (1, 1, 0.9)], [0, 1]),
])
def test_empty_pools(n: int, caps: list[int], edges: list[Edge], unassigned: list[int]) -> None:
    for objective in ("best_total", "most_matched"):
        result = solve(n, caps, edges, objective=objective)
        assert result == AssignmentResult([], unassigned, 0.0, "ortools-min-cost-flow")


def test_mentee_without_edges_is_unassigned_others_placed() -> None:
    result = solve(4, [3], [(0, 0, 0.5), (2, 0, 0.4), (3, 0, 0.3)])
    assert [i for i, _, _ in result.pairs] == [0, 2, 3]
    assert result.unassigned == [1]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"mentor_idx": np.array([0])}, "differ in length"),
    ({"scores": np.array([0.5, 0.5, 0.5])}, "differ in length"),
    ({"mentee_idx": np.array([0, 2])}, r"mentee_idx\[1\] = 2 is out of range \[0, 2\)"),
    ({"mentee_idx": np.array([-1, 0])}, "mentee_idx"),
    ({"mentor_idx": np.array([0, 3])}, r"mentor_idx\[1\] = 3 is out of range \[0, 2\)"),
    ({"mentee_idx": np.array([0.0, 1.0])}, "must hold integers"),
    ({"scores": np.array([0.5, np.nan])}, "scores must be finite; edge 1"),
    ({"scores": np.array([np.inf, 0.5])}, "scores must be finite; edge 0"),
    ({"scores": np.array([[0.5, 0.5]])}, "one-dimensional"),
    ({"capacities": [1, -1]}, "capacities must be >= 0; mentor 1"),
    ({"capacities": [1.5, 1]}, "whole numbers"),
    ({"capacities": [[1, 1]]}, "one-dimensional"),
    ({"n_mentees": -1}, "counts must be >= 0"),
    ({"objective": "fairest"}, "objective must be one of"),
    ({"min_score": float("nan")}, "min_score must be finite"),
])
def test_invalid_input_raises_naming_the_problem(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"n_mentees": 2, "capacities": [1, 1],
                               "mentee_idx": np.array([0, 1]), "mentor_idx": np.array([0, 1]),
                               "scores": np.array([0.5, 0.5])}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        solve_assignment(**args)  # type: ignore[arg-type]


def test_edge_order_does_not_change_the_result() -> None:
    rng = np.random.default_rng(7)
    n, m = 30, 8
    mentee = rng.integers(0, n, 150)
    mentor = rng.integers(0, m, 150)
    scores = rng.integers(0, 4, 150) / 4  # many ties
    caps = rng.integers(0, 4, m)
    first = solve_assignment(n, caps, mentee, mentor, scores)
    order = rng.permutation(150)
    again = solve_assignment(n, caps, mentee[order], mentor[order], scores[order])
    assert again == first


def random_instance(seed: int) -> tuple[int, list[int], list[Edge]]:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 7)), int(rng.integers(1, 5))
    caps = rng.integers(0, 3, m).tolist()
    density = rng.uniform(0.2, 0.9)
    edges = [(i, j, float(rng.integers(0, 11)) / 10 if rng.random() < 0.5 else rng.random())
             for i in range(n) for j in range(m) if rng.random() < density]
    if edges and rng.random() < 0.3:
        edges.append((edges[0][0], edges[0][1], float(rng.random())))  # a duplicate
    return n, caps, edges


@pytest.mark.parametrize("seed", range(50))
@pytest.mark.parametrize("objective", ["best_total", "most_matched"])
def test_matches_brute_force_on_small_pools(seed: int, objective: Objective) -> None:
    n, caps, edges = random_instance(seed)
    min_score = 0.3 if seed % 5 == 0 else 0.0
    result = solve(n, caps, edges, objective=objective, min_score=min_score)
    assert_feasible(result, n, caps, edges, min_score)
    matched, total = brute_force(n, caps, edges, objective, min_score)
    assert result.total_score == pytest.approx(total, abs=1e-6)
    if objective == "most_matched":
        assert len(result.pairs) == matched
