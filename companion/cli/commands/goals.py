"""`companion goals list|track|update|readjust|checkpoint|due|completion` and `companion
checkin due|list|submit|summary`: a pair's tracked goals and the pulse/closing check-ins."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from companion.cli.app import app, database
from companion.cli.output import OutputFormat, esc, out, print_json, table
from companion.domain.clock import FixedClock
from companion.errors import BadInputError

if TYPE_CHECKING:
    from companion.services.goals import GoalView

# The services are imported inside each command, so that `--help` never loads the store.

goals_app = typer.Typer(help="Tracked goals of a pairing: from an approved goals draft, "
                        "progress updates, checkpoints, readjusting (a new version).",
                        no_args_is_help=True)
checkin_app = typer.Typer(help="Pulse and closing check-ins: due on the program's schedule, "
                          "answered by each person, summarised for coordinators.",
                          no_args_is_help=True)
app.add_typer(goals_app, name="goals")
app.add_typer(checkin_app, name="checkin")

FORMAT = typer.Option(OutputFormat.table, "--format", help="table for people, json for scripts.")
BY = typer.Option("coordinator", "--by", help="Who does it (recorded in the audit log).")
NOW = typer.Option(None, "--now", help="The date to compute with (YYYY-MM-DD; default: "
                   "today) — for cron catch-up and simulations.")


def _clock(now: str | None) -> FixedClock | None:
    if now is None:
        return None
    from datetime import UTC, date, datetime

    try:
        day = date.fromisoformat(now)
    except ValueError:
        raise BadInputError(f"'{now}' is not a date: use YYYY-MM-DD", field="now") from None
    return FixedClock(datetime(day.year, day.month, day.day, 12, tzinfo=UTC))


def _show_goal(view: GoalView, fmt: OutputFormat, verb: str) -> None:
    if fmt is OutputFormat.json:
        print_json(view.json())
        return
    g = view.goal
    out.print(f"Goal {g.id} (version {g.version}) {verb}: {esc(g.statement)} — "
              f"[bold]{g.status.value}[/].")


# -- goals --------------------------------------------------------------------------------

@goals_app.command("list")
def list_(pairing: str = typer.Option(..., "--pairing", help="The pairing's id."),
          fmt: OutputFormat = FORMAT) -> None:
    """A pairing's current goals with checkpoints, updates and earlier versions."""
    from companion.services import goals

    views = goals.list_goals(database(), pairing)
    if fmt is OutputFormat.json:
        print_json({"pairing_id": pairing, "goals": [v.json() for v in views]})
        return
    table(f"Goals of {pairing} ({len(views)})", ["goal", "v", "statement", "due", "status",
                                                 "checkpoints"],
          [[v.goal.id, v.goal.version, v.goal.statement,
            v.goal.time_bound.isoformat() if v.goal.time_bound else "",
            v.goal.status.value,
            "; ".join(f"#{c.id} {c.due_on} {'done' if c.done_at else 'open'}"
                      for c in v.checkpoints)] for v in views])


@goals_app.command("track")
def track(draft: str = typer.Argument(..., metavar="DRAFT_ID"),
          pairing: str = typer.Option(None, "--pairing", help="The pairing (default: the "
                                      "draft owner's only approved or active pairing)."),
          by: str = BY, fmt: OutputFormat = FORMAT) -> None:
    """Track an approved goals draft as the pairing's goals (approval does this already
    for a draft made for the pairing; tracking twice changes nothing)."""
    from companion.services import goals

    result = goals.track_draft(database(), draft, by=by, pairing_id=pairing)
    if fmt is OutputFormat.json:
        print_json(result.json())
        return
    out.print(f"{len(result.goals)} goal(s) of draft {esc(draft)} "
              f"{'now tracked' if result.created else 'were tracked already'} in pairing "
              f"{esc(result.pairing_id)}.")


@goals_app.command("update")
def update(goal: str = typer.Argument(..., metavar="GOAL_ID"),
           status: str = typer.Option(..., "--status", help="not_started, on_track, "
                                      "at_risk, done or dropped."),
           note: str = typer.Option(None, "--note", help="The evidence for it."),
           version: int = typer.Option(None, "--version", help="Expected goal version."),
           by: str = BY, fmt: OutputFormat = FORMAT) -> None:
    """Record progress on a goal: a status and its evidence."""
    from companion.services import goals

    _show_goal(goals.update_goal(database(), goal, status, by=by, note=note,
                                 version=version), fmt, "updated")


@goals_app.command("readjust")
def readjust(goal: str = typer.Argument(..., metavar="GOAL_ID"),
             statement: str = typer.Option(None, "--statement", help="The new statement."),
             time_bound: str = typer.Option(None, "--time-bound", help="New deadline "
                                            "(YYYY-MM-DD)."),
             reason: str = typer.Option(None, "--reason", help="Why it was readjusted."),
             version: int = typer.Option(None, "--version", help="Expected goal version."),
             by: str = BY, fmt: OutputFormat = FORMAT) -> None:
    """Readjust a goal: a new version becomes current, the old one is kept as history."""
    from companion.services import goals

    _show_goal(goals.readjust(database(), goal, by=by, statement=statement,
                              time_bound=time_bound, reason=reason, version=version),
               fmt, "readjusted")


@goals_app.command("checkpoint")
def checkpoint(checkpoint_id: int = typer.Argument(..., metavar="CHECKPOINT_ID"),
               done: bool = typer.Option(True, "--done/--undone", help="Mark done (default) "
                                         "or open again."),
               by: str = BY, fmt: OutputFormat = FORMAT) -> None:
    """Mark a goal's checkpoint done (or undone)."""
    from companion.services import goals
    from companion.services.goals import checkpoint_json

    point = goals.set_checkpoint(database(), checkpoint_id, by=by, done=done)
    if fmt is OutputFormat.json:
        print_json(checkpoint_json(point))
        return
    out.print(f"Checkpoint {point.id} ({point.due_on}: {esc(point.check)}) is "
              f"{'done' if point.done_at else 'open'}.")


@goals_app.command("due")
def due(program: str = typer.Option(..., "--program"),
        within: int = typer.Option(7, "--within", help="Days ahead."), now: str = NOW,
        fmt: OutputFormat = FORMAT) -> None:
    """Open checkpoints due within --within days, or overdue."""
    from companion.services import goals

    found = goals.due_checkpoints(database(), program, _clock(now), within_days=within)
    rows = [{"checkpoint_id": d.checkpoint_id, "goal_id": d.goal_id,
             "pairing_id": d.pairing_id, "due_on": d.due_on.isoformat(),
             "days_until": d.days_until, "overdue": d.overdue} for d in found]
    if fmt is OutputFormat.json:
        print_json({"checkpoints": rows})
        return
    table(f"Checkpoints due ({len(rows)})", ["checkpoint", "goal", "pairing", "due", "days"],
          [[r["checkpoint_id"], r["goal_id"], r["pairing_id"], r["due_on"], r["days_until"]]
           for r in rows])


@goals_app.command("completion")
def completion(program: str = typer.Option(..., "--program"),
               fmt: OutputFormat = FORMAT) -> None:
    """Goal completion per pairing (counts only)."""
    from companion.services import goals

    found = goals.completion(database(), program)
    if fmt is OutputFormat.json:
        print_json({"pairings": [c.json() for c in found]})
        return
    table(f"Goal completion ({len(found)} pairings)", ["pairing", "goals", "done",
                                                      "checkpoints done"],
          [[c.pairing_id, c.goals, c.done, f"{c.checkpoints_done}/{c.checkpoints}"]
           for c in found])


# -- check-ins ----------------------------------------------------------------------------

@checkin_app.command("due")
def checkin_due(program: str = typer.Option(..., "--program"), now: str = NOW,
                fmt: OutputFormat = FORMAT) -> None:
    """Create the check-ins due by today (idempotent, cron-friendly) and list the open ones."""
    from companion.services import checkins

    report = checkins.due_checkins(database(), program, _clock(now))
    if fmt is OutputFormat.json:
        print_json(report.json())
        return
    out.print(f"{report.created} check-in(s) created; {len(report.open)} open.")


@checkin_app.command("list")
def checkin_list(participant: str = typer.Option(None, "--participant", help="Only this "
                                                 "person's."),
                 program: str = typer.Option(None, "--program"),
                 fmt: OutputFormat = FORMAT) -> None:
    """Check-ins by due date (the local operator's view: answers included)."""
    from companion.services import checkins
    from companion.services.checkins import checkin_json

    found = checkins.list_checkins(database(), program=program, participant_id=participant)
    if fmt is OutputFormat.json:
        print_json({"checkins": [checkin_json(c) for c in found]})
        return
    table(f"Check-ins ({len(found)})", ["id", "pairing", "participant", "kind", "due",
                                        "answered"],
          [[c.id, c.pairing_id, c.participant_id, c.kind.value, c.due_on.isoformat(),
            "yes" if c.submitted_at else "no"] for c in found])


@checkin_app.command("submit")
def checkin_submit(checkin_id: int = typer.Argument(..., metavar="ID"),
                   rating: int = typer.Option(..., "--rating", help="The relationship, 1–5."),
                   meetings: float = typer.Option(None, "--meetings", help="Meetings per "
                                                  "month (pulse)."),
                   recommend: int = typer.Option(None, "--recommend", help="0–10 (closing)."),
                   text: str = typer.Option(None, "--text", help="Anything else."),
                   fmt: OutputFormat = FORMAT) -> None:
    """Answer a check-in on its owner's behalf (once; late is fine)."""
    from companion.services import checkins
    from companion.services.checkins import checkin_json

    done = checkins.submit_checkin(database(), checkin_id, by=None, rating=rating,
                                   meetings_per_month=meetings, recommend=recommend,
                                   text=text)
    if fmt is OutputFormat.json:
        print_json(checkin_json(done))
        return
    out.print(f"Check-in {done.id} of {esc(done.participant_id)} answered.")


@checkin_app.command("summary")
def checkin_summary(program: str = typer.Option(..., "--program"), now: str = NOW,
                    fmt: OutputFormat = FORMAT) -> None:
    """What coordinators see: aggregates (groups under 3 respondents suppressed), free text
    without names from 3 respondents, who is overdue."""
    from companion.services import checkins

    found = checkins.summary(database(), program, _clock(now))
    data = found.json()
    if fmt is OutputFormat.json:
        print_json(data)
        return

    def score(row: dict[str, Any]) -> list[Any]:
        shown = "suppressed (< 3)" if row["suppressed"] else ""
        return [row["group"], row["responses"], row["respondents"],
                shown or row["mean_rating"], shown or row["mean_meetings"],
                shown or row["mean_recommend"]]

    head = ["group", "responses", "respondents", "rating", "meetings/month", "recommend"]
    table(f"Check-ins of {program}", head, [score(data["overall"])])
    table("By department", head, [score(r) for r in data["by_department"]])
    table("By organisation", head, [score(r) for r in data["by_organization"]])
    if data["comments"]:
        out.print("Comments (unattributed):")
        for comment in data["comments"]:
            out.print(f"  - {esc(comment)}")
    table(f"Overdue ({len(found.overdue)})", ["check-in", "participant", "pairing", "kind",
                                              "due", "days"],
          [[o.checkin_id, o.participant_id, o.pairing_id, o.kind, o.due_on.isoformat(),
            o.days_overdue] for o in found.overdue])
