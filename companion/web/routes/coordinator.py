"""The coordinator's pages: overview, pairing review (one by one and in bulk), import,
assignment, drafts, audit log and the pairings export. Every rule and access decision is the
services'; these routes parse the form, call the service and show the answer."""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from companion.api.common import EmbedderDep
from companion.api.deps import DatabaseDep
from companion.domain import AccessRole
from companion.errors import BadInputError, CompanionError, ConflictError
from companion.services import (
    audit,
    drafts,
    oversight_views,
    pairing_views,
    people_views,
    preparation,
    program_views,
)
from companion.services.fairness import Fairness
from companion.services.participants import (
    ImportMapping,
    ImportReport,
    import_participants_bytes,
    mapping_from_text,
)
from companion.services.web_auth import WebSession
from companion.web.render import TEMPLATES, flash, page
from companion.web.session import Posted, Session


def _overseer(web: Session) -> None:
    program_views.require_oversight(web.principal)


router = APIRouter(prefix="/coordinator", include_in_schema=False,
                   dependencies=[Depends(_overseer)])
T = "coordinator/"
ProgramQuery = Annotated[str | None, Query(max_length=100)]
_SUFFIXES = (".csv", ".tsv", ".xlsx", ".xlsm", ".json", ".jsonl", ".ndjson")
_PAST = {"approve": "Approved", "reject": "Rejected", "lock": "Locked", "swap": "Swapped"}


#: The program an admin chose last (admins oversee every program; a coordinator has one).
CHOSEN = "companion_program"


def _program(request: Request, web: Session, program: ProgramQuery = None) -> str:
    """The coordinator's own program; an admin's choice (?program=NAME, or the one they
    chose last on the overview)."""
    if web.principal.role is not AccessRole.admin and web.principal.program:
        return web.principal.program
    chosen = program or request.cookies.get(CHOSEN)
    if chosen:
        return chosen
    raise BadInputError("choose a program first: open the Overview and pick one",
                        field="program")


Program = Annotated[str, Depends(_program)]


def _qs(web: WebSession, program: str) -> str:
    """What links and forms carry so an admin stays in the program they chose."""
    return f"?program={quote(program)}" if web.principal.role is AccessRole.admin else ""


def _ctx(web: WebSession, program: str, **more: Any) -> dict[str, Any]:
    return {"program": program, "qs": _qs(web, program), **more}


# -- overview --------------------------------------------------------------------------------

@router.get("", response_class=HTMLResponse)
def overview(request: Request, web: Session, db: DatabaseDep, embedder: EmbedderDep,
             program: ProgramQuery = None) -> Response:
    admin = web.principal.role is AccessRole.admin
    if admin and not program:
        programs = people_views.programs_of(db, web.principal)
        return page(request, T + "choose.html", {"programs": programs})
    name = _program(request, web, program)
    if (waiting := _preparing(request, web, db, embedder, name)) is not None:
        return waiting
    view = program_views.overview_as(db, web.principal, name, embedder)
    queue = oversight_views.queue_as(db, web.principal, name)  # pairs that need you
    response = page(request, T + "overview.html", _ctx(web, name, view=view, queue=queue))
    if admin:
        response.set_cookie(CHOSEN, name, httponly=True, samesite="lax", path="/coordinator")
    return response


# -- pairing review --------------------------------------------------------------------------

@router.get("/pairings", response_class=HTMLResponse)
def pairings(request: Request, web: Session, db: DatabaseDep, embedder: EmbedderDep,
             name: Program,
             offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    if (waiting := _preparing(request, web, db, embedder, name)) is not None:
        return waiting
    queue = program_views.review_queue_as(db, web.principal, name, embedder, offset=offset)
    return page(request, T + "pairings.html", _ctx(web, name, queue=queue))


def _preparing(request: Request, web: WebSession, db: DatabaseDep, embedder: EmbedderDep,
               name: str) -> Response | None:
    """A page that matches waits for the program's profiles to be read: the progress while
    they are (it reloads itself when done), None once they are."""
    polled = request.query_params.get("preparing") == "1" and request.headers.get("hx-request")
    running = preparation.prepare_as(db, web.principal, name, embedder)
    if running is None:
        if polled:  # the progress box asked: reload, and the page shows itself
            return Response(status_code=204, headers={"HX-Refresh": "true"})
        return None
    poll = request.url.include_query_params(preparing="1")
    context = _ctx(web, name, running=running, poll=f"{poll.path}?{poll.query}")
    if polled:
        return TEMPLATES.TemplateResponse(request, T + "_preparing.html", context)
    return page(request, T + "preparing.html", context)


def _names(db: DatabaseDep, web: WebSession, program: str) -> dict[str, str]:
    people = people_views.participants_as(db, web.principal, program).participants
    return {p["id"]: str(p.get("name") or p["id"]) for p in people}


def _pair_label(pairing: dict[str, Any], names: dict[str, str]) -> str:
    return (f"{names.get(pairing['mentee_id'], pairing['mentee_id'])} ↔ "
            f"{names.get(pairing['mentor_id'], pairing['mentor_id'])}")


def _refusal(exc: CompanionError) -> str:
    if isinstance(exc, ConflictError) and "version" in str(exc):
        return ("Someone decided this pairing meanwhile (the page you decided on was out of "
                "date). Reload the queue to see it as it is now.")
    return str(exc)


@router.post("/pairings/{pairing_id}/{decision}", response_class=HTMLResponse)
def decide(request: Request, pairing_id: str, decision: str, web: Posted, db: DatabaseDep,
           embedder: EmbedderDep, version: Annotated[int, Form()],
           note: Annotated[str, Form(max_length=2000)] = "",
           mentor_id: Annotated[str, Form(max_length=64)] = "") -> Response:
    """Approve, reject (with a reason), lock or swap one pairing. htmx gets the pairing's
    card back with the outcome; a plain form a redirect to the queue and a flash message."""
    if decision not in _PAST:
        raise BadInputError(f"unknown decision '{decision}'", field="decision")
    seen = pairing_views.visible_pairing(db, web.principal, pairing_id)  # hidden as 404
    name = seen.pairing.program
    names = _names(db, web, name)
    label = _pair_label(seen.pairing.model_dump(), names)
    ok = True
    try:
        result = pairing_views.review_as(
            db, web.principal, pairing_id, decision, version=version, note=note or None,
            mentor_id=mentor_id or None, embedder=embedder if decision == "swap" else None)
        message = f"{_PAST[decision]}: {label}."
        if decision == "swap" and result["created"]:
            message = (f"Swapped: {label} is replaced by "
                       f"{_pair_label(result['created'][0], names)} (pending review).")
    except (ConflictError, BadInputError) as exc:
        ok, message = False, f"Not {_PAST[decision].lower()}: {label}. {_refusal(exc)}"
    if request.headers.get("hx-request"):
        return page(request, T + "_decided.html", _ctx(
            web, name, ok=ok, message=message, label=label, pairing_id=pairing_id))
    response = RedirectResponse(f"/coordinator/pairings{_qs(web, name)}", status_code=303)
    return flash(response, message, "ok" if ok else "error")


@router.post("/pairings/bulk", response_class=HTMLResponse)
def bulk_approve(request: Request, web: Posted, db: DatabaseDep, name: Program,
                 selected: Annotated[list[str], Form()] = []  # noqa: B006 (FastAPI default)
                 ) -> Response:
    """Approve each selected pairing on its own: every hard rule is checked per pairing, and
    one refusal stops only that one."""
    names = _names(db, web, name)
    outcomes = []
    for value in selected[:500]:
        pairing_id, _, version = value.partition("@")
        try:
            seen = pairing_views.visible_pairing(db, web.principal, pairing_id)
            label = _pair_label(seen.pairing.model_dump(), names)
        except CompanionError:
            outcomes.append({"label": pairing_id, "ok": False, "message": "not found"})
            continue
        try:
            pairing_views.review_as(db, web.principal, pairing_id, "approve",
                                    version=int(version) if version.isdigit() else -1)
            outcomes.append({"label": label, "ok": True, "message": "approved"})
        except (ConflictError, BadInputError) as exc:
            outcomes.append({"label": label, "ok": False, "message": _refusal(exc)})
    return page(request, T + "bulk.html", _ctx(web, name, outcomes=outcomes))


@router.get("/pairings.csv")
def export(web: Session, db: DatabaseDep, name: Program) -> Response:
    names = _names(db, web, name)
    found = pairing_views.visible_pairings(db, web.principal, name).pairings
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["pairing_id", "mentee_id", "mentee_name", "mentor_id", "mentor_name",
                     "status", "score", "locked", "decided_by", "decided_at"])
    for p in found:
        writer.writerow([_cell(v) for v in (
            p["id"], p["mentee_id"], names.get(p["mentee_id"], ""), p["mentor_id"],
            names.get(p["mentor_id"], ""), p["status"], p.get("score", ""),
            "yes" if p.get("locked") else "no", p.get("decided_by") or "",
            p.get("decided_at") or "")])
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "program"
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{slug}-pairings.csv"'})


def _cell(value: Any) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(text) \
        else text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# -- import ----------------------------------------------------------------------------------

@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, web: Session, db: DatabaseDep,
                name: Program) -> Response:
    people_views.require_importer(db, web.principal, name)
    return page(request, T + "import.html", _ctx(web, name, report=None, skip_invalid=False))


@router.post("/import", response_class=HTMLResponse)
async def import_file(request: Request, web: Posted, db: DatabaseDep, embedder: EmbedderDep,
                      name: Program) -> Response:
    await run_in_threadpool(people_views.require_importer, db, web.principal, name)
    form = await request.form()
    skip = form.get("skip_invalid") == "on"
    confirmed = form.get("confirmed") == "1"
    problem = None
    report = None
    preview = None
    data, filename, map_text = b"", "", ""
    if confirmed:  # the file comes back from the preview page's hidden fields
        try:
            data = base64.b64decode(str(form.get("payload") or ""), validate=True)
        except binascii.Error:
            data = b""
        filename, map_text = str(form.get("filename") or ""), str(form.get("map_text") or "")
        problem = None if data else "The checked file did not come back; upload it again."
    else:
        upload, map_upload = form.get("file"), form.get("map")
        if upload is None or isinstance(upload, str) or not upload.filename:
            problem = "Choose a file to import."
        else:
            data = await upload.read()
            filename = upload.filename or "upload.csv"
            if not data:
                problem = f"{filename} is empty."
            elif not filename.lower().endswith(_SUFFIXES):
                problem = (f"Companion cannot tell the format of {filename}: use a .csv, .tsv, "
                           ".xlsx, .json or .jsonl file.")
        if problem is None and map_upload is not None and not isinstance(map_upload, str):
            map_text = (await map_upload.read()).decode("utf-8-sig", errors="replace")
    mapping = ImportMapping()
    if problem is None and map_text.strip():
        try:
            mapping = mapping_from_text(map_text, name="the mapping file")
        except BadInputError as exc:
            problem = str(exc)
    if problem is None:
        def run(dry_run: bool) -> ImportReport:
            return import_participants_bytes(db, name, data, name=filename, skip_invalid=skip,
                                             actor=web.principal.actor, mapping=mapping,
                                             dry_run=dry_run)

        if not confirmed:
            checked = await run_in_threadpool(run, True)
            if not checked.blocked and (_guessed_columns(checked)
                                        or checked.reporting_conflicts):
                # headers read as fields, or pairings the new lines would flag: the
                # coordinator confirms before anything is written
                preview = checked
            elif checked.blocked:
                report = checked
        if preview is None and report is None:
            report = await run_in_threadpool(run, False)
    reading = None
    if report is not None and report.imported and not report.dry_run:
        # the new profiles are read in the background while the coordinator reads this page
        reading = await run_in_threadpool(preparation.start_as, db, web.principal, name,
                                          embedder)
    status = 200 if preview is not None or (report is not None and report.imported) else 422
    context = _ctx(web, name, report=report, problem=problem, skip_invalid=skip,
                   preview=preview, reading=reading)
    if preview is not None:
        context.update(payload=base64.b64encode(data).decode(), filename=filename,
                       map_text=map_text, guessed=_guessed_columns(preview))
    return page(request, T + "import.html", context, status=status)


def _guessed_columns(report: ImportReport) -> bool:
    """Whether any header was read as a field of another name ('Employee ID' as id): the
    coordinator confirms those before anything is written."""
    return any(c.get("how") in ("recognised", "mapped") for c in report.columns)


# -- assignment ------------------------------------------------------------------------------

@router.get("/assign", response_class=HTMLResponse)
def assign_page(request: Request, web: Session, db: DatabaseDep, embedder: EmbedderDep,
                name: Program) -> Response:
    if (waiting := _preparing(request, web, db, embedder, name)) is not None:
        return waiting
    return page(request, T + "assign.html", _ctx(web, name, result=None,
                                                  objective="best_total", fair_by="",
                                                  min_percent="50"))


@router.post("/assign", response_class=HTMLResponse)
def assign(request: Request, web: Posted, db: DatabaseDep, embedder: EmbedderDep,
           name: Program, objective: Annotated[str, Form(max_length=20)] = "best_total",
           fair_by: Annotated[str, Form(max_length=20)] = "",
           min_percent: Annotated[str, Form(max_length=20)] = "") -> Response:
    fairness = None if not fair_by else Fairness(fair_by, _share(min_percent))
    result = pairing_views.assign_as(db, web.principal, name, embedder, objective=objective,
                                     fairness=fairness)
    names = _names(db, web, name)
    template = "_assign_result.html" if request.headers.get("hx-request") else "assign.html"
    return page(request, T + template, _ctx(web, name, result=result, names=names,
                                             objective=objective, fair_by=fair_by,
                                             min_percent=min_percent))


def _share(percent: str) -> float:
    """The form's "at least N %" as the service's share (which checks the range)."""
    try:
        value = float(percent.strip().rstrip("%").strip())
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:  # also NaN
        raise BadInputError(f"the minimum share must be a percentage from 0 to 100, not "
                            f"'{percent}'", field="fairness.min_share")
    return value / 100


# -- drafts and the audit log ----------------------------------------------------------------

@router.get("/drafts", response_class=HTMLResponse)
def drafts_page(request: Request, web: Session, db: DatabaseDep,
                name: Program,
                offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    found = drafts.visible_drafts(db, web.principal, program=name, limit=50, offset=offset)
    return page(request, T + "drafts.html", _ctx(web, name, drafts=found,
                                                  names=_names(db, web, name)))


#: Characters a browser would act on or hide instead of showing (C0/C1 controls but tab and
#: newline, bidirectional overrides): shown as \x1b, \u202e… the way the CLI shows them.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(value: object) -> str:
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"),
                        str(value))


#: Events read per page of the audit log; the action filter searches within them.
_AUDIT_ROWS = 500


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, web: Session, db: DatabaseDep, name: Program,
               entity_type: Annotated[str, Query(max_length=40)] = "",
               entity_id: Annotated[str, Query(max_length=200)] = "",
               action: Annotated[str, Query(max_length=100)] = "") -> Response:
    events = audit.read_as(db, web.principal, program=name,
                           entity_type=entity_type.strip() or None,
                           entity_id=entity_id.strip() or None, limit=_AUDIT_ROWS)
    wanted = action.strip().lower()
    rows = [{"at": e.at.strftime("%Y-%m-%d %H:%M:%S"), "actor": visible(e.actor),
             "action": visible(e.action), "entity": visible(f"{e.entity_type} {e.entity_id}"),
             "detail": visible(json.dumps(e.detail, ensure_ascii=False, default=str))}
            for e in events if wanted in e.action.lower()]
    return page(request, T + "audit.html", _ctx(
        web, name, rows=rows, entity_type=entity_type, entity_id=entity_id, action=action,
        capped=len(events) == _AUDIT_ROWS, cap=_AUDIT_ROWS,
        types=["pairing", "program", "participant", "draft", "pair", "token"]))


__all__ = ["router", "visible"]
