"""`companion audit list`: the append-only log of every decision."""

from __future__ import annotations

import typer

from companion.cli.app import app, database
from companion.cli.output import OutputFormat, print_json, table, visible

audit_app = typer.Typer(help="The audit log of every decision.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("list")
def list_(
    program: str = typer.Option(None, "--program", help="Only this program."),
    limit: int = typer.Option(50, "--limit", min=1, max=10000, help="Newest N events."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """Newest audit events first."""
    from companion.services.audit import list_events

    events = list_events(database(), program=program, limit=limit)
    if fmt is OutputFormat.json:
        print_json({"events": [e.model_dump(mode="json") for e in events]})
        return
    # entities and details of denied requests quote the request line as sent: one line each,
    # every control character shown escaped (JSON output escapes them by itself)
    table("Audit log (newest first)", ["at", "actor", "action", "entity", "detail"],
          [[e.at.strftime("%Y-%m-%d %H:%M:%S"), visible(e.actor, newlines=False), e.action,
            visible(f"{e.entity_type}:{e.entity_id}", newlines=False),
            visible(", ".join(f"{k}={v}" for k, v in e.detail.items()), newlines=False)]
           for e in events])
