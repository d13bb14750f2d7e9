"""`companion match suggest|assign` when no mentee has goals: exit 0 and the reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from companion.embeddings import HashingEmbedder
from companion.matching import rules
from tests import factories

run = factories.run_cli


@pytest.fixture(autouse=True)
def fast_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = HashingEmbedder()
    monkeypatch.setattr("companion.cli.commands.matching.get_embedder", lambda _s: embedder)


def test_no_goals_gives_reasons_not_a_crash(capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    assert run(capsys, "program", "create", "Bare", "--start", "2027-01-11")[0] == 0
    rows = [factories.mentor("m1"), factories.mentee("e1", goals=""),
            factories.mentee("e2", goals="")]
    path = factories.write_csv(tmp_path / "people.csv", rows)
    assert run(capsys, "import", "participants", str(path), "--program", "Bare")[0] == 0
    code, out, err = run(capsys, "match", "suggest", "--program", "Bare", "--format", "json")
    assert code == 0, err
    assert [s.get("note") for s in json.loads(out)["suggestions"]] == [rules.NO_GOALS] * 2
    code, out, err = run(capsys, "match", "suggest", "--program", "Bare")
    assert code == 0, err
    assert "no goals to match on" in " ".join(out.split())
    code, out, err = run(capsys, "match", "assign", "--program", "Bare", "--format", "json")
    assert code == 0, err
    assert [u["reason"] for u in json.loads(out)["unassigned"]] == [rules.NO_GOALS] * 2


def test_the_report_table_says_who_is_unmatched_and_why(capsys: pytest.CaptureFixture[str],
                                                         tmp_path: Path) -> None:
    assert run(capsys, "program", "create", "Bare", "--start", "2027-01-11")[0] == 0
    rows = [factories.mentor("m1"), factories.mentee("e1", goals="")]
    path = factories.write_csv(tmp_path / "people.csv", rows)
    assert run(capsys, "import", "participants", str(path), "--program", "Bare")[0] == 0
    code, out, err = run(capsys, "match", "report", "--program", "Bare")
    assert code == 0, err
    text = " ".join(out.split())
    assert "Unmatched mentees (1)" in text and "e1" in text and "no goals to match on" in text
