"""The coordinator's program settings pages: edit the program, delete it (after typing its
name), and the organisation chart (read it, upload a new one). Who may do what, and every
rule, are the services' (`services.program_admin`); these routes read the form, turn its
text into values, call the service and show the answer."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from companion.api.deps import DatabaseDep
from companion.domain import AccessRole, Program
from companion.errors import BadInputError, ConflictError
from companion.services import program_admin
from companion.services.programs import ProgramEdited
from companion.services.web_auth import WebSession
from companion.web.render import flash, page
from companion.web.routes.coordinator import CHOSEN, _overseer, _qs
from companion.web.routes.coordinator import Program as ProgramName
from companion.web.session import Posted, Session

router = APIRouter(prefix="/coordinator", include_in_schema=False,
                   dependencies=[Depends(_overseer)])
T = "coordinator/"
_CHART_SUFFIXES = (".csv", ".tsv", ".xlsx", ".xlsm", ".json", ".jsonl", ".ndjson")

#: The edit form's fields: (form name, label, kind). Each is a Program field `edit_program`
#: may change; the page shows them in this order.
FIELDS: list[tuple[str, str, str]] = [
    ("name", "Name", "text"), ("start_date", "Start date", "date"),
    ("months", "Length in months (3–36)", "int"),
    ("session_minutes", "Session length in minutes (15–240)", "int"),
    ("cadence_weeks", "Weeks between sessions (1–12)", "int"),
    ("host_organization", "Host organisation", "text"),
    ("default_capacity", "Mentees per mentor when unset (1–20)", "int")]
Text = Annotated[str, Form(max_length=200)]


def _values(program: Program) -> dict[str, str]:
    """The form's text for each field, as the program has it now."""
    return {name: "" if getattr(program, name) is None else str(getattr(program, name))
            for name, _, _ in FIELDS}


def _changes(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's text as typed values, and a message per field that is not a value at all
    (ranges and the rest are the service's to judge). An empty optional field is left as
    it is; an empty name is sent, so the service says a program needs one."""
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, label, kind in FIELDS:
        text = form.get(name, "").strip()
        if not text and name != "name":
            continue
        if kind == "int":
            try:
                changes[name] = int(text)
            except ValueError:
                errors[name] = f"{label.split(' (')[0]}: '{text}' is not a whole number"
        elif kind == "date":
            try:
                changes[name] = date.fromisoformat(text)
            except ValueError:
                errors[name] = f"Start date: '{text}' is not a date; use YYYY-MM-DD"
        else:
            changes[name] = text
    return changes, errors


def _edit_page(request: Request, web: WebSession, program: str, values: dict[str, str], *,
               errors: dict[str, str] | None = None, result: ProgramEdited | None = None,
               status: int = 200) -> Response:
    return page(request, T + "program_edit.html", {
        "program": program, "qs": _qs(web, program), "fields": FIELDS, "values": values,
        "errors": errors or {}, "result": result}, status=status)


# -- edit ------------------------------------------------------------------------------------

@router.get("/program/edit", response_class=HTMLResponse)
def edit_page(request: Request, web: Session, db: DatabaseDep, name: ProgramName) -> Response:
    current = program_admin.program_settings_as(db, web.principal, name)
    return _edit_page(request, web, name, _values(current))


@router.post("/program/edit", response_class=HTMLResponse)
def edit(request: Request, web: Posted, db: DatabaseDep, name: ProgramName,
         prog_name: Annotated[str, Form(alias="name", max_length=200)] = "",
         start_date: Text = "", months: Text = "", session_minutes: Text = "",
         cadence_weeks: Text = "", host_organization: Text = "",
         default_capacity: Text = "") -> Response:
    form = {"name": prog_name, "start_date": start_date, "months": months,
            "session_minutes": session_minutes, "cadence_weeks": cadence_weeks,
            "host_organization": host_organization, "default_capacity": default_capacity}
    program_admin.program_settings_as(db, web.principal, name)  # 404/403 before judging
    changes, errors = _changes(form)
    if errors:
        return _edit_page(request, web, name, form, errors=errors, status=422)
    try:
        result = program_admin.edit_program_as(db, web.principal, name, changes)
    except BadInputError as exc:
        field = exc.field if exc.field in form else "form"
        return _edit_page(request, web, name, form, errors={field: str(exc)}, status=422)
    except ConflictError as exc:  # the only conflict an edit meets: the new name is taken
        return _edit_page(request, web, name, form, errors={"name": str(exc)}, status=409)
    now = result.program.name
    response = _edit_page(request, web, now, _values(result.program), result=result)
    if web.principal.role is AccessRole.admin:
        response.set_cookie(CHOSEN, now, httponly=True, samesite="lax", path="/coordinator")
    return response


# -- delete ----------------------------------------------------------------------------------

def _delete_page(request: Request, web: WebSession, db: DatabaseDep, program: str, *,
                 problem: str | None = None, status: int = 200) -> Response:
    holdings = program_admin.deletion_preview_as(db, web.principal, program)
    return page(request, T + "program_delete.html", {
        "program": program, "qs": _qs(web, program), "holdings": holdings,
        "problem": problem}, status=status)


@router.get("/program/delete", response_class=HTMLResponse)
def delete_page(request: Request, web: Session, db: DatabaseDep,
                name: ProgramName) -> Response:
    return _delete_page(request, web, db, name)


@router.post("/program/delete", response_class=HTMLResponse)
def delete(request: Request, web: Posted, db: DatabaseDep, name: ProgramName,
           typed: Annotated[str, Form(alias="confirm_name", max_length=200)] = "") -> Response:
    if typed.strip() != name:
        return _delete_page(request, web, db, name, status=422, problem=(
            f"Type the program's name exactly as shown ({name}) to delete it. "
            "Nothing was deleted."))
    result = program_admin.delete_program_as(db, web.principal, name, confirmed=True)
    h = result.holdings
    message = (f"Deleted program {result.program} with {h.participants} participant(s), "
               f"{h.pairings} pairing(s), {h.drafts} draft(s) and {h.org_people} "
               "organisation record(s).")
    if web.principal.role is AccessRole.admin:
        response = RedirectResponse("/coordinator", status_code=303)
        response.delete_cookie(CHOSEN, path="/coordinator")
    else:  # the program's sign-in sessions, this one too, ended with it
        response = RedirectResponse("/", status_code=303)
    return flash(response, message)


# -- organisation chart ----------------------------------------------------------------------

def _chart_page(request: Request, web: WebSession, db: DatabaseDep, program: str, *,
                report: Any = None, problem: str | None = None,
                status: int = 200) -> Response:
    chart = program_admin.org_chart_view_as(db, web.principal, program)
    return page(request, T + "org_chart.html", {
        "program": program, "qs": _qs(web, program), "chart": chart, "report": report,
        "problem": problem}, status=status)


@router.get("/org-chart", response_class=HTMLResponse)
def org_chart_page(request: Request, web: Session, db: DatabaseDep,
                   name: ProgramName) -> Response:
    return _chart_page(request, web, db, name)


@router.post("/org-chart", response_class=HTMLResponse)
async def org_chart_upload(request: Request, web: Posted, db: DatabaseDep,
                           name: ProgramName) -> Response:
    form = await request.form()
    upload = form.get("file")
    data, filename, problem = b"", "", None
    if upload is None or isinstance(upload, str) or not upload.filename:
        problem = "Choose an organisation chart file to upload."
    else:
        data, filename = await upload.read(), upload.filename
        if not data:
            problem = f"{filename} is empty."
        elif not filename.lower().endswith(_CHART_SUFFIXES):
            problem = (f"Companion cannot tell the format of {filename}: use a .csv, .tsv, "
                       ".xlsx, .json or .jsonl file.")

    def answer() -> Response:
        if problem is not None:
            return _chart_page(request, web, db, name, problem=problem, status=422)
        report = program_admin.import_org_chart_as(db, web.principal, name, data,
                                                   filename=filename)
        return _chart_page(request, web, db, name, report=report,
                           status=200 if report.imported else 422)

    return await run_in_threadpool(answer)

__all__ = ["router"]
