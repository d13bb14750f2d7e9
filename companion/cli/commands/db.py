"""`companion db upgrade`: migrate the database once, before the servers start.

Every process still migrates on first use (cheap when the schema is current); running this
first, from one process, means N API workers never race to migrate a fresh database — the
`migrate` service of compose.yaml and the upgrade steps of docs/deploy.md use it."""

from __future__ import annotations

import typer

from companion.cli.app import app, database
from companion.cli.output import OutputFormat, out, print_json

db_app = typer.Typer(help="The database schema: migrate it before starting servers.",
                     no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade(fmt: OutputFormat = typer.Option(OutputFormat.table, "--format")) -> None:
    """Bring the schema to this version's newest migration (nothing to do when it already is);
    exit 1 when the database cannot be reached."""
    handle = database()
    handle.upgrade()
    revision = handle.current_revision()
    if fmt is OutputFormat.json:
        print_json({"database": handle.dialect, "revision": revision})
        return
    out.print(f"{handle.dialect} database at revision {revision} (up to date)", highlight=False)
