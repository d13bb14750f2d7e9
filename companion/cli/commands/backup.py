"""`companion backup PATH` and `companion restore PATH`: one archive of COMPANION_HOME's state."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import typer

from companion.cli.app import app, settings
from companion.cli.output import BarProgress, OutputFormat, esc, out, print_json, table
from companion.errors import ConflictError


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


@app.command("backup")
def backup(
    path: Path = typer.Argument(..., help="Archive to write (.tar.gz; must not exist), or a "
                                "folder to write a timestamped archive into."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """Save a consistent snapshot of COMPANION_HOME (database, drafting checkpoints, Chroma,
    caches) into one archive; safe while a server is running."""
    from companion.services import backup as service

    result = service.backup(settings(), path,
                            progress=BarProgress() if fmt is OutputFormat.table else None)
    if fmt is OutputFormat.json:
        print_json(result.json())
        return
    database = (f"{result.database_kind} at revision {result.revision}"
                if result.database_included else f"{result.database_kind}: NOT included")
    table(None, ["", ""], [["archive", result.archive], ["size", _size(result.size)],
                           ["files", len(result.files)], ["database", database],
                           ["created", result.created_at.isoformat()]])
    _notes(n for n in result.notes if not result.pg_dump or result.pg_dump not in n)
    if result.pg_dump:
        out.print("[bold yellow]The database itself is not in the archive.[/] Save it now "
                  "with:", highlight=False)
        out.print(f"  {esc(result.pg_dump)}", highlight=False, soft_wrap=True)


@app.command("restore")
def restore(
    path: Path = typer.Argument(..., help="An archive made by `companion backup`."),
    force: bool = typer.Option(False, "--force", help="Restore into a home that already "
                               "holds state: move those files aside into a replaced-<time> "
                               "folder first (nothing is deleted)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """Restore an archive into COMPANION_HOME (stop servers and workers first). Its checksums
    are verified and an older schema is migrated; a newer one is refused."""
    from companion.services import backup as service

    try:
        result = service.restore(settings(), path, force=force)
    except ConflictError as exc:  # the service says what; the CLI says which flag
        raise ConflictError(f"{exc} (--force)") from None
    if fmt is OutputFormat.json:
        print_json(result.json())
        return
    revision = (f"{result.backup_revision} → {result.revision} (migrated)" if result.migrated
                else str(result.revision))
    table(None, ["", ""], [["restored", result.archive], ["into", result.home],
                           ["files", len(result.files)], ["database", result.database_kind],
                           ["revision", revision], ["backup taken", result.created_at],
                           ["old files moved to", result.moved_aside or "—"]])
    _notes(result.notes)


def _notes(notes: Iterable[str]) -> None:
    for note in notes:
        out.print(f"[yellow]note:[/] {esc(note)}", highlight=False, soft_wrap=True)
