"""`companion program edit|delete` and the past-start warning of `program create`."""

from __future__ import annotations

import json
from datetime import date, timedelta

from companion.config import get_settings
from companion.services.participants import import_participants_file
from companion.store import get_database
from tests import factories

FUTURE = (date.today() + timedelta(days=30)).isoformat()
PAST = (date.today() - timedelta(days=10)).isoformat()


def test_create_with_a_past_start_warns_but_creates(cli) -> None:
    run = cli("program", "create", "Late", "--start", PAST)

    assert run.code == 0 and "Created program Late" in run.out
    assert f"warning: start date {PAST} is in the past (10 day(s) ago)" in " ".join(
        run.err.split())


def test_create_json_carries_warnings(cli) -> None:
    past = json.loads(cli("program", "create", "Late", "--start", PAST, "--format", "json").out)
    future = json.loads(cli("program", "create", "Soon", "--start", FUTURE,
                            "--format", "json").out)

    assert len(past["warnings"]) == 1 and "in the past" in past["warnings"][0]
    assert future["warnings"] == []


def test_edit_shows_before_and_after(cli) -> None:
    cli("program", "create", "Pilot", "--start", FUTURE)

    run = cli("program", "edit", "Pilot", "--months", "6", "--session-minutes", "45",
              "--name", "Pilot 2027")

    assert run.code == 0, run.err
    assert "Updated program Pilot 2027 (was Pilot)" in run.out
    assert "session_minutes" in run.out and "45" in run.out and "months" in run.out
    data = json.loads(cli("program", "show", "Pilot 2027", "--format", "json").out)
    assert (data["months"], data["session_minutes"]) == (6, 45)


def test_edit_json_and_past_start_warning(cli) -> None:
    cli("program", "create", "Pilot", "--start", FUTURE)

    run = cli("program", "edit", "Pilot", "--start", PAST, "--format", "json")

    data = json.loads(run.out)
    assert data["start_date"] == PAST and data["changed"]["start_date"] == [FUTURE, PAST]
    assert any("in the past" in w for w in data["warnings"])


def test_edit_with_nothing_or_a_bad_value_exits_2(cli) -> None:
    cli("program", "create", "Pilot", "--start", FUTURE)

    nothing = cli("program", "edit", "Pilot")
    bad = cli("program", "edit", "Pilot", "--months", "40")
    missing = cli("program", "edit", "Nope", "--months", "6")

    assert (nothing.code, bad.code, missing.code) == (2, 2, 2)
    assert "nothing to change" in nothing.err and "--start" in nothing.err
    assert "months" in bad.err
    assert "no program named 'Nope'" in missing.err
    assert "Traceback" not in nothing.err + bad.err + missing.err


def test_delete_needs_yes_and_says_what_would_go(cli, tmp_path) -> None:
    cli("program", "create", "Pilot", "--start", FUTURE)
    db = get_database(get_settings())
    import_participants_file(db, "Pilot", factories.write_csv(
        tmp_path / "p.csv", [factories.mentor("m1"), factories.mentee("e1")]),
        skip_invalid=False)

    refused = cli("program", "delete", "Pilot")

    assert refused.code == 2
    text = " ".join(refused.err.split())
    assert "not deleted: program 'Pilot' holds 2 participant(s), 0 pairing(s), 0 draft(s)" in text
    assert "--yes" in text
    assert cli("program", "show", "Pilot").code == 0

    done = cli("program", "delete", "Pilot", "--yes", "--format", "json")

    assert done.code == 0, done.err
    assert json.loads(done.out) == {"deleted": "Pilot", "participants": 2, "pairings": 0,
                                    "drafts": 0, "org_people": 0}
    assert cli("program", "show", "Pilot").code == 2


def test_org_chart_import_list_and_conflicts(cli, tmp_path) -> None:
    cli("program", "create", "Pilot", "--start", FUTURE)
    people = factories.write_csv(tmp_path / "p.csv", [
        factories.mentor("vp", level="8"), factories.mentee("e1", manager_id="boss")])
    imported = cli("import", "participants", str(people), "--program", "Pilot")
    assert imported.code == 0, imported.err
    assert "1 manager id(s) are not participants (boss)" in " ".join(imported.err.split())
    from companion.domain import Pairing
    from companion.store import PairingRepository, ProgramRepository

    db = get_database(get_settings())
    with db.session() as session:
        PairingRepository(session, ProgramRepository(session).row("Pilot")).add(Pairing(
            id="pr-1", program="Pilot", mentee_id="e1", mentor_id="vp", score=0.9))
    chart = factories.write_csv(tmp_path / "org.csv",
                                [{"id": "boss", "name": "Bea Boss", "manager_id": "vp"}])

    run = cli("program", "org-chart", "Pilot", str(chart))

    assert run.code == 0, run.err
    assert "0 created, 1 updated" in run.out
    assert "pairing pr-1 (e1 with vp, pending) now breaks the reporting-line rule" in " ".join(
        run.err.split())
    listed = json.loads(cli("program", "org-chart", "Pilot", "--format", "json").out)
    assert listed["org_people"] == [{"id": "boss", "name": "Bea Boss", "manager_id": "vp"}]
    assert [c["why"] for c in listed["reporting_conflicts"]] == [
        "vp is above e1 in their reporting line (e1 → boss → vp)"]
    table = cli("program", "org-chart", "Pilot")
    assert "Bea Boss" in table.out and "pr-1" in table.out


def test_org_chart_with_bad_rows_exits_2(cli, tmp_path) -> None:
    cli("program", "create", "Pilot", "--start", FUTURE)
    chart = factories.write_csv(tmp_path / "org.csv",
                                [{"id": "x", "name": "X", "manager_id": "x"}])

    run = cli("program", "org-chart", "Pilot", str(chart))

    assert run.code == 2
    assert "row 2, manager_id: 'x' is listed as their own manager" in run.err
