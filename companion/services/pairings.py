"""Coordinator review of pairings: approve, reject (with a reason), lock, activate, swap.

Every decision re-checks the hard rules (a coordinator cannot approve what the engine would
never suggest), uses optimistic concurrency (a stale version is a conflict, never a double
decision) and lands in the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import numpy as np

from companion.domain import Pairing, PairingStatus, Program, ProgramType
from companion.embeddings import Embedder
from companion.errors import BadInputError, ConflictError, NotFoundError, StaleVersionError
from companion.matching import rules
from companion.matching.constraints import pair_violation
from companion.services.matching import build_pool, load_state, new_pairing_id
from companion.store import (
    AuditLog,
    Database,
    PairingRepository,
    ParticipantRepository,
    ProgramRepository,
    Session,
)
from companion.store.tables import ProgramRow

Decision = Literal["approve", "reject", "lock", "activate", "swap"]
DECISIONS: tuple[str, ...] = ("approve", "reject", "lock", "activate", "swap")
_ALLOWED_FROM: dict[str, tuple[PairingStatus, ...]] = {
    "approve": (PairingStatus.pending,),
    "reject": (PairingStatus.pending, PairingStatus.approved),
    "lock": (PairingStatus.pending, PairingStatus.approved),
    "activate": (PairingStatus.approved,),
    "swap": (PairingStatus.pending, PairingStatus.approved),
}


def _program_of(session: Session, pairing_id: str) -> ProgramRow:
    return PairingRepository.of_pairing(session, pairing_id).program


def get_pairing(db: Database, pairing_id: str) -> Pairing:
    with db.session() as session:
        return PairingRepository(session, _program_of(session, pairing_id)).get(pairing_id)


def list_pairings(db: Database, program: str, status: PairingStatus | None = None
                  ) -> list[Pairing]:
    with db.session() as session:
        row = ProgramRepository(session).row(program)
        return PairingRepository(session, row).list(None if status is None else [status])


def pairing_keys(db: Database, program: str, status: PairingStatus | None = None
                 ) -> list[tuple[datetime, str]]:
    """(created_at, id) of the program's pairings (in `status`), oldest first."""
    with db.session() as session:
        row = ProgramRepository(session).row(program)
        return PairingRepository(session, row).keys(None if status is None else [status])


def pairings_by_ids(db: Database, program: str, ids: Iterable[str]) -> list[Pairing]:
    """The program's pairings among `ids`, oldest first."""
    with db.session() as session:
        row = ProgramRepository(session).row(program)
        return PairingRepository(session, row).by_ids(ids)


@dataclass(frozen=True)
class ReviewOutcome:
    """A decision's result: the decided pairing and any pairing a swap created."""

    pairing: Pairing
    created: list[Pairing] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        return {"pairing": self.pairing.model_dump(mode="json"),
                "created": [p.model_dump(mode="json") for p in self.created]}


def review(db: Database, pairing_id: str, decision: str, *, by: str,
           version: int | None = None, note: str | None = None, mentor_id: str | None = None,
           with_pairing: str | None = None, embedder: Embedder | None = None
           ) -> ReviewOutcome:
    """Apply a coordinator's decision. Every hard rule is checked in the transaction that
    applies it, with the mentor's and mentee's rows locked (PostgreSQL) or the database's
    write lock held (SQLite): two approvals at the same instant cannot both take a mentor's
    last seat."""
    if decision not in DECISIONS:
        raise BadInputError(f"unknown decision '{decision}': use {', '.join(DECISIONS)}",
                            field="decision")
    note = (note or "").strip() or None
    if decision == "reject" and note is None:
        raise BadInputError("a reason is required to reject a pairing", field="note")
    if decision == "swap":
        if embedder is None:
            raise BadInputError("swap needs the embedder to score the new pairing")
        return _swap(db, pairing_id, version, by=by, note=note, mentor_id=mentor_id,
                     with_pairing=with_pairing, embedder=embedder)
    with db.session(write=True) as session:
        program = _program_of(session, pairing_id)
        repo = PairingRepository(session, program)
        current = repo.get(pairing_id)
        people = ParticipantRepository(session, program.id)
        if decision == "approve":
            people.lock([current.mentee_id, current.mentor_id])
            current = repo.get(pairing_id)  # as it is now that the locks are held
        expected = _check_decision(current, decision, version)
        if decision == "approve":
            _check_rules(session, program, current)
        status = {"approve": PairingStatus.approved, "reject": PairingStatus.rejected,
                  "activate": PairingStatus.active}.get(decision, current.status)
        decided = repo.decide(pairing_id, expected_version=expected, status=status, by=by,
                              note=note or current.note,
                              locked=True if decision == "lock" else None)
        AuditLog(session).append(by, f"pairing.{decision}", "pairing", pairing_id,
                                 program=current.program, detail={
                                     "mentee_id": current.mentee_id,
                                     "mentor_id": current.mentor_id,
                                     "from": current.status.value, "to": decided.status.value,
                                     "version": decided.version, "note": note})
    return ReviewOutcome(decided)


def _check_decision(current: Pairing, decision: str, version: int | None) -> int:
    expected = current.version if version is None else version
    if expected != current.version:
        raise StaleVersionError(
            f"pairing '{current.id}' is at version {current.version}, not "
            f"{expected} ({current.status}); reload and decide again")
    if current.status not in _ALLOWED_FROM[decision]:
        allowed = " or ".join(s.value for s in _ALLOWED_FROM[decision])
        raise ConflictError(f"cannot {decision} pairing '{current.id}': it is {current.status}"
                            f" (only {allowed} pairings can be {_past(decision)})")
    return expected


def _past(decision: str) -> str:
    return {"approve": "approved", "reject": "rejected", "lock": "locked",
            "activate": "activated", "swap": "swapped"}[decision]


def _check_rules(session: Session, program: ProgramRow, pairing: Pairing, *,
                 mentor_id: str | None = None, ignore: set[str] | None = None) -> None:
    """Raise ConflictError when the (possibly new) pair breaks a hard rule now. Reads only
    what the rules need, inside the caller's transaction, after the caller locked the pair."""
    model = ProgramRepository(session).get(program.name)
    people = ParticipantRepository(session, program.id)
    repo = PairingRepository(session, program)
    mentor_id = mentor_id or pairing.mentor_id
    try:
        mentee, mentor = people.get(pairing.mentee_id), people.get(mentor_id)
    except NotFoundError:
        raise NotFoundError(f"no participant '{mentor_id}' in {pairing.program}") from None
    skip = {pairing.id} | (ignore or set())
    load = sum(1 for p in repo.seat_holders(mentor_id) if p.id not in skip)
    rejected = ({(mentee.id, mentor_id)} if mentor_id != pairing.mentor_id
                and repo.was_rejected(mentee.id, mentor_id, ignore=skip) else set())
    blocked = {k: v for k, v in repo.blocks().items() if k == (mentee.id, mentor_id)}
    violation = pair_violation(model, mentee, mentor, managers=people.managers(),
                               mentor_load=load, blocked=blocked, rejected=rejected)
    withdrawn = people.withdrawn()
    if violation is None and {mentee.id, mentor_id} & withdrawn.keys():
        violation = f"{sorted({mentee.id, mentor_id} & withdrawn.keys())[0]} withdrew from " \
            "the program"
    if violation is None and repo.was_rejected(mentee.id, mentor_id, ignore=skip,
                                               statuses=(PairingStatus.closed,)):
        violation = rules.ENDED_BEFORE
    if violation is None:
        violation = _live_rule(model, repo, mentee.id, mentor_id, skip)
    if violation is not None:
        raise ConflictError(f"pairing {pairing.mentee_id} ↔ {mentor_id} breaks a hard rule: "
                            f"{violation}")


def _live_rule(program: Program, repo: PairingRepository, mentee_id: str, mentor_id: str,
               skip: set[str]) -> str | None:
    """At most one live pairing per mentee (every program type); in a peer program a person
    is in one group only, as its anchor or as a member."""
    others = [p for p in repo.live_of([mentee_id]) if p.id not in skip]
    if others:
        return f"{mentee_id} already has a live pairing ({others[0].id}, {others[0].status})"
    if program.type is ProgramType.peer:
        anchor = [p for p in repo.live_of(mentor_ids=[mentee_id]) if p.id not in skip]
        member = [p for p in repo.live_of([mentor_id]) if p.id not in skip]
        if anchor:
            return f"{mentee_id} already anchors a peer group ({anchor[0].id})"
        if member:
            return f"{mentor_id} is already a member of a peer group ({member[0].id})"
    return None


def _swap(db: Database, pairing_id: str, version: int | None, *, by: str, note: str | None,
          mentor_id: str | None, with_pairing: str | None, embedder: Embedder
          ) -> ReviewOutcome:
    if (mentor_id is None) == (with_pairing is None):
        raise BadInputError("swap needs exactly one of: a new mentor (mentor_id) or another "
                            "pairing to exchange mentors with (with_pairing)", field="mentor_id")
    current = get_pairing(db, pairing_id)
    _check_decision(current, "swap", version)
    plan = _swap_plan(db, current, mentor_id, with_pairing)
    # Scores and reasons need the whole pool: computed before the transaction, from a state
    # the transaction then re-checks (versions and every rule) under its locks.
    state = load_state(db, current.program)
    pool = build_pool(state, embedder)
    created: list[Pairing] = []
    for old, new_mentor in plan:
        if new_mentor not in pool.mentor_index:
            raise NotFoundError(f"no mentor '{new_mentor}' in {current.program}")
        i, j = pool.mentee_index[old.mentee_id], pool.mentor_index[new_mentor]
        _, parts = pool.score_pairs(np.array([i]), np.array([j]))
        values = {name: round(float(v[0]), 4) for name, v in parts.items()}
        # the plain weighted score: a swap is a coordinator's choice, so no rule mask here
        score = float(pool.weighted({n: np.array([v]) for n, v in values.items()})[0])
        created.append(Pairing(
            id=new_pairing_id(), program=old.program, mentee_id=old.mentee_id,
            mentor_id=new_mentor, score=round(score, 4),
            components=values, reasons=pool.reasons(i, j, values), cohort=old.cohort,
            note=f"swapped in for {old.mentor_id} by {by}"))
    with db.session(write=True) as session:
        program = _program_of(session, current.id)
        repo = PairingRepository(session, program)
        ParticipantRepository(session, program.id).lock(
            {pid for old, new_mentor in plan for pid in (old.mentee_id, old.mentor_id,
                                                          new_mentor)})
        ignore = {p.id for p, _ in plan}
        fresh = [(repo.get(old.id), new_mentor) for old, new_mentor in plan]
        for (old, _), (now, _) in zip(plan, fresh, strict=True):
            expected = old.version if old.id != current.id or version is None else version
            _check_decision(now, "swap", expected)
        for now, new_mentor in fresh:
            _check_rules(session, program, now, mentor_id=new_mentor, ignore=ignore)
        log = AuditLog(session)
        for (old, _), new in zip(fresh, created, strict=True):
            reason = f"swapped: replaced by {new.mentor_id}" + (f" — {note}" if note else "")
            repo.decide(old.id, expected_version=old.version, status=PairingStatus.rejected,
                        by=by, note=reason)
            stored = repo.add(new)
            log.append(by, "pairing.swap", "pairing", old.id, program=old.program, detail={
                "mentee_id": old.mentee_id, "from_mentor": old.mentor_id,
                "to_mentor": new.mentor_id, "new_pairing": stored.id, "note": note})
        result = repo.get(current.id)
    return ReviewOutcome(result, created)


def _swap_plan(db: Database, current: Pairing, mentor_id: str | None,
               with_pairing: str | None) -> list[tuple[Pairing, str]]:
    if with_pairing is not None:
        other = get_pairing(db, with_pairing)
        if other.program != current.program or other.id == current.id:
            raise BadInputError("swap partner must be another pairing in the same program",
                                field="with_pairing")
        if other.status not in _ALLOWED_FROM["swap"]:
            raise ConflictError(f"cannot swap with pairing '{other.id}': it is {other.status}")
        return [(current, other.mentor_id), (other, current.mentor_id)]
    assert mentor_id is not None
    if mentor_id == current.mentor_id:
        raise BadInputError(f"{mentor_id} is already the mentor of this pairing",
                            field="mentor_id")
    return [(current, mentor_id)]
