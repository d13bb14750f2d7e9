"""The caller (/me), their review queue, knowledge search, the audit log and tokens."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam

from companion.api.auth import PrincipalDep
from companion.api.common import EmbedderDep
from companion.api.deps import DatabaseDep, SettingsDep
from companion.api.outputs import AuditEventsOut, MeOut, SearchOut, TokenRecordOut, TokensOut
from companion.api.paging import PageRequest, link_next, page_params
from companion.api.schemas import Queue, TokenCreate, TokenOut
from companion.services import audit as audit_service
from companion.services import pairing_views, people_views
from companion.services.access import issue_token_as, revoke_token_as, tokens_page

router = APIRouter()
QueuePage = Annotated[PageRequest, Depends(page_params(100, 500))]
AuditPage = Annotated[PageRequest, Depends(page_params(200, 5000))]
TokensPage = Annotated[PageRequest, Depends(page_params(100, 1000))]


@router.get("/me", tags=["me"], response_model=MeOut,
            summary="Who the token speaks for, their profile and partners")
def me(principal: PrincipalDep, db: DatabaseDep) -> dict[str, Any]:
    return people_views.me(db, principal)


@router.get("/me/queue", tags=["me"], response_model=Queue,
            summary="What waits for the caller's decision: pending pairings (coordinators) "
                    "and drafts they review")
def queue(principal: PrincipalDep, db: DatabaseDep, page: QueuePage, request: Request,
          response: Response) -> dict[str, Any]:
    found = pairing_views.review_queue(db, principal, page=page)
    link_next(request, response, found["next_cursor"])
    return found


@router.get("/knowledge/search", tags=["knowledge"], response_model=SearchOut,
            summary="Search the program guidelines (passages, best first)")
def knowledge_search(principal: PrincipalDep, settings: SettingsDep, embedder: EmbedderDep,
                     q: Annotated[str, Query(min_length=1, max_length=500,
                                             description="What to look for.")],
                     top: Annotated[int, Query(ge=1, le=20)] = 5,
                     phase: Annotated[str | None, Query(max_length=20)] = None,
                     kind: Annotated[str | None, Query(max_length=40)] = None
                     ) -> dict[str, Any]:
    from companion.retrieval import search

    where = {k: v for k, v in {"phase": phase, "kind": kind}.items() if v}
    found = search(settings, embedder, q, top=top, where=where or None)
    return {"query": q, "results": [p.model_dump(mode="json") for p in found]}


@router.get("/audit", tags=["audit"], response_model=AuditEventsOut,
            summary="The audit log, newest first (coordinators: their program; admin: "
                    "everything)")
def audit(principal: PrincipalDep, db: DatabaseDep, page: AuditPage, request: Request,
          response: Response,
          program: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
          entity_type: Annotated[str | None, Query(max_length=32)] = None,
          entity_id: Annotated[str | None, Query(max_length=128)] = None) -> dict[str, Any]:
    found = audit_service.read_page_as(db, principal, page, program=program,
                                       entity_type=entity_type, entity_id=entity_id)
    link_next(request, response, found)
    return {"events": [e.model_dump(mode="json") for e in found.items], **found.meta()}


@router.post("/tokens", tags=["tokens"], status_code=201, response_model=TokenOut,
             summary="Issue a token (admins only: a token speaks for its holder, so nobody "
                     "else may mint one). The token is shown once.")
def create_token(body: TokenCreate, principal: PrincipalDep, db: DatabaseDep
                 ) -> dict[str, Any]:
    issued = issue_token_as(db, principal, participant_id=body.participant_id, role=body.role,
                            program=body.program, organization=body.organization,
                            days=body.days)
    return issued.json()


@router.get("/tokens", tags=["tokens"], response_model=TokensOut,
            summary="Tokens (never their secrets), oldest first")
def list_tokens(principal: PrincipalDep, db: DatabaseDep, page: TokensPage, request: Request,
                response: Response) -> dict[str, Any]:
    found = tokens_page(db, principal, page)
    link_next(request, response, found)
    return {"tokens": [t.json() for t in found.items], **found.meta()}


@router.delete("/tokens/{token_id}", tags=["tokens"], response_model=TokenRecordOut,
               summary="Revoke a token (your own; a coordinator their program's; admin any)")
def revoke(token_id: Annotated[str, PathParam(min_length=1, max_length=32)],
           principal: PrincipalDep, db: DatabaseDep) -> dict[str, Any]:
    return revoke_token_as(db, principal, token_id).json()
