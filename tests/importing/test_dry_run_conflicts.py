"""A dry run previews the pairings a reorg would flag: the same reporting-line check a real
import runs, on the lines the file would leave, with nothing written — through the service,
the CLI (table and JSON) and the HTTP upload (participants and organisation chart)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from companion.api.app import create_app
from companion.cli import main
from companion.domain import Pairing, PairingStatus
from companion.services.org_chart import import_org_chart, org_records
from companion.services.participants import import_participants_file, list_participants
from companion.services.tokens import create_token
from companion.store import AuditLog, Database, PairingRepository, ProgramRepository
from tests import factories

#: e1 reports to b1; the reorg puts m1, e1's active mentor, above b1.
SKIP_LEVEL = {"pairing_id": "pr-1", "mentee_id": "e1", "mentor_id": "m1", "status": "active",
              "why": "m1 is above e1 in their reporting line (e1 → b1 → m1)"}
REORG_CSV = "id,name,role,manager_id\nb1,Bo Boss,mentor,m1\n"


@pytest.fixture
def paired(pilot: Database, tmp_path: Path) -> Database:
    """'Pilot' with e1 (reporting to b1), b1 and m1, and e1 ↔ m1 active."""
    import_participants_file(pilot, "Pilot", factories.write_csv(tmp_path / "first.csv", [
        factories.mentor("m1"), factories.mentor("b1"),
        factories.mentee("e1", manager_id="b1")]), skip_invalid=False)
    with pilot.session() as session:
        repo = PairingRepository(session, ProgramRepository(session).row("Pilot"))
        repo.add(Pairing(id="pr-1", program="Pilot", mentee_id="e1", mentor_id="m1",
                         score=0.8))
        repo.decide("pr-1", expected_version=1, status=PairingStatus.approved, by="setup")
        repo.decide("pr-1", expected_version=2, status=PairingStatus.active, by="setup")
    return pilot


def _state(db: Database) -> dict[str, Any]:
    """What an import could change: managers, org records, pairing status, audit actions."""
    with db.session() as session:
        pairing = PairingRepository(session, ProgramRepository(session).row("Pilot")).get(
            "pr-1")
        actions = sorted(e.action for e in AuditLog(session).list(program="Pilot"))
    return {"managers": {p.id: p.manager_id for p in list_participants(db, "Pilot")},
            "org": [(p.id, p.name, p.manager_id) for p in org_records(db, "Pilot")],
            "pairing": (pairing.status, pairing.version), "audit": actions}


def _reorg(tmp_path: Path) -> Path:
    path = tmp_path / "reorg.csv"
    path.write_text(REORG_CSV, encoding="utf-8")
    return path


def test_dry_run_lists_the_pairing_a_reorg_would_flag_and_writes_nothing(
        paired: Database, tmp_path: Path) -> None:
    before = _state(paired)

    preview = import_participants_file(paired, "Pilot", _reorg(tmp_path), skip_invalid=False,
                                       dry_run=True)

    assert preview.dry_run and not preview.imported and preview.updated == 1
    assert preview.reporting_conflicts == [SKIP_LEVEL]
    assert _state(paired) == before
    assert before["managers"]["b1"] is None and before["pairing"][0] is PairingStatus.active
    assert before["audit"].count("participants.import") == 1

    done = import_participants_file(paired, "Pilot", _reorg(tmp_path), skip_invalid=False)

    assert done.imported and done.reporting_conflicts == preview.reporting_conflicts
    after = _state(paired)
    assert after["managers"]["b1"] == "m1"
    assert "pairing.reporting_line_broken" in after["audit"]


def test_dry_run_of_a_file_that_breaks_nothing_lists_nothing(paired: Database,
                                                             tmp_path: Path) -> None:
    path = tmp_path / "calm.csv"
    path.write_text("id,name,role,manager_id\nb1,Bo Boss,mentor,ceo\n", encoding="utf-8")

    preview = import_participants_file(paired, "Pilot", path, skip_invalid=False,
                                       dry_run=True)

    assert preview.updated == 1 and preview.reporting_conflicts == []


def test_org_chart_dry_run_previews_the_skip_level_and_writes_nothing(
        pilot: Database, tmp_path: Path) -> None:
    # e1 reports to boss, outside the program; the chart puts m1 above boss.
    import_participants_file(pilot, "Pilot", factories.write_csv(tmp_path / "first.csv", [
        factories.mentor("m1"), factories.mentee("e1", manager_id="boss")]),
        skip_invalid=False)
    with pilot.session() as session:
        repo = PairingRepository(session, ProgramRepository(session).row("Pilot"))
        repo.add(Pairing(id="pr-1", program="Pilot", mentee_id="e1", mentor_id="m1",
                         score=0.8))
    chart = factories.write_csv(tmp_path / "org.csv", [
        {"id": "boss", "name": "Bea Boss", "manager_id": "m1"},
        {"id": "cfo", "name": "Cy CFO", "manager_id": ""}], header=["id", "name", "manager_id"])
    expected = [{"pairing_id": "pr-1", "mentee_id": "e1", "mentor_id": "m1",
                 "status": "pending",
                 "why": "m1 is above e1 in their reporting line (e1 → boss → m1)"}]
    before = [(p.id, p.name, p.manager_id) for p in org_records(pilot, "Pilot")]

    preview = import_org_chart(pilot, "Pilot", chart, dry_run=True)

    assert preview.dry_run and not preview.imported and preview.errors == []
    assert (preview.created, preview.updated, preview.unchanged) == (1, 1, 0)
    assert preview.reporting_conflicts == expected
    assert [(p.id, p.name, p.manager_id) for p in org_records(pilot, "Pilot")] == before
    with pilot.session() as session:
        assert "org_chart.import" not in {e.action for e in AuditLog(session).list()}

    done = import_org_chart(pilot, "Pilot", chart)

    assert done.imported and (done.created, done.updated) == (preview.created, preview.updated)
    assert done.reporting_conflicts == expected


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(list(args))
        raise SystemExit(0)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_cli_dry_run_shows_the_pairings_it_would_flag(
        paired: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = _state(paired)

    code, out, _ = _cli(capsys, "import", "participants", str(_reorg(tmp_path)),
                        "--program", "Pilot", "--dry-run")

    assert code == 0
    said = " ".join(out.split())
    assert "Pairings this import would flag" in said
    assert "pr-1" in said and "m1 is above e1 in their reporting line" in said
    code, out, _ = _cli(capsys, "import", "participants", str(_reorg(tmp_path)),
                        "--program", "Pilot", "--dry-run", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["dry_run"] is True
    assert {"created", "updated", "unchanged", "errors", "changes"} <= data.keys()
    assert data["reporting_conflicts"] == [SKIP_LEVEL]
    assert _state(paired) == before


def test_cli_org_chart_dry_run(paired: Database, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    # b1 (a participant) is skipped; e1's line is unchanged, so nothing would be flagged,
    # but m1 reporting to e1 through an outside manager would be.
    path = tmp_path / "org.csv"
    path.write_text("id,name,manager_id\nb1,Bo,x\n", encoding="utf-8")
    code, out, _ = _cli(capsys, "program", "org-chart", "Pilot", str(path), "--dry-run")
    assert code == 0 and "nothing was written" in " ".join(out.split())
    assert "would flag" not in out

    import_participants_file(paired, "Pilot", factories.write_csv(
        tmp_path / "m1.csv", [factories.mentor("m1", manager_id="x")]), skip_invalid=False)
    path.write_text("id,name,manager_id\nx,Xi,e1\n", encoding="utf-8")
    before = _state(paired)

    code, out, _ = _cli(capsys, "program", "org-chart", "Pilot", str(path), "--dry-run")

    said = " ".join(out.split())
    assert code == 0 and "Pairings this import would flag" in said
    assert "m1 reports to e1 (m1 → x → e1)" in said
    assert _state(paired) == before


def _token(db: Database) -> str:
    return create_token(db, participant_id="c1", role="coordinator", program="Pilot",
                        created_by="test").token


def test_http_dry_run_answers_the_pairings_it_would_flag(paired: Database) -> None:
    headers = {"Authorization": f"Bearer {_token(paired)}", "Content-Type": "text/csv"}
    before = _state(paired)

    with TestClient(create_app(), raise_server_exceptions=False) as client:
        preview = client.post("/api/v1/programs/Pilot/participants/import?dry_run=true",
                              content=REORG_CSV, headers=headers)
        assert preview.status_code == 200, preview.text
        assert preview.json()["dry_run"] is True
        assert preview.json()["reporting_conflicts"] == [SKIP_LEVEL]
        assert _state(paired) == before

        done = client.post("/api/v1/programs/Pilot/participants/import", content=REORG_CSV,
                           headers=headers)

    assert done.status_code == 200, done.text
    assert done.json()["reporting_conflicts"] == [SKIP_LEVEL]


def test_http_org_chart_dry_run(paired: Database) -> None:
    import_participants_file(paired, "Pilot", factories.write_json(
        Path(paired.url.removeprefix("sqlite:///")).parent / "m1.json",
        [factories.mentor("m1", manager_id="x")]), skip_invalid=False)
    token = create_token(paired, participant_id="admin", role="admin", program=None,
                         created_by="test").token
    before = _state(paired)

    with TestClient(create_app(), raise_server_exceptions=False) as client:
        preview = client.post("/api/v1/programs/Pilot/org-chart/import?dry_run=true",
                              content="id,name,manager_id\nx,Xi,e1\n",
                              headers={"Authorization": f"Bearer {token}",
                                       "Content-Type": "text/csv"})

    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["dry_run"] is True and body["imported"] is False
    assert [c["why"] for c in body["reporting_conflicts"]] == ["m1 reports to e1 (m1 → x → e1)"]
    assert _state(paired) == before
