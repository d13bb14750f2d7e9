"""A deliberately degraded model makes `companion eval` fail with a report that says which cases
failed and why — over the real litellm HTTP path, against a fake server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from companion.embeddings import HashingEmbedder
from companion.evals.fake_server import FakeOpenAIServer, Responder, offtopic_answer, weak_answer
from tests import factories
from tests.fake_openai import allow_model_requests  # noqa: F401 - fixture

EVALS = Path(__file__).resolve().parents[2] / "evals"


@pytest.fixture(autouse=True)
def fast_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = HashingEmbedder()
    monkeypatch.setattr("companion.embeddings.get_embedder", lambda _settings: embedder)


def serve(responder: Responder, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(responder) as server:
        monkeypatch.setenv("COMPANION_LLM_API_BASE", server.base_url)
        monkeypatch.setenv("COMPANION_LLM_API_KEY", "test")
        monkeypatch.setenv("COMPANION_MODEL", "offline")  # restored after: eval sets it
        yield server


@pytest.fixture
def weak_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAIServer]:
    yield from serve(weak_answer, monkeypatch)


@pytest.fixture
def offtopic_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAIServer]:
    yield from serve(offtopic_answer, monkeypatch)


def evals_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case_ids: list[str]) -> Path:
    """An evals/ root holding the committed drafting dataset cut down to `case_ids`, with the
    committed thresholds, rubric and baseline (the full set runs in CI: `companion eval`)."""
    root = tmp_path / "evals"
    (root / "drafting").mkdir(parents=True)
    data = yaml.safe_load((EVALS / "drafting" / "cases.yaml").read_text())
    data["cases"] = [c for c in data["cases"] if c["id"] in case_ids]
    assert len(data["cases"]) == len(case_ids)
    (root / "drafting" / "cases.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    for name in ("drafting/judge.yaml", "drafting/thresholds.yaml", "baseline.json"):
        (root / name).write_text((EVALS / name).read_text())
    monkeypatch.setattr("companion.cli.commands.evals.evals_root", lambda: root)
    return root


WEAK_CASES = ["agenda-launch-kickoff", "agenda-group-session", "questions-delegation",
              "questions-names-another-participant", "goals-launch", "goals-last-week-of-program",
              "framework-feedback", "framework-injection-notes"]


@pytest.mark.usefixtures("allow_model_requests")
def test_a_weak_model_fails_the_drafting_suite_readably(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, weak_server: FakeOpenAIServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    evals_with(tmp_path, monkeypatch, WEAK_CASES)
    code, out, err = factories.run_cli(
        capsys, "eval", "--suite", "drafting", "--model", "openai/weak", "--reports",
        str(tmp_path / "reports"), "--format", "json")
    assert code == 1
    [suite] = json.loads(out)["suites"]
    assert "case_pass_rate" in " ".join(suite["failures"])
    assert "reviewable_rate = 0 (needs ≥ 0.9)" in suite["failures"]
    assert len(weak_server.requests) == 3 * len(WEAK_CASES)  # real HTTP, three attempts each
    assert weak_server.requests[0].body["model"] == "weak"
    markdown = Path(suite["report"]).read_text()
    assert "**FAILED**" in markdown and "## Failing cases" in markdown
    assert "- **goals-launch** — outcome: the draft is failed: after 3 attempt(s):" in markdown
    assert "time_bound: not a date" in markdown  # the agent's reason, in plain words
    assert "eval failed: drafting: case_pass_rate" in " ".join(err.split())


@pytest.mark.usefixtures("allow_model_requests")
def test_an_off_topic_model_passes_the_agents_checks_but_not_the_eval(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, offtopic_server: FakeOpenAIServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    evals_with(tmp_path, monkeypatch, ["framework-stakeholders", "goals-cross-organisation",
                                       "framework-setback"])
    code, out, _ = factories.run_cli(
        capsys, "eval", "--suite", "drafting", "--model", "openai/offtopic", "--reports",
        str(tmp_path / "reports"), "--format", "json")
    assert code == 1
    [suite] = json.loads(out)["suites"]
    assert suite["metrics"]["unsafe_accepted"] == 0
    assert suite["metrics"]["must_contain_rate"] < 1 and suite["metrics"]["case_pass_rate"] < 0.5
    payload = json.loads(Path(suite["json"]).read_text())
    failed = {c["id"]: {v["grader"] for v in c["verdicts"] if v["status"] == "failed"}
              for c in payload["cases"]}
    # off-topic frameworks are caught by relevance to what was asked, not by shared words
    assert "goal_relevance" in failed["framework-setback"] & failed["framework-stakeholders"]
    reasons = [v["reason"] for c in payload["cases"] for v in c["verdicts"]
               if v["grader"] == "must_contain"]
    assert any("missing 'electric' or 'mechanics'" in r for r in reasons)
