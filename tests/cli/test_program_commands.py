"""`companion program create|list|show` and the root options."""

from __future__ import annotations

import json

import pytest

from companion import __version__

PHASES = [
    {"phase": "launch", "start": "2027-01-11", "end": "2027-03-10"},
    {"phase": "development", "start": "2027-03-11", "end": "2027-11-10"},
    {"phase": "completion", "start": "2027-11-11", "end": "2028-01-10"},
]


def test_create_as_json(cli) -> None:
    run = cli("program", "create", "Pilot", "--start", "2027-01-11", "--format", "json")

    assert run.code == 0
    data = json.loads(run.out)
    assert {k: data[k] for k in ("name", "type", "start_date", "months", "end_date")} == {
        "name": "Pilot", "type": "one_to_one", "start_date": "2027-01-11", "months": 12,
        "end_date": "2028-01-10"}
    assert data["phases"] == PHASES
    assert "Traceback" not in run.err


def test_create_with_type_and_months(cli) -> None:
    run = cli("program", "create", "Peers", "--type", "peer", "--start", "2027-02-01",
              "--months", "6", "--format", "json")

    data = json.loads(run.out)
    assert (data["type"], data["months"], data["end_date"]) == ("peer", 6, "2027-07-31")
    assert [p["phase"] for p in data["phases"]] == ["launch", "development", "completion"]


def test_create_as_table(cli) -> None:
    run = cli("program", "create", "Pilot", "--start", "2027-01-11")

    assert run.code == 0
    assert "Created program Pilot" in run.out
    assert "2027-01-11 → 2028-01-10" in run.out
    for phase in PHASES:
        assert phase["phase"] in run.out
        assert phase["end"] in run.out


@pytest.mark.parametrize(("args", "fragments"), [
    (["--type", "bogus"], ["--type", "bogus"]),
    (["--start", "2027-13-01"], ["--start", "'2027-13-01' is not a date", "YYYY-MM-DD"]),
    (["--start", "next monday"], ["'next monday' is not a date"]),
    (["--months", "2"], ["months"]),
    (["--months", "many"], ["--months"]),
])
def test_create_with_bad_option_exits_2(cli, args: list[str], fragments: list[str]) -> None:
    run = cli("program", "create", "Pilot", *args)

    assert run.code == 2
    for fragment in fragments:
        assert fragment in run.err
    assert "Traceback" not in run.err
    assert run.out == ""
    assert cli("program", "list", "--format", "json").out.strip() == '{\n  "programs": []\n}'


@pytest.mark.parametrize(("name", "fragment"), [
    ("", "name"),
    ("   ", "program name is empty"),
    ("P" * 101, "at most 100 characters"),
])
def test_create_with_bad_name_exits_2(cli, name: str, fragment: str) -> None:
    run = cli("program", "create", name, "--start", "2027-01-11")

    assert run.code == 2
    assert fragment in run.err
    assert "Traceback" not in run.err


def test_create_duplicate_name_exits_2(cli) -> None:
    assert cli("program", "create", "Pilot", "--start", "2027-01-11").code == 0

    run = cli("program", "create", "Pilot", "--start", "2028-01-01", "--format", "json")

    assert run.code == 2
    assert "program 'Pilot' already exists" in run.err
    assert "Traceback" not in run.err
    assert run.out == ""
    shown = json.loads(cli("program", "show", "Pilot", "--format", "json").out)
    assert shown["start_date"] == "2027-01-11"
    # Surrounding spaces do not make a new name.
    assert cli("program", "create", " Pilot ", "--start", "2027-01-11").code == 2


def test_list_and_show(cli) -> None:
    cli("program", "create", "Pilot", "--start", "2027-01-11")
    cli("program", "create", "Cohort B", "--type", "group", "--start", "2027-06-01",
        "--months", "9")

    listed = cli("program", "list", "--format", "json")
    table = cli("program", "list")
    shown = cli("program", "show", "Cohort B", "--format", "json")
    shown_table = cli("program", "show", "Pilot")

    assert [p["name"] for p in json.loads(listed.out)["programs"]] == ["Cohort B", "Pilot"]
    assert table.code == 0
    assert "Pilot" in table.out and "Cohort B" in table.out and "group" in table.out
    data = json.loads(shown.out)
    assert (data["name"], data["type"], data["months"]) == ("Cohort B", "group", 9)
    assert data["end_date"] == "2028-02-29"
    assert "2027-01-11 → 2028-01-10 (12 months)" in shown_table.out
    assert "launch" in shown_table.out


def test_list_without_programs_says_how_to_create_one(cli) -> None:
    run = cli("program", "list")

    assert run.code == 0
    assert "No programs yet" in run.out
    assert "companion program create" in run.out


def test_show_unknown_program_exits_2(cli) -> None:
    cli("program", "create", "Pilot", "--start", "2027-01-11")

    run = cli("program", "show", "Pilott", "--format", "json")

    assert run.code == 2
    assert "no program named 'Pilott'" in run.err
    assert "Known programs: Pilot" in run.err
    assert "Traceback" not in run.err


def test_version(cli) -> None:
    run = cli("--version")

    assert run.code == 0
    assert run.out.strip() == f"companion {__version__}"


def test_unknown_command_is_a_usage_error(cli) -> None:
    run = cli("programme", "list")

    assert run.code == 2
    assert "programme" in run.err
    assert "Traceback" not in run.err
