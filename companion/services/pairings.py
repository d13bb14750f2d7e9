"""Coordinator review of pairings: approve, reject (with a reason), lock, activate, swap.

Every decision re-checks the hard rules (a coordinator cannot approve what the engine would
never suggest), uses optimistic concurrency (a stale version is a conflict, never a double
decision) and lands in the audit log."""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.domain import Pairing, PairingStatus
from companion.embeddings import Embedder
from companion.errors import BadInputError, ConflictError, NotFoundError
from companion.matching.constraints import pair_violation
from companion.services.matching import build_pool, load_state, new_pairing_id
from companion.store import AuditLog, Database, PairingRepository, ProgramRepository
from companion.store.tables import PairingRow, ProgramRow

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
    row = session.scalar(select(ProgramRow).join(
        PairingRow, PairingRow.program_id == ProgramRow.id).where(PairingRow.id == pairing_id))
    if row is None:
        raise NotFoundError(f"no pairing '{pairing_id}'")
    return row


def get_pairing(db: Database, pairing_id: str) -> Pairing:
    with db.session() as session:
        return PairingRepository(session, _program_of(session, pairing_id)).get(pairing_id)


def list_pairings(db: Database, program: str, status: PairingStatus | None = None
                  ) -> list[Pairing]:
    with db.session() as session:
        row = ProgramRepository(session).row(program)
        return PairingRepository(session, row).list(None if status is None else [status])


def review(db: Database, pairing_id: str, decision: str, *, by: str,
           version: int | None = None, note: str | None = None, mentor_id: str | None = None,
           with_pairing: str | None = None, embedder: Embedder | None = None
           ) -> dict[str, Any]:
    """Apply a coordinator's decision. Returns {"pairing": ..., "created": [...]}."""
    if decision not in DECISIONS:
        raise BadInputError(f"unknown decision '{decision}': use {', '.join(DECISIONS)}",
                            field="decision")
    current = get_pairing(db, pairing_id)
    expected = current.version if version is None else version
    if expected != current.version:
        raise ConflictError(f"pairing '{pairing_id}' is at version {current.version}, not "
                            f"{expected} ({current.status}); reload and decide again")
    if current.status not in _ALLOWED_FROM[decision]:
        allowed = " or ".join(s.value for s in _ALLOWED_FROM[decision])
        raise ConflictError(f"cannot {decision} pairing '{pairing_id}': it is {current.status}"
                            f" (only {allowed} pairings can be {_past(decision)})")
    note = (note or "").strip() or None
    if decision == "reject" and note is None:
        raise BadInputError("a reason is required to reject a pairing (--reason / note)",
                            field="note")
    if decision == "swap":
        if embedder is None:
            raise BadInputError("swap needs the embedder to score the new pairing")
        return _swap(db, current, expected, by=by, note=note, mentor_id=mentor_id,
                     with_pairing=with_pairing, embedder=embedder)
    if decision == "approve":
        _check_rules(db, current)
    status = {"approve": PairingStatus.approved, "reject": PairingStatus.rejected,
              "activate": PairingStatus.active}.get(decision, current.status)
    with db.session() as session:
        repo = PairingRepository(session, _program_of(session, pairing_id))
        decided = repo.decide(pairing_id, expected_version=expected, status=status, by=by,
                              note=note or current.note,
                              locked=True if decision == "lock" else None)
        AuditLog(session).append(by, f"pairing.{decision}", "pairing", pairing_id,
                                 program=current.program, detail={
                                     "mentee_id": current.mentee_id,
                                     "mentor_id": current.mentor_id,
                                     "from": current.status.value, "to": decided.status.value,
                                     "version": decided.version, "note": note})
    return {"pairing": decided.model_dump(mode="json"), "created": []}


def _past(decision: str) -> str:
    return {"approve": "approved", "reject": "rejected", "lock": "locked",
            "activate": "activated", "swap": "swapped"}[decision]


def _check_rules(db: Database, pairing: Pairing, *, mentor_id: str | None = None,
                 ignore: set[str] | None = None) -> None:
    """Raise ConflictError when the (possibly new) pair breaks a hard rule now."""
    state = load_state(db, pairing.program)
    people = {p.id: p for p in state.people}
    mentor_id = mentor_id or pairing.mentor_id
    if mentor_id not in people:
        raise NotFoundError(f"no participant '{mentor_id}' in {pairing.program}")
    skip = {pairing.id} | (ignore or set())
    load = Counter(p.mentor_id for p in state.holding() if p.id not in skip)
    inputs = state.inputs()
    rejected = inputs.rejected - ({(pairing.mentee_id, mentor_id)} if mentor_id ==
                                  pairing.mentor_id else set())
    violation = pair_violation(
        state.program, people[pairing.mentee_id], people[mentor_id],
        managers={p.id: p.manager_id for p in state.people}, mentor_load=load[mentor_id],
        blocked=state.blocked, rejected=rejected)
    if violation is not None:
        raise ConflictError(f"pairing {pairing.mentee_id} ↔ {mentor_id} breaks a hard rule: "
                            f"{violation}")


def _swap(db: Database, current: Pairing, expected: int, *, by: str, note: str | None,
          mentor_id: str | None, with_pairing: str | None, embedder: Embedder
          ) -> dict[str, Any]:
    if (mentor_id is None) == (with_pairing is None):
        raise BadInputError("swap needs exactly one of: a new mentor (mentor_id) or another "
                            "pairing to exchange mentors with (with_pairing)", field="mentor_id")
    other: Pairing | None = None
    if with_pairing is not None:
        other = get_pairing(db, with_pairing)
        if other.program != current.program or other.id == current.id:
            raise BadInputError("swap partner must be another pairing in the same program",
                                field="with_pairing")
        if other.status not in _ALLOWED_FROM["swap"]:
            raise ConflictError(f"cannot swap with pairing '{other.id}': it is {other.status}")
        plan = [(current, other.mentor_id), (other, current.mentor_id)]
    else:
        assert mentor_id is not None
        if mentor_id == current.mentor_id:
            raise BadInputError(f"{mentor_id} is already the mentor of this pairing",
                                field="mentor_id")
        plan = [(current, mentor_id)]
    ignore = {p.id for p, _ in plan}
    for old, new_mentor in plan:
        _check_rules(db, old, mentor_id=new_mentor, ignore=ignore)
    state = load_state(db, current.program)
    pool = build_pool(state, embedder)
    created: list[Pairing] = []
    for old, new_mentor in plan:
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
    with db.session() as session:
        repo = PairingRepository(session, _program_of(session, current.id))
        log = AuditLog(session)
        for old, new in zip([p for p, _ in plan], created, strict=True):
            version = expected if old.id == current.id else old.version
            reason = f"swapped: replaced by {new.mentor_id}" + (f" — {note}" if note else "")
            repo.decide(old.id, expected_version=version, status=PairingStatus.rejected,
                        by=by, note=reason)
            stored = repo.add(new)
            log.append(by, "pairing.swap", "pairing", old.id, program=old.program, detail={
                "mentee_id": old.mentee_id, "from_mentor": old.mentor_id,
                "to_mentor": new.mentor_id, "new_pairing": stored.id, "note": note})
        result = repo.get(current.id)
    return {"pairing": result.model_dump(mode="json"),
            "created": [p.model_dump(mode="json") for p in created]}

