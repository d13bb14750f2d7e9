"""The coordinator's invitation page: choose participants, send each a one-time sign-in link
by e-mail. Who may invite, and the link-with-its-message transaction, are the services'
(`invitations.invite_as`); the page never sees a link."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from companion.api.deps import DatabaseDep, SettingsDep
from companion.domain import AccessRole
from companion.errors import BadInputError
from companion.services import invitations, mail
from companion.services.web_auth import WebSession
from companion.web.render import flash, page
from companion.web.routes.coordinator import Program  # the admin's chosen program too
from companion.web.session import Posted, Session

router = APIRouter(prefix="/coordinator", include_in_schema=False)


def _qs(web: WebSession, program: str) -> str:
    return f"?program={quote(program)}" if web.principal.role is AccessRole.admin else ""


def _show(request: Request, web: WebSession, db: DatabaseDep, program: str, *,
          problem: str | None = None, status: int = 200) -> Response:
    people = invitations.invitees_as(db, web.principal, program)
    qs = _qs(web, program)
    return page(request, "invite/invite.html", {
        "program": program, "qs": qs, "people": people,
        "problem": problem, "with_email": sum(1 for p in people if p.email),
        "has_both": any(p.role == "both" for p in people)}, status=status)


@router.get("/invite", response_class=HTMLResponse)
def invite_page(request: Request, web: Session, db: DatabaseDep, program: Program) -> Response:
    return _show(request, web, db, program)


@router.post("/invite", response_class=HTMLResponse)
def send_invitations(request: Request, web: Posted, db: DatabaseDep, settings: SettingsDep,
                     program: Program,
                     participant: Annotated[list[str] | None, Form(max_length=100)] = None,
                     both_as: Annotated[str, Form(max_length=10)] = "mentee",
                     everyone: Annotated[str | None, Form(max_length=10)] = None,
                     ) -> Response:
    name = program
    if everyone:  # the second button: everyone who has an e-mail address
        participant = [p.id for p in invitations.invitees_as(db, web.principal, name)
                       if p.email]
    try:
        outcome = invitations.invite_as(db, settings, web.principal, participant or [],
                                        program=name, both_as=both_as)
    except BadInputError as exc:
        return _show(request, web, db, name, problem=str(exc), status=422)
    if outcome.invited:
        mail.deliver_in_background(db, settings)  # after the commit; the outbox retries
    # post/redirect/get: reloading the page that follows must not send everything again
    response = RedirectResponse(f"/coordinator/invite{_qs(web, name)}", status_code=303)
    return flash(response, summary(outcome))


def _names(people: list[str], most: int = 8) -> str:
    shown = ", ".join(people[:most])
    return shown + (f" and {len(people) - most} more" if len(people) > most else "")


def summary(outcome: invitations.Invitations) -> str:
    """The outcome in a sentence or three (the list below it shows each person's status)."""
    invited = [p.name for p in outcome.invited]
    parts = [f"Sent invitations to {len(invited)} {'person' if len(invited) == 1 else 'people'}"
             f": {_names(invited)}." if invited else "No invitations were sent."]
    if outcome.without_email:
        parts.append(f"Skipped {len(outcome.without_email)} without an e-mail address: "
                     f"{_names([p.name for p in outcome.without_email])} — add their "
                     "addresses to your participant file and import it again.")
    if outcome.unknown:
        parts.append(f"Not in this program: {_names(outcome.unknown)}.")
    return " ".join(parts)
