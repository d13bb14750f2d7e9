"""`OfflineChatModel`: the offline drafter as a `ChatModel`, called in-process.

The drafter is Companion's own deterministic code, not a remote model, so a process drafting
with it does not import litellm for it: litellm's import (openai's types, ~3,000 pydantic
models) took 2.6 s of a 6 s CLI draft on a warm home, against the draft's own ~0.1 s
(issue 16). Every call of a real model still goes through litellm (`LiteLLMChatModel`), and
the drafter stays a litellm custom provider (`provider.py`): `companion/offline` as a litellm
model string — as a fallback of a real model, say — reaches the same function and returns the
same text (tests/llm/test_offline_provider.py compares the two paths)."""

from __future__ import annotations

from typing import Any

from companion.llm.base import ChatResult, ModelError
from companion.llm.offline.draft import OFFLINE_NAME, draft, word_usage
from companion.metrics import MODEL_CALLS


class OfflineChatModel:
    """The deterministic grounded drafter: messages in, its JSON draft out. Works while real
    model requests are blocked (it sends none)."""

    name = OFFLINE_NAME

    def __repr__(self) -> str:
        return "OfflineChatModel()"

    def complete(self, messages: list[dict[str, Any]], *, json_mode: bool = True) -> ChatResult:
        """Always JSON (the drafter writes nothing else), so `json_mode` changes nothing."""
        try:
            text = draft(messages)
        except Exception as exc:  # the drafter's own bug: a failed model call, not a crash
            MODEL_CALLS.labels("offline", "error").inc()
            raise ModelError(f"{OFFLINE_NAME} failed: {exc}", model=OFFLINE_NAME) from exc
        MODEL_CALLS.labels("offline", "ok").inc()
        return ChatResult(text=text, model=OFFLINE_NAME, usage=word_usage(messages, text))
