"""The LLM-as-judge grader: skipped without a model (never a pass), scores through litellm when
one is configured, and an unreadable judge answer is skipped, not counted either way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from companion.domain import DraftKind
from companion.errors import BadInputError
from companion.evals import judge as j
from companion.evals.fake_server import FakeOpenAIServer, Reply
from companion.evals.graders import Status
from companion.llm import FakeChatModel, ModelTimeout
from companion.llm.base import allow_model_requests

RUBRIC = j.load_rubric(Path(__file__).resolve().parents[2] / "evals" / "drafting" / "judge.yaml")
REQUEST = {"phase": "development", "topic": None, "goal": "Delegate the monthly close"}
CONTENT = {"questions": [{"text": "What could you hand over?", "purpose": "Delegation"}]}


def test_without_a_model_every_verdict_is_skipped_with_the_reason() -> None:
    judge = j.judge_from_settings(RUBRIC)
    verdict = judge.grade(DraftKind.questions, REQUEST, CONTENT)
    assert not judge.active
    assert verdict.status is Status.skipped and not verdict.passed
    assert "COMPANION_EVAL_JUDGE_MODEL" in verdict.reason


@pytest.mark.parametrize(("answer", "status", "reason"), [
    ({"score": 5, "reason": "Open, specific questions."}, Status.passed, "score 5/5"),
    ({"score": 2, "reason": "Generic questions."}, Status.failed, "Generic questions."),
    ("```json\n{\"score\": 4, \"reason\": \"Fine.\"}\n```", Status.passed, "score 4/5"),
    ("I think it is quite good", Status.skipped, "could not be read"),
    ({"score": 9, "reason": "Off the scale"}, Status.skipped, "no score from 1 to 5"),
    (ModelTimeout("judge timed out"), Status.skipped, "judge model failed"),
])
def test_scores_become_verdicts(answer: object, status: Status, reason: str) -> None:
    model = FakeChatModel(answer)  # type: ignore[arg-type]
    judge = j.Judge(RUBRIC, model)
    verdict = judge.grade(DraftKind.questions, REQUEST, CONTENT)
    assert verdict.status is status and reason in verdict.reason
    assert judge.errors == (1 if status is Status.skipped else 0)
    sent = model.history[0]
    assert "Delegate the monthly close" in sent[1]["content"]  # the request it answers
    assert RUBRIC.criteria[DraftKind.questions][0] in sent[1]["content"]


@pytest.fixture
def judge_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server, allow_model_requests():
        yield server


def test_judge_goes_through_litellm(judge_server: FakeOpenAIServer,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPANION_EVAL_JUDGE_MODEL", "openai/judge-model")
    monkeypatch.setenv("COMPANION_EVAL_JUDGE_API_BASE", judge_server.base_url)
    monkeypatch.setenv("COMPANION_EVAL_JUDGE_API_KEY", "test")
    judge_server.script(Reply(content=json.dumps({"score": 3, "reason": "Too generic."})))
    judge = j.judge_from_settings(RUBRIC)
    verdict = judge.grade(DraftKind.questions, REQUEST, CONTENT)
    assert judge.active and judge.name == "judge:openai/judge-model"
    assert verdict.status is Status.failed and "score 3/5" in verdict.reason
    [request] = judge_server.requests
    assert request.body["model"] == "judge-model"
    assert request.body["response_format"] == {"type": "json_object"}


def test_the_offline_drafter_cannot_judge() -> None:
    with pytest.raises(BadInputError, match="cannot judge"):
        j.judge_from_settings(RUBRIC, model="offline")
