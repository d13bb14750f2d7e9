"""`companion web link`: a one-time sign-in link for the web app."""

from __future__ import annotations

import typer

from companion.cli.app import app, database, settings
from companion.cli.output import OutputFormat, esc, out, print_json

web_app = typer.Typer(help="The web app (served by `companion serve` at /).",
                      no_args_is_help=True)
app.add_typer(web_app, name="web")


@web_app.command("link")
def link(
    role: str = typer.Option(..., "--role", help="coordinator, admin, mentee or mentor."),
    participant: str = typer.Option(None, "--participant", help="Who signs in: a participant "
                                    "id for mentees and mentors, a name of your choice for "
                                    "coordinators and admins (default: the role)."),
    program: str = typer.Option(None, "--program", help="The program (required except for "
                                "admin, unless the participant is in exactly one program)."),
    organization: str = typer.Option(None, "--organization", help="A partner organisation's "
                                     "coordinator: sees other organisations' people's "
                                     "shareable fields only."),
    hours: int = typer.Option(None, "--hours", min=1, max=720, help="How long the link works "
                              "(default COMPANION_SIGNIN_LINK_HOURS, 72)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """Print a sign-in link. It works once, then the browser stays signed in for
    COMPANION_SESSION_HOURS."""
    from companion.services import web_auth

    made = web_auth.create_link(database(), settings(), participant_id=participant or role,
                                role=role, program=program, organization=organization,
                                created_by="cli", hours=hours)
    if fmt is OutputFormat.json:
        print_json(made.json())
        return
    scope = f" in {made.program}" if made.program else ""
    out.print(f"Sign-in link for {esc(made.participant_id)} as {made.role}{esc(scope)} "
              f"(works once, until {made.expires_at:%Y-%m-%d %H:%M} UTC):")
    out.print(made.url, highlight=False, soft_wrap=True)
