"""`companion import participants` with HR exports: --map, --dry-run, and the advice given
when --skip-invalid cannot help."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

FILES = Path(__file__).parents[1] / "importing" / "files"
ODD_EXPORT = ("Staff Ref;Known As;Part;Career Band\n"
              "x1;Ada Park;mentor;Band A\n"
              "x2;Bo Chen;mentee;G7\n")


@pytest.fixture
def pilot(cli) -> str:
    assert cli("program", "create", "Pilot", "--start", "2027-01-11").code == 0
    return "Pilot"


def _ids(cli) -> list[str]:
    run = cli("participants", "list", "--program", "Pilot", "--format", "json")
    return [p["id"] for p in json.loads(run.out)["participants"]]


def test_the_hr_export_imports_in_one_command(cli, pilot, tmp_path: Path) -> None:
    path = shutil.copy(FILES / "hr_export_utf8_bom.csv", tmp_path / "hr.csv")

    run = cli("import", "participants", str(path), "--program", pilot, "--skip-invalid")

    assert run.code == 0, run.err
    said = " ".join(run.out.split())
    assert "5 created" in said and "2 invalid row(s) skipped" in said
    assert "Columns: Employee ID → id, Full Name → name, Job Title → title" in said
    err = " ".join(run.err.split())
    assert "│ 6 │ email │" in err and "│ 7 │ role │" in err
    assert "use --skip-invalid" not in err
    assert len(_ids(cli)) == 5


def test_skip_invalid_run_that_imports_nothing_does_not_suggest_skip_invalid(
        cli, pilot, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("name,role\nAda,mentor\n", encoding="utf-8")  # no id column

    run = cli("import", "participants", str(path), "--program", pilot, "--skip-invalid")

    assert run.code == 2
    err = " ".join(run.err.split())
    assert "required column 'id' is missing" in err
    assert "Nothing was imported" in err
    assert "use --skip-invalid" not in err
    assert "affect the whole file" in err


def test_map_file_maps_headers_and_grades(cli, pilot, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(ODD_EXPORT, encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("columns:\n  Staff Ref: id\n  Known As: name\n  Part: role\n"
                       "  Career Band: level\nlevels:\n  Band A: 7\n  G7: 5\n",
                       encoding="utf-8")

    without = cli("import", "participants", str(path), "--program", pilot, "--format",
                  "json")
    run = cli("import", "participants", str(path), "--program", pilot, "--map",
              str(mapping), "--format", "json")

    assert without.code == 2
    assert "required column 'id' is missing" in without.out
    assert run.code == 0, run.err
    data = json.loads(run.out)
    assert (data["created"], data["errors"]) == (2, [])
    assert {c["column"]: c["field"] for c in data["columns"]} == {
        "Staff Ref": "id", "Known As": "name", "Part": "role", "Career Band": "level"}
    people = json.loads(cli("participants", "list", "--program", pilot, "--format",
                            "json").out)["participants"]
    assert {p["id"]: p["level"] for p in people} == {"x1": 7, "x2": 5}


@pytest.mark.parametrize(("text", "fragment"), [
    ('{"columns": {"Staff Ref": "employee_no"}}', "columns.Staff Ref: unknown field"),
    ('{"columns": {"A": "id", "B": "id"}}', "'A' and 'B' are both mapped to id"),
])
def test_bad_map_file_exits_2_naming_the_key(cli, pilot, tmp_path: Path, text: str,
                                             fragment: str) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(ODD_EXPORT, encoding="utf-8")
    mapping = tmp_path / "map.json"
    mapping.write_text(text, encoding="utf-8")

    run = cli("import", "participants", str(path), "--program", pilot, "--map", str(mapping))

    assert run.code == 2
    assert fragment in " ".join(run.err.split())
    assert "Traceback" not in run.err
    assert _ids(cli) == []


def test_dry_run_prints_what_would_change_and_writes_nothing(cli, pilot,
                                                             tmp_path: Path) -> None:
    first = tmp_path / "first.csv"
    first.write_text("id,name,role,title\nm1,Ada,mentor,CFO\ne1,Bo,mentee,Analyst\n",
                     encoding="utf-8")
    assert cli("import", "participants", str(first), "--program", pilot).code == 0
    second = tmp_path / "second.csv"
    second.write_text("id,name,role,title\nm1,Ada,mentor,CEO\ne1,Bo,mentee,Analyst\n"
                      "e2,Cy,mentee,Engineer\n", encoding="utf-8")
    audit_before = cli("audit", "list", "--program", pilot, "--format", "json").out

    table = cli("import", "participants", str(second), "--program", pilot, "--dry-run")
    as_json = cli("import", "participants", str(second), "--program", pilot, "--dry-run",
                  "--format", "json")

    assert table.code == as_json.code == 0
    said = " ".join(table.out.split())
    assert "Dry run" in said and "nothing was written" in said
    assert "Would create 1: e2" in said
    assert "Would update 1: m1 (title)" in said
    assert "1 unchanged" in said
    data = json.loads(as_json.out)
    assert data["dry_run"] is True and data["imported"] is False
    assert data["changes"]["created"] == ["e2"]
    people = json.loads(cli("participants", "list", "--program", pilot, "--format",
                            "json").out)["participants"]
    assert {p["id"]: p["title"] for p in people} == {"m1": "CFO", "e1": "Analyst"}
    assert cli("audit", "list", "--program", pilot, "--format", "json").out == audit_before


def test_dry_run_with_errors_exits_2(cli, pilot, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("id,name,role\ne1,Ada,boss\n", encoding="utf-8")

    run = cli("import", "participants", str(path), "--program", pilot, "--dry-run")

    assert run.code == 2
    err = " ".join(run.err.split())
    assert "unknown role 'boss'" in err and "Dry run" in err
    assert _ids(cli) == []
