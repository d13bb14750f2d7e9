"""Whole-pool assignment: every mentee at most one mentor, every mentor at most `capacity` mentees.

Pure: integer indices and float scores in, pairs out. The caller has already removed edges that
break hard constraints and subtracted seats taken by locked or approved pairings.

Solved exactly as a min-cost flow with OR-Tools (`SimpleMinCostFlow`; chosen by measurement, see
docs/benchmarks.md). Each mentee supplies one unit of flow, which reaches the sink either through
one mentor (arc capacity 1, cost −score) or through its own "unassigned" arc; each mentor reaches
the sink with capacity = its seats. Costs are integers: score × SCALE, rounded.

Minimum coverage per mentee group (optional: `groups` and `minimums`): a grouped mentee's
"unassigned" arc leads to its group's node U_g instead of the sink (cost 0). U_g reaches the sink
through two arcs, both at the usual cost per unassigned mentee: one of capacity size_g − minimum_g
and an overflow arc, unlimited, costing a penalty more. The penalty exceeds the cost any simple
cycle of the residual network can have without it, so the optimum leaves the fewest mentees short
of their group's minimum that any assignment can, and among those assignments it is optimal for
the objective. A minimum that cannot be met is met as far as possible; the flow is never
infeasible, and the shortfall per group is reported.
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
    shortfall: tuple[int, ...] = ()
    """Per group (when `groups` were given): how many matched mentees short of its minimum."""


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
                     min_score: float = 0.0, groups: object = None,
                     minimums: object = None) -> AssignmentResult:
    """Optimal assignment over the allowed edges.

    `best_total` maximises the total score (ties go to the assignment matching more mentees);
    `most_matched` maximises the number of matched mentees, then the total score. Edges scoring
    below `min_score` are ignored; of duplicate edges the best score counts. Deterministic.

    With `groups` (a group index per mentee, −1 for none) and `minimums` (matched mentees
    wanted per group), first the total shortfall below the minimums is made as small as any
    assignment allows — zero whenever the minimums can all be met — then the objective decides.
    A minimum above its group's size counts as the size."""
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
    caps = _capacities(capacities)
    edges = prepare_edges(n_mentees, len(caps), mentee_idx, mentor_idx, scores,
                          min_score=min_score)
    coverage = None if groups is None and minimums is None else _coverage(n_mentees, groups,
                                                                           minimums)
    open_edge = caps[edges.mentor] > 0
    edges = Edges(*(column[open_edge] for column in edges))
    matched = np.zeros(n_mentees, dtype=bool)
    if len(edges.mentee) == 0:
        return AssignmentResult([], list(range(n_mentees)), 0.0, SOLVER,
                                _shortfall(coverage, matched))
    chosen = _min_cost_flow(n_mentees, caps, edges, objective, coverage)
    pairs = [(int(i), int(j), float(s)) for i, j, s in
             zip(edges.mentee[chosen], edges.mentor[chosen], edges.score[chosen], strict=True)]
    matched[edges.mentee[chosen]] = True
    return AssignmentResult(pairs, np.flatnonzero(~matched).tolist(),
                            float(edges.score[chosen].sum()), SOLVER,
                            _shortfall(coverage, matched))


class _Coverage(NamedTuple):
    groups: np.ndarray
    """Group index per mentee, −1 for none."""
    minimums: np.ndarray
    """Per group, clipped to the group's size."""
    sizes: np.ndarray


def _coverage(n_mentees: int, groups: object, minimums: object) -> _Coverage:
    if groups is None or minimums is None:
        raise ValueError("groups and minimums go together: give both or neither")
    group = _index_array(groups, "groups")
    if len(group) != n_mentees:
        raise ValueError(f"groups must have one entry per mentee: {n_mentees} mentees, "
                         f"{len(group)} entries")
    wanted = np.asarray(minimums)
    if wanted.ndim != 1 and wanted.size:
        raise ValueError(f"minimums must be one-dimensional, got shape {wanted.shape}")
    if wanted.size and (not np.issubdtype(wanted.dtype, np.number)
                        or not np.all(np.isfinite(wanted))
                        or not np.all(wanted == np.round(wanted)) or np.any(wanted < 0)):
        raise ValueError("minimums must be whole numbers >= 0")
    wanted = wanted.reshape(-1).astype(np.int64)
    if np.any(group < -1) or np.any(group >= len(wanted)):
        where = int(np.flatnonzero((group < -1) | (group >= len(wanted)))[0])
        raise ValueError(f"groups[{where}] = {group[where]} is out of range [-1, "
                         f"{len(wanted)})")
    sizes = np.bincount(group[group >= 0], minlength=len(wanted)).astype(np.int64)
    return _Coverage(group, np.minimum(wanted, sizes), sizes)


def _shortfall(coverage: _Coverage | None, matched: np.ndarray) -> tuple[int, ...]:
    if coverage is None:
        return ()
    grouped = coverage.groups >= 0
    got = np.bincount(coverage.groups[grouped & matched], minlength=len(coverage.minimums))
    return tuple(int(v) for v in np.maximum(coverage.minimums - got, 0))


def _min_cost_flow(n_mentees: int, caps: np.ndarray, edges: Edges,
                   objective: Objective, coverage: _Coverage | None = None) -> np.ndarray:
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
    if coverage is not None:
        return _min_cost_flow_with_coverage(n_mentees, seats, edges, edge_cost,
                                            unassigned_cost, coverage)
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


def _min_cost_flow_with_coverage(n_mentees: int, seats: np.ndarray, edges: Edges,
                                  edge_cost: np.ndarray, unassigned_cost: int,
                                  coverage: _Coverage) -> np.ndarray:
    """The flow of `_min_cost_flow` with each group's unassigned mentees routed through U_g."""
    n_mentors = len(seats)
    sink = n_mentees + n_mentors
    n_groups = len(coverage.minimums)
    group_node = sink + 1 + np.arange(n_groups, dtype=np.int64)
    mentors_used = np.flatnonzero(seats > 0)
    # A simple cycle visits the sink once, so it holds at most two arcs into the sink (the only
    # arcs costing an unassigned mentee) and, alternating mentees and mentors, at most
    # 2·min(mentees, mentors) pair arcs. A penalty above that sum makes one less mentee short
    # worth more than anything else a cycle can change.
    pair_arcs = 2 * min(len(np.unique(edges.mentee)), len(mentors_used))
    penalty = pair_arcs * (int(np.abs(edge_cost).max()) + 1) + 2 * unassigned_cost + 1
    if (penalty + unassigned_cost) * (sink + n_groups + 3) >= _COST_LIMIT:
        raise ValueError("pool too large for minimum coverage with this objective: use "
                         "best_total or split the pool")
    mentees = np.arange(n_mentees, dtype=np.int64)
    grouped = coverage.groups >= 0
    unassigned_head = np.full(n_mentees, sink, dtype=np.int64)
    unassigned_head[grouped] = group_node[coverage.groups[grouped]]
    room = coverage.sizes - coverage.minimums
    tails = np.concatenate([edges.mentee, mentees, n_mentees + mentors_used, group_node,
                            group_node])
    heads = np.concatenate([n_mentees + edges.mentor, unassigned_head,
                            np.full(len(mentors_used) + 2 * n_groups, sink)])
    arc_caps = np.concatenate([np.ones(len(edges.mentee) + n_mentees, dtype=np.int64),
                               seats[mentors_used], room, coverage.sizes])
    costs = np.concatenate([edge_cost, np.where(grouped, 0, unassigned_cost),
                            np.zeros(len(mentors_used), dtype=np.int64),
                            np.full(n_groups, unassigned_cost),
                            np.full(n_groups, unassigned_cost + penalty)])
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), arc_caps.astype(np.int64),
        costs.astype(np.int64))
    nodes = sink + 1 + n_groups
    supplies = np.zeros(nodes, dtype=np.int64)
    supplies[:n_mentees] = 1
    supplies[sink] = -n_mentees
    flow.set_nodes_supplies(np.arange(nodes, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:  # every mentee has a way to the sink, so this is a bug
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
