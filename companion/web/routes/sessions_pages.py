"""Sessions pages: the mentee's and the mentor's sessions (next one first, in their own time
zone), planning, moving, cancelling, recording a session held with the pair's private notes
and action items, each session's .ics and the calendar feed link; the coordinator's
per-pairing meeting record (dates and counts, never notes). Every rule is in
`services.session_views` and `services.calendar`."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from companion.api.deps import DatabaseDep, SettingsDep
from companion.domain import AccessRole
from companion.domain.clock import SystemClock
from companion.domain.relationship import SESSION_MINUTES, SessionFormat, SessionStatus, local_time
from companion.errors import AccessDenied, BadInputError, CompanionError, ConflictError, hidden
from companion.services import calendar, pairings, session_views
from companion.services.access import people_of
from companion.services.web_auth import WebSession
from companion.web.render import flash, page
from companion.web.routes.coordinator import Program, _ctx, _overseer
from companion.web.session import Posted, Session

if TYPE_CHECKING:
    from companion.store import Database

router = APIRouter(include_in_schema=False)
FORMATS = (("video", "Video call"), ("in_person", "In person"), ("phone", "Phone call"))
#: Service field names → the form field that shows the error.
_AT_FIELDS = {"at": "date", "timezone": "date"}


def _pair_member(web: WebSession) -> str:
    principal = web.principal
    if principal.role not in (AccessRole.mentee, AccessRole.mentor) or not principal.program:
        raise hidden("the sessions page", reason="not a mentee or mentor",
                     program=principal.program)
    return principal.program


def _when(at: datetime, zone_name: str | None) -> str:
    return local_time(at, zone_name).strftime("%a %d %b %Y, %H:%M")


def _home(db: Database, web: WebSession, program: str) -> dict[str, Any]:
    principal = web.principal
    me = principal.participant_id
    now = SystemClock().now()
    mine = [p for p in pairings.list_pairings(db, program)
            if me in (p.mentee_id, p.mentor_id) and p.status in session_views.PAIR_SEES]
    people = people_of(db, program, {pid for p in mine for pid in (p.mentee_id, p.mentor_id)}
                       | {me})
    my_zone = people[me].timezone if me in people else None
    views = session_views.list_as(db, principal, program, participant_id=me).sessions
    rows: list[dict[str, Any]] = []
    for view in views:
        s = view.session
        pairing = next(p for p in mine if p.id == s.pairing_id)
        partner_id = pairing.mentor_id if me == pairing.mentee_id else pairing.mentee_id
        partner = people.get(partner_id)
        rows.append({"s": s, "when": _when(s.starts_at, my_zone),
                     "partner": (partner.name if partner and partner.name else partner_id),
                     "partner_when": _when(s.starts_at, partner.timezone if partner else None),
                     "partner_zone": (partner.timezone if partner else None) or "UTC",
                     "past": s.starts_at <= now,
                     "date": local_time(s.starts_at, my_zone).strftime("%Y-%m-%d"),
                     "time": local_time(s.starts_at, my_zone).strftime("%H:%M"),
                     "actions": "\n".join(s.action_items)})
    upcoming = [r for r in rows if r["s"].status is SessionStatus.scheduled and not r["past"]]
    meeting = [p for p in mine if p.status in session_views.MEETING_STATUSES]
    return {"program": program, "rows": list(reversed(rows)),
            "next": upcoming[0] if upcoming else None, "zone": my_zone or "UTC",
            "pairings": [{"id": p.id, "partner": _partner_name(p, me, people)} for p in meeting],
            "formats": FORMATS, "minutes_range": SESSION_MINUTES,
            "feed": calendar.link_status_as(db, principal, me),
            "form": {}, "errors": {}}


def _partner_name(pairing: Any, me: str, people: dict[str, Any]) -> str:
    pid = pairing.mentor_id if me == pairing.mentee_id else pairing.mentee_id
    person = people.get(pid)
    return person.name if person is not None and person.name else pid


def _refused(request: Request, db: Database, web: WebSession, program: str,
             exc: CompanionError, form: dict[str, Any], target: str) -> Response:
    """The page again with the error at its field (a bad value, a stale version, a session
    not started yet), what was typed kept: never a 500."""
    field = getattr(exc, "field", None) or "form"
    field = _AT_FIELDS.get(field, field)
    status = 409 if isinstance(exc, ConflictError) else (
        exc.status if isinstance(exc, AccessDenied) else 422)
    context = {**_home(db, web, program), "form": {**form, "target": target},
               "errors": {field: str(getattr(exc, "detail", None) or exc)}}
    return page(request, "participant/sessions.html", context, status=status)


@router.get("/sessions", response_class=HTMLResponse)
def sessions_page(request: Request, web: Session, db: DatabaseDep) -> Response:
    program = _pair_member(web)
    return page(request, "participant/sessions.html", _home(db, web, program))


def _number(text: str, field: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise BadInputError(f"{field} must be a whole number of minutes, not '{text[:20]}'",
                            field=field) from None


def _start(date: str, time: str) -> str:
    if not date.strip():
        raise BadInputError("choose the session's date", field="date")
    if not time.strip():
        raise BadInputError("choose the session's start time", field="time")
    return f"{date.strip()}T{time.strip()}"


@router.post("/sessions/schedule", response_class=HTMLResponse)
def schedule(request: Request, web: Posted, db: DatabaseDep, pairing_id: str = Form(""),
             date: str = Form(""), time: str = Form(""), minutes: str = Form(""),
             format: str = Form("video"), location: str = Form("")) -> Response:
    program = _pair_member(web)
    form = {"pairing_id": pairing_id, "date": date, "time": time, "minutes": minutes,
            "format": format, "location": location}
    try:
        zone_name = _home_zone(db, web, program)
        if format not in {f.value for f in SessionFormat}:
            raise BadInputError(f"choose a format: {', '.join(f for f, _ in FORMATS)}",
                                field="format")
        made = session_views.schedule_as(db, web.principal, pairing_id, _start(date, time),
                                         minutes=_number(minutes, "minutes"), format=format,
                                         location=location, timezone=zone_name)
    except CompanionError as exc:
        return _refused(request, db, web, program, exc, form, "schedule")
    said = "Session logged as held." if made.session.status is SessionStatus.held else \
        "Session scheduled."
    return flash(RedirectResponse("/sessions", status_code=303), said)


def _home_zone(db: Database, web: WebSession, program: str) -> str | None:
    me = web.principal.participant_id
    person = people_of(db, program, [me]).get(me)
    return person.timezone if person is not None else None


def _version(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise BadInputError("this form is incomplete: reload the page and try again",
                            field="form") from None


@router.post("/sessions/{session_id}/reschedule", response_class=HTMLResponse)
def reschedule(request: Request, session_id: str, web: Posted, db: DatabaseDep,
               version: str = Form(""), date: str = Form(""), time: str = Form(""),
               minutes: str = Form(""), location: str = Form("")) -> Response:
    program = _pair_member(web)
    form = {"date": date, "time": time, "minutes": minutes, "location": location}
    try:
        session_views.reschedule_as(db, web.principal, session_id, _start(date, time),
                                    version=_version(version),
                                    minutes=_number(minutes, "minutes"),
                                    location=location if location.strip() else None,
                                    timezone=_home_zone(db, web, program))
    except CompanionError as exc:
        return _refused(request, db, web, program, exc, form, session_id)
    return flash(RedirectResponse("/sessions", status_code=303), "Session moved.")


@router.post("/sessions/{session_id}/cancel", response_class=HTMLResponse)
def cancel(request: Request, session_id: str, web: Posted, db: DatabaseDep,
           version: str = Form("")) -> Response:
    program = _pair_member(web)
    try:
        session_views.cancel_as(db, web.principal, session_id, version=_version(version))
    except CompanionError as exc:
        return _refused(request, db, web, program, exc, {}, session_id)
    return flash(RedirectResponse("/sessions", status_code=303), "Session cancelled.")


@router.post("/sessions/{session_id}/done", response_class=HTMLResponse)
def done(request: Request, session_id: str, web: Posted, db: DatabaseDep,
         version: str = Form(""), notes: str = Form(""), actions: str = Form("")) -> Response:
    program = _pair_member(web)
    form = {"notes": notes, "actions": actions}
    items = [line.strip() for line in actions.splitlines() if line.strip()]
    try:
        session_views.done_as(db, web.principal, session_id, version=_version(version),
                              notes=notes, action_items=items)
    except CompanionError as exc:
        return _refused(request, db, web, program, exc, form, session_id)
    return flash(RedirectResponse("/sessions", status_code=303),
                 "Session recorded as held with your notes.")


@router.get("/sessions/{session_id}.ics")
def session_file(session_id: str, web: Session, db: DatabaseDep) -> Response:
    found = calendar.session_ics_as(db, web.principal, session_id)
    return Response(found.content, media_type=found.media_type, headers={
        "Content-Disposition": f'attachment; filename="{found.filename}"',
        "Cache-Control": "private, no-store"})


@router.post("/sessions/calendar-link", response_class=HTMLResponse)
def calendar_link(request: Request, web: Posted, db: DatabaseDep,
                  settings: SettingsDep) -> Response:
    """A new feed URL, shown once on the page (only its hash is kept)."""
    program = _pair_member(web)
    made = calendar.create_link_as(db, web.principal, web.principal.participant_id,
                                   public_url=settings.public_url)
    return page(request, "participant/sessions.html",
                {**_home(db, web, program), "new_link": made.url})


@router.post("/sessions/calendar-link/revoke", response_class=HTMLResponse)
def calendar_revoke(request: Request, web: Posted, db: DatabaseDep) -> Response:
    _pair_member(web)
    calendar.revoke_links_as(db, web.principal, web.principal.participant_id)
    return flash(RedirectResponse("/sessions", status_code=303),
                 "Calendar link revoked: subscribed calendars stop updating.")


# -- the coordinator's view ------------------------------------------------------------------

@router.get("/coordinator/sessions", response_class=HTMLResponse,
            dependencies=[Depends(_overseer)])
def coordinator_sessions(request: Request, web: Session, db: DatabaseDep,
                         name: Program) -> Response:
    found = session_views.pairing_sessions_as(db, web.principal, name)
    return page(request, "coordinator/sessions.html", _ctx(web, name, pairings=found))
