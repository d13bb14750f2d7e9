"""The litellm path against the fake OpenAI server on 127.0.0.1: retries, time-outs, fallbacks,
error mapping, JSON mode, and the switch that blocks model requests."""

from __future__ import annotations

import json
import random

import pytest

from companion.config import Settings
from companion.llm import (
    OFFLINE_NAME,
    LiteLLMChatModel,
    ModelError,
    ModelRateLimited,
    ModelRequestsBlocked,
    ModelTimeout,
    ModelUnavailable,
    model_from_settings,
)
from tests.fake_openai import FakeOpenAI

MESSAGES = [{"role": "system", "content": "Answer in JSON."},
            {"role": "user", "content": "Draft the agenda."}]
ANSWER = {"content": {"title": "Kickoff"}, "citations": []}


def model_for(server: FakeOpenAI, sleeps: list[float], **kwargs: object) -> LiteLLMChatModel:
    kwargs.setdefault("model", "openai/primary")
    return LiteLLMChatModel(api_base=server.base_url, api_key="test", sleep=sleeps.append,
                            rng=random.Random(7), **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def sleeps() -> list[float]:
    return []


pytestmark = pytest.mark.usefixtures("allow_model_requests")


def test_success_returns_the_text_model_and_usage(fake_openai: FakeOpenAI,
                                                  sleeps: list[float]) -> None:
    fake_openai.reply_json(ANSWER)
    result = model_for(fake_openai, sleeps).complete(MESSAGES)
    assert json.loads(result.text) == ANSWER
    assert result.model == "primary"
    assert result.usage["total_tokens"] == result.usage["prompt_tokens"] + \
        result.usage["completion_tokens"] > 0
    [request] = fake_openai.requests
    assert request.body["messages"] == MESSAGES
    assert request.body["response_format"] == {"type": "json_object"}
    assert request.headers["authorization"] == "Bearer test"
    assert sleeps == []


def test_without_json_mode_no_response_format_is_sent(fake_openai: FakeOpenAI,
                                                      sleeps: list[float]) -> None:
    fake_openai.reply_text("plain words")
    assert model_for(fake_openai, sleeps).complete(MESSAGES, json_mode=False).text == \
        "plain words"
    assert "response_format" not in fake_openai.requests[0].body


def test_rate_limit_is_retried_after_the_retry_after_header(fake_openai: FakeOpenAI,
                                                            sleeps: list[float]) -> None:
    fake_openai.rate_limit(retry_after=7).reply_json(ANSWER)
    result = model_for(fake_openai, sleeps).complete(MESSAGES)
    assert json.loads(result.text) == ANSWER
    assert len(fake_openai.requests) == 2
    assert sleeps == [7.0]


def test_backoff_is_exponential_with_jitter_without_retry_after(fake_openai: FakeOpenAI,
                                                                sleeps: list[float]) -> None:
    for _ in range(3):
        fake_openai.rate_limit(retry_after=None)
    fake_openai.reply_json(ANSWER)
    model_for(fake_openai, sleeps, backoff_base=1.0).complete(MESSAGES)
    assert len(sleeps) == 3
    for attempt, pause in enumerate(sleeps):
        ceiling = 2.0 ** attempt
        assert ceiling / 2 <= pause <= ceiling


def test_timeout_is_retried(fake_openai: FakeOpenAI, sleeps: list[float]) -> None:
    fake_openai.slow(2.0).reply_json(ANSWER)
    result = model_for(fake_openai, sleeps, timeout=0.3).complete(MESSAGES)
    assert json.loads(result.text) == ANSWER
    assert len(fake_openai.requests) == 2
    assert len(sleeps) == 1


def test_permanent_timeouts_raise_model_timeout(fake_openai: FakeOpenAI,
                                                sleeps: list[float]) -> None:
    fake_openai.slow(2.0).slow(2.0)
    with pytest.raises(ModelTimeout, match="timed out 2 times"):
        model_for(fake_openai, sleeps, timeout=0.3, max_retries=1).complete(MESSAGES)
    assert len(fake_openai.requests) == 2


def test_permanent_rate_limit_raises_after_the_retries(fake_openai: FakeOpenAI,
                                                       sleeps: list[float]) -> None:
    for _ in range(4):
        fake_openai.rate_limit()
    with pytest.raises(ModelRateLimited, match="still rate-limited after 4 attempts") as info:
        model_for(fake_openai, sleeps, max_retries=3).complete(MESSAGES)
    assert info.value.model == "openai/primary"
    assert len(fake_openai.requests) == 4
    assert len(sleeps) == 3


def test_fallback_model_answers_when_the_primary_is_down(fake_openai: FakeOpenAI,
                                                         sleeps: list[float]) -> None:
    fake_openai.error(500).reply_json(ANSWER)
    model = model_for(fake_openai, sleeps, fallbacks=["openai/backup"])
    result = model.complete(MESSAGES)
    assert json.loads(result.text) == ANSWER
    assert result.model == "backup"
    assert [r.model for r in fake_openai.requests] == ["primary", "backup"]
    assert sleeps == []  # a 500 goes straight to the fallback


def test_fallback_after_the_primary_exhausts_its_retries(fake_openai: FakeOpenAI,
                                                         sleeps: list[float]) -> None:
    fake_openai.rate_limit().rate_limit().reply_json(ANSWER)
    model = model_for(fake_openai, sleeps, max_retries=1, fallbacks=["openai/backup"])
    assert model.complete(MESSAGES).model == "backup"
    assert [r.model for r in fake_openai.requests] == ["primary", "primary", "backup"]


def test_every_model_failing_names_each_failure(fake_openai: FakeOpenAI,
                                                sleeps: list[float]) -> None:
    fake_openai.error(500).error(503, "overloaded", "overloaded")
    model = model_for(fake_openai, sleeps, fallbacks=["openai/backup"])
    with pytest.raises(ModelUnavailable) as info:
        model.complete(MESSAGES)
    assert "openai/primary" in str(info.value) and "openai/backup" in str(info.value)


@pytest.mark.parametrize(("status", "expected", "hint"), [
    (500, ModelUnavailable, "COMPANION_LLM_API_BASE"),
    (401, ModelError, "COMPANION_LLM_API_KEY"),
    (404, ModelError, "COMPANION_MODEL"),
    (400, ModelError, "failed"),
])
def test_http_errors_map_to_model_errors(fake_openai: FakeOpenAI, sleeps: list[float],
                                         status: int, expected: type[ModelError],
                                         hint: str) -> None:
    fake_openai.error(status, "nope", "some_error")
    with pytest.raises(expected, match=hint) as info:
        model_for(fake_openai, sleeps).complete(MESSAGES)
    assert not isinstance(info.value, ModelRateLimited | ModelTimeout)
    assert len(fake_openai.requests) == 1  # not retried


def test_a_provider_refusing_json_mode_is_asked_again_without_it(fake_openai: FakeOpenAI,
                                                                 sleeps: list[float]) -> None:
    fake_openai.error(400, "response_format is not supported by this model",
                      "invalid_request_error")
    fake_openai.reply_json(ANSWER).reply_json(ANSWER)
    model = model_for(fake_openai, sleeps)
    assert json.loads(model.complete(MESSAGES).text) == ANSWER
    assert json.loads(model.complete(MESSAGES).text) == ANSWER
    sent = ["response_format" in r.body for r in fake_openai.requests]
    assert sent == [True, False, False]  # remembered for the next call


def test_invalid_json_passes_through_unchanged(fake_openai: FakeOpenAI,
                                               sleeps: list[float]) -> None:
    text = 'Sure! Here is the agenda: {"title": "Kick'
    fake_openai.reply_text(text)
    assert model_for(fake_openai, sleeps).complete(MESSAGES).text == text


def test_mock_response_path_needs_no_server() -> None:
    model = LiteLLMChatModel("openai/mocked", extra={"mock_response": '{"ok": true}'})
    result = model.complete(MESSAGES)
    assert json.loads(result.text) == {"ok": True}


def test_settings_select_the_configured_model(companion_home: object) -> None:
    model = model_from_settings(Settings(model="openai/gpt-4o-mini",
                                         llm_api_base="http://127.0.0.1:9/v1",
                                         llm_api_key="k"))
    assert isinstance(model, LiteLLMChatModel)
    assert (model.name, model.api_base, model.api_key) == \
        ("openai/gpt-4o-mini", "http://127.0.0.1:9/v1", "k")
    assert model_from_settings(Settings(model="offline")).name == OFFLINE_NAME


def test_blocked_requests_fail_before_any_http(fake_openai: FakeOpenAI,
                                               sleeps: list[float]) -> None:
    from companion.llm import block_model_requests

    fake_openai.reply_json(ANSWER)
    model = model_for(fake_openai, sleeps, fallbacks=["openai/backup"])
    with block_model_requests(), pytest.raises(ModelRequestsBlocked, match="openai/primary"):
        model.complete(MESSAGES)
    assert fake_openai.requests == []
    assert json.loads(model.complete(MESSAGES).text) == ANSWER  # the switch is restored
