"""A program as its coordinator oversees it: phase and dates, coverage, what waits for a
decision, who is still unmatched and why, and the review queue with what each decision needs
(both people's profiles as the coordinator may see them and the mentee's runner-up mentor).
The faces only show these results; every access decision is taken here or below."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from companion.domain import AccessRole, Draft, DraftStatus, PairingStatus, Phase, Role
from companion.embeddings import Embedder
from companion.errors import hidden
from companion.services import drafts, matching, pairing_views, people_views
from companion.services.access import access_to
from companion.services.tokens import Principal
from companion.store import Database

__all__ = ["PhaseSpan", "ProgramOverview", "QueueItem", "QueuePage", "RunnerUp", "UnmatchedPerson",
           "overview_as", "require_oversight", "review_queue_as", "unmatched_as"]


def require_oversight(principal: Principal) -> None:
    """Only coordinators and admins oversee programs; to anyone else the oversight pages
    are hidden as if they did not exist (a mentee learns nothing from probing them)."""
    if principal.role not in (AccessRole.coordinator, AccessRole.admin):
        raise hidden("the program's oversight pages",
                     reason=f"oversight pages opened by a {principal.role.value}",
                     program=principal.program)


@dataclass(frozen=True)
class PhaseSpan:
    phase: Phase
    start: date
    end: date
    current: bool


@dataclass(frozen=True)
class UnmatchedPerson:
    """A mentee with no live pairing (pending, approved or active) and why."""

    mentee_id: str
    name: str
    reason: str


@dataclass(frozen=True)
class ProgramOverview:
    program: str
    type: str
    start: date
    end: date
    phase: Phase | None
    phases: list[PhaseSpan]
    coverage: dict[str, Any] | None
    """None for a partner organisation's coordinator (program-wide figures are the host's)."""
    mentees: int | None
    pending_pairings: int
    pending_drafts: list[Draft]
    pending_drafts_total: int
    unmatched: list[UnmatchedPerson] | None

    @property
    def matched(self) -> int:
        """Mentees with an approved or active pairing."""
        cov = self.coverage or {}
        return int(cov.get("approved", 0)) + int(cov.get("active", 0))


def unmatched_as(db: Database, principal: Principal, program: str, embedder: Embedder
                 ) -> list[UnmatchedPerson]:
    """Mentees without a live pairing, each with the reason no pairing holds them: the
    rules that exclude every mentor, eligible mentors all full, or free places waiting for
    the next assignment run."""
    access_to(db, principal, program).require_host_coordinator("see who is unmatched")
    state = matching.load_state(db, program, all_pairings=True)
    live = [p for p in state.pairings
            if p.status in (PairingStatus.pending, PairingStatus.approved, PairingStatus.active)]
    held = {p.mentee_id for p in live}
    pool = matching.build_pool(state, embedder)
    rows = np.array([i for i, m in enumerate(pool.mentees) if m.id not in held],
                    dtype=np.int64)
    if not len(rows):
        return []
    mentee_idx, mentor_idx, _ = pool.candidate_edges(rows, len(pool.mentors) or 1)
    # pending proposals do not hold a seat, but they are the places the last run handed out
    proposed = Counter(p.mentor_id for p in live if p.status is PairingStatus.pending
                       and not p.locked)
    free = {j: int(pool.capacity[j] - pool.load[j]) - proposed.get(m.id, 0)
            for j, m in enumerate(pool.mentors)}
    found = []
    for i in rows:
        mentee = pool.mentees[int(i)]
        eligible = [int(j) for j in mentor_idx[mentee_idx == i]]
        if not eligible:
            reason = (f"{pool.exclusion_summary(int(i))}; no assignment run can pair them "
                      "until a rule or someone's profile changes")
        elif any(free[j] > 0 for j in eligible):
            open_ = sum(1 for j in eligible if free[j] > 0)
            reason = (f"{open_} eligible mentor(s) have a free place: run the assignment to "
                      "propose a pairing")
        else:
            reason = (f"no eligible mentor with a free seat: the places of all {len(eligible)} "
                      "eligible mentor(s) are taken or proposed to other mentees; add "
                      "capacity or recruit a mentor")
        found.append(UnmatchedPerson(mentee.id, mentee.name, reason))
    return found


def overview_as(db: Database, principal: Principal, program: str, embedder: Embedder, *,
                today: date | None = None) -> ProgramOverview:
    """What a coordinator sees first: where the program stands and what needs them. A
    partner organisation's coordinator gets what waits for them, without the program-wide
    coverage and unmatched list (those are the host's)."""
    today = today or date.today()
    access = access_to(db, principal, program)
    access.require_coordinator("see the program overview")
    model = access.program
    pending = pairing_views.visible_pairings(db, principal, program,
                                             status=PairingStatus.pending, limit=0)
    waiting = drafts.visible_drafts(db, principal, program=program,
                                    status=DraftStatus.pending_review, reviewing=True,
                                    limit=20)
    host = not access.partner_coordinator
    report = people_views.report_as(db, principal, program) if host else None
    return ProgramOverview(
        program=program, type=model.type.value, start=model.start_date, end=model.end_date,
        phase=model.phase_on(today),
        phases=[PhaseSpan(w.phase, w.start, w.end, w.start <= today <= w.end)
                for w in model.phases],
        coverage=report.coverage if report else None,
        mentees=report.mentees if report else None, pending_pairings=pending.total,
        pending_drafts=waiting.drafts, pending_drafts_total=waiting.total,
        unmatched=unmatched_as(db, principal, program, embedder) if host else None)


@dataclass(frozen=True)
class RunnerUp:
    mentor_id: str
    name: str
    score: float
    reasons: list[str]


@dataclass(frozen=True)
class QueueItem:
    """A pending pairing with what its reviewer weighs: both people (as the reviewer may see
    them) and the mentee's best other mentor."""

    pairing: dict[str, Any]
    mentee: dict[str, Any]
    mentor: dict[str, Any]
    runner_up: RunnerUp | None
    alternatives: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class QueuePage:
    """One page of the review queue."""

    items: list[QueueItem]
    total: int
    offset: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        following = self.offset + len(self.items)
        return following if following < self.total else None

    @property
    def previous_offset(self) -> int | None:
        return max(0, self.offset - self.limit) if self.offset > 0 else None


def review_queue_as(db: Database, principal: Principal, program: str, embedder: Embedder, *,
                    limit: int = 20, offset: int = 0) -> QueuePage:
    """The program's pending pairings the principal may decide, a page at a time, ready to
    review."""
    access_to(db, principal, program).require_coordinator("review pairings")
    found = pairing_views.visible_pairings(db, principal, program,
                                           status=PairingStatus.pending, limit=limit,
                                           offset=offset)
    pending = found.pairings
    if not pending:
        return QueuePage([], found.total, offset, limit)
    people = {p["id"]: p for p in people_views.participants_as(db, principal, program)
              .participants}
    mentors = [p for p in people.values() if p.get("role") in (Role.mentor.value,
                                                                Role.both.value)]
    wanted = {p["mentee_id"] for p in pending}
    ranked: dict[str, list[dict[str, Any]]] = {}
    for entry in pairing_views.suggestions_as(db, principal, program, embedder, top=3,
                                              mentee_ids=sorted(wanted))["suggestions"]:
        if entry["mentee_id"] in wanted:
            ranked[entry["mentee_id"]] = entry["candidates"]
    items = []
    for p in pending:
        other = next((c for c in ranked.get(p["mentee_id"], [])
                      if c["mentor_id"] != p["mentor_id"]), None)
        runner = None if other is None else RunnerUp(
            other["mentor_id"], str(people.get(other["mentor_id"], {}).get("name", "")),
            float(other["score"]), list(other["reasons"]))
        items.append(QueueItem(
            p, people.get(p["mentee_id"], {"id": p["mentee_id"]}),
            people.get(p["mentor_id"], {"id": p["mentor_id"]}), runner,
            [m for m in mentors if m["id"] not in (p["mentor_id"], p["mentee_id"])]))
    return QueuePage(items, found.total, offset, limit)
