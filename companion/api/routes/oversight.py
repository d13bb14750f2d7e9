"""Health, the program dashboard, the HR export and notifications. Who sees what is
`services.oversight_views`: the host's coordinators the figures, each participant their own
notices."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam

from companion.api.auth import PrincipalDep
from companion.api.common import ProgramName
from companion.api.deps import DatabaseDep
from companion.api.outputs import DashboardOut, NoticeReadOut, NoticesOut, PairingHealthOut
from companion.api.paging import PageRequest, link_next, page_params
from companion.domain.clock import Clock, FixedClock
from companion.errors import BadInputError
from companion.services import oversight_views as views

router = APIRouter(tags=["health and dashboard"])
Now = Annotated[str | None, Query(max_length=40, description="Evaluate as of this ISO date "
                                  "or time (UTC); default now.")]
NoticesPage = Annotated[PageRequest, Depends(page_params(views.LISTED, 500))]
_MEDIA = {"csv": "text/csv; charset=utf-8",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _clock(now: str | None) -> Clock | None:
    if now is None:
        return None
    try:
        at = datetime.fromisoformat(now)
    except ValueError:
        raise BadInputError(f"now must be an ISO date or time; got '{now}'",
                            field="now") from None
    return FixedClock(at if at.tzinfo else at.replace(tzinfo=UTC))


@router.get("/programs/{program}/pairing-health", response_model=PairingHealthOut,
            summary="Each approved or active pairing: too_early, on_track, needs_checkin or "
                    "at_risk, with days since the last session")
def health(program: ProgramName, principal: PrincipalDep, db: DatabaseDep, now: Now = None
           ) -> dict[str, Any]:
    return views.health_as(db, principal, program, clock=_clock(now)).json()


@router.get("/programs/{program}/dashboard", response_model=DashboardOut,
            summary="Coverage, meetings per pair per month, pairs by health, goals, check-ins "
                    "and breakdowns (aggregates only)")
def dashboard(program: ProgramName, principal: PrincipalDep, db: DatabaseDep,
              now: Now = None) -> dict[str, Any]:
    return views.dashboard_as(db, principal, program, clock=_clock(now)).json()


@router.get("/programs/{program}/export.{fmt}", summary="One row per pairing for HR "
            "(CSV or XLSX; no notes, goal statements or check-in comments)",
            response_class=Response, responses={200: {
                "description": "The file", "content": {
                    media: {"schema": {"type": "string", "format": "binary"}}
                    for media in _MEDIA.values()}}})
def export(program: ProgramName, fmt: Literal["csv", "xlsx"], principal: PrincipalDep,
           db: DatabaseDep) -> Response:
    content = views.export_as(db, principal, program, fmt)
    return Response(content, media_type=_MEDIA[fmt], headers={
        "Content-Disposition": f'attachment; filename="pairings.{fmt}"'})


@router.get("/programs/{program}/notifications", response_model=NoticesOut,
            summary="Your notifications (nudges); for coordinators, the queue of pairs that "
                    "need them")
def notifications(program: ProgramName, principal: PrincipalDep, db: DatabaseDep,
                  page: NoticesPage, request: Request, response: Response,
                  unread: bool = False) -> dict[str, Any]:
    found = views.notifications_as(db, principal, program, unread=unread, page=page)
    link_next(request, response, found.page)
    return found.json()


@router.post("/programs/{program}/notifications/{notice_id}/read",
             response_model=NoticeReadOut,
             summary="Mark one of your notifications read")
def read(program: ProgramName, notice_id: Annotated[int, PathParam(ge=1, le=2**62)],
         principal: PrincipalDep, db: DatabaseDep) -> dict[str, Any]:
    return {"id": notice_id, "changed": views.mark_read_as(db, principal, program, notice_id)}
