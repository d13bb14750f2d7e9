"""`companion match ...` and `companion pairing ...` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from companion.embeddings import HashingEmbedder
from tests import factories
from tests.matching.conftest import PEOPLE

run = factories.run_cli


@pytest.fixture(autouse=True)
def fast_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = HashingEmbedder()
    monkeypatch.setattr("companion.cli.commands.matching.get_embedder", lambda _s: embedder)


@pytest.fixture
def pilot(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    assert run(capsys, "program", "create", "Pilot", "--start", "2027-01-11")[0] == 0
    path = factories.write_csv(tmp_path / "people.csv", PEOPLE)
    assert run(capsys, "import", "participants", str(path), "--program", "Pilot")[0] == 0
    return "Pilot"


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code, out, err = run(capsys, *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_suggest_json_matches_the_contract(capsys: pytest.CaptureFixture[str], pilot: str
                                           ) -> None:
    data = _json(capsys, "match", "suggest", "--program", pilot, "--top", "2")
    assert data["program"] == pilot
    for item in data["suggestions"]:
        assert set(item) >= {"mentee_id", "candidates"}
        for c in item["candidates"]:
            assert set(c) >= {"mentor_id", "score", "components", "reasons"}
    one = _json(capsys, "match", "suggest", "--program", pilot, "--mentee", "cara")
    assert [s["mentee_id"] for s in one["suggestions"]] == ["cara"]


def test_suggest_table_shows_reasons(capsys: pytest.CaptureFixture[str], pilot: str) -> None:
    code, out, _ = run(capsys, "match", "suggest", "--program", pilot, "--mentee", "cara")
    assert code == 0
    assert "Mentors for Cara C (cara)" in out and "fit" in out


def test_assign_then_review_by_cli(capsys: pytest.CaptureFixture[str], pilot: str) -> None:
    data = _json(capsys, "match", "assign", "--program", pilot, "--objective", "most_matched")
    assert {a["status"] for a in data["assignments"]} == {"pending"}
    for a in data["assignments"]:
        assert set(a) >= {"mentee_id", "mentor_id", "score", "status"}
    assert all(set(u) == {"mentee_id", "reason"} for u in data["unassigned"])
    first, second = data["assignments"][0]["pairing_id"], data["assignments"][1]["pairing_id"]
    approved = _json(capsys, "pairing", "approve", first, "--by", "coord")
    assert approved["pairing"]["status"] == "approved"
    code, _, err = run(capsys, "pairing", "approve", first, "--version", "1")
    assert code == 2 and "version 2, not 1" in err and "Traceback" not in err
    code, _, err = run(capsys, "pairing", "reject", second)
    assert code == 2 and "--reason" in err
    rejected = _json(capsys, "pairing", "reject", second, "--reason", "conflict of interest")
    assert rejected["pairing"]["status"] == "rejected"
    listed = _json(capsys, "pairing", "list", "--program", pilot, "--status", "approved")
    assert [p["id"] for p in listed["pairings"]] == [first]
    report = _json(capsys, "match", "report", "--program", pilot)
    assert report["coverage"]["approved"] == 1


def test_bad_objective_and_unknown_pairing(capsys: pytest.CaptureFixture[str], pilot: str
                                           ) -> None:
    code, _, err = run(capsys, "match", "assign", "--program", pilot, "--objective", "fastest")
    assert code == 2 and "unknown objective" in err
    code, _, err = run(capsys, "pairing", "approve", "pr-missing")
    assert code == 2 and "no pairing" in err
    code, _, err = run(capsys, "match", "suggest", "--program", pilot, "--top", "0")
    assert code == 2 and "top must be between" in err


def test_exclude_command(capsys: pytest.CaptureFixture[str], pilot: str) -> None:
    code, out, _ = run(capsys, "match", "exclude", "--program", pilot, "--mentee", "cara",
                       "--mentor", "fin", "--reason", "siblings")
    assert code == 0 and "never be matched" in out
    data = _json(capsys, "match", "suggest", "--program", pilot, "--mentee", "cara", "--top",
                 "5")
    assert "fin" not in {c["mentor_id"] for c in data["suggestions"][0]["candidates"]}
