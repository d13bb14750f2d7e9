"""Goals and check-ins pages (issue 14): the mentee's and the mentor's goals with their
checkpoints, progress (status and evidence), readjusting (the earlier versions shown), the
"Track these goals" button for an approved goals draft not tracked yet, and their due
check-ins (a small form); the coordinator's check-in summary (aggregates, the overdue list)
and goal completion per pairing (counts). Every rule is in `services.goals` and
`services.checkins`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from companion.api.deps import DatabaseDep
from companion.domain import AccessRole
from companion.domain.relationship import GoalStatus
from companion.errors import AccessDenied, BadInputError, CompanionError, ConflictError, hidden
from companion.services import checkins, goals, pairings
from companion.services.access import people_of
from companion.services.session_views import PAIR_SEES
from companion.services.web_auth import WebSession
from companion.web.render import flash, page
from companion.web.routes.coordinator import Program, _ctx, _overseer
from companion.web.session import Posted, Session

if TYPE_CHECKING:
    from companion.store import Database

router = APIRouter(include_in_schema=False)
STATUSES = [(s.value, s.value.replace("_", " ")) for s in GoalStatus]


def _pair_member(web: WebSession, what: str) -> str:
    principal = web.principal
    if principal.role not in (AccessRole.mentee, AccessRole.mentor) or not principal.program:
        raise hidden(f"the {what} page", reason="not a mentee or mentor",
                     program=principal.program)
    return principal.program


def _number(text: str, field: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise BadInputError("this form is incomplete: reload the page and try again",
                            field=field) from None


# -- goals ----------------------------------------------------------------------------------

def _goals_home(db: Database, web: WebSession, program: str) -> dict[str, Any]:
    me = web.principal.participant_id
    mine = [p for p in pairings.list_pairings(db, program)
            if me in (p.mentee_id, p.mentor_id) and p.status in PAIR_SEES]
    people = people_of(db, program, {pid for p in mine for pid in (p.mentee_id, p.mentor_id)})
    blocks = []
    for pairing in mine:
        partner_id = pairing.mentor_id if me == pairing.mentee_id else pairing.mentee_id
        partner = people.get(partner_id)
        blocks.append({
            "pairing": pairing, "partner": partner.name if partner else partner_id,
            "live": pairing.status in goals.TRACKING,
            "goals": goals.list_as(db, web.principal, pairing.id),
            "untracked": goals.untracked_drafts(db, pairing, me)
            if pairing.status in goals.TRACKING else []})
    return {"program": program, "blocks": blocks, "statuses": STATUSES, "form": {},
            "errors": {}}


def _refused(request: Request, db: Database, web: WebSession, program: str,
             exc: CompanionError, form: dict[str, Any], target: str) -> Response:
    """The page again with the error at its field and what was typed kept: never a 500."""
    field = getattr(exc, "field", None) or "form"
    status = 409 if isinstance(exc, ConflictError) else (
        exc.status if isinstance(exc, AccessDenied) else 422)
    context = {**_goals_home(db, web, program), "form": {**form, "target": target},
               "errors": {field: str(getattr(exc, "detail", None) or exc)}}
    return page(request, "participant/goals.html", context, status=status)


@router.get("/goals", response_class=HTMLResponse)
def goals_page(request: Request, web: Session, db: DatabaseDep) -> Response:
    program = _pair_member(web, "goals")
    return page(request, "participant/goals.html", _goals_home(db, web, program))


@router.post("/goals/track", response_class=HTMLResponse)
def track(request: Request, web: Posted, db: DatabaseDep, pairing_id: str = Form(""),
          draft_id: str = Form("")) -> Response:
    program = _pair_member(web, "goals")
    try:
        result = goals.track_as(db, web.principal, pairing_id, draft_id)
    except CompanionError as exc:
        return _refused(request, db, web, program, exc, {}, "track")
    return flash(RedirectResponse("/goals", status_code=303),
                 f"{len(result.goals)} goal(s) tracked." if result.created
                 else "These goals were tracked already.")


@router.post("/goals/{goal_id}/update", response_class=HTMLResponse)
def update(request: Request, goal_id: str, web: Posted, db: DatabaseDep,
           version: str = Form(""), status: str = Form(""), note: str = Form("")) -> Response:
    program = _pair_member(web, "goals")
    form = {"status": status, "note": note}
    try:
        if not status:
            raise BadInputError("choose a status", field="status")
        goals.update_as(db, web.principal, goal_id, status, note=note,
                        version=_number(version, "form"))
    except CompanionError as exc:
        return _refused(request, db, web, program, exc, form, goal_id)
    return flash(RedirectResponse(f"/goals#goal-{goal_id}", status_code=303),
                 "Progress recorded.")


@router.post("/goals/{goal_id}/readjust", response_class=HTMLResponse)
def readjust(request: Request, goal_id: str, web: Posted, db: DatabaseDep,
             version: str = Form(""), statement: str = Form(""), time_bound: str = Form(""),
             reason: str = Form("")) -> Response:
    program = _pair_member(web, "goals")
    form = {"statement": statement, "time_bound": time_bound, "reason": reason,
            "readjusting": True}
    try:
        made = goals.readjust_as(db, web.principal, goal_id, statement=statement or None,
                                 time_bound=time_bound or None, reason=reason or None,
                                 version=_number(version, "form"))
    except CompanionError as exc:
        return _refused(request, db, web, program, exc, form, goal_id)
    return flash(RedirectResponse(f"/goals#goal-{made.goal.id}", status_code=303),
                 f"Goal readjusted: version {made.goal.version} (the earlier one is kept).")


@router.post("/goals/checkpoints/{checkpoint_id}", response_class=HTMLResponse)
def checkpoint(request: Request, checkpoint_id: int, web: Posted, db: DatabaseDep,
               done: str = Form("1"), goal_id: str = Form("")) -> Response:
    program = _pair_member(web, "goals")
    try:
        goals.checkpoint_as(db, web.principal, checkpoint_id, done=done == "1")
    except CompanionError as exc:
        return _refused(request, db, web, program, exc, {}, goal_id)
    return flash(RedirectResponse(f"/goals#goal-{goal_id}", status_code=303),
                 "Checkpoint done." if done == "1" else "Checkpoint open again.")


# -- check-ins ------------------------------------------------------------------------------

def _checkins_home(db: Database, web: WebSession, program: str) -> dict[str, Any]:
    mine = checkins.mine_as(db, web.principal, program)
    return {"program": program, "open": [c for c in mine if c.submitted_at is None],
            "answered": [c for c in mine if c.submitted_at is not None], "form": {},
            "errors": {}}


@router.get("/checkins", response_class=HTMLResponse)
def checkins_page(request: Request, web: Session, db: DatabaseDep) -> Response:
    program = _pair_member(web, "check-ins")
    return page(request, "participant/checkins.html", _checkins_home(db, web, program))


def _value(text: str) -> str | None:
    return text.strip() or None


@router.post("/checkins/{checkin_id}", response_class=HTMLResponse)
def submit(request: Request, checkin_id: int, web: Posted, db: DatabaseDep,
           rating: str = Form(""), meetings: str = Form(""), recommend: str = Form(""),
           text: str = Form("")) -> Response:
    program = _pair_member(web, "check-ins")
    form = {"rating": rating, "meetings": meetings, "recommend": recommend, "text": text,
            "target": checkin_id}
    try:
        checkins.submit_as(db, web.principal, checkin_id, rating=_value(rating),
                           meetings_per_month=_value(meetings), recommend=_value(recommend),
                           text=text)
    except CompanionError as exc:
        field = getattr(exc, "field", None) or "form"
        status = 409 if isinstance(exc, ConflictError) else (
            exc.status if isinstance(exc, AccessDenied) else 422)
        context = {**_checkins_home(db, web, program), "form": form,
                   "errors": {field: str(getattr(exc, "detail", None) or exc)}}
        return page(request, "participant/checkins.html", context, status=status)
    return flash(RedirectResponse("/checkins", status_code=303),
                 "Thank you: your check-in is in.")


# -- the coordinator's view ------------------------------------------------------------------

@router.get("/coordinator/checkins", response_class=HTMLResponse,
            dependencies=[Depends(_overseer)])
def coordinator_checkins(request: Request, web: Session, db: DatabaseDep,
                         name: Program) -> Response:
    summary = checkins.summary_as(db, web.principal, name)
    completion = goals.completion_as(db, web.principal, name)
    return page(request, "coordinator/checkins.html",
                _ctx(web, name, summary=summary, completion=completion,
                     min_group=checkins.MIN_GROUP))
