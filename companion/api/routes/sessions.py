"""Mentoring sessions of a pairing: schedule, list, read, reschedule, cancel, mark held.
Who may see and do what is `services.session_views`; a change needs the version it was made
on (body `version` or If-Match), as pairing and draft decisions do."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from pydantic import Field

from companion.api.auth import PrincipalDep
from companion.api.common import IfMatch, ProgramName, etag, expected_version
from companion.api.deps import DatabaseDep
from companion.api.paging import PageRequest, link_next, page_params
from companion.api.schemas import MAX_VERSION, Body, Open, PageMeta
from companion.domain.relationship import SESSION_MINUTES, SessionFormat
from companion.services import session_views as views

router = APIRouter(tags=["sessions"])
PairingId = Annotated[str, PathParam(min_length=1, max_length=32)]
SessionId = Annotated[str, PathParam(min_length=1, max_length=32)]
SessionsPage = Annotated[PageRequest, Depends(page_params(1000, 5000))]
_VERSION = Field(None, ge=1, le=MAX_VERSION, strict=True,
                 description="The version you changed; or send If-Match with the ETag.")
_AT = Field(min_length=1, max_length=64, description="ISO 8601 start; without an offset it "
            "is your own time zone's wall-clock time (or `timezone`'s).")
_MINUTES = Field(None, ge=SESSION_MINUTES[0], le=SESSION_MINUTES[1],
                 description="Length; default: the program's session length.")
_ZONE = Field(None, min_length=1, max_length=64, description="IANA zone of `at`.")
_WHERE = Field(None, max_length=500, description="Room, address or meeting link.")


class SessionRequest(Body):
    at: str = _AT
    minutes: int | None = _MINUTES
    format: SessionFormat | None = None
    location: str | None = _WHERE
    timezone: str | None = _ZONE
    agenda_draft_id: str | None = Field(None, min_length=1, max_length=32)


class RescheduleRequest(Body):
    at: str = _AT
    minutes: int | None = _MINUTES
    format: SessionFormat | None = None
    location: str | None = _WHERE
    timezone: str | None = _ZONE
    version: int | None = _VERSION


class CancelRequest(Body):
    reason: str | None = Field(None, max_length=2000)
    version: int | None = _VERSION


class DoneRequest(Body):
    notes: str | None = Field(None, max_length=20_000, description="The pair's private notes.")
    action_items: list[Annotated[str, Field(max_length=500)]] | None = Field(None,
                                                                             max_length=100)
    version: int | None = _VERSION


class SessionOut(Open):
    id: str
    pairing_id: str
    starts_at: str
    minutes: int
    status: str
    version: int


class SessionsOut(PageMeta):
    sessions: list[SessionOut]


def _answer(view: views.SessionView, response: Response) -> dict[str, Any]:
    response.headers["ETag"] = etag(view.session.version)
    return view.json()


@router.post("/pairings/{pairing_id}/sessions", status_code=201, response_model=SessionOut,
             summary="Schedule a session (a start that has passed logs it as held)")
def schedule(pairing_id: PairingId, body: SessionRequest, principal: PrincipalDep,
             db: DatabaseDep, response: Response) -> dict[str, Any]:
    return _answer(views.schedule_as(db, principal, pairing_id, body.at, minutes=body.minutes,
                                     format=body.format, location=body.location,
                                     timezone=body.timezone,
                                     agenda_draft_id=body.agenda_draft_id), response)


@router.get("/programs/{program}/sessions", response_model=SessionsOut,
            summary="Sessions the caller may see (the pair: with notes; coordinators: status "
                    "and dates)")
def list_sessions(program: ProgramName, principal: PrincipalDep, db: DatabaseDep,
                  page: SessionsPage, request: Request, response: Response,
                  pairing_id: Annotated[str | None, Query(min_length=1, max_length=32)] = None,
                  participant_id: Annotated[str | None, Query(min_length=1,
                                                              max_length=64)] = None
                  ) -> dict[str, Any]:
    found = views.list_as(db, principal, program, pairing_id=pairing_id,
                          participant_id=participant_id, page=page)
    link_next(request, response, found.page)
    return found.json()


@router.get("/sessions/{session_id}", response_model=SessionOut,
            summary="One session (ETag = its version, for If-Match)")
def get_session(session_id: SessionId, principal: PrincipalDep, db: DatabaseDep,
                response: Response) -> dict[str, Any]:
    return _answer(views.get_as(db, principal, session_id), response)


@router.post("/sessions/{session_id}/reschedule", response_model=SessionOut,
             summary="Move a scheduled session (its iCalendar SEQUENCE goes up)")
def reschedule(session_id: SessionId, body: RescheduleRequest, principal: PrincipalDep,
               db: DatabaseDep, response: Response, if_match: IfMatch = None
               ) -> dict[str, Any]:
    views.get_as(db, principal, session_id)  # 404 before 428
    version = expected_version(body.version, if_match)
    return _answer(views.reschedule_as(db, principal, session_id, body.at, version=version,
                                       minutes=body.minutes, format=body.format,
                                       location=body.location, timezone=body.timezone),
                   response)


@router.post("/sessions/{session_id}/cancel", response_model=SessionOut,
             summary="Cancel a scheduled session")
def cancel(session_id: SessionId, principal: PrincipalDep, db: DatabaseDep,
           response: Response, body: CancelRequest | None = None, if_match: IfMatch = None
           ) -> dict[str, Any]:
    views.get_as(db, principal, session_id)
    body = body or CancelRequest()
    version = expected_version(body.version, if_match)
    return _answer(views.cancel_as(db, principal, session_id, version=version,
                                   reason=body.reason), response)


@router.post("/sessions/{session_id}/done", response_model=SessionOut,
             summary="Record a session as held, with the pair's notes and action items")
def done(session_id: SessionId, principal: PrincipalDep, db: DatabaseDep,
         response: Response, body: DoneRequest | None = None, if_match: IfMatch = None
         ) -> dict[str, Any]:
    views.get_as(db, principal, session_id)
    body = body or DoneRequest()
    version = expected_version(body.version, if_match)
    return _answer(views.done_as(db, principal, session_id, version=version,
                                 notes=body.notes, action_items=body.action_items), response)
