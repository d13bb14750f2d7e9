"""Unknown columns are reported by every face: the CLI's table (in words) and JSON, and the
HTTP upload's answer (also when invalid rows stop the import)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from companion.api.app import create_app
from companion.cli import main
from companion.config import get_settings
from companion.services.programs import build_program, create_program
from companion.services.tokens import create_token
from companion.store import Database, get_database

HR_EXPORT = ("id,name,role,Cost Centre,Badge Colour\n"
             "e1,Ada Park,mentee,Lead my first team,G4\n")


@pytest.fixture
def db() -> Database:
    database = get_database(get_settings())
    create_program(database, build_program("Pilot", start=date(2027, 1, 11)))
    return database


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(list(args))
        raise SystemExit(0)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_cli_table_names_unknown_columns_in_words(db: Database, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "hr.csv"
    path.write_text(HR_EXPORT, encoding="utf-8")

    code, out, err = _cli(capsys, "import", "participants", str(path), "--program", "Pilot")

    assert code == 0 and "1 created" in out
    said = " ".join(err.split())
    assert "warning:" in said and "2 column(s) not recognised" in said
    assert "'Cost Centre', 'Badge Colour'" in said and "kept as extra fields" in said


def test_cli_json_has_unknown_columns(db: Database, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "hr.csv"
    path.write_text(HR_EXPORT, encoding="utf-8")

    code, out, _ = _cli(capsys, "import", "participants", str(path), "--program", "Pilot",
                        "--format", "json")

    data = json.loads(out)
    assert code == 0
    assert {"created", "updated", "unchanged", "errors"} <= data.keys()
    assert data["unknown_columns"] == ["Cost Centre", "Badge Colour"]
    assert len(data["warnings"]) == 1


@pytest.mark.parametrize(("body", "status"), [
    (HR_EXPORT, 200),
    (HR_EXPORT + "e2,,mentee,,G5\n", 422),  # row 3 has no name: nothing imported
])
def test_http_upload_reports_unknown_columns(db: Database, body: str, status: int) -> None:
    token = create_token(db, participant_id="c1", role="coordinator", program="Pilot",
                         created_by="test").token

    with TestClient(create_app(), raise_server_exceptions=False) as client:
        response = client.post("/api/v1/programs/Pilot/participants/import", content=body,
                               headers={"Authorization": f"Bearer {token}",
                                        "Content-Type": "text/csv"})

    assert response.status_code == status, response.text
    data = response.json()
    assert data["unknown_columns"] == ["Cost Centre", "Badge Colour"]
    assert "kept as extra fields" in data["warnings"][0]
