"""Calendars: one session's .ics (the pair's), a person's feed link (created/rotated and
revoked by the person, or by a coordinator or admin for them), and the public feed itself at
/calendar/{secret}.ics — no Authorization header: the secret in the URL is the credential,
and a revoked or unknown one answers 404."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response
from fastapi import Path as PathParam

from companion.api.auth import PrincipalDep
from companion.api.deps import DatabaseDep, SettingsDep
from companion.api.schemas import Open
from companion.services import calendar

router = APIRouter(tags=["calendar"])
#: Outside /api/v1: calendar apps fetch it without a token header.
feed_router = APIRouter(tags=["calendar"])
SessionId = Annotated[str, PathParam(min_length=1, max_length=32)]
ParticipantId = Annotated[str, PathParam(min_length=1, max_length=64)]
Secret = Annotated[str, PathParam(min_length=1, max_length=200)]
ICS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {"schema": {"type": "string"}}},
          "description": "An iCalendar file (RFC 5545)"}}


class FeedLinkOut(Open):
    id: str
    participant_id: str
    program: str
    url: str
    created_at: str


class FeedStatusOut(Open):
    participant_id: str
    program: str
    live: bool
    revoked: int


def _ics(content: bytes, filename: str | None = None) -> Response:
    headers = {"Cache-Control": "private, no-store"}
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(content, media_type=calendar.MEDIA_TYPE, headers=headers)


@router.get("/sessions/{session_id}/ics", response_class=Response, responses=ICS,
            summary="One session as an .ics file (the pair's; METHOD:CANCEL once cancelled)")
def session_ics(session_id: SessionId, principal: PrincipalDep, db: DatabaseDep) -> Response:
    found = calendar.session_ics_as(db, principal, session_id)
    return _ics(found.content, found.filename)


@router.post("/participants/{participant_id}/calendar-token", status_code=201,
             response_model=FeedLinkOut,
             summary="Create the person's calendar feed URL (replaces any earlier one)")
def create_token(participant_id: ParticipantId, principal: PrincipalDep, db: DatabaseDep,
                 settings: SettingsDep) -> dict[str, Any]:
    return calendar.create_link_as(db, principal, participant_id,
                                   public_url=settings.public_url).json()


@router.get("/participants/{participant_id}/calendar-token", response_model=FeedStatusOut,
            summary="Whether the person has a live calendar feed URL (never the URL itself)")
def token_status(participant_id: ParticipantId, principal: PrincipalDep,
                 db: DatabaseDep) -> dict[str, Any]:
    return calendar.link_status_as(db, principal, participant_id).json()


@router.delete("/participants/{participant_id}/calendar-token", response_model=FeedStatusOut,
               summary="Revoke the person's calendar feed URL")
def revoke_token(participant_id: ParticipantId, principal: PrincipalDep,
                 db: DatabaseDep) -> dict[str, Any]:
    return calendar.revoke_links_as(db, principal, participant_id).json()


@feed_router.get("/calendar/{secret}.ics", response_class=Response, responses=ICS,
                 summary="A person's calendar feed (the secret in the URL is the credential)")
def feed(secret: Secret, db: DatabaseDep) -> Response:
    return _ics(calendar.feed_by_token(db, secret))
