"""The caller (/me), their review queue, knowledge search, the audit log and tokens."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi import Path as PathParam

from companion.api.auth import PrincipalDep
from companion.api.common import EmbedderDep, access_to, partners_of, people_of
from companion.api.deps import DatabaseDep, SettingsDep
from companion.api.schemas import Queue, TokenCreate, TokenOut
from companion.domain import AccessRole, DraftStatus, PairingStatus
from companion.errors import NotFoundError
from companion.services import audit as audit_service
from companion.services import drafts as draft_service
from companion.services import pairings as pairing_service
from companion.services.access import issue_token_as, revoke_token_as, tokens_visible_to
from companion.services.programs import list_programs
from companion.services.redaction import redact_pairing

router = APIRouter()


@router.get("/me", tags=["me"], summary="Who the token speaks for, their profile and partners")
def me(principal: PrincipalDep, db: DatabaseDep) -> dict[str, Any]:
    data: dict[str, Any] = {
        "participant_id": principal.participant_id, "role": principal.role.value,
        "program": principal.program, "organization": principal.organization,
        "token_id": principal.token_id, "profile": None, "partners": []}
    if principal.program is not None and principal.role in (AccessRole.mentee,
                                                             AccessRole.mentor):
        access = access_to(db, principal, principal.program)
        partners = partners_of(db, principal.program, principal.participant_id).people
        people = people_of(db, principal.program, [principal.participant_id, *partners])
        person = people.get(principal.participant_id)
        data["profile"] = access.participant_view(person, partners) if person else None
        data["partners"] = [view for pid in sorted(partners) if pid in people
                            if (view := access.participant_view(people[pid], partners))]
    return data


@router.get("/me/queue", tags=["me"], response_model=Queue,
            summary="What waits for the caller's decision: pending pairings (coordinators) "
                    "and drafts they review")
def queue(principal: PrincipalDep, db: DatabaseDep,
          limit: Annotated[int, Query(ge=1, le=500)] = 100,
          offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> dict[str, Any]:
    names = ([p.name for p in list_programs(db)] if principal.role is AccessRole.admin
             else [principal.program] if principal.program else [])
    pairings: list[dict[str, Any]] = []
    for name in names:
        try:
            access = access_to(db, principal, name)
        except NotFoundError:  # the token's program was deleted
            continue
        if access.coordinator:
            people = people_of(db, name)
            pairings += [redact_pairing(access, access.pairing_view(p, people), people)
                         for p in pairing_service.list_pairings(db, name, PairingStatus.pending)
                         if access.sees_pairing(p, people)]
    try:
        page = draft_service.visible_drafts(db, principal, status=DraftStatus.pending_review,
                                            reviewing=True, limit=limit, offset=offset)
    except NotFoundError:  # the token's program was deleted
        page = draft_service.DraftPage([], 0, limit, offset)
    return {"pairings": pairings[offset:offset + limit],
            "drafts": [draft_service.draft_json(d) for d in page.drafts],
            "counts": {"pairings": len(pairings), "drafts": page.total},
            "limit": limit, "offset": offset}


@router.get("/knowledge/search", tags=["knowledge"],
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


@router.get("/audit", tags=["audit"],
            summary="The audit log (coordinators: their program; admin: everything)")
def audit(principal: PrincipalDep, db: DatabaseDep,
          program: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
          entity_type: Annotated[str | None, Query(max_length=32)] = None,
          entity_id: Annotated[str | None, Query(max_length=128)] = None,
          limit: Annotated[int, Query(ge=1, le=5000)] = 200) -> dict[str, Any]:
    events = audit_service.read_as(db, principal, program=program, entity_type=entity_type,
                                   entity_id=entity_id, limit=limit)
    return {"events": [e.model_dump(mode="json") for e in events]}


@router.post("/tokens", tags=["tokens"], status_code=201, response_model=TokenOut,
             summary="Issue a token (admins only: a token speaks for its holder, so nobody "
                     "else may mint one). The token is shown once.")
def create_token(body: TokenCreate, principal: PrincipalDep, db: DatabaseDep
                 ) -> dict[str, Any]:
    issued = issue_token_as(db, principal, participant_id=body.participant_id, role=body.role,
                            program=body.program, organization=body.organization,
                            days=body.days)
    return issued.json()


@router.get("/tokens", tags=["tokens"], summary="Tokens (never their secrets)")
def list_tokens(principal: PrincipalDep, db: DatabaseDep) -> dict[str, Any]:
    return {"tokens": [t.json() for t in tokens_visible_to(db, principal)]}


@router.delete("/tokens/{token_id}", tags=["tokens"],
               summary="Revoke a token (your own; a coordinator their program's; admin any)")
def revoke(token_id: Annotated[str, PathParam(min_length=1, max_length=32)],
           principal: PrincipalDep, db: DatabaseDep) -> dict[str, Any]:
    return revoke_token_as(db, principal, token_id).json()
