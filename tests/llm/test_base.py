"""The request switch, the error hierarchy and FakeChatModel."""

from __future__ import annotations

import json

import pytest

from companion.errors import CompanionError
from companion.llm import (
    ChatModel,
    ChatResult,
    FakeChatModel,
    LiteLLMChatModel,
    ModelError,
    ModelRateLimited,
    ModelRequestsBlocked,
    ModelTimeout,
    ModelUnavailable,
    allow_model_requests,
    block_model_requests,
    offline_model,
)
from companion.llm import base as llm_base

MESSAGES = [{"role": "user", "content": "hello"}]


def test_the_switch_works_as_a_call_and_as_a_context_manager() -> None:
    assert llm_base.ALLOW_MODEL_REQUESTS is False  # tests/llm/conftest.py
    with allow_model_requests():
        assert llm_base.ALLOW_MODEL_REQUESTS is True
        with block_model_requests():
            assert llm_base.ALLOW_MODEL_REQUESTS is False
        assert llm_base.ALLOW_MODEL_REQUESTS is True
        block_model_requests()
        assert llm_base.ALLOW_MODEL_REQUESTS is False
    assert llm_base.ALLOW_MODEL_REQUESTS is False


def test_setting_the_module_flag_blocks_a_real_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(llm_base, "ALLOW_MODEL_REQUESTS", False)
    model = LiteLLMChatModel("openai/gpt-4o-mini", api_key="sk-never-used")
    with pytest.raises(ModelRequestsBlocked, match="ALLOW_MODEL_REQUESTS is False"):
        model.complete(MESSAGES)


def test_blocked_is_not_a_model_error_so_nobody_swallows_it() -> None:
    assert not issubclass(ModelRequestsBlocked, CompanionError)


@pytest.mark.parametrize("error", [ModelRateLimited, ModelTimeout, ModelUnavailable])
def test_model_errors_are_companion_errors(error: type[ModelError]) -> None:
    exc = error("it failed", model="openai/x")
    assert isinstance(exc, ModelError) and isinstance(exc, CompanionError)
    assert exc.model == "openai/x" and exc.exit_code == 1 and exc.http_status >= 500


def test_every_model_is_a_chat_model() -> None:
    for model in (FakeChatModel(), offline_model(), LiteLLMChatModel("openai/x")):
        assert isinstance(model, ChatModel)


def test_fake_answers_in_order_and_records_what_it_was_asked() -> None:
    fake = FakeChatModel().enqueue("not json").enqueue({"content": {}, "citations": []})
    fake.enqueue(ModelTimeout("slow", model="fake")).enqueue(lambda m: str(len(m)))
    first = fake.complete(MESSAGES)
    assert (first.text, first.model) == ("not json", "fake")
    assert isinstance(first, ChatResult)
    assert json.loads(fake.complete(MESSAGES, json_mode=False).text) == \
        {"content": {}, "citations": []}
    assert fake.history[1] == MESSAGES and fake.json_modes == [True, False]
    with pytest.raises(ModelTimeout):
        fake.complete(MESSAGES)
    assert fake.complete(MESSAGES * 3).text == "3"
    assert fake.pending == 0 and len(fake.history) == 4
    with pytest.raises(RuntimeError, match="no queued reply"):
        fake.complete(MESSAGES)


def test_fake_history_is_a_copy() -> None:
    fake = FakeChatModel("{}")
    messages = [{"role": "user", "content": "v1"}]
    fake.complete(messages)
    messages[0]["content"] = "v2"
    assert fake.history == [[{"role": "user", "content": "v1"}]]
    assert fake.name == "fake"
