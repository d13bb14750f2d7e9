"""`companion config show`: the settings in force, where each came from, secrets masked."""

from __future__ import annotations

import typer

from companion.cli.app import app, settings
from companion.cli.output import OutputFormat, print_json

config_app = typer.Typer(help="The settings in force (COMPANION_* environment variables).",
                         no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("show")
def show(fmt: OutputFormat = typer.Option(OutputFormat.table, "--format")) -> None:
    """Every setting's effective value and its source (default or environment). Secrets
    show as ****, and URLs without their password."""
    cfg = settings()
    from companion.config import describe_settings, mask_url

    rows = describe_settings(cfg)
    database = mask_url(cfg.resolved_database_url)
    if fmt is OutputFormat.json:
        print_json({"settings": {row["setting"]: {"variable": row["variable"],
                                                  "value": row["value"],
                                                  "source": row["source"]} for row in rows},
                    "database": database})
        return
    # one `NAME=value  # source` line each: greppable, and no table wrapping long values
    lines = [(f"{row['variable']}={_text(row['value'])}", row["source"]) for row in rows]
    width = max(len(line) for line, _ in lines)
    for line, source in lines:
        typer.echo(f"{line.ljust(width)}  # {source}")
    typer.echo(f"# database in use: {database}")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)
