"""`companion eval`: thresholds and the baseline decide the exit code, reports carry every
case's verdicts, and a skipped judge is reported as skipped."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from companion.embeddings import HashingEmbedder
from companion.evals import runner
from companion.evals.report import SuiteResult
from tests import factories

EVALS = Path(__file__).resolve().parents[2] / "evals"


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An evals/ folder of our own, and a fast embedder."""
    folder = tmp_path / "evals"
    folder.mkdir()
    monkeypatch.setattr("companion.cli.commands.evals.evals_root", lambda: folder)
    embedder = HashingEmbedder()
    monkeypatch.setattr("companion.embeddings.get_embedder", lambda _settings: embedder)
    monkeypatch.setenv("COMPANION_MODEL", "offline")  # restored after the test: eval sets it
    return folder


def fake_suite(monkeypatch: pytest.MonkeyPatch, root: Path, metrics: dict[str, float],
               thresholds: dict[str, Any], tolerance: float = 0.05) -> None:
    """The retrieval suite replaced by one that reports `metrics` for one case."""
    (root / "retrieval").mkdir(exist_ok=True)
    (root / "retrieval" / "thresholds.yaml").write_text(yaml.safe_dump(
        {"retrieval": thresholds, "tolerance": {"default": tolerance}}))

    def run(_ctx: Any) -> SuiteResult:
        return SuiteResult("retrieval", "queries.yaml", dict(metrics), [],
                           [{"id": "q1", "passed": metrics.get("recall_at_5", 0) >= 0.8,
                             "query": "how do I delegate"}])

    monkeypatch.setitem(runner.RUNNERS, "retrieval", run)


def run_eval(capsys: pytest.CaptureFixture[str], root: Path, *args: str
             ) -> tuple[int, dict[str, Any], str]:
    code, out, err = factories.run_cli(
        capsys, "eval", "--suite", "retrieval", "--reports", str(root / "reports"),
        "--baseline", str(root / "baseline.json"), "--format", "json", *args)
    return code, json.loads(out), err


def test_a_missed_threshold_fails_the_run(capsys: pytest.CaptureFixture[str], root: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    fake_suite(monkeypatch, root, {"recall_at_5": 0.7}, {"recall_at_5": {"min": 0.8}})
    code, report, err = run_eval(capsys, root)
    assert code == 1
    assert report["passed"] is False
    [suite] = report["suites"]
    assert suite["failures"] == ["recall_at_5 = 0.7 (needs ≥ 0.8)"]
    assert "retrieval: recall_at_5 = 0.7 (needs ≥ 0.8)" in " ".join(err.split())


def test_a_regression_beyond_tolerance_fails_and_within_passes(
        capsys: pytest.CaptureFixture[str], root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_suite(monkeypatch, root, {"recall_at_5": 0.90}, {"recall_at_5": {"min": 0.8}})
    code, report, _ = run_eval(capsys, root, "--update-baseline")
    assert code == 0 and report["baseline_updated"] is True
    baseline = json.loads((root / "baseline.json").read_text())
    assert baseline["suites"]["retrieval"]["metrics"] == {"recall_at_5": 0.9}

    fake_suite(monkeypatch, root, {"recall_at_5": 0.86}, {"recall_at_5": {"min": 0.8}})
    code, report, _ = run_eval(capsys, root)
    assert code == 0 and report["suites"][0]["regressions"] == []

    fake_suite(monkeypatch, root, {"recall_at_5": 0.84}, {"recall_at_5": {"min": 0.8}})
    code, report, err = run_eval(capsys, root)
    assert code == 1
    assert report["suites"][0]["failures"] == []  # the threshold itself still holds
    assert report["suites"][0]["regressions"] == [
        "recall_at_5 fell from 0.9 (baseline) to 0.84, more than the 0.05 tolerance"]
    assert "fell from 0.9 (baseline) to 0.84" in " ".join(err.split())
    markdown = Path(report["suites"][0]["report"]).read_text()
    assert "## Regressions against the baseline" in markdown


def test_the_baseline_is_not_updated_below_threshold(
        capsys: pytest.CaptureFixture[str], root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_suite(monkeypatch, root, {"recall_at_5": 0.5}, {"recall_at_5": {"min": 0.8}})
    code, report, err = run_eval(capsys, root, "--update-baseline")
    assert code == 1 and report["baseline_updated"] is False
    assert "baseline not updated" in err and not (root / "baseline.json").exists()


def test_table_output_shows_the_summary(capsys: pytest.CaptureFixture[str], root: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    fake_suite(monkeypatch, root, {"recall_at_5": 0.7}, {"recall_at_5": {"min": 0.8}})
    code, out, _ = factories.run_cli(capsys, "eval", "--suite", "retrieval", "--reports",
                                     str(root / "reports"), "--baseline",
                                     str(root / "baseline.json"))
    assert code == 1
    assert "MISSED" in out and "Summary" in out and "failing cases (1): q1" in out


def test_unknown_suite_is_bad_input(capsys: pytest.CaptureFixture[str], root: Path) -> None:
    code, _, err = factories.run_cli(capsys, "eval", "--suite", "speed")
    assert code == 2 and "unknown suite 'speed'" in err


def _small_drafting(root: Path, case_ids: list[str], thresholds: dict[str, Any]) -> None:
    folder = root / "drafting"
    folder.mkdir()
    shutil.copy(EVALS / "drafting" / "judge.yaml", folder / "judge.yaml")
    data = yaml.safe_load((EVALS / "drafting" / "cases.yaml").read_text())
    data["cases"] = [c for c in data["cases"] if c["id"] in case_ids]
    (folder / "cases.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    (folder / "thresholds.yaml").write_text(yaml.safe_dump({"drafting": thresholds}))


def test_drafting_reports_carry_inputs_output_and_every_verdict(
        capsys: pytest.CaptureFixture[str], root: Path) -> None:
    _small_drafting(root, ["goals-launch", "framework-feedback"],
                    {"unsafe_accepted": {"max": 0},
                     "judge_pass_rate": {"min": 0.75, "optional": True}})
    code, out, _ = factories.run_cli(capsys, "eval", "--suite", "drafting", "--reports",
                                     str(root / "reports"), "--baseline",
                                     str(root / "baseline.json"), "--format", "json")
    assert code == 0
    [suite] = json.loads(out)["suites"]
    assert "judge_pass_rate" not in suite["metrics"]  # skipped is never a score
    payload = json.loads(Path(suite["json"]).read_text())
    case = next(c for c in payload["cases"] if c["id"] == "goals-launch")
    assert case["inputs"]["participant"]["id"] == "e-ana" and case["inputs"]["phase"] == "launch"
    assert case["output"]["status"] == "pending_review" and case["output"]["content"]["goals"]
    verdicts = {v["grader"]: v for v in case["verdicts"]}
    assert {"smarter_complete", "date_in_program", "citations_valid", "goal_relevance",
            "no_foreign_data", "must_contain", "judge_rubric"} <= set(verdicts)
    assert verdicts["judge_rubric"]["status"] == "skipped"
    assert "COMPANION_EVAL_JUDGE_MODEL" in verdicts["judge_rubric"]["reason"]
    markdown = Path(suite["report"]).read_text()
    assert "| judge_rubric | ➖ skipped |" in markdown
    assert "<summary>Inputs</summary>" in markdown and "<summary>Output</summary>" in markdown


def test_model_option_reaches_the_drafting_suite(capsys: pytest.CaptureFixture[str],
                                                 root: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def drafting(ctx: Any) -> SuiteResult:
        seen.append(ctx.settings.model)
        return SuiteResult("drafting", "d", {"case_pass_rate": 1.0}, [])

    monkeypatch.setitem(runner.RUNNERS, "drafting", drafting)
    (root / "drafting").mkdir()
    (root / "drafting" / "thresholds.yaml").write_text(yaml.safe_dump(
        {"drafting": {"case_pass_rate": {"min": 0.9}}}))
    code, _, _ = factories.run_cli(capsys, "eval", "--suite", "drafting", "--model",
                                   "openai/candidate", "--reports", str(root / "reports"),
                                   "--baseline", str(root / "baseline.json"))
    assert code == 0 and seen == ["openai/candidate"]


def test_a_configured_judge_scores_every_reviewable_draft(
        capsys: pytest.CaptureFixture[str], root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from companion.evals.fake_server import FakeOpenAIServer, Reply
    from companion.llm.base import allow_model_requests

    _small_drafting(root, ["goals-launch", "framework-feedback"],
                    {"judge_pass_rate": {"min": 0.75, "optional": True}})
    scores = iter([5, 2])

    def judge(_request: Any) -> Reply:
        score = next(scores)
        return Reply(content=json.dumps({"score": score, "reason": f"judged {score}"}))

    with FakeOpenAIServer(judge) as server, allow_model_requests():
        monkeypatch.setenv("COMPANION_EVAL_JUDGE_API_BASE", server.base_url)
        monkeypatch.setenv("COMPANION_EVAL_JUDGE_API_KEY", "test")
        code, out, _ = factories.run_cli(capsys, "eval", "--suite", "drafting", "--judge",
                                         "openai/judge", "--reports", str(root / "reports"),
                                         "--baseline", str(root / "baseline.json"),
                                         "--format", "json")
    assert code == 1  # one of two drafts judged 2/5: 0.5 < 0.75
    [suite] = json.loads(out)["suites"]
    assert suite["metrics"]["judge_pass_rate"] == 0.5
    assert suite["metrics"]["judge_errors"] == 0
    assert suite["failures"] == ["judge_pass_rate = 0.5 (needs ≥ 0.75 (when measured))"]
    assert len(server.requests) == 2 and server.requests[0].body["model"] == "judge"
    payload = json.loads(Path(suite["json"]).read_text())
    judged = [v for c in payload["cases"] for v in c["verdicts"] if v["grader"] == "judge_rubric"]
    assert [v["status"] for v in judged] == ["passed", "failed"]
    assert "judged 2" in judged[1]["reason"]
