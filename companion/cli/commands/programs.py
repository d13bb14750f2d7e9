"""`companion program create|list|show`."""

from __future__ import annotations

from datetime import date
from typing import Any

import typer

from companion.cli.app import app, database
from companion.cli.output import OutputFormat, esc, out, print_json, table
from companion.domain import Program, ProgramType
from companion.services.programs import build_program, create_program, get_program, list_programs

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
    program = build_program(
        name, type=type, start=_date(start), months=months, cadence_weeks=cadence_weeks,
        session_minutes=session_minutes, host_organization=host,
        partner_organizations=list(partner),
    )
    create_program(database(), program)
    if fmt is OutputFormat.json:
        print_json(program_json(program))
        return
    out.print(f"Created program [bold]{esc(program.name)}[/] ({program.type}), "
              f"{program.start_date} → {program.end_date}.")
    _phases(program)


@program_app.command("list")
def list_(fmt: OutputFormat = FORMAT) -> None:
    """All programs."""
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
