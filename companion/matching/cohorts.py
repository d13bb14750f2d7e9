"""Group formats: mentor-led cohorts and peer pairs/triads. Pure: indices and scores only.

Cohorts (group mentoring): one mentor leads a cohort of `min_size`–`max_size` mentees.
 1. Assign with `solve_assignment(objective="most_matched")`, each mentor holding
    `max_cohorts_per_mentor × max_size` seats: cohorts are dissolved when too small, so filling
    them matters more than a slightly better fit.
 2. A mentor whose count cannot be split into at most `max_cohorts_per_mentor` cohorts of legal
    size is cut back: the weakest such mentor (fewest mentees, then lowest mean score) gets the
    largest legal count below its current one as capacity — zero if there is none, which
    dissolves its cohort — and everything is solved again. Repeat until every mentor's count is
    legal. Capacity only ever falls, so this ends. A heuristic: it can leave out a mentee that
    an exhaustive search over cohort choices would place.
 3. Each mentor's mentees are split into the fewest cohorts that fit, sizes differing by ≤ 1.
 4. With `goal_similarity`, a local search swaps two mentees of different cohorts while that
    raises Σ fit + Σ cohesion, where a cohort's cohesion is the sum over its mentees of their mean
    goal similarity to the other members (one unit per mentee, like fit). Swaps keep sizes.

Peer groups: maximum-weight matching with `maxcardinality=True` — fewest people left over
first, then the best total score (plain max weight would strand two people to keep one strong
pair). People left over then share no allowed edge, and no two of them can want the same pair
(see `form_peer_groups`), so each joins, as a third member, the pair with the highest sum of its
scores to both members — only over allowed edges to both — or stays unassigned.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from companion.matching.assign import SCALE, Edges, prepare_edges, solve_assignment

#: A swap must gain more than this to count: stops the search cycling on float noise.
_MIN_GAIN = 1e-9
_MAX_SWEEPS = 50


class Cohort(NamedTuple):
    """One mentor's cohort."""

    mentor: int
    mentees: list[int]
    """Sorted."""
    score: float
    """Mean mentee→mentor score."""


class PeerGroup(NamedTuple):
    """A peer pair or triad."""

    members: list[int]
    """2 or 3 people, sorted."""
    score: float
    """Mean pairwise score."""


def form_group_cohorts(n_mentees: int, n_mentors: int, mentee_idx: object, mentor_idx: object,
                       scores: object, *, min_size: int = 4, max_size: int = 6,
                       max_cohorts_per_mentor: int = 1,
                       goal_similarity: np.ndarray | None = None,
                       ) -> tuple[list[Cohort], list[int]]:
    """Cohorts of `min_size`–`max_size` mentees per mentor over the allowed edges, and the
    mentees left without one (sorted). See the module docstring for the method."""
    if not 1 <= min_size <= max_size:
        raise ValueError(f"need 1 <= min_size <= max_size, got {min_size} and {max_size}")
    if max_cohorts_per_mentor < 1:
        raise ValueError(f"max_cohorts_per_mentor must be >= 1, got {max_cohorts_per_mentor}")
    edges = prepare_edges(n_mentees, n_mentors, mentee_idx, mentor_idx, scores)
    similarity = _similarity(goal_similarity, n_mentees)
    legal = _legal_counts(min_size, max_size, max_cohorts_per_mentor)
    caps = np.full(n_mentors, max_cohorts_per_mentor * max_size, dtype=np.int64)
    while True:
        result = solve_assignment(n_mentees, caps, *edges, objective="most_matched")
        by_mentor: dict[int, list[tuple[int, float]]] = {}
        for mentee, mentor, score in result.pairs:
            by_mentor.setdefault(mentor, []).append((mentee, score))
        illegal = [(len(members), sum(s for _, s in members) / len(members), mentor)
                   for mentor, members in by_mentor.items() if not legal[len(members)]]
        if not illegal:
            break
        count, _, weakest = min(illegal)
        caps[weakest] = max(c for c in range(count) if legal[c])
    groups = [(mentor, chunk) for mentor, members in sorted(by_mentor.items())
              for chunk in _split(sorted(m for m, _ in members), max_size)]
    fit = _fit_lookup(edges)
    if similarity is not None and len(groups) > 1:
        groups = _improve_cohesion(groups, fit, similarity)
    cohorts = [Cohort(mentor, sorted(members),
                      sum(fit[(m, mentor)] for m in members) / len(members))
               for mentor, members in groups]
    cohorts.sort(key=lambda c: (c.mentor, c.mentees))
    placed = {m for c in cohorts for m in c.mentees}
    return cohorts, [m for m in range(n_mentees) if m not in placed]


def form_peer_groups(n_people: int, i_idx: object, j_idx: object, scores: object, *,
                     allow_triads: bool = True) -> tuple[list[PeerGroup], list[int]]:
    """Peer pairs (and triads when someone is left over) over symmetric allowed edges, and the
    people left without a group (sorted). See the module docstring for the method."""
    raw = prepare_edges(n_people, n_people, i_idx, j_idx, scores)
    if np.any(raw.mentee == raw.mentor):
        person = int(raw.mentee[raw.mentee == raw.mentor][0])
        raise ValueError(f"edge from person {person} to themselves")
    edges = prepare_edges(n_people, n_people, np.minimum(raw.mentee, raw.mentor),
                          np.maximum(raw.mentee, raw.mentor), raw.score)
    score = _fit_lookup(edges)
    import networkx as nx  # here: a tenth of a second that one-to-one and group programs skip

    graph = nx.Graph()
    graph.add_nodes_from(range(n_people))
    # Integer weights keep networkx's blossom algorithm exact (floats can mis-compare).
    graph.add_weighted_edges_from(
        (int(i), int(j), round(float(s) * SCALE)) for i, j, s in zip(*edges, strict=True))
    matching = nx.max_weight_matching(graph, maxcardinality=True)
    pairs = sorted(tuple(sorted((int(a), int(b)))) for a, b in matching)
    members = [list(pair) for pair in pairs]
    matched = {p for pair in pairs for p in pair}
    left = [p for p in range(n_people) if p not in matched]
    if allow_triads:
        # Two leftovers can never want the same pair {a, b}: l1–a=b–l2 would be an augmenting
        # path, and the matching is maximum. So each simply joins its best pair.
        stay: list[int] = []
        for person in left:
            best = max(((score[_key(person, a)] + score[_key(person, b)], -g)
                        for g, (a, b) in enumerate(pairs)
                        if _key(person, a) in score and _key(person, b) in score), default=None)
            if best is None:
                stay.append(person)
            else:
                members[-best[1]].append(person)
        left = stay
    groups = [PeerGroup(sorted(group), _mean_pairwise(sorted(group), score)) for group in members]
    groups.sort(key=lambda g: g.members)
    return groups, left


def _legal_counts(min_size: int, max_size: int, cohorts: int) -> list[bool]:
    """legal[t]: t mentees split into ≤ `cohorts` cohorts of legal size (0 counts as legal)."""
    legal = [False] * (cohorts * max_size + 1)
    legal[0] = True
    for g in range(1, cohorts + 1):
        for t in range(g * min_size, g * max_size + 1):
            legal[t] = True
    return legal


def _split(members: list[int], max_size: int) -> list[list[int]]:
    """The fewest chunks of ≤ max_size, sizes differing by ≤ 1 (so all stay ≥ min_size)."""
    n_groups = -(-len(members) // max_size)
    size, extra = divmod(len(members), n_groups)
    chunks: list[list[int]] = []
    start = 0
    for g in range(n_groups):
        end = start + size + (g < extra)
        chunks.append(members[start:end])
        start = end
    return chunks


def _fit_lookup(edges: Edges) -> dict[tuple[int, int], float]:
    return {(int(i), int(j)): float(s) for i, j, s in zip(*edges, strict=True)}


def _similarity(goal_similarity: np.ndarray | None, n_mentees: int) -> np.ndarray | None:
    if goal_similarity is None:
        return None
    similarity = np.asarray(goal_similarity, dtype=np.float64)
    if similarity.shape != (n_mentees, n_mentees):
        raise ValueError(f"goal_similarity must be {n_mentees} × {n_mentees}, "
                         f"got shape {similarity.shape}")
    if not np.all(np.isfinite(similarity)):
        raise ValueError("goal_similarity must be finite")
    return similarity


def _improve_cohesion(groups: list[tuple[int, list[int]]], fit: dict[tuple[int, int], float],
                      similarity: np.ndarray) -> list[tuple[int, list[int]]]:
    """Best-improvement swaps of two mentees between cohorts (see module docstring, step 4)."""
    people = np.array([m for _, members in groups for m in members])
    cohort = np.array([c for c, (_, members) in enumerate(groups) for _ in members])
    mentors = [mentor for mentor, _ in groups]
    # fit_to[p, c]: person p's score with cohort c's mentor, −inf where the edge is not allowed.
    fit_to = np.array([[fit.get((int(p), mentor), -np.inf) for mentor in mentors]
                       for p in people])
    sim = similarity[np.ix_(people, people)]
    sizes = np.array([len(members) for _, members in groups])
    # Cohesion = Σ pairwise similarity × 2/(size − 1); a cohort of one has none.
    weight = np.where(sizes > 1, 2.0 / np.maximum(sizes - 1, 1), 0.0)
    member_of = np.zeros((len(people), len(groups)))
    member_of[np.arange(len(people)), cohort] = 1.0
    sim_to = sim @ member_of  # sim_to[p, c]: Σ similarity of p to the members of cohort c
    rows = np.arange(len(people))
    for _ in range(_MAX_SWEEPS):
        improved = False
        for a in range(len(people)):
            ca, cb = cohort[a], cohort
            fit_gain = fit_to[a, cb] + fit_to[:, ca] - fit_to[a, ca] - fit_to[rows, cb]
            gain_a = sim_to[:, ca] - sim[a] - sim_to[a, ca] + sim[a, a]
            gain_b = sim_to[a, cb] - sim[a] - sim_to[rows, cb] + sim.diagonal()
            # fit_gain is −inf where a swap would use an edge that is not allowed.
            gain = fit_gain + weight[ca] * gain_a + weight[cb] * gain_b
            gain[cb == ca] = -np.inf
            b = int(np.argmax(gain))
            if gain[b] <= _MIN_GAIN:
                continue
            cb_ = cohort[b]
            delta = sim[:, b] - sim[:, a]
            sim_to[:, ca] += delta
            sim_to[:, cb_] -= delta
            cohort[a], cohort[b] = cb_, ca
            improved = True
        if not improved:
            break
    return [(mentor, sorted(int(p) for p in people[cohort == c]))
            for c, mentor in enumerate(mentors)]


def _key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _mean_pairwise(members: list[int], score: dict[tuple[int, int], float]) -> float:
    pairs = [(a, b) for k, a in enumerate(members) for b in members[k + 1:]]
    return sum(score[pair] for pair in pairs) / len(pairs)
