"""Group cohorts and peer pairs/triads: sizes, dissolution, cohesion, leftovers."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from companion.matching.cohorts import Cohort, PeerGroup, form_group_cohorts, form_peer_groups

Edge = tuple[int, int, float]


def arrays(edges: list[Edge]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    table = np.array(edges, dtype=np.float64).reshape(-1, 3)
    return table[:, 0].astype(np.int64), table[:, 1].astype(np.int64), table[:, 2]


def cohorts_of(n: int, m: int, edges: list[Edge], **kwargs: object,
               ) -> tuple[list[Cohort], list[int]]:
    return form_group_cohorts(n, m, *arrays(edges), **kwargs)  # type: ignore[arg-type]


def peers_of(n: int, edges: list[Edge], **kwargs: object) -> tuple[list[PeerGroup], list[int]]:
    return form_peer_groups(n, *arrays(edges), **kwargs)  # type: ignore[arg-type]


def fit_plus_cohesion(cohorts: list[Cohort], fit: dict[tuple[int, int], float],
                      similarity: np.ndarray) -> float:
    total = 0.0
    for cohort in cohorts:
        total += sum(fit[(m, cohort.mentor)] for m in cohort.mentees)
        for m in cohort.mentees:
            others = [o for o in cohort.mentees if o != m]
            total += sum(similarity[m, o] for o in others) / len(others)
    return total


def random_pool(seed: int, n: int, m: int, density: float) -> list[Edge]:
    rng = np.random.default_rng(seed)
    return [(i, j, float(rng.random())) for i in range(n) for j in range(m)
            if rng.random() < density]


# -- cohorts -----------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize(("min_size", "max_size", "per_mentor"), [(4, 6, 1), (3, 4, 1),
                                                                  (4, 6, 2), (2, 2, 3)])
def test_cohorts_respect_sizes_edges_and_mentor_limits(seed: int, min_size: int, max_size: int,
                                                       per_mentor: int) -> None:
    n, m = 40, 7
    edges = random_pool(seed, n, m, density=0.35)
    fit = {(i, j): s for i, j, s in edges}
    cohorts, unassigned = cohorts_of(n, m, edges, min_size=min_size, max_size=max_size,
                                     max_cohorts_per_mentor=per_mentor)
    placed = [p for c in cohorts for p in c.mentees]
    assert len(placed) == len(set(placed)), "a mentee in two cohorts"
    assert sorted(placed + unassigned) == list(range(n))
    assert unassigned == sorted(unassigned)
    for cohort in cohorts:
        assert min_size <= len(cohort.mentees) <= max_size
        assert cohort.mentees == sorted(cohort.mentees)
        assert all((p, cohort.mentor) in fit for p in cohort.mentees)
        assert cohort.score == pytest.approx(
            np.mean([fit[(p, cohort.mentor)] for p in cohort.mentees]))
    per = [c.mentor for c in cohorts]
    assert all(per.count(j) <= per_mentor for j in set(per))
    assert cohorts, "a pool this dense should form at least one cohort"


def test_undersized_cohort_is_dissolved_and_its_mentees_replaced() -> None:
    # Mentor 0 is best for everyone but seats 4; mentor 1 would get the 2 left over: too few.
    edges = [(i, 0, 0.9 - 0.1 * i) for i in range(6)] + [(i, 1, 0.3) for i in range(6)]
    cohorts, unassigned = cohorts_of(6, 2, edges, min_size=3, max_size=4)
    assert cohorts == [Cohort(0, [0, 1, 2, 3], pytest.approx(0.75))]
    assert unassigned == [4, 5]


def test_dissolving_the_weakest_lets_another_cohort_fill() -> None:
    # Mentors 0 and 1 each draw 2 of mentees 0-3 (min 3). Mentor 1 scores lower, so it goes,
    # and mentor 0 takes three; mentee 3 has no edge to mentor 0.
    edges = [(0, 0, 0.9), (1, 0, 0.9), (2, 0, 0.5), (2, 1, 0.6), (3, 1, 0.6)]
    cohorts, unassigned = cohorts_of(4, 2, edges, min_size=3, max_size=3)
    assert cohorts == [Cohort(0, [0, 1, 2], pytest.approx((0.9 + 0.9 + 0.5) / 3))]
    assert unassigned == [3]


@pytest.mark.parametrize(("n", "sizes", "unassigned"), [
    (10, [5, 5], []),
    (8, [4, 4], []),
    (7, [6], [6]),   # 7 cannot split into cohorts of 4-6: cut back to 6
    (13, [6, 6], [12]),
    (3, [], [0, 1, 2]),
])
def test_mentor_leading_two_cohorts_gets_balanced_legal_sizes(n: int, sizes: list[int],
                                                              unassigned: list[int]) -> None:
    edges = [(i, 0, 1.0 - 0.01 * i) for i in range(n)]
    cohorts, left = cohorts_of(n, 1, edges, min_size=4, max_size=6, max_cohorts_per_mentor=2)
    assert [len(c.mentees) for c in cohorts] == sizes
    assert all(c.mentor == 0 for c in cohorts)
    assert left == unassigned


# Fit alone pairs {0, 2} and {1, 3}; goals pair {0, 1} and {2, 3}.
COHESION_EDGES = [(0, 0, 0.6), (2, 0, 0.6), (1, 1, 0.6), (3, 1, 0.6),
                  (1, 0, 0.5), (3, 0, 0.5), (0, 1, 0.5), (2, 1, 0.5)]
COHESION_SIM = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1]], dtype=float)


@pytest.mark.parametrize(("similarity", "groups"), [
    (None, [[0, 2], [1, 3]]),
    (COHESION_SIM, [[0, 1], [2, 3]]),
])
def test_cohesion_pass_groups_related_goals(similarity: np.ndarray | None,
                                            groups: list[list[int]]) -> None:
    cohorts, unassigned = cohorts_of(4, 2, COHESION_EDGES, min_size=2, max_size=2,
                                     goal_similarity=similarity)
    assert sorted(c.mentees for c in cohorts) == groups
    assert unassigned == []


@pytest.mark.parametrize("seed", range(8))
def test_cohesion_pass_never_lowers_fit_plus_cohesion(seed: int) -> None:
    n, m = 30, 5
    edges = random_pool(seed, n, m, density=0.6)
    fit = {(i, j): s for i, j, s in edges}
    vectors = np.random.default_rng(seed).normal(size=(n, 8))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    similarity = vectors @ vectors.T
    plain, left_plain = cohorts_of(n, m, edges, min_size=3, max_size=5)
    tuned, left_tuned = cohorts_of(n, m, edges, min_size=3, max_size=5,
                                   goal_similarity=similarity)
    assert left_tuned == left_plain
    assert sorted(len(c.mentees) for c in tuned) == sorted(len(c.mentees) for c in plain)
    assert all((p, c.mentor) in fit for c in tuned for p in c.mentees)
    assert fit_plus_cohesion(tuned, fit, similarity) >= fit_plus_cohesion(plain, fit, similarity)


@pytest.mark.parametrize(("n", "m", "edges"), [(0, 0, []), (0, 3, []), (5, 0, []),
                                               (5, 2, [])])
def test_cohorts_of_empty_pools(n: int, m: int, edges: list[Edge]) -> None:
    assert cohorts_of(n, m, edges) == ([], list(range(n)))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"min_size": 5, "max_size": 4}, "min_size <= max_size"),
    ({"min_size": 0}, "min_size <= max_size"),
    ({"max_cohorts_per_mentor": 0}, "max_cohorts_per_mentor"),
    ({"goal_similarity": np.eye(3)}, r"goal_similarity must be 4 × 4"),
    ({"goal_similarity": np.full((4, 4), np.nan)}, "finite"),
])
def test_cohort_arguments_are_checked(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cohorts_of(4, 2, COHESION_EDGES, **kwargs)


# -- peers -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("n", "edges", "kwargs", "groups", "unassigned"), [
    # The best pairing, not the best single edge.
    (4, [(0, 1, 0.9), (2, 3, 0.8), (0, 2, 0.95), (1, 3, 0.1)], {},
     [PeerGroup([0, 1], 0.9), PeerGroup([2, 3], 0.8)], []),
    # maxcardinality: two weak pairs beat one strong pair that strands two people.
    (4, [(0, 1, 0.1), (1, 2, 0.9), (2, 3, 0.1)], {},
     [PeerGroup([0, 1], 0.1), PeerGroup([2, 3], 0.1)], []),
    # Edges may come either way round; the better duplicate counts.
    (2, [(1, 0, 0.3), (0, 1, 0.7)], {}, [PeerGroup([0, 1], 0.7)], []),
    # Three who all get on: a triad.
    (3, [(0, 1, 0.9), (0, 2, 0.6), (1, 2, 0.3)], {},
     [PeerGroup([0, 1, 2], pytest.approx(0.6))], []),
    (3, [(0, 1, 0.9), (0, 2, 0.6), (1, 2, 0.3)], {"allow_triads": False},
     [PeerGroup([0, 1], 0.9)], [2]),
    # Person 2 has an edge to only one member of the pair: no triad.
    (3, [(0, 1, 0.9), (1, 2, 0.5)], {}, [PeerGroup([0, 1], 0.9)], [2]),
    # The leftover joins the pair it scores best with.
    (5, [(0, 1, 0.9), (2, 3, 0.9), (4, 0, 0.2), (4, 1, 0.2), (4, 2, 0.5), (4, 3, 0.5)], {},
     [PeerGroup([0, 1], 0.9), PeerGroup([2, 3, 4], pytest.approx((0.9 + 0.5 + 0.5) / 3))], []),
    # Two triangles: each keeps its strongest edge as the pair and grows into a triad.
    (6, [(0, 1, 0.9), (0, 4, 0.3), (1, 4, 0.3), (2, 3, 0.6), (2, 5, 0.4), (3, 5, 0.5)], {},
     [PeerGroup([0, 1, 4], pytest.approx(0.5)), PeerGroup([2, 3, 5], pytest.approx(0.5))], []),
    (3, [], {}, [], [0, 1, 2]),
    (0, [], {}, [], []),
    (1, [], {}, [], [0]),
])
def test_peer_groups(n: int, edges: list[Edge], kwargs: dict[str, object],
                     groups: list[PeerGroup], unassigned: list[int]) -> None:
    assert peers_of(n, edges, **kwargs) == (groups, unassigned)


def brute_force_matching(n: int, weight: dict[tuple[int, int], float]) -> tuple[int, float]:
    """(pairs, total) of the best matching by cardinality, then weight."""
    best = (0, 0.0)

    def extend(free: list[int], count: int, total: float) -> None:
        nonlocal best
        best = max(best, (count, total))
        if len(free) < 2:
            return
        first, rest = free[0], free[1:]
        extend(rest, count, total)
        for k, other in enumerate(rest):
            if (first, other) in weight:
                extend(rest[:k] + rest[k + 1:], count + 1, total + weight[(first, other)])

    extend(list(range(n)), 0, 0.0)
    return best


@pytest.mark.parametrize("seed", range(25))
def test_peer_pairs_match_brute_force_and_triads_are_cliques(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 9))
    edges = [(i, j, float(rng.random())) for i, j in itertools.combinations(range(n), 2)
             if rng.random() < 0.5]
    weight = {(i, j): s for i, j, s in edges}
    pairs_only, _ = peers_of(n, edges, allow_triads=False)
    count, total = brute_force_matching(n, weight)
    assert len(pairs_only) == count
    assert sum(g.score for g in pairs_only) == pytest.approx(total, abs=1e-6)
    groups, unassigned = peers_of(n, edges)
    everyone = [p for g in groups for p in g.members] + unassigned
    assert sorted(everyone) == list(range(n))
    for group in groups:
        inside = list(itertools.combinations(group.members, 2))
        assert 2 <= len(group.members) <= 3
        assert all(pair in weight for pair in inside)
        assert group.score == pytest.approx(np.mean([weight[pair] for pair in inside]))
    assert len(unassigned) <= n - 2 * count


def test_peer_self_edge_is_rejected() -> None:
    with pytest.raises(ValueError, match="person 1 to themselves"):
        peers_of(3, [(0, 1, 0.5), (1, 1, 0.9)])
