"""`companion match assign --min-coverage FIELD=SHARE` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from companion.embeddings import HashingEmbedder
from tests import factories

run = factories.run_cli
FINANCE = "Lead finance transformations and coach new managers"


@pytest.fixture(autouse=True)
def fast_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = HashingEmbedder()
    monkeypatch.setattr("companion.cli.commands.matching.get_embedder", lambda _s: embedder)


@pytest.fixture
def pilot(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    """One mentor, two places; the best total places both Sales mentees, none of Operations."""
    assert run(capsys, "program", "create", "Pilot", "--start", "2027-01-11")[0] == 0
    path = factories.write_csv(tmp_path / "people.csv", [
        factories.mentor("m1", capacity="2"),
        factories.mentee("s1", department="Sales", goals=FINANCE),
        factories.mentee("s2", department="Sales", goals=FINANCE + " in finance"),
        factories.mentee("o1", department="Operations",
                         goals="Plan warehouse shifts;;Negotiate with suppliers"),
    ])
    assert run(capsys, "import", "participants", str(path), "--program", "Pilot")[0] == 0
    return "Pilot"


def test_json_has_the_fairness_object_only_when_asked(capsys: pytest.CaptureFixture[str],
                                                      pilot: str) -> None:
    code, out, err = run(capsys, "match", "assign", "--program", pilot, "--format", "json")
    assert code == 0, err
    free = json.loads(out)
    assert "fairness" not in free
    code, out, err = run(capsys, "match", "assign", "--program", pilot, "--min-coverage",
                         "department=0.5", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert set(free) < set(data)
    placed = [a["mentee_id"] for a in data["assignments"]]
    assert "o1" in placed and len(placed) == 2
    fair = data["fairness"]
    assert fair["group_by"] == "department" and fair["min_share"] == 0.5
    assert [(g["group"], g["matched"], g["minimum"], g["met"]) for g in fair["groups"]] == [
        ("Operations", 1, 1, True), ("Sales", 1, 1, True)]
    assert fair["unconstrained_total_score"] == pytest.approx(free["total_score"], abs=1e-3)
    assert fair["price"] > 0
    assert fair["price"] == pytest.approx(fair["unconstrained_total_score"]
                                          - fair["total_score"], abs=1e-4)


def test_table_shows_groups_and_the_price(capsys: pytest.CaptureFixture[str],
                                          pilot: str) -> None:
    code, out, err = run(capsys, "match", "assign", "--program", pilot, "--min-coverage",
                         "department=1")
    assert code == 0, err
    assert "Minimum coverage: 100% of each department's mentees" in out
    assert "Operations" in out and "Sales" in out
    assert "Price of fairness:" in out
    assert "Some minimums cannot be met" in out  # two places, three mentees wanted


@pytest.mark.parametrize(("value", "message"), [
    ("department", "is not FIELD=SHARE"),
    ("department=half", "is not FIELD=SHARE"),
    ("level=0.5", "cannot group by 'level'"),
    ("department=1.5", "from 0 to 1"),
    ("department=nan", "from 0 to 1"),
])
def test_bad_values_exit_2_naming_the_problem(capsys: pytest.CaptureFixture[str], pilot: str,
                                              value: str, message: str) -> None:
    code, out, err = run(capsys, "match", "assign", "--program", pilot, "--min-coverage",
                         value)
    assert code == 2
    assert message in err
    assert "--min-coverage" in err


def test_help_documents_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "match", "assign", "--help")
    assert code == 0
    assert "--min-coverage" in out and "department=0.5" in out
