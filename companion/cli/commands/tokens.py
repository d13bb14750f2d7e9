"""`companion token create|list|revoke`: bearer tokens for the HTTP API."""

from __future__ import annotations

import typer

from companion.cli.app import app, database
from companion.cli.output import OutputFormat, esc, out, print_json, table

#: companion.services.tokens.DEFAULT_DAYS, spelled out because --days needs it at import and
#: the service imports the store (tests/cli/test_startup.py keeps the two equal).
DEFAULT_DAYS = 30

token_app = typer.Typer(help="Bearer tokens for the HTTP API (stored hashed, revocable, "
                        "with expiry).", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("create")
def create(
    participant: str = typer.Option(..., "--participant", help="Participant id the token "
                                    "speaks for (a label of your choice for coordinators and "
                                    "admins)."),
    role: str = typer.Option(..., "--role", help="mentee, mentor, coordinator or admin."),
    program: str = typer.Option(None, "--program", help="The program the token is for "
                                "(required except for admin, unless the participant is in "
                                "exactly one program)."),
    organization: str = typer.Option(None, "--organization", help="Coordinators of a partner "
                                     "organisation: they see other organisations' people's "
                                     "shareable fields only."),
    days: int = typer.Option(DEFAULT_DAYS, "--days", help="Days until it expires."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """Issue a token. It is shown once: only its hash is stored."""
    from companion.services import tokens

    issued = tokens.create_token(database(), participant_id=participant, role=role,
                                 program=program, organization=organization, days=days,
                                 created_by="cli")
    if fmt is OutputFormat.json:
        print_json(issued.json())
        return
    scope = f" in {issued.program}" if issued.program else " (all programs)"
    out.print(f"Token for {esc(issued.participant_id)} as {issued.role.value}{esc(scope)}, "
              f"expires {issued.expires_at:%Y-%m-%d %H:%M} UTC (id {issued.id}):")
    out.print(issued.token, highlight=False, soft_wrap=True)
    out.print("It is shown only now. Use it as:  curl -H \"Authorization: Bearer "
              "$TOKEN\" http://127.0.0.1:8000/api/v1/me", highlight=False)


@token_app.command("list")
def list_(
    program: str = typer.Option(None, "--program", help="Only this program's tokens."),
    participant: str = typer.Option(None, "--participant", help="Only this participant's."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """Tokens with their status (never their secrets)."""
    from companion.services import tokens

    found = [t.json() for t in tokens.list_tokens(database(), program=program,
                                                  participant_id=participant)]
    if fmt is OutputFormat.json:
        print_json({"tokens": found})
        return
    table("Tokens", ["id", "participant", "role", "program", "organisation", "status",
                     "expires"],
          [[t["id"], t["participant_id"], t["role"], t["program"] or "—",
            t["organization"] or "—", t["status"], t["expires_at"]] for t in found])


@token_app.command("revoke")
def revoke(
    token_id: str = typer.Argument(..., help="The token's id (from `token list`)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """Revoke a token: it stops working at once."""
    from companion.services import tokens

    record = tokens.revoke_token(database(), token_id, by="cli").json()
    if fmt is OutputFormat.json:
        print_json(record)
        return
    out.print(f"Token {esc(record['id'])} of {esc(record['participant_id'])} is revoked.")
