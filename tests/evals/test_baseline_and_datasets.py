"""Thresholds, tolerances and the baseline; dataset errors that name the file, case and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from companion.evals import adversarial, drafting_cases, retrieval
from companion.evals.baseline import compare, load_baseline, load_config, update_baseline
from companion.evals.datasets import DatasetError
from companion.evals.report import SuiteResult, Threshold

ROOT = Path(__file__).resolve().parents[2]
EVALS, KNOWLEDGE = ROOT / "evals", ROOT / "knowledge"


def result(**metrics: float) -> SuiteResult:
    return SuiteResult("drafting", "d.yaml", dict(metrics),
                       [Threshold("case_pass_rate", 0.8, "min"),
                        Threshold("unsafe_accepted", 0, "max")])


def config(tmp_path: Path, tolerance: dict[str, float]) -> Any:
    path = tmp_path / "thresholds.yaml"
    path.write_text(yaml.safe_dump({"drafting": {"case_pass_rate": {"min": 0.8},
                                                 "unsafe_accepted": {"max": 0}},
                                    "tolerance": tolerance}))
    return load_config(path, "drafting")


@pytest.mark.parametrize(("now", "regressed"), [(0.95, False), (0.93, False), (0.90, True)])
def test_a_fall_beyond_the_tolerance_is_a_regression(tmp_path: Path, now: float,
                                                     regressed: bool) -> None:
    cfg = config(tmp_path, {"default": 0.05})
    regressions, _ = compare(result(case_pass_rate=now, unsafe_accepted=0), cfg,
                             {"model": "offline", "metrics": {"case_pass_rate": 0.96,
                                                              "unsafe_accepted": 0}})
    assert bool(regressions) is regressed
    if regressed:
        assert regressions == ["case_pass_rate fell from 0.96 (baseline) to 0.9, more than "
                               "the 0.05 tolerance"]


def test_max_metrics_regress_upwards_and_improvements_are_noted(tmp_path: Path) -> None:
    cfg = config(tmp_path, {"default": 0.0, "case_pass_rate": 0.01})
    regressions, notes = compare(result(case_pass_rate=1.0, unsafe_accepted=1), cfg,
                                 {"model": "offline", "measured_at": "2026-11-21",
                                  "metrics": {"case_pass_rate": 0.9, "unsafe_accepted": 0}})
    assert regressions == ["unsafe_accepted rose from 0 (baseline) to 1, more than the 0 "
                           "tolerance"]
    assert any("case_pass_rate 0.9 → 1" in n for n in notes)
    assert "offline on 2026-11-21" in notes[0]


def test_without_a_baseline_nothing_regresses_and_the_note_says_how_to_record_one(
        tmp_path: Path) -> None:
    regressions, notes = compare(result(case_pass_rate=0.5), config(tmp_path, {}), None)
    assert regressions == [] and "--update-baseline" in notes[0]


def test_update_baseline_keeps_other_suites(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps({"suites": {"matching": {"metrics": {"hit_at_3": 1.0}}}}))
    update_baseline(path, [result(case_pass_rate=0.9583333, unsafe_accepted=0)],
                    {"drafting": {"model": "offline"}})
    suites = load_baseline(path)
    assert suites["matching"]["metrics"] == {"hit_at_3": 1.0}
    assert suites["drafting"]["model"] == "offline"
    assert suites["drafting"]["metrics"]["case_pass_rate"] == 0.958333


@pytest.mark.parametrize(("data", "message"), [
    ({"other": {}}, "needs a 'drafting:' mapping"),
    ({"drafting": {"x": {"at_least": 1}}}, "must be {min: x} or {max: x}"),
    ({"drafting": {"x": {"min": 1}}, "tolerance": {"x": -1}}, "tolerance must map"),
])
def test_threshold_files_are_checked(tmp_path: Path, data: dict[str, Any], message: str
                                     ) -> None:
    path = tmp_path / "thresholds.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(DatasetError, match=message) as caught:
        load_config(path, "drafting")
    assert str(path) in str(caught.value)


def test_an_optional_threshold_applies_only_when_measured() -> None:
    judged = SuiteResult("drafting", "d", {"judge_pass_rate": 0.5},
                         [Threshold("judge_pass_rate", 0.75, "min", optional=True)])
    unjudged = SuiteResult("drafting", "d", {}, judged.thresholds)
    required = SuiteResult("drafting", "d", {}, [Threshold("case_pass_rate", 0.9, "min")])
    assert judged.failures == ["judge_pass_rate = 0.5 (needs ≥ 0.75 (when measured))"]
    assert unjudged.passed
    assert required.failures == ["case_pass_rate = not measured (needs ≥ 0.9)"]


# --- dataset errors ---------------------------------------------------------------------------

def _drafting_with(tmp_path: Path, case_id: str, **changes: Any) -> Path:
    data = yaml.safe_load((EVALS / "drafting" / "cases.yaml").read_text())
    case = next(c for c in data["cases"] if c["id"] == case_id)
    case.update(changes)
    path = tmp_path / "cases.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


@pytest.mark.parametrize(("case_id", "changes", "field", "message"), [
    ("goals-launch", {"phase": "completion"}, "phase", "falls in the launch phase"),
    ("goals-launch", {"partner": "m-tomas"}, "partner", "not an approved partner"),
    ("goals-launch", {"kind": "essay"}, "kind", "Input should be"),
    ("goals-launch", {"must": [{"regex": "("}]}, "must", "does not compile"),
    ("questions-injection-phone", {"injection": {"where": "goal", "canaries": ["one-to-ones"]}},
     "injection.canaries", "requester's own text"),
    ("goals-launch", {"relevant_sources": ["knowledge/nope.md"]}, "relevant_sources",
     "not a guideline file"),
])
def test_drafting_dataset_errors_name_file_case_and_field(
        tmp_path: Path, case_id: str, changes: dict[str, Any], field: str, message: str
) -> None:
    path = _drafting_with(tmp_path, case_id, **changes)
    with pytest.raises(DatasetError) as caught:
        drafting_cases.load(path, KNOWLEDGE)
    text = str(caught.value)
    assert str(path) in text and f"case '{case_id}'" in text and f"field '{field}" in text
    assert message in text


def test_duplicate_case_ids_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "queries.yaml"
    path.write_text(yaml.safe_dump({"cases": [
        {"id": "a", "tags": ["x"], "query": "how", "expected": ["knowledge/mentor-guide.md"]},
        {"id": "a", "tags": ["x"], "query": "why", "expected": ["knowledge/mentor-guide.md"]}]}))
    with pytest.raises(DatasetError, match="case 'a': field 'id': the id is used twice"):
        retrieval.load(path, KNOWLEDGE)


def test_retrieval_expected_files_must_exist(tmp_path: Path) -> None:
    path = tmp_path / "queries.yaml"
    path.write_text(yaml.safe_dump({"cases": [
        {"id": "q1", "tags": ["x"], "query": "how", "expected": ["knowledge/nope.md"]}]}))
    with pytest.raises(DatasetError, match="case 'q1': field 'expected': knowledge/nope.md"):
        retrieval.load(path, KNOWLEDGE)


def test_a_replay_needs_a_body(tmp_path: Path) -> None:
    data = yaml.safe_load((EVALS / "adversarial" / "replays.yaml").read_text())
    data["cases"][0]["replies"] = [{"status": 200}]
    path = tmp_path / "replays.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(DatasetError, match=r"case 'invalid-json-every-time': field "
                                           r"'replies.0': .*exactly one of text or json"):
        adversarial.load(path, KNOWLEDGE)


def test_jsonl_datasets_name_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "queries.jsonl"
    path.write_text('{"id": "a", "tags": ["x"], "query": "how do I", "expected": '
                    '["knowledge/mentor-guide.md"]}\n{"id": "b", oops}\n')
    with pytest.raises(DatasetError, match="line 2 is not JSON"):
        retrieval.load(path, KNOWLEDGE)


def test_the_committed_datasets_load() -> None:
    assert len(retrieval.load(EVALS / "retrieval" / "queries.yaml", KNOWLEDGE)) >= 30
    loaded = drafting_cases.load(EVALS / "drafting" / "cases.yaml", KNOWLEDGE)
    assert len(loaded.cases) >= 20
    assert {c.kind.value for c in loaded.cases} == {"agenda", "questions", "goals", "framework"}
    assert sum(c.injection is not None for c in loaded.cases) >= 3
    _, replays, _ = adversarial.load(EVALS / "adversarial" / "replays.yaml", KNOWLEDGE)
    assert len(replays) >= 12
