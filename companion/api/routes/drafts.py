"""Drafts: request (idempotent with Idempotency-Key), list, read, review."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from fastapi import Path as PathParam

from companion.api.auth import Access, Denied, PrincipalDep, forbidden, not_found
from companion.api.common import (
    AccessDep,
    DraftDepsDep,
    IfMatch,
    access_to,
    etag,
    expected_version,
    partners_of,
    people_of,
)
from companion.api.deps import DatabaseDep, SettingsDep
from companion.api.schemas import DraftOut, DraftRequest, DraftReview, Drafts
from companion.domain import AccessRole, Draft, DraftStatus
from companion.errors import ConflictError, NotFoundError
from companion.services import drafts as service
from companion.services import idempotency
from companion.services.tokens import Principal
from companion.store import Database

router = APIRouter(tags=["drafts"])
DraftId = Annotated[str, PathParam(min_length=1, max_length=32)]


@router.post("/programs/{program}/drafts", status_code=201, response_model=DraftOut,
             summary="Request a draft (agenda, questions, goals, framework); it waits for "
                     "the requester's review",
             responses={200: {"description": "A retry with the same Idempotency-Key: the "
                              "draft the first request made"}})
def request_draft(access: AccessDep, body: DraftRequest, db: DatabaseDep,
                  settings: SettingsDep, deps: DraftDepsDep, response: Response,
                  idempotency_key: Annotated[str | None, Header(
                      alias="Idempotency-Key", max_length=200,
                      description="Send the same key on a retry to get the same draft.")
                  ] = None) -> dict[str, Any]:
    participant_id = body.participant_id or access.me
    if not access.coordinator and participant_id != access.me:
        raise forbidden("mentees and mentors request drafts for themselves only",
                        program=access.program.name)
    if access.partner_coordinator and not access.own_org(
            people_of(db, access.program.name, [participant_id]).get(participant_id)):
        raise not_found(f"participant '{participant_id}' in {access.program.name}",
                        reason="another organisation's participant",
                        program=access.program.name)
    draft_id = service.new_draft_id()
    principal = access.principal
    if idempotency_key is not None:
        earlier = idempotency.claim(db, f"{principal.token_id}:{principal.participant_id}",
                                    idempotency_key,
                                    {"program": access.program.name, **body.model_dump(
                                        mode="json"), "participant_id": participant_id},
                                    draft_id)
        if earlier is not None:
            try:
                draft = service.get_draft(db, earlier)
            except NotFoundError:
                raise ConflictError("the first request with this Idempotency-Key is still "
                                    "being drafted; retry in a moment") from None
            response.status_code = 200
            response.headers["Idempotency-Replayed"] = "true"
            response.headers["ETag"] = etag(draft.version)
            return service.draft_json(draft)
    try:
        draft = service.request_draft(
            db, settings, program=access.program.name, kind=body.kind,
            participant_id=participant_id, topic=body.topic, partner_id=body.partner_id,
            requested_by=access.reviewer_name, deps=deps, draft_id=draft_id)
    except Exception:
        if idempotency_key is not None:
            try:
                service.get_draft(db, draft_id)
            except NotFoundError:  # nothing was made: a retry may run again
                idempotency.release(db, f"{principal.token_id}:{principal.participant_id}",
                                    idempotency_key)
        raise
    response.headers["Location"] = f"/api/v1/drafts/{draft.id}"
    response.headers["ETag"] = etag(draft.version)
    return service.draft_json(draft)


def _visible(db: Database, principal: Principal, draft_id: str) -> tuple[Draft, Access]:
    try:
        draft = service.get_draft(db, draft_id)
    except NotFoundError:
        raise not_found(f"draft '{draft_id}'", reason="no such draft") from None
    try:
        access = access_to(db, principal, draft.program)
    except Denied:
        raise not_found(f"draft '{draft_id}'", reason="draft in another program",
                        program=draft.program) from None
    partners = set() if access.coordinator else partners_of(db, draft.program, access.me)
    owner = people_of(db, draft.program, [draft.participant_id]).get(draft.participant_id) \
        if access.partner_coordinator else None
    if not access.sees_draft(draft, partners, owner):
        raise not_found(f"draft '{draft_id}'", reason="draft not visible to the caller",
                        program=draft.program)
    return draft, access


@router.get("/drafts", response_model=Drafts,
            summary="Drafts the caller may see: their own (any status) and approved ones of "
                    "their pairings; coordinators see their program's approved drafts")
def list_drafts(principal: PrincipalDep, db: DatabaseDep,
                program: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
                participant_id: Annotated[str | None, Query(min_length=1,
                                                            max_length=64)] = None,
                status: Annotated[DraftStatus | None, Query()] = None) -> dict[str, Any]:
    if principal.role is not AccessRole.admin:
        if program is not None and program != principal.program:
            raise not_found(f"program '{program}'", reason="program outside the token's scope")
        program = principal.program
    # a missing program is a NotFoundError (404) from the service
    found = service.list_drafts(db, program=program, participant_id=participant_id,
                                status=status)
    shown = []
    cache: dict[str, tuple[Access, set[str], dict[str, Any]]] = {}
    for draft in found:
        if draft.program not in cache:
            access = access_to(db, principal, draft.program)
            cache[draft.program] = (
                access, set() if access.coordinator else partners_of(db, draft.program,
                                                                     access.me),
                people_of(db, draft.program) if access.partner_coordinator else {})
        access, partners, people = cache[draft.program]
        if access.sees_draft(draft, partners, people.get(draft.participant_id)):
            shown.append(service.draft_json(draft))
    return {"drafts": shown}


@router.get("/drafts/{draft_id}", response_model=DraftOut,
            summary="One draft (ETag = its version, for If-Match)")
def get_draft(draft_id: DraftId, principal: PrincipalDep, db: DatabaseDep,
              response: Response) -> dict[str, Any]:
    draft, _ = _visible(db, principal, draft_id)
    response.headers["ETag"] = etag(draft.version)
    return service.draft_json(draft)


@router.get("/drafts/{draft_id}/versions",
            summary="Every version of a draft with its diff, author and note")
def versions(draft_id: DraftId, principal: PrincipalDep, db: DatabaseDep) -> dict[str, Any]:
    draft, _ = _visible(db, principal, draft_id)
    return {"draft_id": draft.id, "versions": [
        {**v, "created_at": v["created_at"].isoformat() if v.get("created_at") else None}
        for v in service.draft_versions(db, draft_id)]}


@router.post("/drafts/{draft_id}/review", response_model=DraftOut,
             summary="Approve, edit (a new version) or reject with feedback (redrafts)",
             responses={409: {"description": "Stale version, or the draft is not pending"},
                        428: {"description": "No version and no If-Match"}})
def review(draft_id: DraftId, body: DraftReview, principal: PrincipalDep, db: DatabaseDep,
           settings: SettingsDep, deps: DraftDepsDep, response: Response,
           if_match: IfMatch = None) -> dict[str, Any]:
    draft, access = _visible(db, principal, draft_id)
    if not access.is_reviewer(draft):
        raise forbidden("only the draft's reviewer can decide it", program=draft.program)
    version = expected_version(body.version, if_match)
    decided = service.review_draft(db, settings, draft_id, body.decision,
                                   by=access.reviewer_name,
                                   version=version, note=body.note, content=body.content,
                                   deps=deps)
    response.headers["ETag"] = etag(decided.version)
    return service.draft_json(decided)
