"""The mentee's and the mentor's start pages: who they are paired with, their goals, and the
forms that ask the drafting agent for an agenda, questions, goals or a framework."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from companion.api.deps import DatabaseDep, SettingsDep
from companion.config import Settings
from companion.domain import AccessRole, DraftKind, DraftStatus
from companion.errors import BadInputError, RateLimitedError, hidden
from companion.services import draft_jobs, oversight_views, pairing_views, people_views
from companion.services.drafts import visible_drafts
from companion.services.web_auth import WebSession
from companion.web.render import home_of, page
from companion.web.session import Posted, Session

if TYPE_CHECKING:
    from companion.store import Database

router = APIRouter(include_in_schema=False)

#: What each kind is called on the pages.
KIND_TITLES = {DraftKind.agenda: "Session agenda", DraftKind.questions: "Reflection questions",
               DraftKind.goals: "SMART-ER goals", DraftKind.framework: "Conversation framework"}
#: The mentee's request buttons: (kind, the button's name).
MENTEE_KINDS = ((DraftKind.agenda, "Request agenda"), (DraftKind.questions, "Request questions"),
                (DraftKind.goals, "Request goals"))
#: How many drafts a start page lists.
LISTED = 50


def _only(web: WebSession, role: AccessRole) -> str:
    """The program of a signed-in `role`; any other role finds nothing here (as if the page
    did not exist), like every page a person may not see."""
    principal = web.principal
    if principal.role is not role or principal.program is None:
        raise hidden(f"the {role.value}'s start page", reason=f"not a {role.value}",
                     program=principal.program)
    return principal.program


def _home(db: Database, web: WebSession, program: str) -> dict[str, Any]:
    principal = web.principal
    mine = people_views.me(db, principal)
    pairings = pairing_views.visible_pairings(db, principal, program).pairings
    partners = {p["id"]: p for p in mine["partners"]}
    listed = visible_drafts(db, principal, program=program, limit=LISTED).drafts
    own = [d for d in listed if d.reviewer_id == principal.participant_id]
    shared = [d for d in listed if d.reviewer_id != principal.participant_id
              and d.status is DraftStatus.approved]
    return {"profile": mine["profile"] or {}, "partners": partners, "pairings": pairings,
            "own": [d for d in own if d.status is not DraftStatus.approved],
            "approved": [d for d in own if d.status is DraftStatus.approved],
            "shared": shared, "titles": KIND_TITLES, "key": uuid.uuid4().hex,
            "notices": oversight_views.notifications_as(db, principal, program)}


@router.get("/mentee", response_class=HTMLResponse)
def mentee_home(request: Request, web: Session, db: DatabaseDep) -> Response:
    program = _only(web, AccessRole.mentee)
    return page(request, "participant/mentee.html",
                {**_home(db, web, program), "kinds": MENTEE_KINDS, "form": {}})


@router.get("/mentor", response_class=HTMLResponse)
def mentor_home(request: Request, web: Session, db: DatabaseDep) -> Response:
    program = _only(web, AccessRole.mentor)
    return page(request, "participant/mentor.html", {**_home(db, web, program), "form": {}})


@router.get("/mentee/drafts")
@router.get("/mentor/drafts")
def request_form(request: Request, web: Session) -> Response:
    """A reload of a refused request's page: back to the start page and its form."""
    return RedirectResponse(home_of(web), status_code=303)


@router.post("/mentee/drafts")
def mentee_request(request: Request, web: Posted, db: DatabaseDep, settings: SettingsDep,
                   kind: str = Form(""), topic: str = Form(""),
                   request_key: str = Form("")) -> Response:
    program = _only(web, AccessRole.mentee)
    form = {"kind": kind, "topic": topic}
    return _request(request, web, db, settings, program, form, "participant/mentee.html",
                    {"kinds": MENTEE_KINDS}, kind=kind, topic=topic, key=request_key)


@router.post("/mentor/drafts")
def mentor_request(request: Request, web: Posted, db: DatabaseDep, settings: SettingsDep,
                   mentee_id: str = Form(""), topic: str = Form(""),
                   request_key: str = Form("")) -> Response:
    program = _only(web, AccessRole.mentor)
    form = {"mentee_id": mentee_id, "topic": topic}
    return _request(request, web, db, settings, program, form, "participant/mentor.html", {},
                    kind=DraftKind.framework.value, topic=topic, key=request_key,
                    partner_id=mentee_id or None)


def _request(request: Request, web: WebSession, db: Database, settings: Settings, program: str,
             form: dict[str, str], template: str, extra: dict[str, Any], *, kind: str,
             topic: str, key: str, partner_id: str | None = None) -> Response:
    """Start the draft and go to its page; a refusal (no topic, too many requests) is shown
    on the start page with what was typed kept."""
    try:
        if not key.strip():
            raise BadInputError("this form is incomplete: reload the page and try again",
                                field="request_key")
        draft_id = draft_jobs.start_request(db, settings, web.principal, program=program,
                                            kind=kind, topic=topic or None,
                                            partner_id=partner_id, key=key)
    except (BadInputError, RateLimitedError) as exc:
        context = {**_home(db, web, program), **extra, "form": form, "problem": str(exc),
                   "problem_field": getattr(exc, "field", None)}
        return page(request, template, context,
                    status=429 if isinstance(exc, RateLimitedError) else 422)
    return RedirectResponse(f"/drafts/{draft_id}", status_code=303)
