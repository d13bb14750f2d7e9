"""Drafts: request (idempotent with Idempotency-Key), list, read, review."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi import Path as PathParam

from companion.api.auth import PrincipalDep
from companion.api.common import IfMatch, ProgramName, etag, expected_version
from companion.api.deps import DatabaseDep, SettingsDep
from companion.api.outputs import DraftVersionsOut
from companion.api.paging import PageRequest, link_next, page_params
from companion.api.schemas import DraftOut, DraftRequest, DraftReview, DraftReviewOut, Drafts
from companion.domain import DraftStatus
from companion.services import draft_jobs
from companion.services import drafts as service

router = APIRouter(tags=["drafts"])
DraftId = Annotated[str, PathParam(min_length=1, max_length=32)]
DraftsPage = Annotated[PageRequest, Depends(page_params(100, service.MAX_PAGE))]


PreferHeader = Annotated[str | None, Header(
    alias="Prefer", max_length=200,
    description="`wait=N` (RFC 7240): wait up to N seconds (at most 60) for the draft to be "
                "written; 201 with the written draft if it was, 202 otherwise.")]
MAX_WAIT = 60.0


def _wait_seconds(prefer: str | None) -> float | None:
    """N of a `Prefer: wait=N` header (None without one; a bad one is ignored, as RFC 7240
    asks of preferences a server does not understand)."""
    for part in (prefer or "").replace(";", ",").split(","):
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "wait":
            try:
                return max(0.0, min(float(value.strip()), MAX_WAIT))
            except ValueError:
                return None
    return None


@router.post("/programs/{program}/drafts", status_code=202, response_model=DraftOut,
             summary="Request a draft (agenda, questions, goals, framework): 202 with the draft "
                     "`drafting` (its `stage` says where it is); poll its Location, or send "
                     "`Prefer: wait=N`. Once written it waits for the requester's review",
             responses={200: {"description": "A retry with the same Idempotency-Key: the "
                              "draft the first request made"},
                        201: {"description": "With `Prefer: wait=N`: the draft was written "
                              "within N seconds"},
                        429: {"description": "Too many drafts requested in the last hour"}})
def request_draft(program: ProgramName, principal: PrincipalDep, body: DraftRequest,
                  db: DatabaseDep, settings: SettingsDep, response: Response,
                  idempotency_key: Annotated[str | None, Header(
                      alias="Idempotency-Key", max_length=200,
                      description="Send the same key on a retry to get the same draft.")
                  ] = None, prefer: PreferHeader = None) -> dict[str, Any]:
    outcome = draft_jobs.submit_request(
        db, settings, principal, program=program, kind=body.kind,
        participant_id=body.participant_id, topic=body.topic, partner_id=body.partner_id,
        idempotency_key=idempotency_key)
    draft = outcome.draft
    wait = _wait_seconds(prefer)
    if wait is not None:
        draft = draft_jobs.wait_for(db, draft.id, wait)
        response.headers["Preference-Applied"] = f"wait={wait:g}"
    response.headers["Location"] = f"/api/v1/drafts/{draft.id}"
    if outcome.replayed:
        response.status_code = 200
        response.headers["Idempotency-Replayed"] = "true"
    elif draft.status is not DraftStatus.drafting:
        response.status_code = 201
    else:
        response.headers["Retry-After"] = "1"
    response.headers["ETag"] = etag(draft.version)
    return service.draft_json(draft)


@router.get("/drafts", response_model=Drafts,
            summary="Drafts the caller may see, a page at a time: their own (any status) and "
                    "the approved ones bound to their own pairings; coordinators see their "
                    "program's approved drafts")
def list_drafts(principal: PrincipalDep, db: DatabaseDep, page: DraftsPage, request: Request,
                response: Response,
                program: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
                participant_id: Annotated[str | None, Query(min_length=1,
                                                            max_length=64)] = None,
                status: Annotated[DraftStatus | None, Query()] = None) -> dict[str, Any]:
    found = service.visible_drafts(db, principal, program=program,
                                   participant_id=participant_id, status=status, page=page)
    link_next(request, response, found.next_cursor)
    return {"drafts": [service.draft_json(d) for d in found.drafts], **found.meta()}


@router.get("/drafts/{draft_id}", response_model=DraftOut,
            summary="One draft (ETag = its version, for If-Match)")
def get_draft(draft_id: DraftId, principal: PrincipalDep, db: DatabaseDep,
              response: Response) -> dict[str, Any]:
    draft, _ = service.visible_draft(db, principal, draft_id)
    response.headers["ETag"] = etag(draft.version)
    return service.draft_json(draft)


@router.get("/drafts/{draft_id}/versions", response_model=DraftVersionsOut,
            summary="Every version of a draft with its diff, author and note (the reviewer's "
                    "and admins' only)")
def versions(draft_id: DraftId, principal: PrincipalDep, db: DatabaseDep) -> dict[str, Any]:
    draft, found = service.visible_versions(db, principal, draft_id)
    return {"draft_id": draft.id, "versions": [v.model_dump(mode="json") for v in found]}


@router.post("/drafts/{draft_id}/review", response_model=DraftReviewOut,
             summary="Approve, edit (a new version) or reject with feedback: the redraft is "
                     "written in the background (202, the draft `drafting`; `Prefer: wait=N` "
                     "waits for it)",
             responses={202: {"description": "A rejection with a note: the draft is being "
                              "redrafted with it"},
                        409: {"description": "Stale version, or the draft is not pending"},
                        428: {"description": "No version and no If-Match"}})
def review(draft_id: DraftId, body: DraftReview, principal: PrincipalDep, db: DatabaseDep,
           settings: SettingsDep, response: Response, if_match: IfMatch = None,
           prefer: PreferHeader = None) -> dict[str, Any]:
    draft, access = service.visible_draft(db, principal, draft_id)
    service.require_reviewer(draft, access)  # 404 / 403 before any 428 about versions
    version = expected_version(body.version, if_match)
    outcome = draft_jobs.submit_review(db, settings, principal, draft_id, body.decision,
                                       version=version, note=body.note, content=body.content)
    decided = outcome.draft
    if decided.status is DraftStatus.drafting:
        wait = _wait_seconds(prefer)
        if wait is not None:
            decided = draft_jobs.wait_for(db, draft_id, wait)
            response.headers["Preference-Applied"] = f"wait={wait:g}"
        if decided.status is DraftStatus.drafting:
            response.status_code = 202
            response.headers["Retry-After"] = "1"
            response.headers["Location"] = f"/api/v1/drafts/{draft_id}"
    response.headers["ETag"] = etag(decided.version)
    return {**service.draft_json(decided), "warnings": outcome.warnings}
