"""`companion health|nudges run|dashboard|export`: the contract JSON (`pairings` with
`pairing_id`, `health`, `days_since_last_session`; `nudges` with `pairing_id`, `to`, `kind`,
`reason`), tables for people, `--now` and bad input named with exit 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from companion.config import get_settings
from companion.store import get_database
from tests import relationship_world as w
from tests.cli.conftest import Run

Cli = Callable[..., Run]


@pytest.fixture
def pilot(migrated_home: Path) -> None:
    db = get_database(get_settings())
    w.program(db, "Pilot", cadence_weeks=4)
    w.people(db, "Pilot", [w.person("m1", "mentor"), w.person("e1", "mentee"),
                           w.person("m2", "mentor"), w.person("e2", "mentee")])
    w.pairs(db, "Pilot", [("pr-1", "e1", "m1", date(2027, 1, 4)),
                          ("pr-2", "e2", "m2", date(2027, 1, 4))])
    w.held(db, "Pilot", [("pr-2", date(2027, 2, 10))])


def test_health_json_contract(cli: Cli, pilot: None) -> None:
    run = cli("health", "--program", "Pilot", "--now", "2027-02-15", "--format", "json")
    assert run.code == 0, run.err
    found = {p["pairing_id"]: p for p in json.loads(run.out)["pairings"]}
    assert (found["pr-1"]["health"], found["pr-1"]["days_since_last_session"]) == (
        "needs_checkin", 42)
    assert (found["pr-2"]["health"], found["pr-2"]["days_since_last_session"],
            found["pr-2"]["last_session_on"]) == ("on_track", 5, "2027-02-10")
    table = cli("health", "--program", "Pilot", "--now", "2027-02-15")
    assert table.code == 0 and "needs_checkin" in table.out and "pr-2" in table.out


def test_nudges_run_json_contract_and_a_second_run_sends_nothing(cli: Cli, pilot: None
                                                                 ) -> None:
    args = ("nudges", "run", "--program", "Pilot", "--now", "2027-02-12", "--format", "json")
    run = cli(*args)
    assert run.code == 0, run.err
    nudges = json.loads(run.out)["nudges"]
    # the nudges, and each member's first pulse check-in (due 30 days after approval)
    assert sorted((n["pairing_id"], n["to"], n["kind"]) for n in nudges) == [
        ("pr-1", "e1", "checkin_due"), ("pr-1", "e1", "nudge"), ("pr-1", "m1", "checkin_due"),
        ("pr-1", "m1", "nudge"), ("pr-2", "e2", "checkin_due"), ("pr-2", "m2", "checkin_due")]
    assert all(n["reason"] and n["threshold_days"] == (7 if n["kind"] == "nudge" else None)
               for n in nudges)
    assert json.loads(cli(*args).out)["nudges"] == []
    queue = cli("nudges", "run", "--program", "Pilot", "--now", "2027-03-05T08:00")
    assert queue.code == 0 and "Nudges sent in Pilot on 2027-03-05 (3)" in queue.out


def test_dashboard_and_export(cli: Cli, pilot: None, tmp_path: Path) -> None:
    run = cli("dashboard", "--program", "Pilot", "--now", "2027-02-25", "--format", "json")
    assert run.code == 0, run.err
    board = json.loads(run.out)
    assert board["coverage"] == {"mentees": 2, "covered": 2, "share": 1.0}
    assert board["pairs_by_health"]["at_risk"] == 1
    assert "Meetings per month" in cli("dashboard", "--program", "Pilot").out
    done = cli("export", "--program", "Pilot", "--to", str(tmp_path / "hr.xlsx"))
    assert done.code == 0 and "Wrote 2 pairing(s)" in done.out
    sheet = load_workbook(tmp_path / "hr.xlsx").active
    assert sheet is not None and sheet.max_row == 3


@pytest.mark.parametrize(("args", "named"), [
    (("health", "--program", "Pilot", "--now", "next tuesday"), "now"),
    (("export", "--program", "Pilot", "--to", "hr.txt"), ".csv or .xlsx"),
    (("nudges", "run", "--program", "Nope"), "Nope"),
])
def test_bad_input_is_named(cli: Cli, pilot: None, args: tuple[str, ...], named: str) -> None:
    run = cli(*args)
    assert run.code in (1, 2) and named in run.err and "Traceback" not in run.err
