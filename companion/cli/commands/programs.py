"""`companion program create|list|show|edit|delete|org`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from companion.cli.app import app, database
from companion.cli.commands.participants import show_would_flag
from companion.cli.output import OutputFormat, err, esc, out, print_json, table
from companion.domain import Program, ProgramType

# The services are imported inside each command, so that `--help` never loads the store.

program_app = typer.Typer(help="Create and inspect mentoring programs.", no_args_is_help=True)
app.add_typer(program_app, name="program")

FORMAT = typer.Option(OutputFormat.table, "--format", help="table for people, json for scripts.")


def program_json(program: Program) -> dict[str, Any]:
    data = program.model_dump(mode="json")
    data["end_date"] = program.end_date.isoformat()
    data["phase_today"] = program.phase_on(date.today())
    return data


@program_app.command("create")
def create(
    name: str = typer.Argument(..., help="Unique program name."),
    type: ProgramType = typer.Option(ProgramType.one_to_one, "--type", help="Program type."),
    start: str = typer.Option(None, "--start", help="Start date YYYY-MM-DD (default today)."),
    months: int = typer.Option(12, "--months", help="Length in months (3-36)."),
    cadence_weeks: int = typer.Option(4, "--cadence-weeks", help="Weeks between sessions."),
    session_minutes: int = typer.Option(60, "--session-minutes", help="Regular session length."),
    host: str = typer.Option(None, "--host-org", help="The organisation running the program."),
    partner: list[str] = typer.Option([], "--partner", help="A partner organisation (repeat)."),
    fmt: OutputFormat = FORMAT,
) -> None:
    """Create a program; its launch / development / completion phases are computed."""
    from companion.services.programs import build_program, create_program, start_warnings

    program = build_program(
        name, type=type, start=_date(start), months=months, cadence_weeks=cadence_weeks,
        session_minutes=session_minutes, host_organization=host,
        partner_organizations=list(partner),
    )
    create_program(database(), program)
    warnings = start_warnings(program)
    if fmt is OutputFormat.json:
        print_json({**program_json(program), "warnings": warnings})
        return
    out.print(f"Created program [bold]{esc(program.name)}[/] ({program.type}), "
              f"{program.start_date} → {program.end_date}.")
    _phases(program)
    _warn(warnings)


@program_app.command("edit")
def edit(
    name: str = typer.Argument(..., help="The program to change."),
    new_name: str = typer.Option(None, "--name", help="A new unique name."),
    start: str = typer.Option(None, "--start", help="New start date YYYY-MM-DD."),
    months: int = typer.Option(None, "--months", help="New length in months (3-36)."),
    cadence_weeks: int = typer.Option(None, "--cadence-weeks", help="Weeks between sessions."),
    session_minutes: int = typer.Option(None, "--session-minutes",
                                        help="Regular session length."),
    host: str = typer.Option(None, "--host-org", help="The organisation running the program."),
    capacity: int = typer.Option(None, "--capacity", help="Mentees per mentor when unset."),
    fmt: OutputFormat = FORMAT,
) -> None:
    """Change a program's name, dates or session rhythm (phases follow new dates). Drafts
    and pairings the new dates leave outside are named in warnings, not changed."""
    from companion.services.programs import edit_program

    result = edit_program(database(), name, {
        "name": new_name, "start_date": _date(start), "months": months,
        "cadence_weeks": cadence_weeks, "session_minutes": session_minutes,
        "host_organization": host, "default_capacity": capacity})
    if fmt is OutputFormat.json:
        print_json({**program_json(result.program), "renamed_from": result.renamed_from,
                    "changed": {k: [_shown(b), _shown(a)] for k, (b, a) in
                                result.changed.items()},
                    "warnings": result.warnings})
        return
    if result.changed:
        out.print(f"Updated program [bold]{esc(result.program.name)}[/]"
                  + (f" (was {esc(result.renamed_from)})" if result.renamed_from else "")
                  + ".")
        table(None, ["setting", "before", "after"],
              [[k, _shown(b), _shown(a)] for k, (b, a) in result.changed.items()])
        if {"start_date", "months"} & result.changed.keys():
            _phases(result.program)
    _warn(result.warnings)


@program_app.command("delete")
def delete(
    name: str = typer.Argument(..., help="The program to delete."),
    yes: bool = typer.Option(False, "--yes", help="Confirm: delete it and everything in it."),
    fmt: OutputFormat = FORMAT,
) -> None:
    """Delete a program with its participants, pairings and drafts (refused without --yes,
    saying what would be deleted)."""
    from companion.services.programs import delete_program

    result = delete_program(database(), name, confirmed=yes)
    if fmt is OutputFormat.json:
        print_json({"deleted": result.program, **result.holdings._asdict()})
        return
    h = result.holdings
    out.print(f"Deleted program [bold]{esc(result.program)}[/] with {h.participants} "
              f"participant(s), {h.pairings} pairing(s), {h.drafts} draft(s) and "
              f"{h.org_people} organisation record(s).")


@program_app.command("list")
def list_(fmt: OutputFormat = FORMAT) -> None:
    """All programs."""
    from companion.services.programs import list_programs

    programs = list_programs(database())
    if fmt is OutputFormat.json:
        print_json({"programs": [program_json(p) for p in programs]})
        return
    if not programs:
        out.print("No programs yet. Create one with `companion program create NAME` "
                  "or run `companion demo`.")
        return
    today = date.today()
    table("Programs", ["name", "type", "start", "end", "phase today"],
          [[p.name, p.type, p.start_date, p.end_date, p.phase_on(today) or "—"]
           for p in programs])


@program_app.command("show")
def show(name: str = typer.Argument(..., help="Program name."), fmt: OutputFormat = FORMAT
         ) -> None:
    """One program with its phases and settings."""
    from companion.services.programs import get_program

    program = get_program(database(), name)
    if fmt is OutputFormat.json:
        print_json(program_json(program))
        return
    today = date.today()
    table(f"Program {program.name}", ["setting", "value"], [
        ["type", program.type], ["runs", f"{program.start_date} → {program.end_date} "
                                         f"({program.months} months)"],
        ["phase today", program.phase_on(today) or "not running"],
        ["sessions", f"{program.session_minutes} min every {program.cadence_weeks} weeks"],
        ["host organisation", program.host_organization or "—"],
        ["partners", ", ".join(program.partner_organizations) or "—"],
        ["default mentor capacity", program.default_capacity],
        ["shared language required", "yes" if program.require_shared_language else "no"],
        ["AI may read", ", ".join(program.ai_readable_fields)],
    ])
    _phases(program)


@program_app.command("org-chart")
def org_chart(
    name: str = typer.Argument(..., help="The program."),
    path: Path = typer.Argument(None, help="A file of id, name, manager_id rows (CSV, XLSX, "
                                "JSON): people outside the program and whom they report to."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="With PATH: check the file and show what would be created "
        "and updated and which pairings would be flagged, writing nothing."),
    fmt: OutputFormat = FORMAT,
) -> None:
    """The organisation beyond the program's participants: managers outside it, kept for the
    reporting-line rule (never matched). With PATH, import them (all rows or none); then list
    them and the live pairings the reporting lines forbid."""
    from companion.services.org_chart import import_org_chart, org_records
    from companion.services.reporting_checks import reporting_conflicts

    db = database()
    if path is not None:
        report = import_org_chart(db, name, path, dry_run=dry_run)
        if fmt is OutputFormat.json:
            print_json(report.model_dump(mode="json"))
        elif report.dry_run and not report.errors:
            out.print(f"Dry run of {esc(report.source)} into [bold]{esc(name)}[/]: nothing was "
                      f"written. {report.created} to create, {report.updated} to update, "
                      f"{report.unchanged} unchanged; {report.participants} row(s) of "
                      "participants to skip.")
            show_would_flag(report.reporting_conflicts)
        elif report.imported:
            out.print(f"Organisation records of [bold]{esc(name)}[/]: {report.created} created, "
                      f"{report.updated} updated, {report.unchanged} unchanged; "
                      f"{report.participants} row(s) of participants skipped.")
        for error in report.errors if fmt is OutputFormat.table else []:
            err.print(f"row {error['row']}, {esc(error['field'])}: {esc(error['message'])}",
                      highlight=False)
        if fmt is OutputFormat.table:
            _warn(report.warnings)
        if report.errors or not (report.imported or report.dry_run):
            raise typer.Exit(2)
        return
    people = org_records(db, name)
    broken = reporting_conflicts(db, name)
    if fmt is OutputFormat.json:
        print_json({"program": name, "org_people": [p.model_dump() for p in people],
                    "reporting_conflicts": [b.as_dict() for b in broken]})
        return
    table(f"Organisation records of {name}", ["id", "name", "manager"],
          [[p.id, p.name or "—", p.manager_id or "—"] for p in people])
    if broken:
        table("Live pairings the reporting lines forbid", ["pairing", "mentee", "mentor",
                                                           "status", "why"],
              [[b.pairing_id, b.mentee_id, b.mentor_id, b.status, b.why] for b in broken])


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        err.print(f"[bold yellow]warning:[/] {esc(warning)}", highlight=False)


def _shown(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _phases(program: Program) -> None:
    table(None, ["phase", "from", "to"],
          [[w.phase, w.start, w.end] for w in program.phases])


def _date(value: str | None) -> date | None:
    from companion.errors import BadInputError

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInputError(f"--start: '{value}' is not a date; use YYYY-MM-DD",
                            field="start") from None
