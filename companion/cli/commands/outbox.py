"""`companion outbox send|list`: the e-mail Companion has queued (invitations)."""

from __future__ import annotations

import typer

from companion.cli.app import app, database, settings
from companion.cli.output import OutputFormat, err, esc, out, print_json, table

outbox_app = typer.Typer(help="E-mail waiting to be sent, and what was sent (invitations). "
                         "COMPANION_MAIL_BACKEND chooses how: console, file or smtp.",
                         no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")


@outbox_app.command("send")
def send(fmt: OutputFormat = typer.Option(OutputFormat.table, "--format")) -> None:
    """Send the messages still waiting (a failed one is tried again, at most 5 times)."""
    from companion.services import mail

    cfg = settings()
    done = mail.deliver_outbox(database(), cfg)
    if fmt is OutputFormat.json:
        print_json(done.json())
    else:
        out.print(f"Sent {done.sent} message(s) with the {cfg.mail_backend} backend.")
        for message in done.failed:
            err.print(f"Not sent to {esc(message.to)} (attempt {message.attempts} of "
                      f"{mail.MAX_ATTEMPTS}): {esc(message.error or '')}")
    if done.failed:
        raise typer.Exit(1)


@outbox_app.command("list")
def list_(
    limit: int = typer.Option(100, "--limit", min=1, max=10_000, help="The newest N."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """The newest messages and whether they were sent (never their bodies: an invitation
    holds a sign-in link)."""
    from companion.services import mail

    found = [m.json() for m in mail.list_outbox(database(), limit=limit)]
    if fmt is OutputFormat.json:
        print_json({"messages": found})
        return
    table("Outbox", ["id", "to", "subject", "status", "attempts", "created", "error"],
          [[m["id"], m["to"], m["subject"], m["status"], m["attempts"], m["created_at"],
            m["error"] or ""] for m in found])
