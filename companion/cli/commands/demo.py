"""`companion demo`: the main job end to end on the embedded defaults, safe to run twice."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import TYPE_CHECKING, Any

import typer

from companion.cli.app import app, database, get_embedder, settings
from companion.cli.commands.participants import show_import
from companion.cli.output import BarProgress, esc, out, table
from companion.domain import Participant, Program, ProgramType, Role
from companion.domain.program import add_months

if TYPE_CHECKING:
    from companion.store import Database

DEMO_PROGRAM = "Leadership Accelerator"


def demo_program(today: date, organizations: list[str]) -> Program:
    """A 12-month one-to-one program that started three months ago (so it is running), run by
    the first organisation with the others as partners."""
    from companion.services.programs import build_program

    start = add_months(today.replace(day=1), -3)
    return build_program(
        DEMO_PROGRAM, type=ProgramType.one_to_one, start=start, months=12, cadence_weeks=3,
        session_minutes=60, host_organization=organizations[0],
        partner_organizations=organizations[1:],
    )


@app.command("demo")
def demo(
    seed: int = typer.Option(2027, "--seed", help="Seed of the sample participants."),
) -> None:
    """Create the sample program, import its participants and summarise it."""
    from companion.services.participants import import_participants_file, list_participants
    from companion.services.programs import create_program, get_program, list_programs

    cfg = settings()
    db = database()
    out.rule("[bold]Companion demo")
    out.print(f"State lives in [cyan]{esc(cfg.home)}[/] (database: {db.dialect}).")
    from companion.sample import generate_program, write_records

    sample = generate_program(seed=seed)
    if any(p.name == DEMO_PROGRAM for p in list_programs(db)):
        program = get_program(db, DEMO_PROGRAM)
        out.print(f"Program [bold]{DEMO_PROGRAM}[/] already exists — reusing it.")
    else:
        program = create_program(db, demo_program(date.today(), sample.organizations))
        out.print(f"Created program [bold]{DEMO_PROGRAM}[/].")
    path = cfg.ensure_home() / "sample" / "participants.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_records(sample.records, path)
    report = import_participants_file(db, DEMO_PROGRAM, path, skip_invalid=False,
                                      progress=BarProgress())
    show_import(report)
    if not report.imported:
        raise typer.Exit(1)

    people = list_participants(db, DEMO_PROGRAM)
    _summary(program, people)
    first = _matching(db, people)
    if first is not None:
        mentee = _drafting(db, first, {p.id: p.name for p in people})
        _api(db, mentee)
    out.print("\n[bold]Next steps[/]")
    for line in (
        f'companion match suggest --program "{DEMO_PROGRAM}" --mentee me-00001',
        f'companion pairing list --program "{DEMO_PROGRAM}" --status pending',
        "companion pairing approve PAIRING_ID --by coordinator",
        'companion pairing reject PAIRING_ID --reason "..."  # never proposed again',
        f'companion match report --program "{DEMO_PROGRAM}"',
        "companion audit list",
        "companion serve          # web app and HTTP API on http://127.0.0.1:8000 (docs at /docs)",
    ):
        out.print(f"  [cyan]{esc(line)}[/]")
    if first is not None:
        _web_links(db, first)


def _web_links(db: Database, pairing: dict[str, Any]) -> None:
    """One-time sign-in links to the web app for the demo's coordinator and the approved
    pairing's mentee and mentor: the quickest way to see each person's pages."""
    from companion.services import web_auth

    cfg = settings()
    out.rule("[bold]Web app")
    links = [("coordinator", "demo-coordinator", "coordinator"),
             ("mentee", pairing["mentee_id"], "mentee"),
             ("mentor", pairing["mentor_id"], "mentor")]
    made = [(label, web_auth.create_link(db, cfg, participant_id=who, role=role,
                                         program=DEMO_PROGRAM, created_by="demo"))
            for label, who, role in links]
    out.print(f"Start the server with [cyan]companion serve[/], then open a link in your "
              f"browser (each works once, for {cfg.signin_link_hours} hours; "
              "`companion web link` makes more):")
    for label, link in made:
        out.print(f"  {label:<12} ({esc(link.participant_id)})", highlight=False)
        out.print(f"    {link.url}", highlight=False, soft_wrap=True)


def _matching(db: Database, people: list[Participant]) -> dict[str, Any] | None:
    """Suggest for one mentee, assign the whole pool, show the strongest proposals."""
    from companion.services import matching

    embedder = get_embedder(settings())
    names = {p.id: p.name for p in people}
    out.rule("[bold]Matching")
    suggestion = matching.suggest(db, DEMO_PROGRAM, embedder, top=3,
                                  mentee_id="me-00001", progress=BarProgress()).json()
    item = suggestion["suggestions"][0]
    table(f"Top mentors suggested for {names.get(item['mentee_id'])} ({item['mentee_id']})",
          ["mentor", "score", "why"],
          [[names.get(c["mentor_id"], c["mentor_id"]), f"{c['score']:.3f}",
            "\n".join(c["reasons"][:4])] for c in item["candidates"]])
    result = matching.assign(db, DEMO_PROGRAM, embedder, actor="demo",
                             progress=BarProgress()).json()
    best = sorted(result["assignments"], key=lambda a: -a["score"])[:5]
    table(f"Whole-pool assignment: {len(result['assignments'])} pending pairings, "
          f"{len(result['unassigned'])} unassigned, {len(result['kept'])} kept — the top five",
          ["pairing", "mentee → mentor", "score", "why"],
          [[a["pairing_id"], f"{names.get(a['mentee_id'])} → {names.get(a['mentor_id'])}",
            f"{a['score']:.3f}", "\n".join(a["reasons"][:2])] for a in best])
    if result["unassigned"]:
        first = result["unassigned"][0]
        out.print(f"Unassigned, e.g. {esc(names.get(first['mentee_id']))}: "
                  f"{esc(first['reason'])}")
    out.print("Nothing is final: every pairing is [bold]pending[/] until a coordinator "
              "approves it.")
    return best[0] if best else None


def _drafting(db: Database, pairing: dict[str, Any], names: dict[str, str]) -> str:
    """Approve one pairing (as the demo's coordinator), then draft for both sides."""
    from companion.services import drafts, pairings

    out.rule("[bold]Drafting")
    approved = pairings.review(db, pairing["pairing_id"], "approve", by="demo-coordinator",
                               note="approved by the demo to show drafting").json()["pairing"]
    mentee, mentor = approved["mentee_id"], approved["mentor_id"]
    out.print(f"The demo approved pairing {approved['id']} ({esc(names.get(mentee))} with "
              f"mentor {esc(names.get(mentor))}) as 'demo-coordinator'.")
    cfg = settings()
    made = []
    for kind, who, topic in (("agenda", mentee, None), ("questions", mentee, None),
                             ("goals", mentee, None),
                             ("framework", mentor, "feedback on missed deadlines")):
        draft = drafts.request_draft(db, cfg, program=DEMO_PROGRAM, kind=kind,
                                     participant_id=who, topic=topic)
        made.append(draft)
    for draft in made:
        passed = sum(c.passed for c in draft.checks)
        out.print(f"  {draft.kind:<9} {draft.id}  {draft.status}  "
                  f"({passed}/{len(draft.checks)} checks passed, {len(draft.citations)} "
                  f"citation(s), by {esc(draft.generator)})")
    agenda = made[0]
    if agenda.content:
        table(f"The agenda draft: {agenda.content.get('title', '')}", ["min", "topic"],
              [[i.get("minutes"), i.get("topic")] for i in agenda.content.get("items", [])])
    out.print("Drafts are seen only by their reviewer until approved. Try:\n"
              f"  companion drafts show {agenda.id}\n"
              f"  companion review approve {agenda.id} --by {mentee}\n"
              f"  companion review reject {made[1].id} --note \"fewer, sharper questions\"")
    return mentee


def _api(db: Database, mentee: str) -> None:
    """Issue demo tokens and show how to call the HTTP API with them."""
    from urllib.parse import quote

    from companion.services.tokens import create_token

    out.rule("[bold]HTTP API")
    coordinator = create_token(db, participant_id="demo-coordinator", role="coordinator",
                               program=DEMO_PROGRAM, days=7, created_by="demo")
    own = create_token(db, participant_id=mentee, role="mentee", program=DEMO_PROGRAM,
                       days=7, created_by="demo")
    base = "http://127.0.0.1:8000/api/v1"
    program = quote(DEMO_PROGRAM)
    out.print("Sample tokens (valid 7 days; revoke with `companion token revoke ID`):")
    out.print(f"  export COORD={coordinator.token}", highlight=False, soft_wrap=True)
    out.print(f"  export MENTEE={own.token}", highlight=False, soft_wrap=True)
    out.print("Start the server with [cyan]companion serve[/], then in another shell:")
    for line in (
        f'curl -H "Authorization: Bearer $MENTEE" {base}/me',
        f'curl -H "Authorization: Bearer $MENTEE" {base}/me/queue',
        f'curl -H "Authorization: Bearer $MENTEE" -H "Content-Type: application/json" '
        f"-d '{{\"kind\": \"agenda\"}}' {base}/programs/{program}/drafts",
        f'curl -H "Authorization: Bearer $COORD" "{base}/programs/{program}/pairings'
        '?status=pending"',
        f'curl -H "Authorization: Bearer $COORD" "{base}/programs/{program}/suggestions'
        '?mentee_id=me-00001&top=3"',
    ):
        out.print(f"  {esc(line)}", highlight=False, soft_wrap=True)


def _summary(program: Program, people: list[Participant]) -> None:
    today = date.today()
    phase = program.phase_on(today)
    table(f"{program.name}", ["", ""], [
        ["type", program.type],
        ["runs", f"{program.start_date} → {program.end_date}"],
        ["phase today", f"{phase} ({today})" if phase else "not running today"],
        ["sessions", f"{program.session_minutes} min every {program.cadence_weeks} weeks"],
        ["organisations", ", ".join(filter(None, [program.host_organization,
                                                  *program.partner_organizations]))],
    ])
    mentors = [p for p in people if p.role.mentors]
    mentees = [p for p in people if p.role.is_mentored]
    seats = sum(p.capacity or program.default_capacity for p in mentors)
    table("Participants", ["", "count"], [
        ["mentors", sum(p.role is Role.mentor for p in people)],
        ["mentees", sum(p.role is Role.mentee for p in people)],
        ["both (mentor and mentee)", sum(p.role is Role.both for p in people)],
        ["mentor seats (capacity)", seats],
        ["mentees with their manager in the program",
         sum(1 for p in mentees if p.manager_id)],
    ])
    by_org = Counter(p.organization or "—" for p in people)
    by_dept = Counter(p.department or "—" for p in people)
    table("By organisation", ["organisation", "people"], by_org.most_common())
    table("By department", ["department", "people"], by_dept.most_common())
    levels = Counter((p.level, "mentor" if p.role.mentors else "mentee") for p in people)
    table("By level", ["level", "mentors", "mentees"],
          [[lvl, levels[(lvl, "mentor")], levels[(lvl, "mentee")]] for lvl in range(1, 9)])
    zones = Counter(p.timezone or "—" for p in people)
    out.print("Time zones: " + ", ".join(f"{z} ({n})" for z, n in zones.most_common()))
    example = next((p for p in mentees if p.goals), None)
    if example is not None:
        out.print(f"\nFor example, [bold]{esc(example.name)}[/] ({esc(example.title)}, "
                  f"{example.department}) wants to:")
        for goal in example.goals:
            out.print(f"  • {esc(goal)}")
