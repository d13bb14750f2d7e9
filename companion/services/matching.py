"""Matching use cases: suggestions, whole-pool assignment, do-not-match pairs, the report."""

from __future__ import annotations

import gc
import threading
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import numpy as np

from companion.domain import Pairing, PairingStatus, Participant, Program, ProgramType
from companion.embeddings import Embedder
from companion.errors import BadInputError, NotFoundError
from companion.matching import rules
from companion.matching.engine import MatchPool, PoolInputs
from companion.matching.texts import goal_texts
from companion.services import fairness as fair
from companion.services.fairness import Fairness, FairnessReport
from companion.services.progress import Progress
from companion.store import (
    AuditLog,
    Database,
    PairingRepository,
    ParticipantRepository,
    ProgramRepository,
)

Objective = Literal["best_total", "most_matched"]
#: Statuses that hold a mentor's seat and keep a mentee out of a new assignment run.
HOLDING = (PairingStatus.approved, PairingStatus.active)
#: Statuses that keep a pair from ever being suggested or assigned again: a coordinator
#: rejected it, or it ended (issue 14: the mentee is re-matched with someone else).
BANNING = (PairingStatus.rejected, PairingStatus.closed)
#: Candidate mentors per mentee handed to the solver. The solver's optimum is exact over these
#: edges; with 50 per mentee a better assignment would need a mentee's 51st-best mentor.
CANDIDATES_PER_MENTEE = 50


@dataclass
class ProgramState:
    program: Program
    people: list[Participant]
    pairings: list[Pairing]
    blocked: dict[tuple[str, str], str]
    managers: dict[str, str | None] = field(default_factory=dict)
    """The whole reporting tree: participants over the organisation records outside."""
    withdrawn: dict[str, Any] = field(default_factory=dict)
    """Participants who withdrew (id → when): left out of `people`, never matched again."""

    def holding(self) -> list[Pairing]:
        """Pairings that keep their seat: approved, active, or locked by a coordinator."""
        return [p for p in self.pairings if p.status in HOLDING or (
            p.locked and p.status is PairingStatus.pending)]

    def inputs(self) -> PoolInputs:
        load = Counter(p.mentor_id for p in self.holding())
        rejected = {(p.mentee_id, p.mentor_id) for p in self.pairings
                    if p.status is PairingStatus.rejected}
        ended = {(p.mentee_id, p.mentor_id) for p in self.pairings
                 if p.status is PairingStatus.closed}
        return PoolInputs(load=dict(load), rejected=rejected, blocked=self.blocked,
                          managers=self.managers, ended=ended - rejected)


def load_state(db: Database, program: str, *, all_pairings: bool = False) -> ProgramState:
    """A program with its people, pairings and do-not-match pairs, read in one transaction.

    Matching needs only the pairings that constrain it (held, rejected or ended); undecided
    proposals — thousands after an assignment run — are read only when `all_pairings`.
    Withdrawn participants are left out: they are never matched again."""
    with db.session() as session:
        programs = ProgramRepository(session)
        row = programs.row(program)
        pairings = PairingRepository(session, row)
        relevant = None if all_pairings else (*HOLDING, *BANNING)
        people = ParticipantRepository(session, row.id)
        withdrawn = people.withdrawn()
        return ProgramState(
            program=programs.get(program),
            people=[p for p in people.list() if p.id not in withdrawn],
            pairings=pairings.list(relevant, or_locked=True),
            blocked=pairings.blocks(),
            managers=ParticipantRepository(session, row.id).managers(),
            withdrawn=withdrawn,
        )


def build_pool(state: ProgramState, embedder: Embedder, progress: Progress | None = None
               ) -> MatchPool:
    from companion.services.preparation import wait_for

    # a read under way (a page's, the server's warm-up, the import's background process):
    # its texts land in the cache, none is read twice
    wait_for(state.program.name, embedder, people=state.people, progress=progress)
    return MatchPool(state.program, state.people, embedder, inputs=state.inputs(),
                     today=max(date.today(), state.program.start_date), progress=progress)


@dataclass(frozen=True)
class Suggestions:
    """Suggestions for a program's mentees. `items` are the entries of the `match suggest`
    JSON shape, built as such by the engine: at 10,000 mentees an object per candidate and a
    conversion afterwards would double the time the shape takes to build."""

    program: str
    model: str
    items: list[dict[str, Any]]

    def keep(self, mentee_ids: set[str]) -> Suggestions:
        """Only these mentees' suggestions."""
        return Suggestions(self.program, self.model,
                           [s for s in self.items if s["mentee_id"] in mentee_ids])

    def json(self) -> dict[str, Any]:
        return {"program": self.program, "model": self.model, "suggestions": self.items}


def suggest(db: Database, program: str, embedder: Embedder, *, top: int = 5,
            mentee_id: str | None = None, progress: Progress | None = None,
            mentee_ids: Sequence[str] | None = None) -> Suggestions:
    """Top-`top` mentors per mentee: every mentee's, one's (`mentee_id`, which must be a
    mentee) or those of `mentee_ids` that are mentees (a page of a review queue)."""
    if not 1 <= top <= 50:
        raise BadInputError(f"top must be between 1 and 50, not {top}", field="top")
    with collector_paused():
        state = load_state(db, program)
        pool = build_pool(state, embedder, progress)
        if mentee_id is not None and mentee_id not in pool.mentee_index:
            if mentee_id in state.withdrawn:
                raise BadInputError(
                    f"'{mentee_id}' withdrew from {program} on "
                    f"{state.withdrawn[mentee_id]:%Y-%m-%d}: a withdrawn participant is not "
                    "matched again", field="mentee_id")
            if any(p.id == mentee_id for p in state.people):
                raise BadInputError(f"'{mentee_id}' is not a mentee in {program}",
                                    field="mentee_id")
            raise NotFoundError(f"no participant '{mentee_id}' in {program}")
        wanted = [mentee_id] if mentee_id is not None else None if mentee_ids is None else [
            m for m in dict.fromkeys(mentee_ids) if m in pool.mentee_index]
        items = pool.suggest_json(top, wanted) if wanted != [] else []
        if mentee_id is not None:
            _note_ended(items, state, mentee_id)
    return Suggestions(program, embedder.name, items)


def _note_ended(items: list[dict[str, Any]], state: ProgramState, mentee_id: str) -> None:
    """One mentee's suggestions say which former mentors are left out and why (a pairing
    that ended, a rejected pair): `excluded`, added to the item only when there are some."""
    why = {PairingStatus.closed: rules.ENDED_BEFORE,
           PairingStatus.rejected: rules.REJECTED_BEFORE}
    excluded: dict[str, str] = {}
    for p in state.pairings:
        if p.mentee_id == mentee_id and p.status in why:
            reason = why[p.status]
            if p.status is PairingStatus.closed and p.end_reason:
                reason += f" ({p.end_reason})"
            excluded.setdefault(p.mentor_id, reason)
    if excluded:
        for item in items:
            if item["mentee_id"] == mentee_id:
                item["excluded"] = [{"mentor_id": m, "reason": r}
                                    for m, r in sorted(excluded.items())]


_pauses = 0
_pause_lock = threading.Lock()
_collecting = True


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a large result is built.

    Suggestions for 10,000 mentees read 12,000 participants and create ~300,000 dicts and
    lists, none in a reference cycle; meanwhile a collection runs every few hundred
    allocations and the periodic full ones walk every live object (~0.4 s of a 4 s run).
    Reference counting frees memory as usual; only cycle detection waits until the block
    ends. Nested and concurrent uses are counted: the last one out restores the collector."""
    global _pauses, _collecting
    with _pause_lock:
        if _pauses == 0:
            _collecting = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _collecting:
                gc.enable()


@dataclass(frozen=True)
class Unassigned:
    mentee_id: str
    reason: str


@dataclass(frozen=True)
class AssignmentResult:
    """A whole-pool assignment: the new pending pairings, who stayed unassigned and why, and
    the pairings it kept (approved, active, locked)."""

    program: str
    objective: str
    solver: str
    assignments: list[Pairing]
    unassigned: list[Unassigned]
    kept: list[Pairing]
    fairness: FairnessReport | None = None
    """Coverage per group and the price of fairness, when a minimum coverage was asked for."""

    @property
    def total_score(self) -> float:
        return round(sum(p.score for p in self.assignments), 4)

    def json(self) -> dict[str, Any]:
        """The `match assign` JSON shape."""
        return {
            "program": self.program, "objective": self.objective, "solver": self.solver,
            "assignments": [{"mentee_id": p.mentee_id, "mentor_id": p.mentor_id,
                             "score": p.score, "status": p.status.value, "pairing_id": p.id,
                             "cohort": p.cohort, "components": p.components,
                             "reasons": p.reasons} for p in self.assignments],
            "unassigned": [{"mentee_id": u.mentee_id, "reason": u.reason}
                           for u in self.unassigned],
            "kept": [{"pairing_id": p.id, "mentee_id": p.mentee_id, "mentor_id": p.mentor_id,
                      "status": p.status.value, "locked": p.locked} for p in self.kept],
            "total_score": self.total_score,
        } | ({} if self.fairness is None else {"fairness": self.fairness.json()})


def assign(db: Database, program: str, embedder: Embedder, *,
           objective: Objective = "best_total", actor: str = "cli",
           progress: Progress | None = None,
           fairness: Fairness | None = None) -> AssignmentResult:
    """Whole-pool assignment: new pending pairings for everyone not already held, maximising
    total fit (or coverage first) under capacities and every hard rule.

    With `fairness`, at least its share of each group's mentees is placed wherever the pool
    allows (one-to-one style programs only), and the result reports the price of fairness
    against the same run without it."""
    from companion.matching.assign import solve_assignment
    from companion.matching.cohorts import form_group_cohorts, form_peer_groups

    if objective not in ("best_total", "most_matched"):
        raise BadInputError(f"unknown objective '{objective}': use best_total or most_matched",
                            field="objective")
    if fairness is not None:
        fairness = fairness.checked()
    state = load_state(db, program)
    if fairness is not None and state.program.type in (ProgramType.group, ProgramType.peer):
        raise BadInputError(
            f"a minimum coverage per {fairness.group_by} applies to one-to-one style programs; "
            f"{program} is a {state.program.type.value} program, whose cohorts are formed "
            "differently — run the assignment without it", field="fairness")
    pool = build_pool(state, embedder, progress)
    held = {p.mentee_id for p in state.holding()}
    if pool.program.type is ProgramType.peer:
        held |= {p.mentor_id for p in state.holding()}
    rows = np.array([i for i, m in enumerate(pool.mentees) if m.id not in held], dtype=np.int64)
    mentee_idx, mentor_idx, scores = pool.candidate_edges(rows, CANDIDATES_PER_MENTEE)
    spare = np.maximum(pool.capacity - pool.load, 0)
    proposals: list[tuple[int, int, str | None]] = []  # (mentee, mentor, cohort)
    solver = ""
    plan: fair.GroupPlan | None = None
    free = None  # the solution without minimums, to price them
    if pool.program.type is ProgramType.group:
        cohorts, _ = form_group_cohorts(len(pool.mentees), len(pool.mentors), mentee_idx,
                                        mentor_idx, scores,
                                        goal_similarity=pool.mentee_similarity())
        solver = "group-cohorts"
        for number, cohort in enumerate(cohorts, 1):
            proposals += [(i, cohort.mentor, f"cohort-{number}") for i in cohort.mentees]
    elif pool.program.type is ProgramType.peer:
        # Peers: an undirected graph over people; keep each pair once with its better score.
        keep = mentee_idx < mentor_idx
        swapped = ~keep & (mentee_idx != mentor_idx)
        i_idx = np.concatenate([mentee_idx[keep], mentor_idx[swapped]])
        j_idx = np.concatenate([mentor_idx[keep], mentee_idx[swapped]])
        both = np.concatenate([scores[keep], scores[swapped]])
        groups, _ = form_peer_groups(len(pool.mentees), i_idx, j_idx, both)
        solver = "peer-matching"
        for number, group in enumerate(groups, 1):
            first, *others = group.members
            proposals += [(other, first, f"peers-{number}") for other in others]
            # the first member is the pair's anchor; recorded as mentor of the others
    else:
        try:
            if fairness is not None:
                plan = fair.plan(fairness, pool.mentees, rows)
                free = solve_assignment(len(pool.mentees), spare, mentee_idx, mentor_idx,
                                        scores, objective=objective)
            result = solve_assignment(len(pool.mentees), spare, mentee_idx, mentor_idx, scores,
                                      objective=objective,
                                      groups=None if plan is None else plan.groups,
                                      minimums=None if plan is None else plan.minimums)
        except ValueError as exc:  # a pool beyond the solver's integer cost range
            raise BadInputError(str(exc), field="fairness" if fairness is not None
                                else "objective") from exc
        solver = result.solver
        proposals = [(i, j, None) for i, j, _ in result.pairs]

    score_of = {(int(i), int(j)): float(s) for i, j, s in zip(mentee_idx, mentor_idx, scores,
                                                           strict=True)}
    assigned = {i for i, _, _ in proposals} | (
        {j for _, j, _ in proposals} if pool.program.type is ProgramType.peer else set())
    pairings = _proposals(pool, proposals, score_of)
    seats = int(spare.sum())
    unassigned = [{"mentee_id": pool.mentees[i].id,
                   "reason": _unassigned_reason(pool, int(i), mentee_idx, len(rows), seats)}
                  for i in rows if int(i) not in assigned]
    if fairness is not None and free is not None:
        displaced = {i for i, _, _ in free.pairs} - assigned
        for u in unassigned:
            if pool.mentee_index[u["mentee_id"]] in displaced:
                u["reason"] = fair.displaced_reason(fairness)
    capacity = {m.id: int(c) for m, c in zip(pool.mentors, pool.capacity, strict=True)}
    with db.session(write=True) as session:
        programs = ProgramRepository(session)
        row = programs.row(program)
        # Every person of the program locked (PostgreSQL; SQLite: the write lock): decisions
        # made while the solver ran are all in, and none can land until this is written.
        ParticipantRepository(session, row.id).lock()
        repo = PairingRepository(session, row)
        replaced = repo.delete_pending()
        pairings, changed = _still_valid(repo, pool.program, pairings, capacity)
        unassigned += changed
        stored = repo.add_many(pairings)
        kept = [p for p in repo.live_of() if p.status is not PairingStatus.pending or p.locked]
        coverage = None
        if fairness is not None and plan is not None and free is not None:
            coverage = fair.report(fairness, plan, pool.mentees,
                                   {p.mentee_id for p in stored}, result.total_score,
                                   free.total_score, len(free.pairs))
        detail: dict[str, Any] = {"objective": objective, "proposed": len(stored),
                                  "unassigned": len(unassigned), "replaced": replaced,
                                  "kept": len(kept), "solver": solver,
                                  "changed_meanwhile": len(changed)}
        if coverage is not None:
            detail["fairness"] = coverage.audit()
        AuditLog(session).append(actor, "pairing.assign", "program", program, program=program,
                                 detail=detail)
    return AssignmentResult(program, objective, solver, stored,
                            [Unassigned(u["mentee_id"], u["reason"]) for u in unassigned],
                            kept, coverage)


def _still_valid(repo: PairingRepository, program: Program, proposals: list[Pairing],
                 capacity: dict[str, int]) -> tuple[list[Pairing], list[dict[str, str]]]:
    """The proposals that still keep every rule against the pairings as they are now (read
    under the transaction's locks), and a reason for each one dropped: a coordinator may have
    approved, locked or rejected something while the solver ran."""
    live = repo.live_of()
    taken = {p.mentee_id for p in live}
    load = Counter(p.mentor_id for p in live)
    anchors = {p.mentor_id for p in live}
    blocked = repo.blocks()
    rejected = {(p.mentee_id, p.mentor_id) for p in repo.list(BANNING)}
    peer = program.type is ProgramType.peer
    # group programs size their cohorts themselves; the others fill mentors' seats
    one_to_one = program.type not in (ProgramType.peer, ProgramType.group)
    kept: list[Pairing] = []
    dropped: list[dict[str, str]] = []
    for p in proposals:
        why = None
        if p.mentee_id in taken or (peer and p.mentee_id in anchors):
            why = "got a pairing while the assignment ran"
        elif (p.mentee_id, p.mentor_id) in blocked or (p.mentee_id, p.mentor_id) in rejected:
            why = f"{p.mentor_id} was excluded for them while the assignment ran"
        elif peer and p.mentor_id in taken:
            why = f"{p.mentor_id} joined another peer group while the assignment ran"
        elif one_to_one and load[p.mentor_id] >= capacity.get(p.mentor_id, 0):
            why = f"{p.mentor_id} filled up while the assignment ran"
        if why is not None:
            dropped.append({"mentee_id": p.mentee_id,
                            "reason": f"{why}; {rules.RUN_AGAIN}"})
            continue
        kept.append(p)
        taken.add(p.mentee_id)
        load[p.mentor_id] += 1
        anchors.add(p.mentor_id)
    return kept, dropped


def _proposals(pool: MatchPool, proposals: list[tuple[int, int, str | None]],
               score_of: dict[tuple[int, int], float]) -> list[Pairing]:
    """Pairings with components and reasons (exact scores of just the proposed pairs)."""
    if not proposals:
        return []
    mentee_idx = np.array([i for i, _, _ in proposals], dtype=np.int64)
    mentor_idx = np.array([j for _, j, _ in proposals], dtype=np.int64)
    total, parts = pool.score_pairs(mentee_idx, mentor_idx)
    pairings: list[Pairing] = []
    for k, (i, j, cohort) in enumerate(proposals):
        values = {name: round(float(v[k]), 4) for name, v in parts.items()}
        score = score_of.get((int(i), int(j)), float(total[k]))
        pairings.append(Pairing(
            id=new_pairing_id(), program=pool.program.name, mentee_id=pool.mentees[i].id,
            mentor_id=pool.mentors[j].id, score=round(score, 4), components=values,
            reasons=pool.reasons(int(i), int(j), values), cohort=cohort))
    return pairings


def _unassigned_reason(pool: MatchPool, i: int, mentee_idx: np.ndarray, to_place: int,
                       seats: int) -> str:
    if not np.any(mentee_idx == i):
        return pool.exclusion_summary(i)
    return rules.places_taken(to_place, seats)


def new_pairing_id() -> str:
    return f"pr-{uuid.uuid4().hex[:12]}"


def exclude_pair(db: Database, program: str, mentee_id: str, mentor_id: str, reason: str, *,
                 actor: str = "cli") -> bool:
    """Record a do-not-match pair (both people must exist). False if already recorded."""
    if not reason.strip():
        raise BadInputError("a reason is required for a do-not-match pair", field="reason")
    with db.session() as session:
        programs = ProgramRepository(session)
        row = programs.row(program)
        people = ParticipantRepository(session, row.id)
        for pid in (mentee_id, mentor_id):
            people.get(pid)
        added = PairingRepository(session, row).add_block(mentee_id, mentor_id, reason.strip(),
                                                           actor)
        if added:
            AuditLog(session).append(actor, "pairing.exclude", "pair",
                                     f"{mentee_id}:{mentor_id}", program=program,
                                     detail={"reason": reason.strip()})
    return added


@dataclass(frozen=True)
class ProgramReport:
    """Coverage, scores and breakdowns of one program (the `match report` JSON shape)."""

    program: str
    mentees: int
    coverage: dict[str, Any]
    rejected: int
    scores: dict[str, Any]
    by_department: list[dict[str, Any]]
    by_organization: list[dict[str, Any]]
    by_level: list[dict[str, Any]]
    unmatched: list[dict[str, str]]
    """Mentees without a live pairing, each with why: no goals to match on, or not paired
    yet (an assignment run places them, or says which rule keeps them out)."""

    def json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def report(db: Database, program: str) -> ProgramReport:
    """Coverage, score distribution and breakdowns by department, organisation and level."""
    state = load_state(db, program, all_pairings=True)
    peer = state.program.type is ProgramType.peer
    mentees = [p for p in state.people if peer or p.role.is_mentored]
    live = [p for p in state.pairings if p.status not in (PairingStatus.rejected,
                                                          PairingStatus.closed)]
    status_of: dict[str, str] = {}
    for p in live:
        rank = {"active": 3, "approved": 2, "pending": 1}
        if rank[p.status.value] > rank.get(status_of.get(p.mentee_id, ""), 0):
            status_of[p.mentee_id] = p.status.value
    scores = [p.score for p in live]
    counts = Counter(status_of.get(m.id, "unmatched") for m in mentees)

    def breakdown(key: str) -> list[dict[str, Any]]:
        groups: dict[str, list[Participant]] = {}
        for m in mentees:
            value = getattr(m, key)
            groups.setdefault("—" if value is None else str(value), []).append(m)
        rows = []
        for name, members in sorted(groups.items()):
            matched = [m for m in members if m.id in status_of]
            member_scores = [p.score for p in live if p.mentee_id in {m.id for m in members}]
            rows.append({key: name, "mentees": len(members), "matched": len(matched),
                         "coverage": round(len(matched) / len(members), 3),
                         "mean_score": round(float(np.mean(member_scores)), 3)
                         if member_scores else None})
        return rows

    return ProgramReport(
        program=program,
        mentees=len(mentees),
        coverage={
            "active": counts.get("active", 0), "approved": counts.get("approved", 0),
            "pending": counts.get("pending", 0), "unmatched": counts.get("unmatched", 0),
            "matched_share": round(1 - counts.get("unmatched", 0) / len(mentees), 3)
            if mentees else 0.0,
        },
        rejected=sum(p.status is PairingStatus.rejected for p in state.pairings),
        scores=_distribution(scores),
        by_department=breakdown("department"),
        by_organization=breakdown("organization"),
        by_level=breakdown("level"),
        unmatched=[{"mentee_id": m.id, "reason": _unmatched_reason(m, peer)}
                   for m in mentees if m.id not in status_of],
    )


def _unmatched_reason(mentee: Participant, peer: bool) -> str:
    """Why a mentee has no live pairing, as far as the report can tell without scoring (a
    peer without goals can still be matched on another peer's goals)."""
    if not peer and not goal_texts(mentee):
        return rules.NO_GOALS
    return rules.NOT_PAIRED_YET


def _distribution(scores: list[float]) -> dict[str, Any]:
    if not scores:
        return {"count": 0}
    values = np.array(scores)
    edges = [0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0001]
    hist, _ = np.histogram(values, bins=edges)
    labels = ["<0.4", "0.4-0.5", "0.5-0.6", "0.6-0.7", "0.7-0.8", "≥0.8"]
    return {"count": len(scores), "min": round(float(values.min()), 3),
            "p25": round(float(np.percentile(values, 25)), 3),
            "median": round(float(np.median(values)), 3),
            "p75": round(float(np.percentile(values, 75)), 3),
            "max": round(float(values.max()), 3),
            "histogram": dict(zip(labels, (int(h) for h in hist), strict=True))}
