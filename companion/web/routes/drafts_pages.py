"""A draft's page: its content by kind, citations and checks; for its reviewer the decision
(approve, reject with a note, edit) and the diff of the last edit. While the agent is writing,
the page shows "Drafting…" and polls a small fragment that swaps in the finished draft."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from companion.api.deps import DatabaseDep, SettingsDep
from companion.domain import Draft, DraftKind, DraftStatus
from companion.domain.enums import Phase
from companion.errors import BadInputError, ConflictError
from companion.services import draft_jobs
from companion.services.draft_rationale import explain
from companion.services.drafts import failed_checks, visible_draft, visible_versions
from companion.services.web_auth import WebSession
from companion.web.render import TEMPLATES, flash, home_of, page
from companion.web.routes.participant import KIND_TITLES
from companion.web.session import MaybeSession, Posted, Session

if TYPE_CHECKING:
    from companion.store import Database

router = APIRouter(include_in_schema=False)
#: Empty rows an edit form offers for adding an entry to a list.
SPARE_ROWS = 1
#: Most entries of one list the edit form reads back.
MAX_ROWS = 20


def _context(db: Database, web: WebSession, draft_id: str) -> dict[str, Any]:
    draft, access = visible_draft(db, web.principal, draft_id)
    reviewer = access.is_reviewer(draft)
    versions = visible_versions(db, web.principal, draft_id)[1] if reviewer else []
    edits = [v for v in versions if v.diff]
    return {"draft": draft, "reviewer": reviewer, "title": _title(draft),
            "versions": versions, "last_edit": edits[-1] if edits else None,
            # the drafter's reasons are for the person deciding on the draft
            "why": explain(draft.rationale) if reviewer else None,
            "failed": failed_checks(draft) if reviewer else [],
            "home": home_of(web), "csrf": web.csrf, "me": web.principal,
            "progress": draft_jobs.stage_label(draft), "elapsed": _elapsed(draft)}


def _elapsed(draft: Draft) -> str | None:
    """How long ago a `drafting` draft was asked for, in words (None once done)."""
    if draft.status is not DraftStatus.drafting or draft.created_at is None:
        return None
    from datetime import UTC, datetime

    seconds = int((datetime.now(UTC) - draft.created_at).total_seconds())
    if seconds < 5:
        return None
    return f"{seconds} s so far" if seconds < 120 else f"{seconds // 60} min so far"


def _title(draft: Draft) -> str:
    title = KIND_TITLES[draft.kind]
    return f"{title}: {draft.topic}" if draft.topic else title


@router.get("/drafts/{draft_id}", response_class=HTMLResponse)
def draft_page(draft_id: str, request: Request, web: Session, db: DatabaseDep) -> Response:
    return page(request, "drafts/draft.html", _context(db, web, draft_id))


@router.get("/drafts/{draft_id}/status", response_class=HTMLResponse)
def draft_status(draft_id: str, request: Request, web: MaybeSession,
                 db: DatabaseDep) -> Response:
    """The draft's body alone, for htmx to swap in (it polls itself while drafting)."""
    if web is None:  # signed out meanwhile: the whole page goes to sign in, not the box
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": "/sign-in"})
        return RedirectResponse("/sign-in", status_code=303)
    return TEMPLATES.TemplateResponse(request, "drafts/_body.html",
                                      _context(db, web, draft_id))


@router.post("/drafts/{draft_id}/review")
def review(draft_id: str, request: Request, web: Posted, db: DatabaseDep,
           settings: SettingsDep, decision: str = Form(""), version: int = Form(0),
           note: str = Form(""), confirm_failed_checks: str = Form("")) -> Response:
    note = note.strip()
    try:
        # on this page an approval of failed checks needs the box ticked
        outcome = draft_jobs.start_review(db, settings, web.principal, draft_id, decision,
                                          version=version, note=note or None,
                                          confirm_failed_checks=confirm_failed_checks == "yes")
    except (BadInputError, ConflictError) as exc:
        context = {**_context(db, web, draft_id), "problem": str(exc), "note": note}
        return page(request, "drafts/draft.html", context, status=exc.http_status)
    shared = visible_draft(db, web.principal, draft_id)[0].pairing_id is not None
    partner = {"mentee": "your mentor", "mentor": "your mentee"}.get(
        web.principal.role.value, "the pair")
    message = {"approve": f"Approved: {partner} can see it now." if shared else "Approved.",
               "reject": "Rejected: the draft is being rewritten with your note." if note
               else "Rejected."}.get(decision, "Done.")
    if outcome is not None and outcome.warnings:
        message += f" You approved it with {len(outcome.warnings)} failed check(s)."
    return flash(RedirectResponse(f"/drafts/{draft_id}", status_code=303), message)


@router.get("/drafts/{draft_id}/edit", response_class=HTMLResponse)
def edit_page(draft_id: str, request: Request, web: Session, db: DatabaseDep) -> Response:
    context = _context(db, web, draft_id)
    draft: Draft = context["draft"]
    if not context["reviewer"] or draft.status is not DraftStatus.pending_review:
        return RedirectResponse(f"/drafts/{draft_id}", status_code=303)
    return page(request, "drafts/edit.html", {
        **context, **_edit_form(draft.kind, draft.content),
        "content_json": json.dumps(draft.content, indent=2, ensure_ascii=False)})


@router.post("/drafts/{draft_id}/edit")
async def save_edit(draft_id: str, request: Request, web: Posted, db: DatabaseDep,
                    settings: SettingsDep) -> Response:
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    return await run_in_threadpool(_save_edit, draft_id, request, web, db, settings, fields)


def _save_edit(draft_id: str, request: Request, web: WebSession, db: Database,
               settings: Any, fields: dict[str, str]) -> Response:
    context = _context(db, web, draft_id)
    draft: Draft = context["draft"]
    typed_json = fields.get("content_json", "")
    content: Any = None
    try:
        version = int(fields.get("version", "0") or 0)
        if fields.get("mode") == "json":
            try:
                content = json.loads(typed_json)
            except ValueError as exc:
                raise BadInputError(f"the content is not valid JSON: {exc}",
                                    field="content") from None
        else:
            content = content_from_form(draft.kind, fields)
        draft_jobs.start_review(db, settings, web.principal, draft_id, "edit",
                                version=version, content=content,
                                note=fields.get("note", "").strip() or None)
    except (BadInputError, ConflictError, ValueError) as exc:
        shown = content if isinstance(content, dict) and fields.get("mode") != "json" \
            else draft.content
        return page(request, "drafts/edit.html", {
            **context, **_edit_form(draft.kind, shown), "problem": str(exc),
            "content_json": typed_json or json.dumps(draft.content, indent=2,
                                                     ensure_ascii=False),
            "mode": fields.get("mode", "fields"), "note": fields.get("note", ""),
            # what was typed was typed on that version: saving it again must not overwrite
            # the newer one unseen
            "form_version": fields.get("version")},
            status=409 if isinstance(exc, ConflictError) else 422)
    return flash(RedirectResponse(f"/drafts/{draft_id}", status_code=303),
                 "Your edit is saved as a new version.")


# -- the edit form: content <-> fields a person can fill in --------------------------------

def _lines(value: Any) -> str:
    return "\n".join(str(v) for v in value) if isinstance(value, list) else str(value or "")


def _edit_form(kind: DraftKind, content: dict[str, Any]) -> dict[str, Any]:
    """Rows for the template: each list's entries plus a spare empty one."""
    def rows(name: str, empty: dict[str, Any]) -> list[dict[str, Any]]:
        found = [r for r in content.get(name) or [] if isinstance(r, dict)]
        return found + [dict(empty) for _ in range(SPARE_ROWS)]

    form: dict[str, Any] = {"kind": kind.value, "c": content, "lines": _lines,
                            "phases": [p.value for p in Phase]}
    if kind is DraftKind.agenda:
        form["rows"] = rows("items", {"topic": "", "minutes": "", "purpose": ""})
    elif kind is DraftKind.questions:
        form["rows"] = rows("questions", {"text": "", "purpose": ""})
    elif kind is DraftKind.framework:
        form["rows"] = rows("steps", {"stage": "", "prompts": []})
    else:
        form["rows"] = [r for r in content.get("goals") or [] if isinstance(r, dict)]
        form["checkpoints"] = _checkpoints_text
    return form


def _checkpoints_text(goal: dict[str, Any]) -> str:
    return "\n".join(f"{c.get('date', '')}: {c.get('check', '')}" if isinstance(c, dict)
                     else str(c) for c in goal.get("evaluated") or [])


def _number(value: str) -> int | str:
    value = value.strip()
    return int(value) if value.isdigit() else value


def _split(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _read_rows(fields: dict[str, str], prefix: str, names: tuple[str, ...]
               ) -> list[dict[str, str]]:
    found = []
    for i in range(MAX_ROWS):
        row = {n: fields.get(f"{prefix}-{i}-{n}", "") for n in names}
        if any(v.strip() for v in row.values()):
            found.append(row)
    return found


def content_from_form(kind: DraftKind, fields: dict[str, str]) -> dict[str, Any]:
    """The draft content the friendly fields describe (validated by the service)."""
    if kind is DraftKind.agenda:
        return {"title": fields.get("title", ""), "phase": fields.get("phase", ""),
                "duration_minutes": _number(fields.get("duration_minutes", "")),
                "items": [{"topic": r["topic"], "minutes": _number(r["minutes"]),
                           "purpose": r["purpose"]}
                          for r in _read_rows(fields, "items", ("topic", "minutes",
                                                                "purpose"))],
                "preparation": _split(fields.get("preparation", ""))}
    if kind is DraftKind.questions:
        return {"questions": _read_rows(fields, "questions", ("text", "purpose"))}
    if kind is DraftKind.framework:
        return {"name": fields.get("name", ""), "situation": fields.get("situation", ""),
                "steps": [{"stage": r["stage"], "prompts": _split(r["prompts"])}
                          for r in _read_rows(fields, "steps", ("stage", "prompts"))],
                "pitfalls": _split(fields.get("pitfalls", ""))}
    goals = []
    for r in _read_rows(fields, "goals", ("statement", "specific", "measurable", "achievable",
                                          "relevant", "time_bound", "evaluated",
                                          "readjusted")):
        checkpoints = []
        for line in _split(r["evaluated"]):
            day, _, check = line.partition(":")
            checkpoints.append({"date": day.strip(), "check": check.strip()})
        goals.append({**r, "evaluated": checkpoints})
    worksheets = [{"goal": r["goal"], "questions": _split(r["questions"])}
                  for r in _read_rows(fields, "worksheets", ("goal", "questions"))]
    return {"goals": goals, **({"worksheets": worksheets} if worksheets else {})}
