"""`companion session schedule|list|done|cancel|reschedule`: a pair's meetings."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from companion.cli.app import app, database
from companion.cli.output import OutputFormat, esc, out, print_json, table
from companion.domain.relationship import MentoringSession, SessionFormat
from companion.errors import BadInputError

if TYPE_CHECKING:
    from companion.services.sessions import SessionView

# The services are imported inside each command, so that `--help` never loads the store.

session_app = typer.Typer(help="Mentoring sessions of approved pairings: schedule (a past "
                          "date logs one held), reschedule, cancel, mark held with notes.",
                          no_args_is_help=True)
app.add_typer(session_app, name="session")

FORMAT = typer.Option(OutputFormat.table, "--format", help="table for people, json for scripts.")
BY = typer.Option("coordinator", "--by", help="Who does it (recorded in the audit log); a "
                  "participant id reads --at in that person's own time zone.")
VERSION = typer.Option(None, "--version", help="Expected session version (optimistic "
                       "concurrency); default: the current one.")
TZ = typer.Option(None, "--tz", help="IANA zone of --at when it has no offset (default: the "
                  "--by person's zone, else the mentee's, else UTC).")
MODE = typer.Option(None, "--mode", help="in_person, video (default) or phone.")
WHERE = typer.Option(None, "--where", help="Room, address or meeting link.")
ACTION = typer.Option(None, "--action", help="An action item (repeat for several).")


def _notes(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"cannot read the notes file {path}: {exc}", field="notes") from None


def _show(meeting: MentoringSession, fmt: OutputFormat, verb: str) -> None:
    data = _view(meeting).json()
    if fmt is OutputFormat.json:
        print_json(data)
        return
    out.print(f"Session {meeting.id} of pairing {esc(meeting.pairing_id)} {verb}: "
              f"{_when(data)}, {meeting.minutes} min, {meeting.format.value} — "
              f"[bold]{meeting.status.value}[/] (version {meeting.version}).")


def _view(meeting: MentoringSession) -> SessionView:
    from companion.services import sessions
    from companion.services.pairings import get_pairing
    from companion.services.sessions import SessionView

    db = database()
    pairing = get_pairing(db, meeting.pairing_id)
    zones = sessions.zones_of(db, pairing.program, [pairing])[pairing.id]
    return SessionView(meeting, zones)  # the local operator sees the whole record


def _when(data: dict[str, Any]) -> str:
    local: dict[str, str] = data.get("local_starts_at") or {}
    shown = [f"{esc(pid)} {at[:16].replace('T', ' ')}" for pid, at in local.items()]
    return f"{str(data['starts_at'])[:16].replace('T', ' ')} UTC" + (
        f" ({'; '.join(shown)})" if shown else "")


@session_app.command("schedule")
def schedule(
    pairing: str = typer.Option(..., "--pairing", help="The pairing's id."),
    at: str = typer.Option(..., "--at", help="Start, ISO 8601 (2027-01-12T15:00); a time "
                           "that has passed logs a session held after the fact."),
    minutes: int = typer.Option(None, "--minutes", help="Length (default: the program's)."),
    by: str = BY, tz: str = TZ, mode: SessionFormat = MODE, where: str = WHERE,
    agenda: str = typer.Option(None, "--agenda", help="The agenda draft's id."),
    notes: Path = typer.Option(None, "--notes", help="Notes file ('-': stdin), for a past "
                               "session."),
    action: list[str] = ACTION, fmt: OutputFormat = FORMAT,
) -> None:
    """Schedule a session of an approved or active pairing (or log a past one as held)."""
    from companion.services import sessions

    created = sessions.schedule(database(), pairing, at, by=by, minutes=minutes, format=mode,
                                location=where, timezone=tz, agenda_draft_id=agenda,
                                notes=_notes(notes), action_items=action or None)
    _show(created, fmt, "logged as held" if created.status.value == "held" else "scheduled")


@session_app.command("list")
def list_(
    pairing: str = typer.Option(None, "--pairing", help="Only this pairing's sessions."),
    participant: str = typer.Option(None, "--participant", help="Only this person's."),
    program: str = typer.Option(None, "--program", help="Only this program's."),
    fmt: OutputFormat = FORMAT,
) -> None:
    """Sessions by start time, with each person's local time."""
    from companion.services import sessions

    db = database()
    found = sessions.list_sessions(db, program=program, pairing_id=pairing,
                                   participant_id=participant)
    views = [_view(s) for s in found]
    if fmt is OutputFormat.json:
        print_json({"sessions": [v.json() for v in views]})
        return
    table(f"Sessions ({len(views)})", ["session", "pairing", "starts", "min", "format",
                                       "status", "v"],
          [[v.session.id, v.session.pairing_id,
            v.session.starts_at.strftime("%Y-%m-%d %H:%M UTC"), v.session.minutes,
            v.session.format.value, v.session.status.value, v.session.version]
           for v in views])


@session_app.command("done")
def done(
    session_id: str = typer.Argument(..., metavar="ID"),
    notes: Path = typer.Option(None, "--notes", help="The pair's notes file ('-': stdin)."),
    action: list[str] = ACTION, by: str = BY, version: int = VERSION,
    fmt: OutputFormat = FORMAT,
) -> None:
    """Record a session as held, with the pair's private notes and action items (again on a
    held session: replace them)."""
    from companion.services import sessions

    changed = sessions.mark_done(database(), session_id, by=by, notes=_notes(notes),
                                 action_items=action or None, version=version)
    _show(changed, fmt, "recorded")


@session_app.command("cancel")
def cancel(
    session_id: str = typer.Argument(..., metavar="ID"),
    reason: str = typer.Option(None, "--reason"), by: str = BY, version: int = VERSION,
    fmt: OutputFormat = FORMAT,
) -> None:
    """Cancel a scheduled session."""
    from companion.services import sessions

    _show(sessions.cancel(database(), session_id, by=by, reason=reason, version=version),
          fmt, "cancelled")


@session_app.command("reschedule")
def reschedule(
    session_id: str = typer.Argument(..., metavar="ID"),
    at: str = typer.Option(..., "--at", help="New start, ISO 8601."),
    minutes: int = typer.Option(None, "--minutes"), by: str = BY, tz: str = TZ,
    mode: SessionFormat = MODE, where: str = WHERE, version: int = VERSION,
    fmt: OutputFormat = FORMAT,
) -> None:
    """Move a scheduled session to another (future) time; calendars update."""
    from companion.services import sessions

    _show(sessions.reschedule(database(), session_id, at, by=by, minutes=minutes, format=mode,
                              location=where, timezone=tz, version=version), fmt,
          "rescheduled")
