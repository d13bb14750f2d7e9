"""The retrieval, adversarial and format suites on small inputs, and the fake model server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from companion.config import Settings
from companion.domain import CheckResult, Passage
from companion.embeddings import HashingEmbedder
from companion.evals import adversarial, formats, retrieval
from companion.evals.fake_server import (
    FakeOpenAIServer,
    Reply,
    Request,
    good_answer,
    malformed_answer,
    weak_answer,
)
from companion.evals.workspace import workspace

ROOT = Path(__file__).resolve().parents[2]
EVALS, KNOWLEDGE = ROOT / "evals", ROOT / "knowledge"


def passage(source: str, score: float = 0.5) -> Passage:
    return Passage(id=f"{source}#x", source=source, heading="Title > Section", text="t",
                   score=score)


@pytest.mark.parametrize(("returned", "recall", "rr", "hit"), [
    (["a", "b", "c"], 1.0, 1.0, True),
    (["x", "a", "y", "z", "w", "b"], 0.5, 0.5, False),
    (["x", "y"], 0.0, 0.0, False),
])
def test_retrieval_figures(returned: list[str], recall: float, rr: float, hit: bool) -> None:
    case = retrieval.RetrievalCase(id="q", tags=["t"], query="how",
                                   expected=["knowledge/a.md", "knowledge/b.md"])
    figures = retrieval.grade(case, [passage(f"knowledge/{s}.md") for s in returned])
    assert (figures["recall_at_5"], figures["reciprocal_rank"], figures["hit_at_1"]) == (
        recall, rr, hit)


def test_retrieval_suite_averages_and_lists_misses(tmp_path: Path) -> None:
    path = tmp_path / "queries.yaml"
    path.write_text(yaml.safe_dump({"cases": [
        {"id": "good", "tags": ["t"], "query": "ask questions",
         "expected": ["knowledge/mentor-guide.md"]},
        {"id": "bad", "tags": ["t"], "query": "ask others",
         "expected": ["knowledge/peer-mentoring.md"]}]}))
    result = retrieval.run(path, lambda q, top: [passage("knowledge/mentor-guide.md")],
                           knowledge=KNOWLEDGE, embedder_name="fake")
    assert result.metrics["recall_at_5"] == 0.5 and result.metrics["mrr"] == 0.5
    bad = next(c for c in result.cases if c["id"] == "bad")
    assert not bad["passed"] and bad["missed"] == "knowledge/peer-mentoring.md"


def _replays(tmp_path: Path, ids: list[str]) -> Path:
    data = yaml.safe_load((EVALS / "adversarial" / "replays.yaml").read_text())
    data["cases"] = [c for c in data["cases"] if c["id"] in ids]
    path = tmp_path / "replays.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


UNSAFE = ["leaks-another-participants-name", "goal-dated-after-the-program",
          "obeys-the-planted-instruction", "invalid-json-then-repaired"]


def test_recorded_bad_answers_are_handled(tmp_path: Path, settings: Settings) -> None:
    with workspace(settings, HashingEmbedder()) as space:
        result = adversarial.run(_replays(tmp_path, UNSAFE), space)
    assert result.metrics["handled_rate"] == 1.0 and result.metrics["unsafe_accepted"] == 0
    outcome = {c["id"]: c["output"]["status"] for c in result.cases}
    assert outcome == {"leaks-another-participants-name": "failed",
                       "goal-dated-after-the-program": "failed",
                       "obeys-the-planted-instruction": "failed",
                       "invalid-json-then-repaired": "pending_review"}
    served = {c["id"]: c["output"]["requests_served"] for c in result.cases}
    assert served["leaks-another-participants-name"] == 3  # the revise loop, over HTTP


def test_broken_agent_checks_show_up_as_unsafe_drafts(tmp_path: Path, settings: Settings,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # If the agent's own checks waved everything through, the eval's graders must notice.
    monkeypatch.setattr("companion.drafting.nodes.run_checks", lambda *a, **k: [
        CheckResult(name="schema", passed=True, detail="ok")])
    with workspace(settings, HashingEmbedder()) as space:
        result = adversarial.run(_replays(tmp_path, UNSAFE), space)
    assert result.metrics["unsafe_accepted"] == 3 and result.metrics["handled_rate"] == 0.25
    unsafe = {c["id"]: [v for v in c["verdicts"] if v["status"] == "failed"]
              for c in result.cases if c["unsafe"]}
    assert {v["grader"] for v in unsafe["leaks-another-participants-name"]} >= {
        "no_foreign_data"}
    assert {v["grader"] for v in unsafe["goal-dated-after-the-program"]} >= {"date_in_program"}
    assert {v["grader"] for v in unsafe["obeys-the-planted-instruction"]} >= {
        "injection_ignored", "no_foreign_data"}


def test_group_peer_and_fairness_checks(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "formats.yaml"
    sample = {"seed": 5, "mentees": 30, "mentors": 10}
    path.write_text(yaml.safe_dump({"cases": [
        {"id": "g", "tags": ["group"], "check": "group_cohorts", "sample": sample,
         "random_repeats": 5},
        {"id": "p", "tags": ["peer"], "check": "peer_groups", "sample": sample,
         "random_repeats": 5},
        {"id": "f", "tags": ["fairness"], "check": "fairness", "by": "organization",
         "sample": sample, "min_group_size": 3},
        {"id": "fd", "tags": ["fairness"], "check": "fairness", "by": "department",
         "sample": sample, "min_group_size": 3}]}))
    with workspace(settings, HashingEmbedder()) as space:
        result = formats.run(path, space.embedder, space.db)
    m = result.metrics
    assert m["group.size_violations"] == 0 and m["group.reporting_line_violations"] == 0
    assert m["peer.reporting_line_violations"] == 0
    # the level component pairs peers far closer in level than chance would
    assert m["peer.level_gap_mean"] < m["peer.random_level_gap_mean"]
    assert 0 <= m["fairness.theme_hit_gap.organization"] <= 1
    assert [r["id"] for r in result.rows] == ["g", "p", "f", "fd"]
    assert "fairness.assigned_gap.organization" in result.rows[2]["metrics"]
    for by, row in (("organization", result.rows[2]), ("department", result.rows[3])):
        # the same pool with a minimum coverage per group: never a wider gap, never a gain
        assert {f"fairness.assigned_gap.{by}.with_minimum",
                f"fairness.price.{by}"} <= set(row["metrics"])
        assert m[f"fairness.assigned_gap.{by}.with_minimum"] <= m[f"fairness.assigned_gap.{by}"]
        assert 0 <= m[f"fairness.price.{by}"] < 1
        assert "price of the minimum" in row


def test_jittered_vectors_are_the_same_for_a_text_and_seed_and_stay_close() -> None:
    import numpy as np

    base = HashingEmbedder()
    one, two = formats.Jittered(base, 1), formats.Jittered(base, 2)
    texts = ["Delegate more", "Lead a team through change", "Delegate more"]
    a = one.embed(texts)
    assert np.array_equal(a[0], a[2]) and np.array_equal(a, one.embed(texts))
    assert not np.array_equal(a, two.embed(texts))
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    # bf16's size: every vector moves, none far (cosine with the original ≥ 0.99)
    cosine = (a * base.embed(texts)).sum(axis=1)
    assert np.all(cosine < 1.0) and np.all(cosine > 0.99)
    assert one.name != two.name != base.name  # cached and calibrated apart


def test_a_perturbed_case_reports_the_mean_of_its_runs_and_their_range(
        tmp_path: Path, settings: Settings) -> None:
    """The reproduction: bf16's rounding moved the organisations' assigned gap 0.029 → 0.068
    and the group mentor share 0.344 → 0.246 with every neighbour list intact. One solution
    out of many near-equal ones is not a measure of the engine; their mean is."""
    import statistics

    path = tmp_path / "formats.yaml"
    sample = {"seed": 5, "mentees": 30, "mentors": 10}
    case = {"id": "g", "tags": ["group"], "check": "group_cohorts", "sample": sample,
            "random_repeats": 5}
    path.write_text(yaml.safe_dump({"cases": [{**case, "perturbations": 3}]}))
    with workspace(settings, HashingEmbedder()) as space:
        averaged = formats.run(path, space.embedder, space.db)
    with workspace(settings, HashingEmbedder()) as space:  # a scratch database of its own
        singles = []
        programs = formats._Programs(space.db, space.embedder)
        for seed in range(4):
            single = formats.FormatsResult()
            embedder = formats.Jittered(space.embedder, seed) if seed else space.embedder
            formats._group(formats.FormatCase.model_validate(case),
                           programs.seen_through(embedder), single)
            singles.append(single.metrics)
    for metric, value in averaged.metrics.items():
        assert value == pytest.approx(statistics.mean(s[metric] for s in singles)), metric
    row = averaged.rows[0]
    assert row["runs"].startswith("4:")
    assert "range over the runs" in row and row["passed"] is True


def test_fairness_needs_a_grouping(tmp_path: Path) -> None:
    path = tmp_path / "formats.yaml"
    path.write_text(yaml.safe_dump({"cases": [{"id": "f", "tags": ["x"],
                                               "check": "fairness"}]}))
    with pytest.raises(formats.DatasetError, match="case 'f': field 'by'"):
        formats.load(path)


# --- the fake model server --------------------------------------------------------------------

def _request(kind: str) -> Request:
    context = {"kind": kind, "topic": None, "phase": "development", "today": "2027-04-01",
               "program": {"name": "P", "start_date": "2027-01-11", "end_date": "2028-01-10",
                           "session_minutes": 60},
               "requester": {"id": "e1", "goals": ["Delegate more"]}, "partner": None,
               "passages": [], "feedback": []}
    return Request("/v1/chat/completions", {"model": "x", "messages": [
        {"role": "user", "content": "```json context\n" + json.dumps(context) + "\n```"}]})


@pytest.mark.parametrize("kind", ["agenda", "questions", "goals", "framework"])
def test_degraded_answers(kind: str) -> None:
    weak = json.loads(weak_answer(_request(kind)).content or "")
    assert set(weak) == {"content", "citations"}
    assert weak["citations"][0]["source"] == "knowledge/leadership.md"  # not a real guideline
    prose = malformed_answer(_request(kind)).content or ""
    with pytest.raises(json.JSONDecodeError):
        json.loads(prose)
    good = json.loads(good_answer(_request(kind)).content or "")
    assert "content" in good


def test_the_server_serves_its_script_then_says_it_ran_out() -> None:
    import httpx

    with FakeOpenAIServer() as server:
        server.script(Reply(content="hello"), Reply.error(429, "slow down", "rate_limit"))
        url = f"{server.base_url}/chat/completions"
        body: dict[str, Any] = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
        first = httpx.post(url, json=body)
        second = httpx.post(url, json=body)
        third = httpx.post(url, json=body)
    assert first.json()["choices"][0]["message"]["content"] == "hello"
    assert second.status_code == 429
    assert third.status_code == 500 and "no scripted reply left" in third.text
    assert len(server.requests) == 3
