"""`companion match ...` and `companion pairing ...`: suggestions, assignment and review."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from companion.cli.app import app, database, get_embedder, settings
from companion.cli.output import BarProgress, OutputFormat, esc, out, print_json, table
from companion.domain import PairingStatus
from companion.errors import BadInputError

if TYPE_CHECKING:
    from companion.services.fairness import Fairness

# The services are imported inside each command: `companion --help` and the commands that
# do not match never pay for numpy and the store.

match_app = typer.Typer(help="Suggest and assign mentors, with reasons.", no_args_is_help=True)
pairing_app = typer.Typer(help="Review pairings: approve, reject, swap, lock, activate, end.",
                          no_args_is_help=True)
app.add_typer(match_app, name="match")
app.add_typer(pairing_app, name="pairing")

FORMAT = typer.Option(OutputFormat.table, "--format", help="table for people, json for scripts.")
PROGRAM = typer.Option(..., "--program", help="Program name.")
BY = typer.Option("coordinator", "--by", help="Who decides (recorded in the audit log).")
VERSION = typer.Option(None, "--version", help="Expected pairing version (optimistic "
                       "concurrency); default: the current one.")


def _names(program: str) -> dict[str, str]:
    from companion.services.participants import list_participants

    return {p.id: p.name for p in list_participants(database(), program)}


@match_app.command("suggest")
def suggest(
    program: str = PROGRAM,
    top: int = typer.Option(5, "--top", help="Candidates per mentee (1-50)."),
    mentee: str = typer.Option(None, "--mentee", help="Only this mentee."),
    fmt: OutputFormat = FORMAT,
) -> None:
    """Top-K mentors per mentee with score, components and plain-language reasons."""
    from companion.services import matching

    result = matching.suggest(database(), program, get_embedder(settings()), top=top,
                              mentee_id=mentee, progress=BarProgress()).json()
    if fmt is OutputFormat.json:
        print_json(result)
        return
    names = _names(program)
    shown = result["suggestions"] if mentee else result["suggestions"][:10]
    for item in shown:
        who = f"{names.get(item['mentee_id'], '')} ({item['mentee_id']})"
        for gone in item.get("excluded", []):
            out.print(f"{esc(who)}: {esc(names.get(gone['mentor_id'], ''))} "
                      f"({esc(gone['mentor_id'])}) left out — {esc(gone['reason'])}")
        if not item["candidates"]:
            out.print(f"[bold]{esc(who)}[/]: no candidates — {esc(item.get('note'))}")
            continue
        table(f"Mentors for {who}", ["#", "mentor", "score", "why"], [
            [rank, f"{names.get(c['mentor_id'], '')} ({c['mentor_id']})", f"{c['score']:.3f}",
             "\n".join(c["reasons"])]
            for rank, c in enumerate(item["candidates"], 1)])
    if len(shown) < len(result["suggestions"]):
        out.print(f"… {len(result['suggestions']) - len(shown)} more mentees; use --mentee ID "
                  "or --format json for all.")


@match_app.command("assign")
def assign(
    program: str = PROGRAM,
    objective: str = typer.Option("best_total", "--objective",
                                  help="best_total (total fit) or most_matched (coverage "
                                  "first)."),
    min_coverage: str = typer.Option(
        None, "--min-coverage", metavar="FIELD=SHARE",
        help="Fairness: place at least SHARE (0-1) of each department's or organisation's "
        "mentees, e.g. department=0.5 or organization=0.8 (one-to-one style programs). "
        "Reports each group's coverage and the price of fairness: the total score given up "
        "against the run without it."),
    by: str = BY,
    fmt: OutputFormat = FORMAT,
) -> None:
    """Assign the whole pool under capacities and hard rules; creates PENDING pairings for a
    coordinator to review. Approved and locked pairings are kept; rejected pairs stay banned."""
    from companion.services import matching

    result = matching.assign(database(), program, get_embedder(settings()),
                             objective=objective, actor=by,  # type: ignore[arg-type]
                             progress=BarProgress(),
                             fairness=None if min_coverage is None
                             else _min_coverage(min_coverage)).json()
    if fmt is OutputFormat.json:
        print_json(result)
        return
    names = _names(program)
    rows = sorted(result["assignments"], key=lambda a: -a["score"])
    table(f"Proposed pairings ({len(rows)}, pending review) — best first",
          ["pairing", "mentee", "mentor", "score", "main reason"],
          [[a["pairing_id"], names.get(a["mentee_id"], a["mentee_id"]),
            names.get(a["mentor_id"], a["mentor_id"]), f"{a['score']:.3f}",
            a["reasons"][0] if a["reasons"] else ""] for a in rows[:15]])
    if len(rows) > 15:
        out.print(f"… and {len(rows) - 15} more: `companion pairing list --program "
                  f"\"{esc(program)}\"`")
    if result["unassigned"]:
        table(f"Unassigned mentees ({len(result['unassigned'])})", ["mentee", "reason"],
              [[f"{names.get(u['mentee_id'], '')} ({u['mentee_id']})", u["reason"]]
               for u in result["unassigned"][:20]])
    out.print(f"Kept {len(result['kept'])} approved/locked pairing(s). Objective "
              f"{result['objective']}, total score {result['total_score']:.2f} "
              f"({result['solver']}).")
    if "fairness" in result:
        _print_fairness(result["fairness"])


def _min_coverage(text: str) -> Fairness:
    """`department=0.5` → the service's option (which checks the values)."""
    from companion.services.fairness import Fairness

    field, sep, share = text.partition("=")
    try:
        value = float(share)
    except ValueError:
        value = None
    if not sep or value is None:
        raise BadInputError(f"--min-coverage: '{text}' is not FIELD=SHARE; use e.g. "
                            "department=0.5 (a share from 0 to 1)", field="fairness")
    return Fairness(field.strip(), value)


def _print_fairness(fair: dict[str, Any]) -> None:
    table(f"Minimum coverage: {fair['min_share'] * 100:g}% of each {fair['group_by']}'s "
          "mentees",
          [fair["group_by"], "to place", "matched", "minimum", "met"],
          [[g["group"], g["to_place"], g["matched"], g["minimum"], "yes" if g["met"] else "NO"]
           for g in fair["groups"]])
    out.print(f"Price of fairness: {fair['price']:.3f} total score "
              f"({fair['relative_price']:.1%}) — {fair['total_score']:.2f} with the minimums, "
              f"{fair['unconstrained_total_score']:.2f} without; matched "
              f"{fair['matched']} vs {fair['unconstrained_matched']}.")
    if not fair["all_met"]:
        out.print("Some minimums cannot be met: too few mentors with places fit those "
                  "mentees under the hard rules. The table shows how far each was met.")


@match_app.command("exclude")
def exclude(
    program: str = PROGRAM,
    mentee: str = typer.Option(..., "--mentee", help="Mentee id."),
    mentor: str = typer.Option(..., "--mentor", help="Mentor id."),
    reason: str = typer.Option(..., "--reason", help="Why they must never be matched."),
    by: str = BY,
) -> None:
    """Record a do-not-match pair: never suggested, never assigned."""
    from companion.services import matching

    added = matching.exclude_pair(database(), program, mentee, mentor, reason, actor=by)
    out.print(f"{esc(mentee)} and {esc(mentor)} will never be matched in {esc(program)}."
              if added else f"{esc(mentee)} and {esc(mentor)} were already excluded.")


#: Unmatched mentees the report's table lists (the JSON lists all).
UNMATCHED_SHOWN = 25


@match_app.command("report")
def report(program: str = PROGRAM, fmt: OutputFormat = FORMAT) -> None:
    """Coverage, score distribution, and breakdowns by department, organisation and level."""
    from companion.services import matching

    result = matching.report(database(), program).json()
    if fmt is OutputFormat.json:
        print_json(result)
        return
    cov = result["coverage"]
    table(f"{program}: {result['mentees']} mentees", ["", "mentees"], [
        ["active", cov["active"]], ["approved", cov["approved"]],
        ["pending review", cov["pending"]], ["unmatched", cov["unmatched"]],
        ["matched share", f"{cov['matched_share']:.0%}"],
        ["rejected pairings", result["rejected"]]])
    scores = result["scores"]
    if scores["count"]:
        out.print(f"Scores of {scores['count']} pairings: median {scores['median']}, "
                  f"middle half {scores['p25']}–{scores['p75']}, range {scores['min']}–"
                  f"{scores['max']}. " + ", ".join(f"{k}: {v}" for k, v in
                                                    scores["histogram"].items()))
    for key, title in (("by_department", "department"), ("by_organization", "organisation"),
                       ("by_level", "level")):
        field = {"by_department": "department", "by_organization": "organization",
                 "by_level": "level"}[key]
        table(f"By {title}", [title, "mentees", "matched", "coverage", "mean score"],
              [[r[field], r["mentees"], r["matched"], f"{r['coverage']:.0%}",
                "—" if r["mean_score"] is None else r["mean_score"]] for r in result[key]])
    unmatched = result.get("unmatched") or []
    if unmatched:  # who is still without a pairing, and why, as the JSON says
        shown = unmatched[:UNMATCHED_SHOWN]
        more = len(unmatched) - len(shown)
        table(f"Unmatched mentees ({len(unmatched)})" + (f", first {len(shown)} shown; "
                                                           "--format json lists all"
                                                           if more else ""),
              ["mentee", "why"], [[u["mentee_id"], u["reason"]] for u in shown])


@pairing_app.command("list")
def list_(
    program: str = PROGRAM,
    status: PairingStatus = typer.Option(None, "--status", help="Only this status."),
    fmt: OutputFormat = FORMAT,
) -> None:
    """Pairings of a program (pending ones are the coordinator's review queue)."""
    from companion.services import pairings

    found = pairings.list_pairings(database(), program, status)
    if fmt is OutputFormat.json:
        print_json({"program": program, "pairings": [p.model_dump(mode="json")
                                                      for p in found]})
        return
    names = _names(program)
    table(f"Pairings in {program} ({len(found)})",
          ["pairing", "status", "mentee", "mentor", "score", "v", "locked"],
          [[p.id, p.status, names.get(p.mentee_id, p.mentee_id),
            names.get(p.mentor_id, p.mentor_id), f"{p.score:.3f}", p.version,
            "yes" if p.locked else ""] for p in found])


def _decide(pairing_id: str, decision: str, fmt: OutputFormat, **kwargs: Any) -> None:
    from companion.services import pairings

    result = pairings.review(database(), pairing_id, decision, **kwargs).json()
    if fmt is OutputFormat.json:
        print_json(result)
        return
    p = result["pairing"]
    out.print(f"Pairing {p['id']} ({esc(p['mentee_id'])} ↔ {esc(p['mentor_id'])}) is now "
              f"[bold]{p['status']}[/]{' and locked' if p['locked'] else ''} "
              f"(version {p['version']}).")
    for new in result["created"]:
        out.print(f"New pending pairing {new['id']}: {esc(new['mentee_id'])} ↔ "
                  f"{esc(new['mentor_id'])} "
                  f"(score {new['score']:.3f}).")


@pairing_app.command("approve")
def approve(pairing_id: str, by: str = BY, note: str = typer.Option(None, "--note"),
            version: int = VERSION, fmt: OutputFormat = FORMAT) -> None:
    """Approve a pending pairing (hard rules are checked again)."""
    _decide(pairing_id, "approve", fmt, by=by, note=note, version=version)


@pairing_app.command("reject")
def reject(pairing_id: str, reason: str = typer.Option(..., "--reason", help="Required."),
           by: str = BY, version: int = VERSION, fmt: OutputFormat = FORMAT) -> None:
    """Reject a pairing; the pair is never suggested again in this program."""
    _decide(pairing_id, "reject", fmt, by=by, note=reason, version=version)


@pairing_app.command("lock")
def lock(pairing_id: str, by: str = BY, version: int = VERSION,
         fmt: OutputFormat = FORMAT) -> None:
    """Keep a pairing through future assignment runs."""
    _decide(pairing_id, "lock", fmt, by=by, version=version)


@pairing_app.command("activate")
def activate(pairing_id: str, by: str = BY, version: int = VERSION,
             fmt: OutputFormat = FORMAT) -> None:
    """Start an approved pairing (only approved pairings can become active)."""
    _decide(pairing_id, "activate", fmt, by=by, version=version)


@pairing_app.command("swap")
def swap(pairing_id: str,
         mentor: str = typer.Option(None, "--mentor", help="Give the mentee this mentor."),
         with_pairing: str = typer.Option(None, "--with", help="Exchange mentors with this "
                                          "pairing."),
         note: str = typer.Option(None, "--note"), by: str = BY, version: int = VERSION,
         fmt: OutputFormat = FORMAT) -> None:
    """Replace the mentor (or exchange mentors with another pairing); the old pairing is
    rejected and a new pending one is created."""
    _decide(pairing_id, "swap", fmt, by=by, note=note, version=version, mentor_id=mentor,
            with_pairing=with_pairing, embedder=get_embedder(settings()))


@pairing_app.command("end")
def end(pairing_id: str,
        reason: str = typer.Option(..., "--reason", help="completed | no_fault | withdrawn."),
        note: str = typer.Option(None, "--note", help="Why, for the coordinators (the pair "
                                 "read the reason, not the note)."),
        by: str = BY, version: int = VERSION, fmt: OutputFormat = FORMAT) -> None:
    """End an approved or active pairing (status closed); its future sessions are cancelled
    and the pair is never matched again, so the mentee can be re-matched."""
    from companion.services import closing

    ended = closing.end(database(), pairing_id, reason, by=by, version=version, note=note)
    if fmt is OutputFormat.json:
        print_json(ended.model_dump(mode="json"))
        return
    out.print(f"Pairing {ended.id} ({esc(ended.mentee_id)} ↔ {esc(ended.mentor_id)}) is now "
              f"[bold]closed[/] ({ended.end_reason}, version {ended.version}); its future "
              "sessions are cancelled. Re-match the mentee with `companion match suggest "
              f"--program \"{ended.program}\" --mentee {ended.mentee_id}`.")
