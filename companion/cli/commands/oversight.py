"""`companion health|nudges run|dashboard|export`: how a program's pairings are doing, the
reminders that follow, and the figures for the coordinator and HR."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from companion.cli.app import app, database
from companion.cli.output import OutputFormat, esc, out, print_json, table
from companion.domain.clock import Clock, FixedClock
from companion.errors import BadInputError

# The services are imported inside each command, so that `--help` never loads the store.

FORMAT = typer.Option(OutputFormat.table, "--format", help="table for people, json for scripts.")
PROGRAM = typer.Option(..., "--program", help="The program's name.")
NOW = typer.Option(None, "--now", help="Pretend it is this date or time (ISO 8601, UTC), "
                   "e.g. to replay a day; default: now.")

nudges_app = typer.Typer(help="Nudges to pairs that have not met, the coordinators' queue, "
                         "check-in and goal-checkpoint reminders (idempotent: cron-friendly).",
                         no_args_is_help=True)
app.add_typer(nudges_app, name="nudges")


def _clock(text: str | None) -> Clock | None:
    if text is None:
        return None
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadInputError(f"--now must be an ISO date or time (2027-03-01); got '{text}'",
                            field="now") from None
    return FixedClock(at if at.tzinfo else at.replace(tzinfo=UTC))


@app.command("health")
def health_(program: str = PROGRAM, now: str = NOW, fmt: OutputFormat = FORMAT) -> None:
    """Each approved or active pairing: too_early, on_track, needs_checkin or at_risk."""
    from companion.services import health

    found = health.program_health(database(), program, clock=_clock(now))
    if fmt is OutputFormat.json:
        print_json(found.json())
        return
    table(f"Health of {esc(program)} on {found.as_of} ({len(found.pairings)} pairings)",
          ["pairing", "mentee", "mentor", "health", "days", "last session", "why"],
          [[h.pairing.id, h.pairing.mentee_id, h.pairing.mentor_id, h.health.value,
            h.days_since_last_session, h.last_session_on or "—", "; ".join(h.reasons)]
           for h in found.pairings])
    out.print(", ".join(f"{k}: {v}" for k, v in found.counts().items()))


@nudges_app.command("run")
def run(program: str = PROGRAM, now: str = NOW, fmt: OutputFormat = FORMAT) -> None:
    """Write (once) the nudges, coordinator-queue notices, check-in reminders (checkin_due)
    and goal-checkpoint reminders (checkpoint_due) due, then send their e-mails."""
    from companion.services import mail, nudges

    db = database()
    done = nudges.run_nudges(db, program, clock=_clock(now))
    if any(n.channel.value == "email" for n in done.nudges):
        from companion.cli.app import settings

        mail.deliver_outbox(db, settings())  # failures wait in the outbox (`outbox send`)
    if fmt is OutputFormat.json:
        print_json(done.json())
        return
    if not done.nudges:
        out.print(f"No nudges due in {esc(program)} on {done.as_of} (or sent already).")
        return
    table(f"Nudges sent in {esc(program)} on {done.as_of} ({len(done.nudges)})",
          ["pairing", "to", "kind", "days", "by", "reason"],
          [[n.pairing_id, n.to, n.kind.value,
            "—" if n.threshold_days is None else n.threshold_days, n.channel.value, n.reason]
           for n in done.nudges])


@app.command("dashboard")
def dashboard_(program: str = PROGRAM, now: str = NOW, fmt: OutputFormat = FORMAT) -> None:
    """Coverage, meetings per pair per month, pairs by health, goals and check-ins."""
    from companion.services import dashboard

    board = dashboard.program_dashboard(database(), program, clock=_clock(now))
    if fmt is OutputFormat.json:
        print_json(board.json())
        return
    out.print(f"[bold]{esc(program)}[/] on {board.as_of}: {board.covered} of {board.mentees} "
              f"mentees paired ({board.coverage:.0%}); {board.sessions_held} session"
              f"{'' if board.sessions_held == 1 else 's'} held.")
    out.print("Pairs by health: " + ", ".join(f"{k} {v}"
                                             for k, v in board.pairs_by_health.items()))
    goals, checkins = board.goals, board.checkins
    out.print(f"Goals: {goals['total']}, completion {goals['completion']:.0%}. Check-ins: "
              f"{checkins['submitted']} of {checkins['due']} answered, average rating "
              f"{checkins['average_rating'] if checkins['average_rating'] is not None else '—'}.")
    table("Meetings per month", ["month", "held", "pairs", "met", "per pair"],
          [[m.month, m.held, m.pairs, m.pairs_met, m.per_pair] for m in board.months])
    for by, groups in board.breakdowns.items():
        table(f"By {by}", [by, "mentees", "paired", "coverage", "sessions", "at risk"],
              [[g.group, g.mentees, g.covered, f"{g.coverage:.0%}", g.sessions_held,
                g.health["at_risk"]] for g in groups])


@app.command("export")
def export(program: str = PROGRAM,
           to: Path = typer.Option(..., "--to", help="FILE.csv or FILE.xlsx."),
           now: str = NOW, fmt: OutputFormat = FORMAT) -> None:
    """One row per pairing for HR (no notes, goal statements or check-in comments)."""
    from companion.services import dashboard

    rows = dashboard.export_to(database(), program, to, clock=_clock(now))
    if fmt is OutputFormat.json:
        print_json({"program": program, "path": str(to), "rows": rows})
        return
    out.print(f"Wrote {rows} pairing(s) of {esc(program)} to {esc(to)}.")
