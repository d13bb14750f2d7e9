"""The `companion` command: a thin face over `companion.services`."""

from __future__ import annotations

import gc
import os
import sys
import traceback
from typing import TYPE_CHECKING

import click
import typer

from companion import __version__
from companion.errors import CompanionError
from companion.logs import configure_logging

from .hints import hint_for
from .output import err, esc

if TYPE_CHECKING:
    from companion.config import Settings
    from companion.embeddings import Embedder
    from companion.store import Database

app = typer.Typer(
    name="companion",
    help="Companion — explained mentor matches and guideline-grounded drafts, "
    "with a human approving every one.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)


def settings() -> Settings:
    # imported here, not at the top: pydantic-settings takes a quarter of a second to
    # import on a 2-core machine, and `--help` reads no settings
    from companion.config import get_settings

    return get_settings()


def database() -> Database:
    # imported here, not at the top: SQLAlchemy and Alembic take a third of a second to
    # import, and `--help`, `config show` or `sample generate` never open the database
    from companion.store import get_database

    return get_database(settings())


def get_embedder(config: Settings) -> Embedder:
    """The configured embedder. Commands that embed call it (through their own module's name,
    which tests replace); importing companion.embeddings (numpy, then the model) waits until
    then."""
    from companion.embeddings import get_embedder as configured

    return configured(config)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"companion {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    # reading the settings here checks them before any command runs (SettingsError: exit 2)
    current = settings()
    configure_logging(current.log_level, current.log_format)


#: Python's own collection thresholds, which long-running commands restore.
_GC_DEFAULT = gc.get_threshold()
#: A command's start-up builds several hundred thousand objects that live until it exits (the
#: classes of pydantic, SQLAlchemy, LangGraph, Chroma). With Python's thresholds (700, 10, 10)
#: the collector walks them again and again while they are built: ~0.5 s of a 2.5 s warm
#: `draft agenda` (docs/benchmarks.md). A first threshold of 50,000 still collects cyclic
#: garbage, rarely.
_GC_COMMAND = (50_000, 20, 100)


def console() -> None:
    """The `companion` executable: `main` with the collector set for a short command, and the
    objects left at exit frozen, so the interpreter does not walk them once more before the
    process ends (another ~0.7 s of a warm draft). In-process callers (tests) use `main`."""
    gc.set_threshold(*_GC_COMMAND)
    try:
        main()
    finally:
        gc.freeze()


def long_running() -> None:
    """For commands that run for hours (`serve`, `worker`): Python's own thresholds again, with
    what start-up built frozen out of every later collection."""
    gc.freeze()
    gc.set_threshold(*_GC_DEFAULT)


def main(argv: list[str] | None = None) -> None:
    """Entry point: maps Companion's errors to exit codes (2 bad input, 1 other) without
    tracebacks; COMPANION_DEBUG=1 shows the traceback of an unexpected error."""
    from . import commands  # noqa: F401  (registers the commands on `app`)

    try:
        result = app(args=argv, standalone_mode=False)
    except CompanionError as exc:
        err.print(f"[bold red]error:[/] {esc(exc)}", highlight=False)
        hint = hint_for(exc, sys.argv[1:] if argv is None else argv, _has_programs)
        if hint:
            err.print(f"[bold]hint:[/] {esc(hint)}", highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # the last line of defence: no raw traceback for users
        if "companion.config" in sys.modules:  # else no setting was read, none was wrong
            from companion.config import SettingsError

            if isinstance(exc, SettingsError):  # a bad or unknown COMPANION_* variable:
                err.print("[bold red]error:[/] the configuration is not valid:",  # nothing ran
                          highlight=False)
                for line in exc.problems:
                    err.print(f"  {esc(line)}", highlight=False, soft_wrap=True)
                sys.exit(exc.exit_code)
        if _is_usage_error(exc):
            exc.show()  # type: ignore[attr-defined]
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        if type(exc).__name__ == "Abort":
            err.print("aborted")
            sys.exit(1)
        if os.environ.get("COMPANION_DEBUG"):
            traceback.print_exc()
        err.print(f"[bold red]internal error:[/] {type(exc).__name__}: {esc(exc)}\n"
                  "Run again with COMPANION_DEBUG=1 for the traceback and report it.",
                  highlight=False)
        sys.exit(1)
    sys.exit(result if isinstance(result, int) else 0)


def _has_programs() -> bool:
    """Whether any program exists (asked only to word a "not found" error)."""
    from companion.services.programs import list_programs

    try:
        return bool(list_programs(database()))
    except Exception:  # the database itself failing: the error already says enough
        return True


def _is_usage_error(exc: Exception) -> bool:
    # Typer may vendor its own click, so its usage errors are not click's classes: recognise
    # them by behaviour (both have `show()` and an `exit_code`).
    return isinstance(exc, click.exceptions.ClickException) or (
        callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int)
    )
