"""Files that cannot be read at all, and records that cannot be read: clear errors, nothing
imported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from companion.services.participants import list_participants
from tests import factories

VALID_CSV = factories.csv_text([factories.mentor("m1"), factories.mentee("e1")]).encode()
PEOPLE = [factories.mentor("m1"), factories.mentee("e1")]


@pytest.mark.parametrize(("name", "data", "row", "field", "fragments"), [
    ("people.csv", b"", 0, "file", ["is empty"]),
    ("people.csv", b"  \n\n\t \r\n", 0, "file", ["is empty"]),
    ("people.json", b"   \n", 0, "file", ["is empty"]),
    ("people.csv", b"id,name,role\n", 1, "file", ["header but no participant rows"]),
    ("people.csv", b"id,name,role\n\n,,\n", 1, "file", ["header but no participant rows"]),
    ("people.xlsx", VALID_CSV, 0, "file", ["not an Excel .xlsx workbook"]),
    ("people.xlsx", b"", 0, "file", ["is empty"]),
    ("people.xls", VALID_CSV, 0, "file", ["unsupported file type .xls", ".xlsx"]),
    ("people.txt", VALID_CSV, 0, "file", ["unsupported file type .txt"]),
    ("people", VALID_CSV, 0, "file", ["(no extension)"]),
    ("people.csv", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, 0, "file",
     ["ZIP archive", "xlsx", "give it the .xlsx extension"]),
    ("people.csv", b"%PDF-1.7\n", 0, "file", ["PDF"]),
    ("people.csv", "id,name,role\nm1,Łukasz Wałęsa,mentor\n".encode("cp1250"), 0, "file",
     ["cannot tell the encoding", "not UTF-8", "0xa3", "offset 16", "CSV UTF-8"]),
    ("people.csv", b"id,name,role,Name\nm1,Ada,mentor,Ada\n", 1, "Name",
     ["'Name' appears twice", "columns 2 and 4"]),
    ("people.csv", b"id,,role\nm1,Ada,mentor\n", 1, "column 2", ["column 2", "no name"]),
    ("people.csv", b'id,name,role\nm1,Ada,mentor\ne1,"Bo,mentee\n', 3, "file",
     ["not valid CSV near row 3"]),
    ("people.json", b'{"id": "m1", "name": "Ada", "role": "mentor"}', 0, "file",
     ["should hold a list"]),
    ("people.json", b'"just text"', 0, "file", ["should hold a list"]),
    ("people.json", b'{"participants": {"id": "m1"}}', 0, "file", ["should hold a list"]),
    ("people.json", b"[]", 0, "file", ["holds no participants"]),
    ("people.json", b'[{"id": "m1", "name": "Ada",, "role": "mentor"}]', 0, "file",
     ["not valid JSON", "line 1", "column 29"]),
    ("people.json", b'[\n{"id": "m1",\n"name": "Ada"\n"role": "mentor"}]', 0, "file",
     ["not valid JSON", "line 4"]),
])
def test_unreadable_file_is_one_error_and_imports_nothing(
        run_import, pilot, tmp_path: Path, name: str, data: bytes, row: int, field: str,
        fragments: list[str]) -> None:
    path = tmp_path / name
    path.write_bytes(data)

    report = run_import(path)

    assert not report.imported
    assert [(e["row"], e["field"]) for e in report.errors] == [(row, field)]
    for fragment in fragments:
        assert fragment in report.errors[0]["message"]
    assert report.created == report.updated == report.unchanged == 0
    assert list_participants(pilot, "Pilot") == []


def test_missing_file_names_the_path(run_import, pilot, tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "people.csv"

    report = run_import(path)

    assert not report.imported
    assert [(e["row"], e["field"]) for e in report.errors] == [(0, "file")]
    assert "file not found" in report.errors[0]["message"]
    assert str(path) in report.errors[0]["message"]


def test_folder_instead_of_file(run_import, tmp_path: Path) -> None:
    folder = tmp_path / "people.csv"
    folder.mkdir()

    report = run_import(folder)

    assert not report.imported
    assert "is a folder" in report.errors[0]["message"]


def test_skip_invalid_does_not_import_an_unreadable_file(run_import, pilot,
                                                         tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes("id,name,role\nm1,Łukasz Wałęsa,mentor\n".encode("cp1250"))

    report = run_import(path, skip_invalid=True)

    assert not report.imported
    assert [e["field"] for e in report.errors] == ["file"]
    assert list_participants(pilot, "Pilot") == []


def _csv_with_long_row(path: Path) -> Path:
    text = factories.csv_text(PEOPLE, ["id", "name", "role"])
    lines = text.splitlines()
    lines.insert(2, "x1,Xavier,mentee,surplus")  # row 3 of the spreadsheet
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _json_with_text_item(path: Path) -> Path:
    return factories.write_json(path, [PEOPLE[0], "Xavier", PEOPLE[1]])


def _json_with_list_item(path: Path) -> Path:
    return factories.write_json(path, [PEOPLE[0], PEOPLE[1], ["x1", "Xavier"]])


def _jsonl_with_broken_line(path: Path) -> Path:
    lines = [json.dumps(PEOPLE[0]), '{"id": "x1", "name": "Xavier"', json.dumps(PEOPLE[1])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _jsonl_with_number_line(path: Path) -> Path:
    return factories.write_jsonl(path, [PEOPLE[0], PEOPLE[1], 42])


@pytest.mark.parametrize(("name", "build", "row", "field", "fragments"), [
    ("people.csv", _csv_with_long_row, 3, "(row)",
     ["4 values but the header has 3 columns"]),
    ("people.json", _json_with_text_item, 2, "(record)", ["expected an object", "a string"]),
    ("people.json", _json_with_list_item, 3, "(record)", ["expected an object", "a list"]),
    ("people.jsonl", _jsonl_with_broken_line, 2, "(record)", ["invalid JSON"]),
    ("people.jsonl", _jsonl_with_number_line, 3, "(record)", ["a number"]),
])
def test_unreadable_record_is_reported_on_its_row(run_import, pilot, tmp_path: Path, name,
                                                  build, row, field, fragments) -> None:
    path = build(tmp_path / name)

    report = run_import(path)

    assert not report.imported
    assert [(e["row"], e["field"]) for e in report.errors] == [(row, field)]
    for fragment in fragments:
        assert fragment in report.errors[0]["message"]
    assert list_participants(pilot, "Pilot") == []

    # The other records were readable: with --skip-invalid they are imported.
    skipped = run_import(path, skip_invalid=True)
    assert skipped.imported
    assert (skipped.created, skipped.skipped) == (2, 1)
    assert [p.id for p in list_participants(pilot, "Pilot")] == ["e1", "m1"]


def test_trailing_empty_values_are_not_extra_columns(run_import, pilot,
                                                     tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("id,name,role\nm1,Ada,mentor,,\ne1,Bo,mentee\n", encoding="utf-8")

    report = run_import(path)

    assert report.errors == []
    assert report.created == 2
