"""Rows that break a field rule: the error names the row and the field, and nothing is
imported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from companion.services.participants import list_participants
from tests import factories


def _import_with_bad_row(run_import, tmp_path: Path, bad: dict[str, Any], suffix: str = "csv"):
    """m1 (row 2), the bad mentor 'x1' (row 3), e1 (row 4); JSON rows are 1, 2, 3."""
    rows = [factories.mentor("m1"), factories.mentor("x1", **bad), factories.mentee("e1")]
    path = tmp_path / f"people.{suffix}"
    if suffix == "csv":
        factories.write_csv(path, rows)
    else:
        factories.write_json(path, rows)
    return run_import(path)


@pytest.mark.parametrize(("bad", "field", "fragments"), [
    ({"role": "coach"}, "role", ["unknown role 'coach'", "mentor, mentee or both"]),
    ({"role": ""}, "role", ["role is required"]),
    ({"id": ""}, "id", ["id is required"]),
    ({"id": "bad id!"}, "id", ["'bad id!' is not a valid id"]),
    ({"name": "   "}, "name", ["name is required"]),
    ({"capacity": "-1"}, "capacity", ["capacity -1 is negative"]),
    ({"capacity": "two"}, "capacity", ["capacity must be a whole number", "'two'"]),
    ({"capacity": "2.5"}, "capacity", ["capacity must be a whole number", "'2.5'"]),
    ({"capacity": "51"}, "capacity", ["capacity 51", "at most 50"]),
    ({"level": "9"}, "level", ["level 9 is out of range", "1 (entry) to 8 (executive)"]),
    ({"level": "0"}, "level", ["level 0 is out of range"]),
    ({"level": "senior"}, "level", ["grade 'senior' gives no level", "mapping file's levels",
                                    "1 (entry) to 8 (executive)"]),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone",
     ["unknown time zone 'Mars/Olympus_Mons'", "IANA"]),
    ({"timezone": "GMT+1"}, "timezone", ["unknown time zone 'GMT+1'"]),
    ({"name": "N" * 121}, "name", ["too long: 121 characters, at most 120"]),
    ({"expertise": "E" * 4001}, "expertise", ["too long: 4001 characters, at most 4000"]),
    ({"goals": "Short goal;;" + "G" * 2001}, "goals",
     ["goal 2 is too long: 2001 characters, at most 2000"]),
    ({"email": "ada.example.org"}, "email", ["'ada.example.org' is not an e-mail address"]),
    ({"email": "ada@example"}, "email", ["not an e-mail address"]),
    ({"prefer_cross_department": "maybe"}, "prefer_cross_department",
     ["'maybe' is not true or false"]),
    ({"format": "mentoring"}, "format",
     ["unknown format 'mentoring'", "one_to_one, group, peer or reverse"]),
])
def test_bad_field_is_reported_on_its_row_and_nothing_is_imported(
        run_import, pilot, tmp_path: Path, bad: dict[str, Any], field: str,
        fragments: list[str]) -> None:
    report = _import_with_bad_row(run_import, tmp_path, bad)

    assert not report.imported
    assert [(e["row"], e["field"]) for e in report.errors] == [(3, field)]
    for fragment in fragments:
        assert fragment in report.errors[0]["message"]
    assert list_participants(pilot, "Pilot") == []


@pytest.mark.parametrize(("bad", "field", "fragment"), [
    ({"level": 11}, "level", "level 11 is out of range"),
    ({"level": True}, "level", "level must be a whole number"),
    ({"level": 2.5}, "level", "level must be a whole number"),
    ({"capacity": -3}, "capacity", "capacity -3 is negative"),
    ({"languages": "en", "skills": [1, 2]}, "skills", "list of texts"),
    ({"goals": {"first": "lead"}}, "goals", "expected text"),
    ({"name": ["Ada"]}, "name", "valid string"),
])
def test_bad_json_value_is_reported_on_its_record(run_import, pilot, tmp_path: Path,
                                                  bad: dict[str, Any], field: str,
                                                  fragment: str) -> None:
    report = _import_with_bad_row(run_import, tmp_path, bad, suffix="json")

    assert [(e["row"], e["field"]) for e in report.errors] == [(2, field)]
    assert fragment in report.errors[0]["message"]
    assert list_participants(pilot, "Pilot") == []


@pytest.mark.parametrize("edge", [
    {"name": "N" * 120},
    {"expertise": "E" * 4000},
    {"goals": "G" * 2000},
    {"capacity": "0"},
    {"capacity": "50"},
    {"capacity": "3.0"},
    {"level": "1"},
    {"level": "8"},
    {"timezone": "America/Argentina/Buenos_Aires"},
    {"email": "ada.lovelace+mentor@example.co.uk"},
    {"prefer_cross_department": "Yes"},
    {"format": "GROUP"},
    {"role": " Both "},
])
def test_values_at_the_limits_are_accepted(run_import, pilot, tmp_path: Path,
                                           edge: dict[str, Any]) -> None:
    report = _import_with_bad_row(run_import, tmp_path, edge)

    assert report.errors == []
    assert report.created == 3
    assert "x1" in {p.id for p in list_participants(pilot, "Pilot")}


def test_every_bad_field_of_a_row_is_reported(run_import, tmp_path: Path) -> None:
    report = _import_with_bad_row(run_import, tmp_path,
                                  {"capacity": "-1", "level": "12", "email": "nope"})

    assert [(e["row"], e["field"]) for e in report.errors] == [
        (3, "capacity"), (3, "email"), (3, "level")]


def test_errors_on_several_rows_are_all_listed_in_row_order(run_import, tmp_path: Path
                                                            ) -> None:
    rows = [factories.mentee("e1", level="99"), factories.mentor("m1"),
            factories.mentor("m2", capacity="-4"), factories.mentee("e2", role="student")]
    path = factories.write_csv(tmp_path / "people.csv", rows)

    report = run_import(path)

    assert [(e["row"], e["field"]) for e in report.errors] == [
        (2, "level"), (4, "capacity"), (5, "role")]


@pytest.mark.parametrize("column", ["id", "name", "role"])
def test_missing_required_column_is_row_one(run_import, pilot, tmp_path: Path,
                                            column: str) -> None:
    header = [c for c in factories.HEADER if c != column]
    path = factories.write_csv(tmp_path / "people.csv",
                               [factories.mentor("m1"), factories.mentee("e1")], header)

    report = run_import(path)

    assert not report.imported
    assert [(e["row"], e["field"]) for e in report.errors] == [(1, column)]
    assert f"required column '{column}' is missing" in report.errors[0]["message"]
    assert list_participants(pilot, "Pilot") == []


def test_two_missing_columns_are_two_errors(run_import, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("ID,Department\nm1,Finance\n", encoding="utf-8")

    report = run_import(path)

    assert [(e["row"], e["field"]) for e in report.errors] == [(1, "name"), (1, "role")]
    assert "columns found: id, department" in report.errors[0]["message"]


def test_duplicate_id_is_reported_on_the_second_row_naming_the_first(
        run_import, pilot, tmp_path: Path) -> None:
    rows = [factories.mentor("m1"), factories.mentee("e1"), factories.mentee("e2"),
            factories.mentor("m1", name="Someone Else")]
    path = factories.write_csv(tmp_path / "people.csv", rows)

    report = run_import(path)

    assert not report.imported
    assert [(e["row"], e["field"]) for e in report.errors] == [(5, "id")]
    assert "duplicate id 'm1'" in report.errors[0]["message"]
    assert "first on row 2" in report.errors[0]["message"]
    assert list_participants(pilot, "Pilot") == []


def test_duplicate_id_in_json_names_the_first_record(run_import, tmp_path: Path) -> None:
    path = factories.write_json(tmp_path / "people.json",
                                [factories.mentor("m1"), factories.mentor(" m1 ")])

    report = run_import(path)

    assert [(e["row"], e["field"]) for e in report.errors] == [(2, "id")]
    assert "first on row 1" in report.errors[0]["message"]


def test_duplicate_of_an_invalid_row_is_still_a_duplicate(run_import, pilot,
                                                          tmp_path: Path) -> None:
    rows = [factories.mentor("m1", capacity="-1"), factories.mentee("e1"),
            factories.mentor("m1", name="Someone Else")]
    path = factories.write_csv(tmp_path / "people.csv", rows)

    report = run_import(path, skip_invalid=True)

    assert [(e["row"], e["field"]) for e in report.errors] == [(2, "capacity"), (4, "id")]
    assert [p.id for p in list_participants(pilot, "Pilot")] == ["e1"]
