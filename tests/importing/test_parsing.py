"""What a good file turns into, and the row numbers a person sees for each record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from companion.domain import MentoringFormat, Role
from companion.services.participants import list_participants
from tests import factories


def _stored(db) -> dict:
    return {p.id: p for p in list_participants(db, "Pilot")}


def test_csv_with_byte_order_mark_imports(run_import, pilot, tmp_path: Path) -> None:
    path = factories.write_csv(tmp_path / "people.csv",
                               [factories.mentor("m1"), factories.mentee("e1")], bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    report = run_import(path)

    assert report.errors == []
    assert report.created == 2
    assert set(_stored(pilot)) == {"m1", "e1"}


def test_spreadsheet_headers_are_normalised(run_import, pilot, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        " ID ,Name,ROLE,Manager ID,TimeZone,Prefer-Cross Department,  Capacity\n"
        "m1,Ada Lovelace,Mentor,,Europe/London,yes,3\n"
        "e1,Bo Chen,mentee,m1,Asia/Tokyo,no,\n", encoding="utf-8")

    report = run_import(path)

    assert report.errors == []
    people = _stored(pilot)
    assert people["m1"].role is Role.mentor
    assert people["m1"].capacity == 3
    assert people["m1"].prefer_cross_department is True
    assert people["e1"].manager_id == "m1"
    assert people["e1"].prefer_cross_department is False
    assert people["e1"].timezone == "Asia/Tokyo"
    assert people["e1"].extra == {}


def test_unknown_columns_are_kept_in_extra(run_import, pilot, tmp_path: Path) -> None:
    header = ["id", "name", "role", "Cost Centre", "Notes", "badge"]
    rows = [{"id": "m1", "name": "Ada", "role": "mentor", "Cost Centre": "CC-12",
             "Notes": "  prefers mornings  ", "badge": ""}]
    path = factories.write_csv(tmp_path / "people.csv", rows, header)

    report = run_import(path)

    assert report.created == 1
    person = _stored(pilot)["m1"]
    assert person.extra == {"cost_centre": "CC-12", "notes": "prefers mornings"}
    assert person.to_record()["cost_centre"] == "CC-12"


def test_json_extra_values_are_kept_as_text(run_import, pilot, tmp_path: Path) -> None:
    path = factories.write_json(tmp_path / "people.json", [
        {"id": "m1", "name": "Ada", "role": "mentor", "tenure": 7, "tags": ["a", "b"],
         "note": None}])

    run_import(path)

    assert _stored(pilot)["m1"].extra == {"tenure": "7", "tags": '["a", "b"]'}


def test_goals_split_on_double_semicolon_and_blank_lines(run_import, pilot,
                                                         tmp_path: Path) -> None:
    goals = "Lead my first team;;Present to the board\n\n  Delegate more  \n\nWrite a\nstrategy"
    path = factories.write_csv(tmp_path / "people.csv", [factories.mentee("e1", goals=goals),
                                                         factories.mentor("m1")])
    assert "\n\n" in path.read_text(encoding="utf-8")  # a quoted multi-line cell

    report = run_import(path)

    assert report.errors == []
    assert _stored(pilot)["e1"].goals == [
        "Lead my first team", "Present to the board", "Delegate more", "Write a\nstrategy"]


@pytest.mark.parametrize(("raw", "expected"), [
    ("EN; de ;en", ["en", "de"]),
    ("fr;FR;Fr", ["fr"]),
    ("pt-BR; ; es", ["pt", "es"]),
    ("", []),
])
def test_languages_are_codes_without_repeats(run_import, pilot, tmp_path: Path,
                                            raw: str, expected: list[str]) -> None:
    path = factories.write_csv(tmp_path / "people.csv",
                               [factories.mentee("e1", languages=raw)])

    run_import(path)

    assert _stored(pilot)["e1"].languages == expected


def test_json_with_real_lists_numbers_and_booleans(run_import, pilot, tmp_path: Path) -> None:
    path = factories.write_json(tmp_path / "people.json", [
        {"id": "m1", "name": "Ada", "role": "MENTOR", "level": 7, "capacity": 4,
         "languages": ["EN", "fr", "en"], "skills": ["coaching", " finance "],
         "prefer_cross_department": True, "format": "peer"},
        {"id": "e1", "name": "Bo", "role": "mentee", "level": 2.0,
         "goals": ["Lead a team", "  ", "Speak up"], "manager_id": "m1"},
    ])

    report = run_import(path)

    assert report.errors == []
    people = _stored(pilot)
    assert (people["m1"].level, people["m1"].capacity) == (7, 4)
    assert people["m1"].languages == ["en", "fr"]
    assert people["m1"].skills == ["coaching", "finance"]
    assert people["m1"].prefer_cross_department is True
    assert people["m1"].format is MentoringFormat.peer
    assert people["e1"].level == 2
    assert people["e1"].goals == ["Lead a team", "Speak up"]


def test_json_participants_wrapper(run_import, pilot, tmp_path: Path) -> None:
    path = tmp_path / "people.json"
    path.write_text(json.dumps({"program": "ignored", "participants": [
        factories.mentor("m1"), factories.mentee("e1")]}), encoding="utf-8")

    report = run_import(path)

    assert report.errors == []
    assert set(_stored(pilot)) == {"m1", "e1"}


def test_json_keys_are_normalised_like_headers(run_import, pilot, tmp_path: Path) -> None:
    path = factories.write_json(tmp_path / "people.json", [
        {"ID": "m1", "Name": "Ada", "Role": "mentor"},
        {"ID": "e1", "Name": "Bo", "Role": "mentee", "Manager ID": "m1"}])

    run_import(path)

    assert _stored(pilot)["e1"].manager_id == "m1"


def test_jsonl_blank_lines_are_ignored(run_import, pilot, tmp_path: Path) -> None:
    path = tmp_path / "people.jsonl"
    path.write_text("\n\n" + json.dumps(factories.mentor("m1")) + "\n   \n\n"
                    + json.dumps(factories.mentee("e1")) + "\n\n", encoding="utf-8")

    report = run_import(path)

    assert report.errors == []
    assert report.created == 2


def test_ndjson_suffix_reads_as_jsonl(run_import, pilot, tmp_path: Path) -> None:
    path = factories.write_jsonl(tmp_path / "people.ndjson",
                                 [factories.mentor("m1"), factories.mentee("e1")])

    assert run_import(path).created == 2


@pytest.mark.parametrize("newline", [b"\r\n", b"\r"], ids=["windows", "old-mac"])
def test_other_line_endings(run_import, tmp_path: Path, newline: bytes) -> None:
    path = tmp_path / "people.csv"
    lines = [b"id,name,role", b"m1,Ada,mentor", b"", b"e1,Bo,mentee", b"x1,Xi,boss"]
    path.write_bytes(newline.join(lines) + newline)

    report = run_import(path)

    assert [(e["row"], e["field"]) for e in report.errors] == [(5, "role")]
    assert "unknown role 'boss'" in report.errors[0]["message"]


def test_json_keys_that_collide_after_normalising_are_an_error(run_import, pilot,
                                                               tmp_path: Path) -> None:
    path = factories.write_json(tmp_path / "people.json", [
        {"id": "a1", "ID": "b2", "name": "Ada", "role": "mentor"}])

    report = run_import(path)

    assert not report.imported
    assert [e["row"] for e in report.errors] == [1]
    assert "twice" in report.errors[0]["message"]
    assert list_participants(pilot, "Pilot") == []


BAD = "x1,Xavier,chief"  # unknown role


@pytest.mark.parametrize(("lines", "row"), [
    pytest.param(["id,name,role", BAD], 2, id="first-record-is-row-2"),
    pytest.param(["id,name,role", "m1,Ada,mentor", "e1,Bo,mentee", BAD], 4, id="plain"),
    pytest.param(["id,name,role", "m1,Ada,mentor", "", "", BAD], 5, id="blank-lines-count"),
    pytest.param(["id,name,role", "m1,Ada,mentor", ",,", BAD], 4, id="empty-cells-line"),
    pytest.param(["id,name,role", '"m1","Ada\nLovelace\nKing",mentor', BAD], 3,
                 id="multi-line-cell-is-one-row"),
    pytest.param(["id,name,role", 'm1,"Ada\n\n\nKing",mentor', "", BAD], 4,
                 id="multi-line-cell-then-blank-line"),
])
def test_csv_row_numbers_are_what_a_spreadsheet_shows(run_import, tmp_path: Path,
                                                      lines: list[str], row: int) -> None:
    path = tmp_path / "people.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = run_import(path)

    assert [(e["row"], e["field"]) for e in report.errors] == [(row, "role")]


@pytest.mark.parametrize(("suffix", "text", "row"), [
    ("json", '[{"id":"m1","name":"A","role":"mentor"},{"id":"x1","name":"X","role":"chief"}]',
     2),
    ("json", '{"participants": [{"id":"x1","name":"X","role":"chief"}]}', 1),
    ("jsonl", '{"id":"m1","name":"A","role":"mentor"}\n{"id":"e1","name":"B","role":"mentee"}'
     '\n{"id":"x1","name":"X","role":"chief"}\n', 3),
    ("jsonl", '\n\n{"id":"m1","name":"A","role":"mentor"}\n\n{"id":"x1","name":"X",'
     '"role":"chief"}\n', 2),
])
def test_json_row_numbers_are_record_numbers(run_import, tmp_path: Path, suffix: str,
                                             text: str, row: int) -> None:
    path = tmp_path / f"people.{suffix}"
    path.write_text(text, encoding="utf-8")

    report = run_import(path)

    assert [(e["row"], e["field"]) for e in report.errors] == [(row, "role")]
