"""Assignment speed: OR-Tools min-cost flow versus scipy's assignment solvers, same run.

Pools look like the engine's output: each mentee keeps its K best-matching mentors (by a latent
goal/expertise similarity) as candidate edges, scored in [0, 1] with a mentor "popularity" term
so that good mentors are contested. Capacities 1-4 (≈ 2.5 seats per mentor).

Solvers, each timed from the same edge arrays to a chosen assignment:
- `solve_assignment` (OR-Tools `SimpleMinCostFlow`; validation and graph building included);
- `scipy.optimize.linear_sum_assignment` on a dense matrix: one column per mentor seat plus one
  "unassigned" column per mentee (so rows can stay unmatched); only where the matrix fits;
- `scipy.sparse.csgraph.min_weight_full_bipartite_matching` on the same columns, sparse: seat
  columns repeat each edge once per seat, and each mentee has its own unassigned column.
Peak memory is the growth of the process's peak RSS during the call (VmHWM reset through
/proc/self/clear_refs), so it counts C++ and numpy allocations that tracemalloc cannot see.

    .venv/bin/python bench/assignment_speed.py [--seed 0]
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import gc
import os
import platform
import time
from collections.abc import Callable
from importlib.metadata import version
from typing import NamedTuple

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from companion.matching.assign import Objective, solve_assignment
from companion.matching.cohorts import form_group_cohorts, form_peer_groups

_LIBC = ctypes.CDLL(ctypes.util.find_library("c")) if ctypes.util.find_library("c") else None
TARGET_SECONDS = 15.0  # product spec: whole-pool assignment, 10,000 × 2,000, 2 cores


class Pool(NamedTuple):
    n: int
    caps: np.ndarray
    mentee: np.ndarray
    mentor: np.ndarray
    score: np.ndarray


class Outcome(NamedTuple):
    matched: int
    total: float


class Row(NamedTuple):
    case: str
    solver: str
    objective: str
    seconds: float
    peak_mb: float
    outcome: Outcome


def make_pool(n: int, m: int, k: int, seed: int) -> Pool:
    rng = np.random.default_rng(seed)
    caps = rng.integers(1, 5, m)
    mentees = rng.normal(size=(n, 16)).astype(np.float32)
    mentors = rng.normal(size=(m, 16)).astype(np.float32)
    mentees /= np.linalg.norm(mentees, axis=1, keepdims=True)
    mentors /= np.linalg.norm(mentors, axis=1, keepdims=True)
    popularity = rng.normal(0, 1, m)
    picks, cosines = [], []
    for start in range(0, n, 1000):
        cos = mentees[start:start + 1000] @ mentors.T
        top = np.argpartition(-cos, k - 1, axis=1)[:, :k]
        picks.append(top)
        cosines.append(np.take_along_axis(cos, top, axis=1))
    mentor = np.concatenate(picks).reshape(-1)
    cosine = np.concatenate(cosines).reshape(-1).astype(np.float64)
    score = 0.45 + 0.4 * cosine + 0.08 * popularity[mentor] + rng.normal(0, 0.05, n * k)
    return Pool(n, caps, np.repeat(np.arange(n), k), mentor, np.clip(score, 0.0, 1.0))


def ortools(pool: Pool, objective: Objective) -> Outcome:
    result = solve_assignment(pool.n, pool.caps, pool.mentee, pool.mentor, pool.score,
                              objective=objective)
    return Outcome(len(result.pairs), result.total_score)


def seat_columns(pool: Pool) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Edges repeated once per seat of their mentor: (rows, seat columns, scores, seats)."""
    first_seat = np.concatenate([[0], np.cumsum(pool.caps)[:-1]])
    repeat = pool.caps[pool.mentor]
    rows = np.repeat(pool.mentee, repeat)
    offset = np.arange(repeat.sum()) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    cols = np.repeat(first_seat[pool.mentor], repeat) + offset
    return rows, cols, np.repeat(pool.score, repeat), int(pool.caps.sum())


def penalty(objective: Objective, seats: int) -> float:
    """Cost of leaving a mentee out: 0, or more than any total score (scores ≤ 1)."""
    return 0.0 if objective == "best_total" else float(seats + 1)


def outcome(pool: Pool, rows: np.ndarray, cols: np.ndarray, seats: int,
            score_of: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Outcome:
    real = cols < seats
    return Outcome(int(real.sum()), float(score_of(rows[real], cols[real]).sum()))


def scipy_dense(pool: Pool, objective: Objective) -> Outcome:
    rows, cols, score, seats = seat_columns(pool)
    unassigned = penalty(objective, seats)
    cost = np.full((pool.n, seats + pool.n), 2 * unassigned + 1.0)  # non-edges: never chosen
    cost[rows, cols] = -score
    cost[:, seats:] = unassigned
    row, col = linear_sum_assignment(cost)
    return outcome(pool, row, col, seats, lambda r, c: -cost[r, c])


def scipy_sparse(pool: Pool, objective: Objective) -> Outcome:
    rows, cols, score, seats = seat_columns(pool)
    # Every mentee is matched exactly once (to a seat or its own unassigned column), so adding
    # 2 to every cost changes nothing but keeps all weights non-zero, which the solver needs.
    weights = np.concatenate([2.0 - score, np.full(pool.n, 2.0 + penalty(objective, seats))])
    graph = csr_array((weights, (np.concatenate([rows, np.arange(pool.n)]),
                                 np.concatenate([cols, seats + np.arange(pool.n)]))),
                      shape=(pool.n, seats + pool.n))
    row, col = min_weight_full_bipartite_matching(graph)
    return outcome(pool, row, col, seats, lambda r, c: 2.0 - np.asarray(graph[r, c]).ravel())


def rss_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def measure(call: Callable[[], Outcome]) -> tuple[float, float, Outcome]:
    """(seconds, peak MB above the RSS before the call, outcome)."""
    gc.collect()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)  # hand freed heap pages back, or the next call reuses them unseen
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")  # reset VmHWM to the current RSS
    except OSError:
        pass
    before = rss_kb("VmRSS")
    start = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - start
    return seconds, max(rss_kb("VmHWM") - before, 0) / 1024, result


SOLVERS: dict[str, Callable[[Pool, Objective], Outcome]] = {
    "ortools min-cost flow": ortools,
    "scipy csgraph sparse": scipy_sparse,
    "scipy LSA dense": scipy_dense,
}
CASES = [  # (label, mentees, mentors, K, solvers)
    ("10k×2k K=20", 10_000, 2_000, 20, ("ortools min-cost flow", "scipy csgraph sparse")),
    ("10k×2k K=50", 10_000, 2_000, 50, ("ortools min-cost flow", "scipy csgraph sparse")),
    ("10k×2k K=100", 10_000, 2_000, 100, ("ortools min-cost flow", "scipy csgraph sparse")),
    ("2k×400 K=50", 2_000, 400, 50, tuple(SOLVERS)),
    ("5k×1k K=50", 5_000, 1_000, 50, tuple(SOLVERS)),
]


def run_assignment(seed: int) -> list[Row]:
    rows = []
    header = (f"{'case':<13} {'seats':>5} {'edges':>9} {'solver':<22} {'objective':<12} "
              f"{'seconds':>7} {'× ortools':>9} {'peak MB':>8} {'matched':>7} {'total':>12} "
              f"{'Δ total':>8}")
    print(header)
    print("-" * len(header))
    for label, n, m, k, solvers in CASES:
        pool = make_pool(n, m, k, seed)
        for objective in ("best_total", "most_matched"):
            base: Row | None = None
            for name in solvers:
                solver = SOLVERS[name]
                seconds, peak, result = measure(lambda: solver(pool, objective))  # noqa: B023
                row = Row(label, name, objective, seconds, peak, result)
                rows.append(row)
                base = base or row
                agree = abs(result.total - base.outcome.total)
                flag = "" if agree <= 1e-6 * max(result.matched, 1) and (
                    objective == "best_total" or result.matched == base.outcome.matched) else " ≠"
                print(f"{label:<13} {int(pool.caps.sum()):>5} {len(pool.score):>9} {name:<22} "
                      f"{objective:<12} {seconds:>7.2f} {seconds / base.seconds:>9.1f} "
                      f"{peak:>8.0f} {result.matched:>7} {result.total:>12.4f} "
                      f"{agree:>8.1e}{flag}", flush=True)
    return rows


def run_groups(seed: int) -> None:
    """Group formats on the pool sizes they are used at (not the 10k whole-pool case)."""
    rng = np.random.default_rng(seed)
    print("\ngroup formats")
    for n in (200, 400):
        i = np.repeat(np.arange(n), 20)
        j = rng.integers(0, n, n * 20)
        keep = i != j
        start = time.perf_counter()
        groups, left = form_peer_groups(n, i[keep], j[keep], rng.random(int(keep.sum())))
        print(f"  form_peer_groups    {n:>5} people, ~20 edges each: "
              f"{time.perf_counter() - start:6.2f} s ({len(groups)} groups, {len(left)} left)",
              flush=True)
    pool = make_pool(1_000, 200, 20, seed)
    goals = rng.normal(size=(1_000, 16))
    goals /= np.linalg.norm(goals, axis=1, keepdims=True)
    for similarity in (None, goals @ goals.T):
        start = time.perf_counter()
        cohorts, left = form_group_cohorts(1_000, 200, pool.mentee, pool.mentor, pool.score,
                                           goal_similarity=similarity)
        print(f"  form_group_cohorts  1,000 mentees × 200 mentors, K=20, cohesion "
              f"{'on ' if similarity is not None else 'off'}: "
              f"{time.perf_counter() - start:6.2f} s ({len(cohorts)} cohorts, {len(left)} left)",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo", encoding="ascii")
                if line.startswith("model name")), platform.processor())
    print(f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
          f"ortools {version('ortools')}, scipy {version('scipy')}, numpy {version('numpy')}, "
          f"networkx {version('networkx')}\n")
    started = time.perf_counter()
    rows = run_assignment(args.seed)
    worst = max(r.seconds for r in rows
                if r.case.startswith("10k") and r.solver == "ortools min-cost flow")
    print(f"\nortools at 10k × 2k: at most {worst:.2f} s = {worst / TARGET_SECONDS:.0%} of the "
          f"{TARGET_SECONDS:.0f} s whole-pool target")
    run_groups(args.seed)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
