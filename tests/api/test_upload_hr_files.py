"""HR exports over HTTP: .xlsx uploads, a `map` part next to the file, `dry_run`."""

from __future__ import annotations

import io
import json

from openpyxl import Workbook

from tests.api.conftest import World
from tests.api.helpers import assert_problem, audit, ok, participant_ids, post

URL = "/programs/Pilot/participants/import"
PEOPLE = {"m1", "m2", "e1", "e2", "e3"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODD_CSV = "Staff Ref;Known As;Part;Career Band\nx1;Ada Park;mentor;Band A\nx2;Bo Chen;mentee;G7\n"
MAP = {"columns": {"Staff Ref": "id", "Known As": "name", "Part": "role",
                   "Career Band": "level"}, "levels": {"Band A": 7, "G7": 5}}


def _xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["Employee ID", "Full Name", "Programme Role", "Grade"])
    sheet.append(["x1", "Ada Park", "Mentor", "Grade 6"])
    sheet.append(["x2", "Bo Chen", "Mentee", "L3"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_as_body_or_multipart(world: World) -> None:
    body = ok(post(world, "coord", URL, content=_xlsx(), headers={"Content-Type": XLSX}))
    assert body["created"] == 2 and body["errors"] == []
    again = ok(post(world, "coord", URL, files={"file": ("hr.xlsx", _xlsx(), XLSX)}))
    assert again["unchanged"] == 2
    assert participant_ids(world) == PEOPLE | {"x1", "x2"}


def test_map_part_as_file_or_text(world: World) -> None:
    without = post(world, "coord", URL, files={"file": ("odd.csv", ODD_CSV, "text/csv")})
    assert_problem(without, 422)

    as_file = ok(post(world, "coord", URL, files={
        "file": ("odd.csv", ODD_CSV, "text/csv"),
        "map": ("map.json", json.dumps(MAP), "application/json")}))
    yaml_text = ("columns:\n  Staff Ref: id\n  Known As: name\n  Part: role\n"
                 "  Career Band: level\nlevels:\n  Band A: 7\n  G7: 5\n")
    as_text = ok(post(world, "coord", URL, files={"file": ("odd.csv", ODD_CSV, "text/csv")},
                      data={"map": yaml_text}))

    assert as_file["created"] == 2 and as_text["unchanged"] == 2
    assert {c["column"]: c["field"] for c in as_file["columns"]}["Career Band"] == "level"
    assert participant_ids(world) == PEOPLE | {"x1", "x2"}


def test_bad_map_is_422_naming_the_key(world: World) -> None:
    response = post(world, "coord", URL, files={
        "file": ("odd.csv", ODD_CSV, "text/csv"),
        "map": ("map.json", '{"columns": {"Staff Ref": "badge"}}', "application/json")})

    problem = assert_problem(response, 422)
    assert problem["errors"][0]["field"] == "columns.Staff Ref"
    assert "unknown field 'badge'" in problem["errors"][0]["message"]
    assert participant_ids(world) == PEOPLE


def test_dry_run_writes_nothing(world: World) -> None:
    before = len(audit(world))
    body = ok(post(world, "coord", URL + "?dry_run=true",
                   files={"file": ("hr.xlsx", _xlsx(), XLSX)}))

    assert body["dry_run"] is True and body["imported"] is False
    assert body["created"] == 2 and body["changes"]["created"] == ["x1", "x2"]
    assert participant_ids(world) == PEOPLE
    assert len(audit(world)) == before

    blocked = post(world, "coord", URL + "?dry_run=true", content="id,name,role\nx1,Ada,boss\n",
                   headers={"Content-Type": "text/csv"})
    problem = assert_problem(blocked, 422)
    assert problem["dry_run"] is True and problem["errors"][0]["field"] == "role"
