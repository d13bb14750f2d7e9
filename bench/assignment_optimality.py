"""Assignment optimality: the solvers against exhaustive search on small random pools, same run.

Whole-pool assignment: every feasible assignment is enumerated for each pool (≤ 7 mentees,
≤ 4 mentors, capacities 0-3) and the best value per objective compared with `solve_assignment`.
A greedy baseline (best edge first) is scored the same way, to show what an exact solver buys.
Peer matching: every matching of ≤ 8 people is enumerated (most pairs, then best total) and
compared with `form_peer_groups(allow_triads=False)`; with triads on, the people left out are
compared with the fewest any split into groups of 2-3 (all pairs inside allowed) can leave out.

    .venv/bin/python bench/assignment_optimality.py [--instances 1000] [--seed 0]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Iterator

import numpy as np

from companion.matching.assign import Objective, solve_assignment
from companion.matching.cohorts import form_peer_groups

Edges = dict[tuple[int, int], float]
TOLERANCE = 1e-6


def random_pool(rng: np.random.Generator) -> tuple[int, list[int], Edges]:
    n, m = int(rng.integers(1, 8)), int(rng.integers(1, 5))
    caps = rng.integers(0, 4, m).tolist()
    density = rng.uniform(0.2, 1.0)
    coarse = rng.random() < 0.5  # scores in steps of 0.1: many ties
    edges = {(i, j): float(rng.integers(0, 11)) / 10 if coarse else float(rng.random())
             for i in range(n) for j in range(m) if rng.random() < density}
    return n, caps, edges


def exhaustive(n: int, caps: list[int], edges: Edges) -> dict[Objective, tuple[int, float]]:
    """(matched, total) of the best assignment per objective."""
    options = [[None] + [j for (i, j) in edges if i == mentee] for mentee in range(n)]
    found = []
    for choice in itertools.product(*options):
        used = [j for j in choice if j is not None]
        if all(used.count(j) <= cap for j, cap in enumerate(caps)):
            found.append((len(used), sum(edges[(i, j)] for i, j in enumerate(choice)
                                         if j is not None)))
    best_total = max(found, key=lambda f: f[1])
    most = max(count for count, _ in found)
    return {"best_total": best_total,
            "most_matched": (most, max(t for c, t in found if c == most))}


def greedy(n: int, caps: list[int], edges: Edges) -> float:
    seats, placed, total = list(caps), set(), 0.0
    for (i, j), score in sorted(edges.items(), key=lambda e: (-e[1], e[0])):
        if i not in placed and seats[j] > 0:
            placed.add(i)
            seats[j] -= 1
            total += score
    return total


def solve(n: int, caps: list[int], edges: Edges, objective: Objective) -> tuple[int, float]:
    pairs = list(edges)
    result = solve_assignment(n, caps, np.array([i for i, _ in pairs], dtype=np.int64),
                              np.array([j for _, j in pairs], dtype=np.int64),
                              np.array(list(edges.values())), objective=objective)
    return len(result.pairs), result.total_score


def check_assignment(instances: int, rng: np.random.Generator) -> bool:
    hits = dict.fromkeys(("best_total", "most_matched", "greedy"), 0)
    gaps = dict.fromkeys(hits, 0.0)
    start = time.perf_counter()
    for _ in range(instances):
        n, caps, edges = random_pool(rng)
        optimum = exhaustive(n, caps, edges)
        for objective in ("best_total", "most_matched"):
            matched, total = solve(n, caps, edges, objective)
            gap = abs(total - optimum[objective][1])
            same_count = objective == "best_total" or matched == optimum[objective][0]
            hits[objective] += gap <= TOLERANCE and same_count
            gaps[objective] = max(gaps[objective], gap)
        gap = optimum["best_total"][1] - greedy(n, caps, edges)
        hits["greedy"] += gap <= TOLERANCE
        gaps["greedy"] = max(gaps["greedy"], gap)
    seconds = time.perf_counter() - start
    print(f"assignment: {instances} pools, exhaustive search in {seconds:.1f} s")
    print(f"  {'solver':<30} {'optimal':>9} {'max |gap|':>11}")
    for name, label in (("best_total", "solve_assignment best_total"),
                        ("most_matched", "solve_assignment most_matched"),
                        ("greedy", "greedy baseline (best_total)")):
        print(f"  {label:<30} {hits[name]:>4}/{instances} {gaps[name]:>11.2e}")
    return hits["best_total"] == hits["most_matched"] == instances


def matchings(people: list[int], edges: Edges) -> Iterator[list[tuple[int, int]]]:
    if len(people) < 2:
        yield []
        return
    first, rest = people[0], people[1:]
    yield from matchings(rest, edges)
    for k, other in enumerate(rest):
        if (first, other) in edges:
            for tail in matchings(rest[:k] + rest[k + 1:], edges):
                yield [(first, other), *tail]


def fewest_left_out(people: list[int], edges: Edges) -> int:
    """Fewest people outside groups of 2-3 whose pairs are all allowed edges."""
    if not people:
        return 0
    first, rest = people[0], people[1:]
    best = 1 + fewest_left_out(rest, edges)
    for k, b in enumerate(rest):
        if (first, b) not in edges:
            continue
        best = min(best, fewest_left_out(rest[:k] + rest[k + 1:], edges))
        for c in rest[k + 1:]:
            if (first, c) in edges and (b, c) in edges:
                best = min(best, fewest_left_out([p for p in rest if p not in (b, c)], edges))
    return best


def check_peers(instances: int, rng: np.random.Generator) -> bool:
    hits, worst_gap, extra_left, worst_extra = 0, 0.0, 0, 0
    start = time.perf_counter()
    for _ in range(instances):
        n = int(rng.integers(2, 9))
        density = rng.uniform(0.15, 0.8)
        edges = {(i, j): float(rng.random()) for i, j in itertools.combinations(range(n), 2)
                 if rng.random() < density}
        best = max((len(m), sum(edges[p] for p in m)) for m in matchings(list(range(n)), edges))
        pairs = list(edges)
        args = (np.array([i for i, _ in pairs], dtype=np.int64),
                np.array([j for _, j in pairs], dtype=np.int64), np.array(list(edges.values())))
        groups, _ = form_peer_groups(n, *args, allow_triads=False)
        gap = abs(sum(g.score for g in groups) - best[1])
        hits += len(groups) == best[0] and gap <= TOLERANCE
        worst_gap = max(worst_gap, gap)
        _, left = form_peer_groups(n, *args, allow_triads=True)
        excess = len(left) - fewest_left_out(list(range(n)), edges)
        extra_left += excess > 0
        worst_extra = max(worst_extra, excess)
    print(f"peers: {instances} groups of ≤ 8 people, exhaustive search in "
          f"{time.perf_counter() - start:.1f} s")
    print(f"  pairs (most pairs, then best total) optimal: {hits}/{instances}, "
          f"max |gap| {worst_gap:.2e}")
    print(f"  with triads, left out more than the best split into 2-3: {extra_left}/{instances} "
          f"(at most {worst_extra} more)")
    return hits == instances


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    ok = check_assignment(args.instances, rng)
    ok = check_peers(args.instances, rng) and ok
    if not ok:
        sys.exit("not every instance reached the exact optimum")


if __name__ == "__main__":
    main()
