"""Closing pages (issue 14): the coordinator's live pairings with "End pairing" (a reason, a
note, a confirmation) and "Withdraw" for a participant; the pair's "Leave this pairing
(no-fault, trial period)". Every rule is in `services.closing`: this module only turns its
answers into pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from companion.api.deps import DatabaseDep
from companion.domain import AccessRole, PairingStatus
from companion.errors import BadInputError, CompanionError, ConflictError
from companion.services import closing, pairing_views
from companion.services.access import people_of
from companion.web.render import flash, page
from companion.web.routes.coordinator import Program, _ctx
from companion.web.session import Posted, Session

router = APIRouter(include_in_schema=False)
T = "closing/"
REASONS = (("completed", "Completed — the relationship ran its course"),
           ("no_fault", "No fault — it did not work out, no blame recorded"),
           ("withdrawn", "Withdrawn — a member left the program"))


def _version(text: str) -> int | None:
    try:
        return int(text) if text.strip() else None
    except ValueError:
        raise BadInputError("the page's version is not a number: reload the page",
                            field="version") from None


def _status_of(exc: CompanionError) -> int:
    """The HTTP status of a refusal (an access decision's own, else the error's)."""
    return int(getattr(exc, "status", None) or exc.http_status)


def _end_context(db: DatabaseDep, web: Session, pairing_id: str) -> dict[str, Any]:
    seen = pairing_views.visible_pairing(db, web.principal, pairing_id)  # hidden: 404
    pairing, access = seen.pairing, seen.access
    trial = closing.trial_state(db, pairing_id)
    coordinator = access.coordinator or access.admin
    names = {pid: (seen.people[pid].name if pid in seen.people else pid)
             for pid in (pairing.mentee_id, pairing.mentor_id)}
    return {"pairing": pairing, "names": names, "trial": trial, "coordinator": coordinator,
            "endable": pairing.status in closing.ENDABLE, "reasons": REASONS,
            "back": (f"/coordinator/closing?program={quote(pairing.program)}"
                     if coordinator else f"/{web.principal.role.value}")}


@router.get("/pairings/{pairing_id}/end", response_class=HTMLResponse)
def end_page(request: Request, pairing_id: str, web: Session, db: DatabaseDep) -> Response:
    return page(request, T + "end.html", _end_context(db, web, pairing_id))


@router.post("/pairings/{pairing_id}/end", response_class=HTMLResponse)
def end(request: Request, pairing_id: str, web: Posted, db: DatabaseDep,
        reason: str = Form(""), note: str = Form(""), version: str = Form(""),
        confirm: str = Form("")) -> Response:
    ctx = _end_context(db, web, pairing_id)
    form = {"reason": reason, "note": note}
    try:
        if confirm != "yes":
            raise BadInputError("tick the box to confirm: ending cannot be undone",
                                field="confirm")
        closing.end_as(db, web.principal, pairing_id, reason, version=_version(version),
                       note=note)
    except CompanionError as exc:
        message = str(exc)
        if isinstance(exc, ConflictError) and "version" in message:
            message = ("Someone changed this pairing meanwhile (the page was out of date). "
                       "It has been reloaded: check it and decide again.")
        status = _status_of(exc)
        return page(request, T + "end.html", {
            **_end_context(db, web, pairing_id), "error": message,
            "error_field": getattr(exc, "field", None), "form": form}, status=status)
    pairing = ctx["pairing"]
    said = f"Pairing {ctx['names'][pairing.mentee_id]} ↔ {ctx['names'][pairing.mentor_id]} " \
        "ended; its future sessions are cancelled."
    return flash(RedirectResponse(ctx["back"], status_code=303), said)


def _live(db: DatabaseDep, web: Session, program: str) -> dict[str, Any]:
    page_ = pairing_views.visible_pairings(db, web.principal, program)
    people = people_of(db, program)
    live = [p for p in page_.pairings
            if p["status"] in (PairingStatus.approved.value, PairingStatus.active.value)]
    ended = [p for p in page_.pairings if p["status"] == PairingStatus.closed.value]
    name = {pid: p.name for pid, p in people.items()}
    return {"live": live, "ended": ended, "name": name,
            "participants": sorted(people.values(), key=lambda p: p.id)}


@router.get("/coordinator/closing", response_class=HTMLResponse)
def closing_page(request: Request, web: Session, db: DatabaseDep, name: Program) -> Response:
    if web.principal.role not in (AccessRole.coordinator, AccessRole.admin):
        return RedirectResponse(f"/{web.principal.role.value}", status_code=303)
    return page(request, T + "closing.html", _ctx(web, name, **_live(db, web, name)))


@router.post("/coordinator/closing/withdraw", response_class=HTMLResponse)
def withdraw(request: Request, web: Posted, db: DatabaseDep, name: Program,
             participant_id: str = Form(""), reason: str = Form(""),
             confirm: str = Form("")) -> Response:
    try:
        if confirm != "yes":
            raise BadInputError("tick the box to confirm the withdrawal", field="confirm")
        if not participant_id.strip():
            raise BadInputError("choose the participant who withdraws",
                                field="participant_id")
        result = closing.withdraw_as(db, web.principal, name, participant_id.strip(),
                                     reason=reason or None)
    except CompanionError as exc:
        status = _status_of(exc)
        return page(request, T + "closing.html", _ctx(
            web, name, **_live(db, web, name), error=str(exc),
            error_field=getattr(exc, "field", None)), status=status)
    said = (f"{participant_id} had already withdrawn." if result.already else
            f"{participant_id} withdrew: {len(result.ended)} pairing(s) ended, "
            f"{len(result.rejected)} proposal(s) rejected.")
    qs = _ctx(web, name)["qs"]
    return flash(RedirectResponse(f"/coordinator/closing{qs}", status_code=303), said)
