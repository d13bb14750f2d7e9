"""Suggestions, assignment, pairings and their review."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi import Path as PathParam

from companion.api.auth import WITHHELD, Denied, PrincipalDep, forbidden, not_found
from companion.api.common import (
    AccessDep,
    EmbedderDep,
    IfMatch,
    access_to,
    etag,
    expected_version,
    people_of,
)
from companion.api.deps import DatabaseDep
from companion.api.schemas import (
    Assignments,
    AssignRequest,
    ExclusionRequest,
    PairingOut,
    PairingReview,
    Pairings,
    ReviewResult,
    Suggestions,
)
from companion.domain import PairingStatus
from companion.errors import NotFoundError
from companion.services import matching, pairings
from companion.services.redaction import redact_pairing, redact_suggestions

router = APIRouter(tags=["matching"])
PairingId = Annotated[str, PathParam(min_length=1, max_length=32)]


@router.get("/programs/{program}/suggestions", response_model=Suggestions,
            summary="Top-K mentors per mentee with scores, components and reasons")
def suggestions(access: AccessDep, db: DatabaseDep, embedder: EmbedderDep,
                mentee_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
                top: Annotated[int, Query(ge=1, le=50)] = 5) -> dict[str, Any]:
    access.require_coordinator("see match suggestions")
    people = people_of(db, access.program.name) if access.partner_coordinator else {}
    if mentee_id is not None and access.partner_coordinator and not access.own_org(
            people.get(mentee_id)):
        raise not_found(f"participant '{mentee_id}' in {access.program.name}",
                        reason="another organisation's mentee", program=access.program.name)
    result = matching.suggest(db, access.program.name, embedder, top=top,
                              mentee_id=mentee_id).json()
    if access.partner_coordinator:
        result["suggestions"] = [s for s in result["suggestions"]
                                 if access.own_org(people.get(s["mentee_id"]))]
    return redact_suggestions(access, result, people)


@router.post("/programs/{program}/assignments", response_model=Assignments,
             summary="Whole-pool assignment: new pending pairings for the coordinator to "
                     "review")
def assign(access: AccessDep, db: DatabaseDep, embedder: EmbedderDep,
           body: AssignRequest | None = None) -> dict[str, Any]:
    access.require_host_coordinator("run the assignment")
    objective = body.objective if body else "best_total"
    return matching.assign(db, access.program.name, embedder, objective=objective,
                           actor=access.principal.actor).json()


@router.post("/programs/{program}/exclusions", status_code=201,
             summary="Record a do-not-match pair (never suggested, never assigned)")
def exclude(access: AccessDep, db: DatabaseDep, body: ExclusionRequest) -> dict[str, Any]:
    access.require_host_coordinator("record do-not-match pairs")
    added = matching.exclude_pair(db, access.program.name, body.mentee_id, body.mentor_id,
                                  body.reason, actor=access.principal.actor)
    return {"program": access.program.name, "mentee_id": body.mentee_id,
            "mentor_id": body.mentor_id, "added": added}


@router.get("/programs/{program}/pairings", response_model=Pairings,
            summary="Pairings the caller may see (coordinators: all; participants: their "
                    "approved and active ones)")
def list_pairings(access: AccessDep, db: DatabaseDep,
                  status: Annotated[PairingStatus | None, Query()] = None,
                  limit: Annotated[int, Query(ge=1, le=20000)] = 1000,
                  offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    people = people_of(db, access.program.name)
    found = [p for p in pairings.list_pairings(db, access.program.name, status)
             if access.sees_pairing(p, people)]
    return {"program": access.program.name, "total": len(found),
            "pairings": [redact_pairing(access, access.pairing_view(p, people), people)
                         for p in found[offset:offset + limit]]}


def _visible_pairing(db: DatabaseDep, principal: PrincipalDep, pairing_id: str) -> Any:
    try:
        pairing = pairings.get_pairing(db, pairing_id)
    except NotFoundError:
        raise not_found(f"pairing '{pairing_id}'", reason="no such pairing") from None
    try:
        access = access_to(db, principal, pairing.program)
    except Denied:
        raise not_found(f"pairing '{pairing_id}'", reason="pairing in another program",
                        program=pairing.program) from None
    people = people_of(db, pairing.program, [pairing.mentee_id, pairing.mentor_id])
    if not access.sees_pairing(pairing, people):
        raise not_found(f"pairing '{pairing_id}'", reason="pairing not visible to the caller",
                        program=pairing.program)
    return pairing, access, people


@router.get("/pairings/{pairing_id}", response_model=PairingOut,
            summary="One pairing (ETag = its version, for If-Match)")
def get_pairing(pairing_id: PairingId, principal: PrincipalDep, db: DatabaseDep,
                response: Response) -> dict[str, Any]:
    pairing, access, people = _visible_pairing(db, principal, pairing_id)
    response.headers["ETag"] = etag(pairing.version)
    return redact_pairing(access, access.pairing_view(pairing, people), people)


@router.post("/pairings/{pairing_id}/review", response_model=ReviewResult,
             summary="Approve, reject (reason required), swap, lock or activate a pairing",
             responses={409: {"description": "Stale version or a decision the status does "
                              "not allow"},
                        428: {"description": "No version and no If-Match"}})
def review(pairing_id: PairingId, body: PairingReview, principal: PrincipalDep,
           db: DatabaseDep, embedder: EmbedderDep, response: Response,
           if_match: IfMatch = None) -> dict[str, Any]:
    pairing, access, people = _visible_pairing(db, principal, pairing_id)
    access.require_coordinator("decide pairings")
    if body.decision == "swap":
        access.require_host_coordinator("swap pairings")
    version = expected_version(body.version, if_match)
    if body.mentor_id is not None and access.partner_coordinator:
        raise forbidden("only the host organisation's coordinators can swap pairings")
    result = pairings.review(db, pairing_id, body.decision, by=principal.actor,
                             version=version, note=body.note, mentor_id=body.mentor_id,
                             with_pairing=body.with_pairing, embedder=embedder).json()
    response.headers["ETag"] = etag(result["pairing"]["version"])
    if access.partner_coordinator and result["pairing"]["mentee_id"] in people and \
            not access.own_org(people[result["pairing"]["mentee_id"]]):
        result["pairing"]["reasons"] = [WITHHELD]
    redact_pairing(access, result["pairing"], people)
    return result
