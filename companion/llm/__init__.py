"""The LLM layer: the `ChatModel` interface, the litellm adapter and the offline drafter.

The only package that imports litellm. litellm is slow to import, so the names that need it
(`LiteLLMChatModel`, `register_offline_provider`) load on first use, and `model_from_settings`
imports it only for a real model; the interface, errors, the request switch, the offline
drafter and `FakeChatModel` load at once.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

# Before anything imports litellm: otherwise it fetches its cost map from the network.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from companion.llm.base import (  # noqa: E402
    ChatModel,
    ChatResult,
    Message,
    ModelError,
    ModelRateLimited,
    ModelRequestsBlocked,
    ModelTimeout,
    ModelUnavailable,
    allow_model_requests,
    block_model_requests,
    check_model_requests_allowed,
)
from companion.llm.fake import FakeChatModel  # noqa: E402
from companion.llm.offline.draft import OFFLINE_ALIASES, OFFLINE_MODEL, OFFLINE_NAME  # noqa: E402
from companion.llm.offline.draft import draft as draft_offline  # noqa: E402
from companion.llm.offline.model import OfflineChatModel  # noqa: E402

if TYPE_CHECKING:
    from companion.config import Settings
    from companion.llm.litellm_model import LiteLLMChatModel
    from companion.llm.offline.provider import register_offline_provider

_LAZY = {
    "LiteLLMChatModel": "companion.llm.litellm_model",
    "register_offline_provider": "companion.llm.offline.provider",
}

__all__ = [
    "OFFLINE_MODEL", "OFFLINE_NAME", "ChatModel", "ChatResult", "FakeChatModel",
    "OfflineChatModel",
    "LiteLLMChatModel", "Message", "ModelError", "ModelRateLimited", "ModelRequestsBlocked",
    "ModelTimeout", "ModelUnavailable", "allow_model_requests", "block_model_requests",
    "check_model_requests_allowed", "draft_offline", "model_from_settings", "model_name",
    "offline_model",
    "register_offline_provider",
]


def model_name(model: str) -> str:
    """The name a configured model (COMPANION_MODEL) writes drafts under, without importing
    litellm (a serving process that only queues drafts never needs it)."""
    model = model.strip()
    return OFFLINE_NAME if model in OFFLINE_ALIASES else model


def offline_model() -> OfflineChatModel:
    """The deterministic offline drafter as a `ChatModel` named `offline-grounded-drafter-v2`."""
    return OfflineChatModel()


def model_from_settings(settings: Settings) -> ChatModel:
    """The configured model: `offline` is the grounded drafter, called in-process (no litellm
    import: see `companion.llm.offline.model`); anything else is a litellm model string."""
    if settings.model.strip() in OFFLINE_ALIASES:
        return OfflineChatModel()
    from companion.llm.litellm_model import LiteLLMChatModel

    return LiteLLMChatModel(settings.model.strip(), settings.llm_api_base, settings.llm_api_key)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'companion.llm' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
