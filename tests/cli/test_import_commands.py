"""`companion import participants`, `participants list` and `audit list`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import factories

PEOPLE = [factories.mentor("m1"), factories.mentee("e1", manager_id="m1"),
          factories.mentee("e2")]


@pytest.fixture
def pilot(cli) -> str:
    assert cli("program", "create", "Pilot", "--start", "2027-01-11").code == 0
    return "Pilot"


def _ids(cli, program: str = "Pilot") -> list[str]:
    run = cli("participants", "list", "--program", program, "--format", "json")
    assert run.code == 0
    return [p["id"] for p in json.loads(run.out)["participants"]]


def test_import_as_json_has_the_contract_keys(cli, pilot, tmp_path: Path) -> None:
    path = factories.write_csv(tmp_path / "people.csv", PEOPLE)

    run = cli("import", "participants", str(path), "--program", pilot, "--format", "json")

    assert run.code == 0
    data = json.loads(run.out)
    assert {k: data[k] for k in ("created", "updated", "unchanged", "errors")} == {
        "created": 3, "updated": 0, "unchanged": 0, "errors": []}
    assert _ids(cli) == ["e1", "e2", "m1"]

    again = json.loads(cli("import", "participants", str(path), "--program", pilot,
                           "--format", "json").out)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)


def test_import_with_invalid_rows_prints_errors_and_exits_2(cli, pilot,
                                                            tmp_path: Path) -> None:
    rows = [*PEOPLE, factories.mentor("m2", capacity="-2"), factories.mentee("e3", level="x")]
    path = factories.write_csv(tmp_path / "people.csv", rows)

    run = cli("import", "participants", str(path), "--program", pilot, "--format", "json")

    assert run.code == 2
    data = json.loads(run.out)
    assert (data["created"], data["updated"], data["unchanged"]) == (0, 0, 0)
    assert [set(e) for e in data["errors"]] == [{"row", "field", "message"}] * 2
    assert [(e["row"], e["field"]) for e in data["errors"]] == [(5, "capacity"), (6, "level")]
    assert "negative" in data["errors"][0]["message"]
    assert "Traceback" not in run.err
    assert _ids(cli) == []


def test_import_skip_invalid_exits_0(cli, pilot, tmp_path: Path) -> None:
    rows = [*PEOPLE, factories.mentor("m2", capacity="-2")]
    path = factories.write_csv(tmp_path / "people.csv", rows)

    run = cli("import", "participants", str(path), "--program", pilot, "--skip-invalid",
              "--format", "json")

    assert run.code == 0
    data = json.loads(run.out)
    assert (data["created"], data["skipped"]) == (3, 1)
    assert [(e["row"], e["field"]) for e in data["errors"]] == [(5, "capacity")]
    assert _ids(cli) == ["e1", "e2", "m1"]


def test_import_table_reports_counts(cli, pilot, tmp_path: Path) -> None:
    path = factories.write_csv(tmp_path / "people.csv", PEOPLE)

    run = cli("import", "participants", str(path), "--program", pilot)

    assert run.code == 0
    assert "3 created, 0 updated, 0 unchanged" in run.out
    assert run.err == ""


def test_import_table_error_names_row_and_field_on_stderr(cli, pilot, tmp_path: Path) -> None:
    rows = [*PEOPLE, factories.mentee("e3", timezone="Atlantis/Capital")]
    path = factories.write_csv(tmp_path / "people.csv", rows)

    run = cli("import", "participants", str(path), "--program", pilot)

    assert run.code == 2
    err = " ".join(run.err.split())
    assert "1 problem(s) in people.csv" in err
    assert "│ 5 │ timezone │" in err
    assert "Atlantis/Capital" in err
    assert "Nothing was imported" in err
    assert "--skip-invalid" in err
    assert "Traceback" not in run.err
    assert "created" not in run.out
    assert _ids(cli) == []


@pytest.mark.parametrize(("name", "data", "fragment"), [
    ("people.xlsx", b"PK\x03\x04rest", "cannot be read as an Excel workbook"),
    ("people.xls", b"\xd0\xcf\x11\xe0rest", "unsupported file type .xls"),
    ("people.csv", b"PK\x03\x04rest", "ZIP archive"),
    ("people.csv", b"", "is empty"),
    ("people.csv", "id,name,role\nm1,Łukasz,mentor\n".encode("cp1250"),
     "cannot tell the encoding"),
    ("people.json", b"[{", "not valid JSON"),
])
def test_unreadable_file_exits_2_with_the_reason(cli, pilot, tmp_path: Path, name: str,
                                                 data: bytes, fragment: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)

    table = cli("import", "participants", str(path), "--program", pilot)
    as_json = cli("import", "participants", str(path), "--program", pilot, "--format", "json")

    assert table.code == as_json.code == 2
    assert fragment in " ".join(table.err.split())
    assert "Nothing was imported" in table.err
    assert "Traceback" not in table.err + as_json.err
    errors = json.loads(as_json.out)["errors"]
    assert [e["field"] for e in errors] == ["file"]
    assert fragment in errors[0]["message"]


def test_import_missing_file_exits_2(cli, pilot, tmp_path: Path) -> None:
    run = cli("import", "participants", str(tmp_path / "absent.csv"), "--program", pilot,
              "--format", "json")

    assert run.code == 2
    assert "file not found" in json.loads(run.out)["errors"][0]["message"]
    assert "Traceback" not in run.err


def test_import_into_unknown_program_exits_2(cli, pilot, tmp_path: Path) -> None:
    path = factories.write_csv(tmp_path / "people.csv", PEOPLE)

    run = cli("import", "participants", str(path), "--program", "Pliot")

    assert run.code == 2
    assert "no program named 'Pliot'" in run.err
    assert "Known programs: Pilot" in run.err
    assert "Traceback" not in run.err
    assert _ids(cli) == []


def test_import_without_program_option_is_a_usage_error(cli, tmp_path: Path) -> None:
    path = factories.write_csv(tmp_path / "people.csv", PEOPLE)

    run = cli("import", "participants", str(path))

    assert run.code == 2
    assert "--program" in run.err
    assert "Traceback" not in run.err


def test_participants_list_json(cli, pilot, tmp_path: Path) -> None:
    path = factories.write_csv(tmp_path / "people.csv", PEOPLE)
    cli("import", "participants", str(path), "--program", pilot)

    run = cli("participants", "list", "--program", pilot, "--format", "json")

    assert run.code == 0
    people = json.loads(run.out)["participants"]
    assert [(p["id"], p["name"], p["role"]) for p in people] == [
        ("e1", "Mentee e1", "mentee"), ("e2", "Mentee e2", "mentee"),
        ("m1", "Mentor m1", "mentor")]
    by_id = {p["id"]: p for p in people}
    assert by_id["e1"]["manager_id"] == "m1"
    assert by_id["e1"]["languages"] == ["en", "de"]
    assert by_id["e1"]["goals"] == ["Lead my first team", "Present to the board"]
    assert by_id["m1"]["capacity"] == 2


def test_participants_list_table_and_role_filter(cli, pilot, tmp_path: Path) -> None:
    path = factories.write_csv(tmp_path / "people.csv", PEOPLE)
    cli("import", "participants", str(path), "--program", pilot)

    table = cli("participants", "list", "--program", pilot)
    mentors = cli("participants", "list", "--program", pilot, "--role", "mentor",
                  "--format", "json")

    assert table.code == 0
    assert "Pilot: 3 participants" in table.out
    assert "2 mentee, 1 mentor" in table.out
    assert [p["id"] for p in json.loads(mentors.out)["participants"]] == ["m1"]


def test_participants_list_of_an_empty_program(cli, pilot) -> None:
    run = cli("participants", "list", "--program", pilot)

    assert run.code == 0
    assert "No participants in Pilot yet" in run.out
    assert json.loads(cli("participants", "list", "--program", pilot, "--format", "json"
                          ).out)["participants"] == []


def test_participants_list_unknown_program_names_the_known_ones(cli, pilot) -> None:
    cli("program", "create", "Cohort B", "--start", "2027-06-01")

    run = cli("participants", "list", "--program", "Cohort C", "--format", "json")

    assert run.code == 2
    assert "no program named 'Cohort C'" in run.err
    assert "Known programs: Cohort B, Pilot" in run.err
    assert "Traceback" not in run.err
    assert run.out == ""


def test_participants_list_without_any_program_says_how_to_create_one(cli) -> None:
    run = cli("participants", "list", "--program", "Pilot")

    assert run.code == 2
    assert "companion program create" in run.err
    assert "Traceback" not in run.err


def test_audit_list_shows_program_create_and_import(cli, pilot, tmp_path: Path) -> None:
    good = factories.write_csv(tmp_path / "people.csv", PEOPLE)
    bad = factories.write_csv(tmp_path / "bad.csv", [factories.mentor("x", role="boss")])
    cli("import", "participants", str(good), "--program", pilot)
    cli("import", "participants", str(bad), "--program", pilot)

    run = cli("audit", "list", "--format", "json")
    table = cli("audit", "list")

    assert run.code == 0
    events = json.loads(run.out)["events"]
    assert [e["action"] for e in events] == ["participants.import", "program.create"]
    assert events[0]["program"] == "Pilot"
    assert events[0]["detail"]["created"] == 3
    assert events[0]["detail"]["source"] == "people.csv"
    assert events[1]["entity_id"] == "Pilot"
    assert table.code == 0
    assert "Audit log (newest first)" in table.out
