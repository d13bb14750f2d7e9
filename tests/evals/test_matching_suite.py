"""The matching suite's graders and reports: each shown to pass good and fail bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from companion.domain import Participant
from companion.embeddings import HashingEmbedder
from companion.evals import matching
from companion.evals.report import SuiteResult, Threshold, load_thresholds, write_reports
from tests import factories


@pytest.mark.parametrize(("goals", "expertise", "expected"), [
    (["negotiate supplier contracts"], "I negotiate supplier contracts", 1.0),
    (["negotiate supplier contracts"], "Coaching on public speaking", 0.0),
    ([], "anything", 0.0),
])
def test_keyword_fit_is_jaccard_of_content_words(goals: list[str], expertise: str,
                                                 expected: float) -> None:
    mentor = Participant.model_validate(factories.mentor("m", expertise=expertise, skills=""))
    assert matching.keyword_fit(goals, mentor) == pytest.approx(expected)


def test_content_words_drop_stopwords() -> None:
    assert matching.content_words("I want to lead the team") == {"lead", "team"}


@pytest.mark.parametrize(("threshold", "value", "passed"), [
    (Threshold("hit_at_3", 0.85, "min"), 0.9, True), (Threshold("hit_at_3", 0.85, "min"), 0.8,
                                                      False),
    (Threshold("violations", 0, "max"), 0, True), (Threshold("violations", 0, "max"), 1, False),
])
def test_thresholds(threshold: Threshold, value: float, passed: bool) -> None:
    assert threshold.passed(value) is passed


def test_threshold_file_shape_is_checked() -> None:
    assert load_thresholds({"a": {"min": 1}})[0] == Threshold("a", 1.0, "min")
    with pytest.raises(ValueError, match="must be"):
        load_thresholds({"a": {"at_least": 1}})


def _dataset(tmp_path: Path, must_not: list[str]) -> Path:
    people: list[dict[str, Any]] = [
        factories.mentor("fin", expertise="I teach managers to read a budget and defend "
                                          "forecasts before the finance committee."),
        factories.mentor("ppl", expertise="I coach new managers to delegate work to a team."),
        factories.mentor("sales", expertise="Quota planning and pipeline reviews in sales."),
        factories.mentor("boss", expertise="Budget and forecast reviews for finance teams."),
        factories.mentee("e1", goals="Read a budget and defend my forecasts to the committee",
                         manager_id="boss"),
    ]
    folder = tmp_path / "evals"
    folder.mkdir()
    (folder / "thresholds.yaml").write_text(yaml.safe_dump({"matching": {
        "hit_at_3": {"min": 0.85}, "violations": {"max": 0}}}))
    path = folder / "paraphrase.yaml"
    path.write_text(yaml.safe_dump({"id": "tiny", "program": {"type": "one_to_one"},
                                    "participants": people, "cases": [
        {"id": "c1", "mentee": "e1", "expect_any": ["fin"], "must_not": must_not,
         "tags": ["paraphrase", "manager-trap"]}]}))
    return path


def test_suite_passes_a_good_case(tmp_path: Path) -> None:
    result = matching.run(_dataset(tmp_path, ["boss"]), HashingEmbedder())
    assert result.metrics["hit_at_3"] == 1.0
    assert result.metrics["violations"] == 0
    assert result.metrics["hit_at_3.manager-trap"] == 1.0
    assert result.passed and result.cases[0]["passed"]


def test_suite_catches_a_forbidden_suggestion(tmp_path: Path) -> None:
    # 'sales' is allowed by the engine, so listing it as must-not must count as a violation.
    result = matching.run(_dataset(tmp_path, ["boss", "sales", "ppl"]), HashingEmbedder())
    assert result.metrics["violations"] >= 1
    assert not result.passed
    assert any("violations" in f for f in result.failures)


def test_reports_are_written_as_json_and_markdown(tmp_path: Path) -> None:
    result = SuiteResult("matching", "d.yaml", {"hit_at_3": 0.5},
                         [Threshold("hit_at_3", 0.85, "min")],
                         [{"id": "c1", "passed": False, "top3": "a, b"}], ["a note"])
    json_path, md_path = write_reports(result, tmp_path / "reports")
    payload = json.loads(json_path.read_text())
    assert payload["passed"] is False and payload["failures"] == [
        "hit_at_3 = 0.5 (needs ≥ 0.85)"]
    text = md_path.read_text()
    assert "**FAILED**" in text and "### ❌ c1" in text and "a note" in text


def test_eval_cli_takes_a_model_and_refuses_an_empty_one(capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    from companion.config import get_settings
    from tests import factories

    calls: list[str] = []

    def fake_run(dataset: Path, embedder: object, progress: object = None) -> SuiteResult:
        calls.append(get_settings().model)
        return SuiteResult("matching", str(dataset), {"hit_at_3": 1.0},
                           [Threshold("hit_at_3", 0.85, "min")])

    monkeypatch.setenv("COMPANION_MODEL", "offline")  # restored after the test: eval sets it
    monkeypatch.setattr("companion.evals.matching.run", fake_run)
    monkeypatch.setattr("companion.embeddings.get_embedder", lambda _s: HashingEmbedder())
    root = tmp_path / "evals"  # thresholds of our own, and no formats.yaml
    (root / "matching").mkdir(parents=True)
    (root / "matching" / "thresholds.yaml").write_text(yaml.safe_dump(
        {"matching": {"hit_at_3": {"min": 0.85}}}))
    monkeypatch.setattr("companion.cli.commands.evals.evals_root", lambda: root)
    code, out, _ = factories.run_cli(capsys, "eval", "--suite", "matching", "--model",
                                     "openai/test-model", "--reports", str(tmp_path),
                                     "--baseline", str(tmp_path / "baseline.json"),
                                     "--format", "json")
    assert code == 0 and calls == ["openai/test-model"]
    report = json.loads(out)["suites"][0]
    assert report["passed"] is True
    assert "openai/test-model" in Path(report["report"]).read_text()
    code, _, err = factories.run_cli(capsys, "eval", "--model", " ")
    assert code == 2 and "--model is empty" in err


def test_survey_and_multilingual_cases_are_reported_apart_from_the_headline(
        tmp_path: Path) -> None:
    path = _dataset(tmp_path, ["boss"])
    data = yaml.safe_load(path.read_text())
    data["participants"] += [
        factories.mentee("e2", goals="Own my department budget and forecast accurately"),
        factories.mentee("e3", goals="Quota und Pipeline im Vertrieb verbessern"),
    ]
    data["cases"] += [
        {"id": "s1", "mentee": "e2", "expect_any": ["fin"], "must_not": [],
         "tags": ["survey"]},
        # No such mentor: a certain miss, which must not touch the headline hit@3.
        {"id": "m1", "mentee": "e3", "expect_any": ["nobody"], "must_not": [],
         "tags": ["multilingual"]},
    ]
    path.write_text(yaml.safe_dump(data))
    result = matching.run(path, HashingEmbedder())
    assert result.metrics["hit_at_3"] == 1.0 and result.metrics["cases"] == 1.0
    assert result.metrics["survey_hit_at_3"] == 1.0 and result.metrics["survey_cases"] == 1.0
    assert result.metrics["multilingual_hit_at_3"] == 0.0
    assert result.metrics["multilingual_cases"] == 1.0
    assert "multilingual_keyword_hit_at_3" in result.metrics
    assert result.passed
