"""Whole-pool assignment: every mentee at most one mentor, every mentor at most `capacity` mentees.

Pure: integer indices and float scores in, pairs out. The caller has already removed edges that
break hard constraints and subtracted seats taken by locked or approved pairings.

Solved exactly as a min-cost flow with OR-Tools (`SimpleMinCostFlow`; chosen by measurement, see
docs/benchmarks.md). Each mentee supplies one unit of flow, which reaches the sink either through
one mentor (arc capacity 1, cost −score) or through its own "unassigned" arc; each mentor reaches
the sink with capacity = its seats. Costs are integers: score × SCALE, rounded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NamedTuple

import numpy as np
from ortools.graph.python import min_cost_flow

#: Integer cost units per score point. Rounding moves each pair's cost by ≤ 0.5/SCALE, so the
#: flow optimum is within ~1e-8 per pair of the real optimum — far below any meaningful score
#: difference — while the largest arc cost stays well inside OR-Tools' int64 cost range.
SCALE = 10**8
#: OR-Tools multiplies costs by (nodes + 1) internally; arc costs must stay below this / that.
_COST_LIMIT = 2**62

Objective = Literal["best_total", "most_matched"]
OBJECTIVES: tuple[Objective, ...] = ("best_total", "most_matched")
SOLVER = "ortools-min-cost-flow"


class AssignmentResult(NamedTuple):
    """A chosen assignment."""

    pairs: list[tuple[int, int, float]]
    """(mentee, mentor, score), sorted by mentee."""
    unassigned: list[int]
    """Mentee indices with no mentor, sorted."""
    total_score: float
    solver: str


class Edges(NamedTuple):
    """Allowed mentee→mentor edges: one per pair, sorted by (mentee, mentor)."""

    mentee: np.ndarray
    mentor: np.ndarray
    score: np.ndarray


def prepare_edges(n_mentees: int, n_mentors: int, mentee_idx: object, mentor_idx: object,
                  scores: object, *, min_score: float = 0.0) -> Edges:
    """Validate three parallel edge arrays; drop edges below `min_score`; keep the best of
    duplicates. Raises ValueError naming the problem."""
    if n_mentees < 0 or n_mentors < 0:
        raise ValueError(f"counts must be >= 0, got {n_mentees} mentees and {n_mentors} mentors")
    if not np.isfinite(min_score):
        raise ValueError(f"min_score must be finite, got {min_score}")
    mentee = _index_array(mentee_idx, "mentee_idx")
    mentor = _index_array(mentor_idx, "mentor_idx")
    score = np.asarray(scores, dtype=np.float64)
    if score.ndim != 1:
        raise ValueError(f"scores must be one-dimensional, got shape {score.shape}")
    if not len(mentee) == len(mentor) == len(score):
        raise ValueError(f"edge arrays differ in length: mentee_idx {len(mentee)}, "
                         f"mentor_idx {len(mentor)}, scores {len(score)}")
    _in_range(mentee, n_mentees, "mentee_idx")
    _in_range(mentor, n_mentors, "mentor_idx")
    if not np.all(np.isfinite(score)):
        bad = int(np.flatnonzero(~np.isfinite(score))[0])
        raise ValueError(f"scores must be finite; edge {bad} has {score[bad]}")
    keep = score >= min_score
    mentee, mentor, score = mentee[keep], mentor[keep], score[keep]
    # Sort by pair, best score first within a pair, and keep the first of each pair.
    key = mentee * max(n_mentors, 1) + mentor
    order = np.lexsort((-score, key))
    key = key[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    pick = order[first]
    return Edges(mentee[pick], mentor[pick], score[pick])


def solve_assignment(n_mentees: int, capacities: Sequence[int] | np.ndarray,
                     mentee_idx: np.ndarray, mentor_idx: np.ndarray, scores: np.ndarray, *,
                     objective: Objective = "best_total",
                     min_score: float = 0.0) -> AssignmentResult:
    """Optimal assignment over the allowed edges.

    `best_total` maximises the total score (ties go to the assignment matching more mentees);
    `most_matched` maximises the number of matched mentees, then the total score. Edges scoring
    below `min_score` are ignored; of duplicate edges the best score counts. Deterministic."""
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
    caps = _capacities(capacities)
    edges = prepare_edges(n_mentees, len(caps), mentee_idx, mentor_idx, scores,
                          min_score=min_score)
    open_edge = caps[edges.mentor] > 0
    edges = Edges(*(column[open_edge] for column in edges))
    if len(edges.mentee) == 0:
        return AssignmentResult([], list(range(n_mentees)), 0.0, SOLVER)
    chosen = _min_cost_flow(n_mentees, caps, edges, objective)
    pairs = [(int(i), int(j), float(s)) for i, j, s in
             zip(edges.mentee[chosen], edges.mentor[chosen], edges.score[chosen], strict=True)]
    matched = np.zeros(n_mentees, dtype=bool)
    matched[edges.mentee[chosen]] = True
    return AssignmentResult(pairs, np.flatnonzero(~matched).tolist(),
                            float(edges.score[chosen].sum()), SOLVER)


def _min_cost_flow(n_mentees: int, caps: np.ndarray, edges: Edges,
                   objective: Objective) -> np.ndarray:
    """Boolean mask over `edges`: the chosen ones."""
    n_mentors = len(caps)
    sink = n_mentees + n_mentors
    edge_cost = -np.rint(edges.score * SCALE).astype(np.int64)
    seats = np.bincount(edges.mentor, minlength=n_mentors)
    seats = np.minimum(seats, caps)  # more seats than edges can never be used
    if objective == "best_total":
        # One cost unit (1/SCALE of a score point) per unassigned mentee: among equal totals,
        # the assignment that matches more people wins, and nobody is left out for nothing.
        unassigned_cost = 1
    else:
        # Larger than any difference in total cost two assignments can have, so one more
        # matched mentee always beats any gain in score.
        most = int(min(n_mentees, int(seats.sum())))
        unassigned_cost = 2 * (most + 1) * (int(np.abs(edge_cost).max()) + 1)
    if max(unassigned_cost, int(np.abs(edge_cost).max())) * (sink + 2) >= _COST_LIMIT:
        raise ValueError("scores too large for integer costs: keep scores within [0, 1] or "
                         "split the pool")
    mentors_used = np.flatnonzero(seats > 0)
    mentees = np.arange(n_mentees, dtype=np.int32)
    tails = np.concatenate([edges.mentee.astype(np.int32), mentees,
                            (n_mentees + mentors_used).astype(np.int32)])
    heads = np.concatenate([(n_mentees + edges.mentor).astype(np.int32),
                            np.full(n_mentees + len(mentors_used), sink, dtype=np.int32)])
    arc_caps = np.concatenate([np.ones(len(edges.mentee) + n_mentees, dtype=np.int64),
                               seats[mentors_used].astype(np.int64)])
    costs = np.concatenate([edge_cost, np.full(n_mentees, unassigned_cost, dtype=np.int64),
                            np.zeros(len(mentors_used), dtype=np.int64)])
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, arc_caps, costs)
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:n_mentees] = 1
    supplies[sink] = -n_mentees
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:  # every mentee has an unassigned arc, so this is a bug
        raise RuntimeError(f"min-cost flow did not solve: status {status}")
    return np.asarray(flow.flows(arcs[: len(edges.mentee)])) > 0


def _capacities(capacities: Sequence[int] | np.ndarray) -> np.ndarray:
    caps = np.asarray(capacities)
    if caps.ndim != 1:
        raise ValueError(f"capacities must be one-dimensional, got shape {caps.shape}")
    if caps.size == 0:
        return np.zeros(0, dtype=np.int64)
    if not np.issubdtype(caps.dtype, np.number) or not np.all(np.isfinite(caps)) \
            or not np.all(caps == np.round(caps)):
        raise ValueError("capacities must be whole numbers")
    if np.any(caps < 0):
        raise ValueError(f"capacities must be >= 0; mentor {int(np.argmin(caps))} has "
                         f"{caps.min()}")
    return caps.astype(np.int64)


def _index_array(values: object, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must hold integers, got {array.dtype}")
    return array.astype(np.int64)


def _in_range(index: np.ndarray, size: int, name: str) -> None:
    bad = (index < 0) | (index >= size)
    if np.any(bad):
        where = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name}[{where}] = {index[where]} is out of range [0, {size})")
