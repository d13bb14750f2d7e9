"""`companion import participants` and `companion participants list`."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table
from rich.text import Text

from companion.cli.app import app, database, get_embedder, settings
from companion.cli.output import (
    BarProgress,
    OutputFormat,
    err,
    esc,
    out,
    print_json,
    table,
)
from companion.domain import Role

if TYPE_CHECKING:
    from companion.services.participants import ImportReport

# The services are imported inside each command, so that `--help` never loads the store.

import_app = typer.Typer(help="Import data into a program.", no_args_is_help=True)
participants_app = typer.Typer(help="Inspect a program's participants.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(participants_app, name="participants")

FORMAT = typer.Option(OutputFormat.table, "--format", help="table for people, json for scripts.")
PROGRAM = typer.Option(..., "--program", help="Program name.")


@import_app.command("participants")
def import_participants(
    path: Path = typer.Argument(..., help="A .csv or .tsv (comma, semicolon or tab; UTF-8, "
                                "UTF-16 or Windows-1252), .xlsx, .json or .jsonl file."),
    program: str = PROGRAM,
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help="Import the valid rows and list the invalid ones."),
    map_file: Path = typer.Option(
        None, "--map", help="A YAML or JSON mapping: {columns: {their header: field}, "
        "levels: {grade text: 1-8}}, for headers and grades not recognised out of the box."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Check the file and show what would be created, updated and "
        "left unchanged, writing nothing."),
    fmt: OutputFormat = FORMAT,
) -> None:
    """Import participants. All rows are validated first: with any invalid row nothing is
    imported (exit 2) unless --skip-invalid. Re-importing updates people by id. Common HR
    headers (English, German, French) are recognised; list the others in --map."""
    current = settings()
    reader = None
    if current.read_after_import and not dry_run:
        # loads the model while this imports; reads the new profiles once told they are in
        from companion.services.reading import read_in_background

        reader = read_in_background(get_embedder(current), program, current.home)
    from companion.services.participants import import_participants_file, read_mapping

    report = None
    try:
        mapping = read_mapping(map_file) if map_file is not None else None
        report = import_participants_file(database(), program, path, skip_invalid=skip_invalid,
                                          progress=BarProgress(), mapping=mapping,
                                          dry_run=dry_run)
    finally:
        if reader is not None:
            if report is not None and report.imported and not report.blocked:
                reader.start(database(), report.program)
            else:
                reader.cancel()
    if fmt is OutputFormat.json:
        print_json(report.model_dump(mode="json"))
    else:
        show_import(report, skip_invalid=skip_invalid)
    if report.blocked:
        raise typer.Exit(2)


def show_import(report: ImportReport, *, skip_invalid: bool = False) -> None:
    """Import results in plain language, errors in a table on stderr."""
    if report.errors:
        rows = [[e["row"] or "—", e["field"], e["message"]] for e in report.errors[:200]]
        more = len(report.errors) - len(rows)
        err.print(f"[bold red]{len(report.errors)} problem(s)[/] in {esc(report.source)}:")
        shown = Table("row", "field", "problem", header_style="bold")
        for row in rows:
            shown.add_row(*(Text(str(v)) for v in row))
        err.print(shown)
        if more:
            err.print(f"… and {more} more (use --format json for all).")
    for warning in report.warnings:
        err.print(f"[bold yellow]warning:[/] {esc(warning)}", highlight=False)
    if report.blocked:
        what = "Dry run: the import would stop here." if report.dry_run else \
            "Nothing was imported."
        if skip_invalid:
            err.print(f"{what} These problems affect the whole file, so --skip-invalid "
                      "cannot leave them out: fix them and import again.")
        else:
            err.print(f"{what} Fix the rows above and import again, "
                      "or use --skip-invalid to import only the valid rows.")
        return
    if report.dry_run:
        _show_dry_run(report)
        return
    _show_columns(report)
    out.print(f"Imported {esc(report.source)} into [bold]{esc(report.program)}[/]: "
              f"{report.created} created, {report.updated} updated, "
              f"{report.unchanged} unchanged"
              + (f", {report.skipped} invalid row(s) skipped." if report.skipped else "."))


def _show_dry_run(report: ImportReport) -> None:
    changes = report.changes or {}
    created = changes.get("created", [])
    updated = changes.get("updated", [])
    read_as = ", ".join(x for x in (report.encoding, report.delimiter and
                                    f"{report.delimiter}-separated") if x)
    out.print(f"Dry run of {esc(report.source)} into [bold]{esc(report.program)}[/]"
              + (f" (read as {esc(read_as)})" if read_as else "") + ": nothing was written.")
    _show_columns(report)
    if created:
        out.print(f"Would create {len(created)}: " + esc(_some(created)), highlight=False)
    if updated:
        out.print(f"Would update {len(updated)}: " + esc(_some(
            [f"{u['id']} ({', '.join(u['fields'])})" for u in updated])), highlight=False)
    out.print(f"{report.created} to create, {report.updated} to update, "
              f"{report.unchanged} unchanged"
              + (f", {report.skipped} invalid row(s) to skip." if report.skipped else "."))
    show_would_flag(report.reporting_conflicts)


def show_would_flag(conflicts: list[dict[str, Any]]) -> None:
    """A dry run's pairings the new reporting lines would break (flagged by the import)."""
    if conflicts:
        table("Pairings this import would flag", ["pairing", "mentee", "mentor", "why"],
              [[c["pairing_id"], c["mentee_id"], c["mentor_id"], c["why"]]
               for c in conflicts])


def _show_columns(report: ImportReport) -> None:
    """The headers read as fields of another name, so a wrong guess is seen."""
    read = [f"{c['column']} → {c['field']}" for c in report.columns
            if c.get("how") in ("recognised", "mapped") and c["field"] is not None]
    if read:
        out.print("Columns: " + esc(", ".join(read)), highlight=False)


def _some(items: list[str], limit: int = 50) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more (--format json lists all)"
                    if len(items) > limit else "")


@participants_app.command("list")
def list_(
    program: str = PROGRAM,
    role: Role = typer.Option(None, "--role", help="Only mentors, mentees or both."),
    fmt: OutputFormat = FORMAT,
) -> None:
    """Everyone in a program."""
    from companion.services.participants import list_participants

    people = list_participants(database(), program, role=role)
    if fmt is OutputFormat.json:
        print_json({"program": program,
                    "participants": [p.to_record() for p in people]})
        return
    if not people:
        out.print(f"No participants in {esc(program)} yet. Import some with "
                  f"`companion import participants FILE --program \"{program}\"`.")
        return
    table(f"{program}: {len(people)} participants", [
        "id", "name", "role", "organisation", "department", "level", "capacity", "goals"],
        [[p.id, p.name, p.role, p.organization, p.department, p.level,
          p.capacity if p.role.mentors else "", len(p.goals) or ""] for p in people])
    roles = Counter(p.role.value for p in people)
    out.print(", ".join(f"{n} {r}" for r, n in sorted(roles.items())))


@participants_app.command("withdraw")
def withdraw(
    participant_id: str,
    program: str = PROGRAM,
    reason: str = typer.Option(None, "--reason", help="Why (kept for the coordinators)."),
    by: str = typer.Option("coordinator", "--by", help="Who records it (audit log)."),
    fmt: OutputFormat = FORMAT,
) -> None:
    """Withdraw a participant: their live pairings end (reason withdrawn, future sessions
    cancelled), pending proposals are rejected, and they are never matched again."""
    from companion.services import closing

    result = closing.withdraw(database(), program, participant_id, by=by, reason=reason)
    if fmt is OutputFormat.json:
        print_json(result.json())
        return
    if result.already:
        out.print(f"{esc(participant_id)} had already withdrawn from {esc(program)} "
                  f"({result.withdrawn_at:%Y-%m-%d}).")
        return
    out.print(f"{esc(participant_id)} withdrew from {esc(program)}: "
              f"{len(result.ended)} pairing(s) ended, {len(result.rejected)} proposal(s) "
              "rejected; they will not be matched again.")
    for p in result.ended:
        other = p.mentee_id if p.mentor_id == participant_id else p.mentor_id
        out.print(f"  {p.id}: ended with {esc(other)}")
