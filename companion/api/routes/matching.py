"""Suggestions, assignment, pairings and their review."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from pydantic import Field

from companion.api.auth import PrincipalDep
from companion.api.common import EmbedderDep, IfMatch, ProgramName, etag, expected_version
from companion.api.deps import DatabaseDep
from companion.api.outputs import ExclusionOut, WithdrawalOut
from companion.api.paging import PageRequest, link_next, page_params
from companion.api.schemas import (
    MAX_VERSION,
    Assignments,
    AssignRequest,
    Body,
    ExclusionRequest,
    PairingOut,
    PairingReview,
    Pairings,
    ReviewResult,
    Suggestions,
)
from companion.domain import PairingStatus
from companion.services import closing
from companion.services import pairing_views as views
from companion.services.fairness import Fairness

router = APIRouter(tags=["matching"])
PairingId = Annotated[str, PathParam(min_length=1, max_length=32)]
ParticipantId = Annotated[str, PathParam(min_length=1, max_length=64)]
PairingsPage = Annotated[PageRequest, Depends(page_params(1000, 20000))]


@router.get("/programs/{program}/suggestions", response_model=Suggestions,
            summary="Top-K mentors per mentee with scores, components and reasons")
def suggestions(program: ProgramName, principal: PrincipalDep, db: DatabaseDep,
                embedder: EmbedderDep,
                mentee_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
                top: Annotated[int, Query(ge=1, le=50)] = 5) -> dict[str, Any]:
    return views.suggestions_as(db, principal, program, embedder, top=top,
                                mentee_id=mentee_id)


@router.post("/programs/{program}/assignments", response_model=Assignments,
             summary="Whole-pool assignment: new pending pairings for the coordinator to "
                     "review")
def assign(program: ProgramName, principal: PrincipalDep, db: DatabaseDep,
           embedder: EmbedderDep, body: AssignRequest | None = None) -> dict[str, Any]:
    fairness = None if body is None or body.fairness is None else Fairness(
        body.fairness.group_by, body.fairness.min_share)
    return views.assign_as(db, principal, program, embedder,
                           objective=body.objective if body else "best_total",
                           fairness=fairness).json()


@router.post("/programs/{program}/exclusions", status_code=201, response_model=ExclusionOut,
             summary="Record a do-not-match pair (never suggested, never assigned)")
def exclude(program: ProgramName, principal: PrincipalDep, db: DatabaseDep,
            body: ExclusionRequest) -> dict[str, Any]:
    added = views.exclude_as(db, principal, program, body.mentee_id, body.mentor_id,
                             body.reason)
    return {"program": program, "mentee_id": body.mentee_id, "mentor_id": body.mentor_id,
            "added": added}


@router.get("/programs/{program}/pairings", response_model=Pairings,
            summary="Pairings the caller may see (coordinators: all; participants: their "
                    "approved and active ones)")
def list_pairings(program: ProgramName, principal: PrincipalDep, db: DatabaseDep,
                  page: PairingsPage, request: Request, response: Response,
                  status: Annotated[PairingStatus | None, Query()] = None) -> dict[str, Any]:
    found = views.visible_pairings(db, principal, program, status=status, page=page)
    link_next(request, response, found.page)
    return found.json()


@router.get("/pairings/{pairing_id}", response_model=PairingOut,
            summary="One pairing (ETag = its version, for If-Match)")
def get_pairing(pairing_id: PairingId, principal: PrincipalDep, db: DatabaseDep,
                response: Response) -> dict[str, Any]:
    seen = views.visible_pairing(db, principal, pairing_id)
    response.headers["ETag"] = etag(seen.pairing.version)
    return seen.json()


@router.post("/pairings/{pairing_id}/review", response_model=ReviewResult,
             summary="Approve, reject (reason required), swap, lock or activate a pairing",
             responses={409: {"description": "Stale version or a decision the status does "
                              "not allow"},
                        428: {"description": "No version and no If-Match"}})
def review(pairing_id: PairingId, body: PairingReview, principal: PrincipalDep,
           db: DatabaseDep, embedder: EmbedderDep, response: Response,
           if_match: IfMatch = None) -> dict[str, Any]:
    seen = views.visible_pairing(db, principal, pairing_id)
    views.require_decider(seen.access, body.decision, mentor_id=body.mentor_id)  # before 428
    version = expected_version(body.version, if_match)
    result = views.review_as(db, principal, pairing_id, body.decision, version=version,
                             note=body.note, mentor_id=body.mentor_id,
                             with_pairing=body.with_pairing, embedder=embedder)
    response.headers["ETag"] = etag(result["pairing"]["version"])
    return result


class PairingEnd(Body):
    reason: str = Field(min_length=1, max_length=32,
                        description="completed | no_fault | withdrawn. The pair may leave "
                        "with no_fault during the trial period; coordinators end with any.")
    note: str | None = Field(None, max_length=2000,
                             description="Why, for the coordinators (the pair read the "
                             "reason, not the note).")
    version: int | None = Field(None, ge=1, le=MAX_VERSION, strict=True,
                                description="The version you ended; or send If-Match with "
                                "the pairing's ETag.")


class WithdrawRequest(Body):
    reason: str | None = Field(None, max_length=2000)


@router.post("/pairings/{pairing_id}/end", response_model=PairingOut,
             summary="End a pairing (status closed; its future sessions are cancelled)",
             responses={403: {"description": "A member of the pair after the trial period, "
                              "or with a reason other than no_fault"},
                        409: {"description": "Stale version, or not approved or active"},
                        428: {"description": "No version and no If-Match"}})
def end_pairing(pairing_id: PairingId, body: PairingEnd, principal: PrincipalDep,
                db: DatabaseDep, response: Response, if_match: IfMatch = None
                ) -> dict[str, Any]:
    views.visible_pairing(db, principal, pairing_id)  # 404 before 428
    version = expected_version(body.version, if_match)
    ended = closing.end_as(db, principal, pairing_id, body.reason, version=version,
                           note=body.note)
    response.headers["ETag"] = etag(ended["version"])
    return ended


@router.post("/programs/{program}/participants/{participant_id}/withdraw",
             response_model=WithdrawalOut,
             summary="Withdraw a participant: their pairings end (withdrawn), pending "
                     "proposals are rejected, and they are never matched again")
def withdraw(program: ProgramName, participant_id: ParticipantId, principal: PrincipalDep,
             db: DatabaseDep, body: WithdrawRequest | None = None) -> dict[str, Any]:
    return closing.withdraw_as(db, principal, program, participant_id,
                               reason=body.reason if body else None).json()
