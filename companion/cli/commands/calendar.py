"""`companion calendar PARTICIPANT_ID [--link | --revoke]`: a person's sessions as an
iCalendar feed on stdout, or their subscribable feed URL (created or rotated, or revoked)."""

from __future__ import annotations

import sys

import typer

from companion.cli.app import app, database, settings
from companion.cli.output import OutputFormat, esc, out, print_json
from companion.errors import BadInputError


@app.command("calendar")
def calendar_(
    participant: str = typer.Argument(..., metavar="PARTICIPANT_ID"),
    link: bool = typer.Option(False, "--link", help="Create the person's feed URL (a new "
                              "one replaces the old: the old URL stops working)."),
    revoke: bool = typer.Option(False, "--revoke", help="Stop the person's feed URL."),
    program: str = typer.Option(None, "--program", help="The program (needed when the "
                                "person is in several)."),
    by: str = typer.Option("coordinator", "--by", help="Who does it (the audit log)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format",
                                     help="For --link/--revoke: table or json."),
) -> None:
    """Print PARTICIPANT_ID's sessions as an .ics feed (RFC 5545) on stdout; --link makes
    the URL calendar apps subscribe to, --revoke stops it."""
    from companion.services import calendar  # icalendar: slow to import, needed only here

    if link and revoke:
        raise BadInputError("--link and --revoke exclude each other", field="link")
    db = database()
    if link:
        made = calendar.create_link(db, participant, public_url=settings().public_url, by=by,
                                    program=program)
        if fmt is OutputFormat.json:
            print_json(made.json())
        else:
            out.print(f"Calendar feed of {esc(participant)} ({esc(made.program)}); any "
                      "earlier link stops working:", highlight=False)
            out.print(esc(made.url), highlight=False, soft_wrap=True)
        return
    if revoke:
        done = calendar.revoke_links(db, participant, by=by, program=program)
        if fmt is OutputFormat.json:
            print_json(done.json())
        else:
            out.print(f"Revoked {done.revoked} calendar link(s) of {esc(participant)}.",
                      highlight=False)
        return
    data = calendar.feed(db, participant, program=program)
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
