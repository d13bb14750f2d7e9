"""`companion draft ...`, `companion drafts ...` and `companion review ...`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from companion.cli.app import app, database, settings
from companion.cli.output import OutputFormat, esc, out, print_json, table
from companion.domain import Draft, DraftKind, DraftStatus
from companion.errors import BadInputError

draft_app = typer.Typer(help="Ask the agent for a draft (it waits for human review).",
                        no_args_is_help=True)
drafts_app = typer.Typer(help="List and read drafts.", no_args_is_help=True)
review_app = typer.Typer(help="Decide on a draft: approve, edit or reject with feedback.",
                         no_args_is_help=True)
app.add_typer(draft_app, name="draft")
app.add_typer(drafts_app, name="drafts")
app.add_typer(review_app, name="review")

FORMAT = typer.Option(OutputFormat.table, "--format", help="table for people, json for scripts.")


def _service() -> Any:
    """The drafting services, imported on first use (LangGraph is slow to import, and most
    commands never need it)."""
    from companion.services import drafts

    return drafts


def _request(kind: DraftKind, program: str, participant: str, topic: str | None,
             partner: str | None, by: str | None, fmt: OutputFormat) -> None:
    result = _service().request_draft(database(), settings(), program=program, kind=kind,
                                   participant_id=participant, topic=topic,
                                   requested_by=by, partner_id=partner)
    show(result, fmt)


def _kind_command(kind: DraftKind, help_text: str) -> None:
    def command(
        program: str = typer.Option(..., "--program", help="Program name."),
        participant: str = typer.Option(..., "--participant", help="Who the draft is for."),
        topic: str = typer.Option(None, "--topic", help="What the session or situation is "
                                  "about."),
        partner: str = typer.Option(None, "--partner", help="Their approved partner, if "
                                    "several."),
        by: str = typer.Option(None, "--by", help="Who asks (the reviewer); default the "
                               "participant."),
        fmt: OutputFormat = FORMAT,
    ) -> None:
        _request(kind, program, participant, topic, partner, by, fmt)

    command.__doc__ = help_text
    draft_app.command(kind.value)(command)


_kind_command(DraftKind.agenda, "A session agenda that follows the program phase's template.")
_kind_command(DraftKind.questions, "Reflection questions for before or after a session.")
_kind_command(DraftKind.goals, "SMART-ER goals from the participant's own goals.")
_kind_command(DraftKind.framework, "A conversation framework for a situation (--topic).")


@drafts_app.command("list")
def list_(
    program: str = typer.Option(None, "--program", help="Only this program."),
    participant: str = typer.Option(None, "--participant", help="Only this participant."),
    status: DraftStatus = typer.Option(None, "--status", help="Only this status."),
    fmt: OutputFormat = FORMAT,
) -> None:
    """Drafts, oldest first (pending_review ones are the review queue)."""
    found = _service().list_drafts(database(), program=program, participant_id=participant,
                                status=status)
    if fmt is OutputFormat.json:
        print_json({"drafts": [_service().draft_json(d) for d in found]})
        return
    table(f"Drafts ({len(found)})", ["draft", "kind", "participant", "status", "v",
                                     "checks", "generator"],
          [[d.id, d.kind, d.participant_id, d.status, d.version,
            f"{sum(c.passed for c in d.checks)}/{len(d.checks)} passed", d.generator]
           for d in found])


@drafts_app.command("show")
def show_(draft_id: str, versions: bool = typer.Option(False, "--versions",
                                                        help="Also list every version."),
          fmt: OutputFormat = FORMAT) -> None:
    """One draft with its content, citations and checks."""
    draft = _service().get_draft(database(), draft_id)
    if fmt is OutputFormat.json:
        data = _service().draft_json(draft)
        if versions:
            data["versions"] = [v.model_dump(mode="json")
                                for v in _service().draft_versions(database(), draft_id)]
        print_json(data)
        return
    show(draft, fmt)
    if versions:
        table("Versions", ["v", "author", "generator", "note", "diff lines"],
              [[v.number, v.author, v.generator, v.note or "",
                len((v.diff or "").splitlines())]
               for v in _service().draft_versions(database(), draft_id)])


@drafts_app.command("recover")
def recover(fmt: OutputFormat = FORMAT) -> None:
    """Finish drafts a crash interrupted: resume each from its checkpoint, or mark it failed
    with the reason (`companion serve` does this at start too)."""
    report = _service().recover_drafts(database(), settings())
    if fmt is OutputFormat.json:
        print_json({"recovered": [_service().draft_json(d) for d in report.resumed],
                    "still_running": report.still_running})
        return
    if not report.resumed and not report.still_running:
        out.print("No interrupted drafts.")
    for d in report.resumed:
        out.print(f"{d.id}: {d.status}" + (f" — {esc(d.failure_reason)}"
                                           if d.failure_reason else ""))
    for draft_id in report.still_running:
        out.print(f"{draft_id}: still being written by a live process")


BY = typer.Option(None, "--by", help="The draft's reviewer (checked); leave out to decide "
                  "as the local operator (recorded as such in the audit log).")


def _decide(draft_id: str, decision: str, by: str | None, note: str | None,
            version: int | None, content: dict[str, Any] | None, fmt: OutputFormat) -> None:
    result = _service().review_local(database(), settings(), draft_id, decision, by=by,
                                     note=note, version=version, content=content)
    show(result.draft, fmt, warnings=result.warnings)


@review_app.command("approve")
def approve(draft_id: str, by: str = BY,
            note: str = typer.Option(None, "--note"),
            version: int = typer.Option(None, "--version", help="Expected draft version."),
            fmt: OutputFormat = FORMAT) -> None:
    """Approve: from now on the draft is visible beyond its reviewer."""
    _decide(draft_id, "approve", by, note, version, None, fmt)


@review_app.command("reject")
def reject(draft_id: str, by: str = BY,
           note: str = typer.Option(None, "--note", help="Feedback: with it, the agent "
                                    "redrafts using it; without it, the rejection is final."),
           version: int = typer.Option(None, "--version"), fmt: OutputFormat = FORMAT) -> None:
    """Reject; with --note the agent writes a new version that uses the feedback."""
    _decide(draft_id, "reject", by, note, version, None, fmt)


@review_app.command("edit")
def edit(draft_id: str, file: Path = typer.Option(..., "--file", help="Edited content JSON "
                                                  "(the draft's 'content' object)."),
         by: str = BY, note: str = typer.Option(None, "--note"),
         version: int = typer.Option(None, "--version"), fmt: OutputFormat = FORMAT) -> None:
    """Store your edited content as a new version (with its diff); approve it afterwards."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadInputError(f"{file}: cannot read JSON: {exc}", field="file") from None
    if isinstance(data, dict) and isinstance(data.get("content"), dict):
        data = data["content"]  # a whole draft JSON is fine too
    if not isinstance(data, dict):
        raise BadInputError(f"{file}: expected a JSON object", field="file")
    _decide(draft_id, "edit", by, note, version, data, fmt)


def show(draft: Draft, fmt: OutputFormat, *, warnings: list[str] | None = None) -> None:
    """A draft for people: header, content by kind, citations, checks, next steps; after a
    decision, its `warnings` (JSON: a "warnings" key, present after every decision)."""
    if fmt is OutputFormat.json:
        data = _service().draft_json(draft)
        print_json(data if warnings is None else {**data, "warnings": warnings})
        return
    out.print(f"[bold]{draft.kind} draft {draft.id}[/] for {esc(draft.participant_id)} — "
              f"[bold]{draft.status}[/] (version {draft.version}, by {esc(draft.generator)})")
    if draft.status is DraftStatus.failed:
        out.print(f"[red]Failed:[/] {esc(draft.failure_reason or '')}")
    _content(draft.kind, draft.content)
    if draft.citations:
        table("Grounded in", ["source", "heading", "excerpt"],
              [[c.source, c.heading, c.excerpt] for c in draft.citations])
    if draft.checks:
        out.print("Checks: " + ", ".join(
            f"{c.name} {'✓' if c.passed else '✗ ' + esc(c.detail)}" for c in draft.checks))
    for warning in warnings or []:
        out.print(f"[yellow]Warning:[/] {esc(warning)}")
    if draft.status is DraftStatus.pending_review:
        out.print(f"Only its reviewer sees this draft until it is approved:\n"
                  f"  companion review approve {draft.id} --by REVIEWER\n"
                  f"  companion review reject {draft.id} --note \"what to change\"\n"
                  f"  companion review edit {draft.id} --file edited.json")


def _content(kind: DraftKind, content: dict[str, Any]) -> None:
    if not content:
        return
    if kind is DraftKind.agenda:
        table(f"{content.get('title', 'Agenda')} ({content.get('phase')}, "
              f"{content.get('duration_minutes')} min)", ["min", "topic", "purpose"],
              [[i.get("minutes"), i.get("topic"), i.get("purpose")]
               for i in content.get("items", [])])
        for item in content.get("preparation", []):
            out.print(f"  prepare: {esc(item)}")
    elif kind is DraftKind.questions:
        table("Questions", ["#", "question", "purpose"],
              [[n, q.get("text"), q.get("purpose")]
               for n, q in enumerate(content.get("questions", []), 1)])
    elif kind is DraftKind.goals:
        for n, goal in enumerate(content.get("goals", []), 1):
            table(f"Goal {n}: {goal.get('statement', '')}", ["", ""], [
                [letter, goal.get(key)] for letter, key in (
                    ("S", "specific"), ("M", "measurable"), ("A", "achievable"),
                    ("R", "relevant"), ("T", "time_bound"))] + [
                ["E", "; ".join(f"{c.get('date')}: {c.get('check')}"
                                for c in goal.get("evaluated", []))],
                ["R", goal.get("readjusted")]])
    else:
        table(f"{content.get('name', 'Framework')}: {content.get('situation', '')}",
              ["stage", "prompts"],
              [[s.get("stage"), "\n".join(s.get("prompts", []))]
               for s in content.get("steps", [])])
        for pitfall in content.get("pitfalls", []):
            out.print(f"  pitfall: {esc(pitfall)}")
