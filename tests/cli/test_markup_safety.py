"""Text from users (names, cell values) is shown as typed, never read as rich markup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import factories


@pytest.fixture
def pilot(cli) -> str:
    assert cli("program", "create", "Pilot", "--start", "2027-01-11").code == 0
    return "Pilot"


@pytest.mark.parametrize("role", ["[/x]", "[bold]"])
def test_import_error_with_bracketed_cell_value(cli, pilot, tmp_path: Path, role: str) -> None:
    path = factories.write_csv(tmp_path / "people.csv",
                               [factories.mentor("m1"), factories.mentee("e1", role=role)])

    run = cli("import", "participants", str(path), "--program", pilot)

    assert "Traceback" not in run.err
    assert run.code == 2
    assert f"'{role}'" in run.err
    assert "Nothing was imported" in run.err


def test_import_error_with_bracketed_cell_value_as_json(cli, pilot, tmp_path: Path) -> None:
    path = factories.write_csv(tmp_path / "people.csv",
                               [factories.mentor("m1"), factories.mentee("e1", role="[/x]")])

    run = cli("import", "participants", str(path), "--program", pilot, "--format", "json")

    assert run.code == 2
    assert "unknown role '[/x]'" in json.loads(run.out)["errors"][0]["message"]


def test_unknown_program_with_brackets_in_its_name(cli, pilot) -> None:
    run = cli("program", "show", "Team [/]")

    assert "Traceback" not in run.err
    assert run.code == 2
    assert "no program named 'Team [/]'" in run.err


def test_program_created_with_brackets_in_its_name(cli) -> None:
    run = cli("program", "create", "Team [/b]", "--start", "2027-01-11")

    assert "Traceback" not in run.err
    assert run.code == 0
    assert "Created program Team [/b]" in run.out


def test_participant_name_with_brackets_in_the_table(cli, pilot, tmp_path: Path) -> None:
    path = factories.write_csv(tmp_path / "people.csv",
                               [factories.mentor("m1", name="Ada [/x] King")])
    assert cli("import", "participants", str(path), "--program", pilot).code == 0

    run = cli("participants", "list", "--program", pilot)

    assert "Traceback" not in run.err
    assert run.code == 0
    # the 80-column table may fold the name across lines; the markup must survive verbatim
    assert "[/x]" in run.out and "Ada" in run.out and "King" in run.out
