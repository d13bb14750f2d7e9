"""Reporting lines across the file and the program: self-management, cycles, and managers
whose own row is invalid (managers outside the program: test_org_tree.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.services.participants import list_participants
from tests import factories


def _managed(pid: str, manager: str, **overrides: str) -> dict[str, str]:
    return factories.mentee(pid, manager_id=manager, **overrides)


@pytest.mark.parametrize(("rows", "expected", "fragments"), [
    pytest.param(
        [factories.mentor("m1"), _managed("e1", "e1")],
        [(3, "manager_id")],
        ["'e1' is listed as their own manager"],
        id="own-manager"),
    pytest.param(
        [factories.mentor("m1"), _managed("a", "b"), _managed("b", "a"), _managed("c", "m1")],
        [(3, "manager_id"), (4, "manager_id")],
        ["reporting-line cycle", "a → b → a"],
        id="two-person-cycle"),
    pytest.param(
        [_managed("a", "b"), factories.mentor("m1"), _managed("b", "c"), _managed("c", "a")],
        [(2, "manager_id"), (4, "manager_id"), (5, "manager_id")],
        ["reporting-line cycle", "a → b → c → a"],
        id="three-person-cycle"),
    pytest.param(
        [factories.mentor("m1", capacity="-1"), _managed("e1", "m1")],
        [(2, "capacity"), (3, "manager_id")],
        ["manager 'm1' is on row 2", "fix that row first"],
        id="manager-on-invalid-row"),
])
def test_reporting_line_problem_rejects_the_file(run_import, pilot, tmp_path: Path, rows,
                                                 expected, fragments) -> None:
    path = factories.write_csv(tmp_path / "people.csv", rows)

    report = run_import(path)

    assert not report.imported
    assert [(e["row"], e["field"]) for e in report.errors] == expected
    manager_errors = [e for e in report.errors if e["field"] == "manager_id"]
    for error in manager_errors:
        for fragment in fragments:
            assert fragment in error["message"]
    assert list_participants(pilot, "Pilot") == []


def test_a_chain_under_an_invalid_manager_is_reported_link_by_link(
        run_import, pilot, tmp_path: Path) -> None:
    rows = [factories.mentor("m1", level="eleven"), _managed("e1", "m1"),
            _managed("e2", "e1"), factories.mentee("e3")]
    path = factories.write_csv(tmp_path / "people.csv", rows)

    report = run_import(path, skip_invalid=True)

    assert [(e["row"], e["field"]) for e in report.errors] == [
        (2, "level"), (3, "manager_id"), (4, "manager_id")]
    assert "manager 'm1' is on row 2" in report.errors[1]["message"]
    assert "manager 'e1' is on row 3" in report.errors[2]["message"]
    # Nobody is stored with a manager that was left out.
    assert [p.id for p in list_participants(pilot, "Pilot")] == ["e3"]
    assert report.skipped == 3


def test_manager_from_an_earlier_import_is_valid(run_import, pilot, tmp_path: Path) -> None:
    first = factories.write_csv(tmp_path / "managers.csv", [factories.mentor("m1")])
    assert run_import(first).created == 1
    second = factories.write_csv(tmp_path / "mentees.csv", [_managed("e1", "m1")])

    report = run_import(second)

    assert report.errors == []
    assert report.created == 1
    stored = {p.id: p.manager_id for p in list_participants(pilot, "Pilot")}
    assert stored == {"m1": None, "e1": "m1"}


def test_reimport_that_closes_a_cycle_with_stored_people_is_rejected(
        run_import, pilot, tmp_path: Path) -> None:
    # Stored: a reports to b, b reports to nobody.
    first = factories.write_csv(tmp_path / "first.csv",
                                [_managed("a", "b"), factories.mentor("b")])
    assert run_import(first).created == 2
    # The new file makes b report to a; a is not in it, its stored manager still counts.
    second = factories.write_csv(tmp_path / "second.csv",
                                 [factories.mentor("c"), factories.mentor("b", manager_id="a")])

    report = run_import(second)

    assert not report.imported
    assert [(e["row"], e["field"]) for e in report.errors] == [(3, "manager_id")]
    assert "reporting-line cycle" in report.errors[0]["message"]
    stored = {p.id: p.manager_id for p in list_participants(pilot, "Pilot")}
    assert stored == {"a": "b", "b": None}


def test_reimport_may_change_a_stored_manager_when_no_cycle_results(
        run_import, pilot, tmp_path: Path) -> None:
    first = factories.write_csv(tmp_path / "first.csv",
                                [_managed("a", "b"), factories.mentor("b")])
    run_import(first)
    # a moves out from under b, so b may now report to a.
    second = factories.write_csv(tmp_path / "second.csv",
                                 [factories.mentee("a"), factories.mentor("b", manager_id="a")])

    report = run_import(second)

    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (0, 2, 0)
    stored = {p.id: p.manager_id for p in list_participants(pilot, "Pilot")}
    assert stored == {"a": None, "b": "a"}


def test_manager_later_in_the_file_is_fine(run_import, pilot, tmp_path: Path) -> None:
    rows = [_managed("e1", "m2"), _managed("m2", "m1", role="both", capacity="1"),
            factories.mentor("m1")]
    path = factories.write_csv(tmp_path / "people.csv", rows)

    report = run_import(path)

    assert report.errors == []
    assert report.created == 3


def test_json_reporting_line_errors_use_record_numbers(run_import, tmp_path: Path) -> None:
    path = factories.write_json(tmp_path / "people.json",
                                [factories.mentor("m1"), _managed("a", "b"), _managed("b", "a")])

    report = run_import(path)

    assert [(e["row"], e["field"]) for e in report.errors] == [
        (2, "manager_id"), (3, "manager_id")]
