"""The program dashboard and the HR export (docs/relationship.md, "Dashboard"): coverage,
meetings per pair per month, pairs by health, goal completion, check-in aggregates, the
breakdowns; the export's rows — and nothing private in either."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from companion.domain import PairingStatus
from companion.domain.clock import FixedClock
from companion.domain.relationship import GoalStatus
from companion.errors import BadInputError
from companion.services.dashboard import (
    EXPORT_COLUMNS,
    export_rows,
    export_to,
    program_dashboard,
)
from companion.store import Database
from tests import relationship_world as w

TODAY = date(2027, 3, 15)


@pytest.fixture
def pilot(db: Database) -> Database:
    """Five mentees (Engineering 3 at level 3, Sales 1 at level 5, one without a
    department), pr-1 and pr-2 live, pr-3 closed, e4/e5 unpaired."""
    w.program(db, "Pilot", cadence_weeks=4, start=date(2027, 1, 4))
    w.people(db, "Pilot", [
        w.person("m1", "mentor", name="Mara =Mentor"), w.person("m2", "mentor"),
        w.person("e1", "mentee", department="Engineering", level=3, name="Ella"),
        w.person("e2", "mentee", department="Engineering", level=3, organization="Partner"),
        w.person("e3", "mentee", department="Sales", level=5),
        w.person("e4", "mentee", department="Engineering", level=3),
        w.person("e5", "mentee", department=None, level=None)])
    w.pairs(db, "Pilot", [("pr-1", "e1", "m1", date(2027, 1, 4)),
                          ("pr-2", "e2", "m2", date(2027, 2, 1))])
    w.pairs(db, "Pilot", [("pr-3", "e3", "m1", date(2027, 1, 4))],
            status=PairingStatus.closed)
    w.held(db, "Pilot", [("pr-1", date(2027, 1, 12)), ("pr-1", date(2027, 2, 9)),
                         ("pr-1", date(2027, 3, 9)), ("pr-2", date(2027, 2, 3)),
                         ("pr-3", date(2027, 1, 20))])
    w.goal(db, "Pilot", "pr-1", "e1", "a", GoalStatus.done)
    w.goal(db, "Pilot", "pr-1", "e1", "b", GoalStatus.on_track)
    w.goal(db, "Pilot", "pr-1", "e1", "c", GoalStatus.dropped)
    w.goal(db, "Pilot", "pr-2", "e2", "d", GoalStatus.at_risk)
    w.rating(db, "Pilot", "pr-1", "e1", date(2027, 2, 3), 4)
    w.rating(db, "Pilot", "pr-1", "m1", date(2027, 2, 3), 5)
    w.rating(db, "Pilot", "pr-2", "e2", date(2027, 3, 3), None)  # due, not answered
    w.rating(db, "Pilot", "pr-2", "e2", date(2027, 4, 3), None)  # not due yet
    return db


def test_the_dashboard_figures(pilot: Database) -> None:
    board = program_dashboard(pilot, "Pilot", clock=FixedClock(w.at(TODAY))).json()
    assert board["coverage"] == {"mentees": 5, "covered": 2, "share": 0.4}
    assert board["pairs_by_status"] == {"approved": 0, "active": 2, "closed": 1}
    # pr-1 met 9 March (on track); pr-2 last met 3 February: 40 days, 12 past the cadence,
    # and a goal at risk
    assert board["pairs_by_health"] == {"too_early": 0, "on_track": 1, "needs_checkin": 1,
                                        "at_risk": 0}
    assert board["sessions_held"] == 5
    assert board["meetings_per_month"] == [
        {"month": "2027-01", "held": 2, "pairs": 2, "pairs_met": 2, "per_pair": 1.0},
        {"month": "2027-02", "held": 2, "pairs": 3, "pairs_met": 2, "per_pair": 0.667},
        {"month": "2027-03", "held": 1, "pairs": 3, "pairs_met": 1, "per_pair": 0.333}]
    assert board["goals"] == {"total": 4, "completion": 0.3333, "by_status": {
        "not_started": 0, "on_track": 1, "at_risk": 1, "done": 1, "dropped": 1}}
    # two respondents: counts only, as the check-in summary shows small groups
    assert board["checkins"] == {"due": 3, "submitted": 2, "response_rate": 0.6667,
                                 "respondents": 2, "ratings": None, "average_rating": None,
                                 "closing_responses": 0, "average_recommend": None}
    departments = {g["group"]: g for g in board["breakdowns"]["department"]}
    assert list(departments) == ["Engineering", "Sales", "(none)"]
    assert departments["Engineering"] == {
        "group": "Engineering", "mentees": 3, "covered": 2, "coverage": 0.6667, "pairs": 2,
        "sessions_held": 4, "health": {"too_early": 0, "on_track": 1, "needs_checkin": 1,
                                       "at_risk": 0}}
    assert (departments["Sales"]["covered"], departments["(none)"]["mentees"]) == (0, 1)
    assert [g["group"] for g in board["breakdowns"]["level"]] == ["3", "5", "(none)"]
    assert {g["group"]: g["covered"] for g in board["breakdowns"]["organization"]} == {
        "Harbourline": 1, "Partner": 1}
    assert "PRIVATE" not in json.dumps(board)


def test_the_pairs_active_in_january_count_pr1_pr3_and_not_pr2(pilot: Database) -> None:
    # pr-2 was approved on 1 February: January's pairs are pr-1 and pr-3 only
    board = program_dashboard(pilot, "Pilot", clock=FixedClock(w.at(TODAY)))
    assert board.months[0].pairs == 2


def test_the_export_has_one_row_per_pairing_and_nothing_private(pilot: Database,
                                                                tmp_path: Path) -> None:
    export = export_rows(pilot, "Pilot", clock=FixedClock(w.at(TODAY)))
    rows = {r[0]: dict(zip(EXPORT_COLUMNS, r, strict=True)) for r in export.rows}
    assert sorted(rows) == ["pr-1", "pr-2", "pr-3"]
    one = rows["pr-1"]
    assert (one["mentee_name"], one["mentee_department"], one["sessions_held"],
            one["last_session_on"], one["health"], one["goals"], one["goals_done"],
            one["goal_completion"]) == ("Ella", "Engineering", 3, date(2027, 3, 9),
                                        "on_track", 3, 1, 0.5)
    assert (rows["pr-3"]["status"], rows["pr-3"]["health"]) == ("closed", "")
    assert export_to(pilot, "Pilot", tmp_path / "hr.csv", clock=FixedClock(w.at(TODAY))) == 3
    text = (tmp_path / "hr.csv").read_text(encoding="utf-8-sig")
    table = list(csv.DictReader(io.StringIO(text)))
    assert [r["pairing_id"] for r in table] == ["pr-1", "pr-2", "pr-3"]
    assert table[0]["mentor_name"] == "Mara =Mentor"  # not a formula: left as it is
    assert table[0]["approved_at_utc"] == "2027-01-04T09:00:00+00:00"
    export_to(pilot, "Pilot", tmp_path / "hr.xlsx", clock=FixedClock(w.at(TODAY)))
    sheet = load_workbook(tmp_path / "hr.xlsx").active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == EXPORT_COLUMNS and len(values) == 4
    assert values[1][EXPORT_COLUMNS.index("sessions_held")] == 3
    for content in (text, str(values)):
        assert "PRIVATE" not in content


def test_a_formula_in_a_name_is_not_run_by_the_spreadsheet(db: Database,
                                                           tmp_path: Path) -> None:
    w.program(db, "Pilot")
    w.people(db, "Pilot", [w.person("m1", "mentor", name="=HYPERLINK(\"x\")"),
                           w.person("e1", "mentee", name="@SUM(A1)")])
    w.pairs(db, "Pilot", [("pr-1", "e1", "m1", date(2027, 1, 4))])
    export_to(db, "Pilot", tmp_path / "hr.csv", clock=FixedClock(w.at(TODAY)))
    (row,) = list(csv.DictReader(io.StringIO((tmp_path / "hr.csv").read_text("utf-8-sig"))))
    assert (row["mentee_name"], row["mentor_name"]) == ("'@SUM(A1)", "'=HYPERLINK(\"x\")")


def test_an_export_to_another_format_names_the_field(pilot: Database, tmp_path: Path) -> None:
    with pytest.raises(BadInputError) as caught:
        export_to(pilot, "Pilot", tmp_path / "hr.pdf")
    assert caught.value.field == "to"


def test_ratings_show_from_three_respondents(pilot: Database) -> None:
    w.rating(pilot, "Pilot", "pr-2", "m2", date(2027, 3, 3), 2)
    checkins = program_dashboard(pilot, "Pilot", clock=FixedClock(w.at(TODAY))).checkins
    assert (checkins["respondents"], checkins["average_rating"], checkins["ratings"]) == (
        3, 3.67, {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1})
