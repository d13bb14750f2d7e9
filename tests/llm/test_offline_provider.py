"""The offline drafter in-process and through litellm's custom-provider path: no network, no
switch needed, the same text both ways."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import litellm
import pytest

from companion.llm import (
    OFFLINE_MODEL,
    OFFLINE_NAME,
    draft_offline,
    offline_model,
    register_offline_provider,
)
from companion.llm import base as llm_base
from companion.llm.litellm_model import offline_litellm_model

Messages = Callable[..., list[dict[str, Any]]]


def test_litellm_completion_reaches_the_drafter(make_messages: Messages) -> None:
    register_offline_provider()
    messages = make_messages("framework", files=["conversation-frameworks.md"],
                             topic="feedback on missed deadlines")
    response = litellm.completion(model=OFFLINE_MODEL, messages=messages,
                                  response_format={"type": "json_object"})
    assert OFFLINE_MODEL == "companion/offline"
    assert response.model == OFFLINE_NAME
    text = response.choices[0].message.content
    assert text == draft_offline(messages)
    assert json.loads(text)["content"]["name"] == "Feedback conversation"


def test_offline_model_works_while_requests_are_blocked(make_messages: Messages) -> None:
    assert llm_base.ALLOW_MODEL_REQUESTS is False  # set by tests/llm/conftest.py
    model = offline_model()
    messages = make_messages("goals", files=["smart-er-goals.md"])
    result = model.complete(messages)
    assert model.name == result.model == "offline-grounded-drafter-v2"
    assert result.text == draft_offline(messages)
    assert result.usage["total_tokens"] > 0
    assert model.complete(messages).text == result.text  # deterministic


@pytest.mark.parametrize(("kind", "files", "topic"), [
    ("goals", ["smart-er-goals.md"], None),
    ("agenda", ["session-templates.md"], None),
    ("framework", ["conversation-frameworks.md"], "feedback on missed deadlines"),
    ("questions", ["question-bank.md"], None),
])
def test_in_process_and_through_litellm_give_the_same_draft(
        make_messages: Messages, kind: str, files: list[str], topic: str | None) -> None:
    messages = make_messages(kind, files=files, topic=topic)
    direct, through = offline_model().complete(messages), offline_litellm_model().complete(messages)
    assert (direct.text, direct.model, direct.usage) == \
        (through.text, through.model, through.usage)
    assert json.loads(direct.text)["content"]


def test_the_offline_model_does_not_import_litellm() -> None:
    code = ("import sys\n"
            "from companion.config import Settings\n"
            "from companion.llm import model_from_settings\n"
            "model = model_from_settings(Settings(model='offline'))\n"
            "print(model.name, 'litellm' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [OFFLINE_NAME, "False"]


def test_registration_is_idempotent_and_keeps_other_providers() -> None:
    other: Any = {"provider": "someone-else", "custom_handler": object()}
    saved = list(litellm.custom_provider_map)
    try:
        litellm.custom_provider_map = [*saved, other]
        register_offline_provider()
        register_offline_provider()
        providers = [e["provider"] for e in litellm.custom_provider_map]
        assert providers.count("companion") == 1 and "someone-else" in providers
    finally:
        litellm.custom_provider_map = saved
