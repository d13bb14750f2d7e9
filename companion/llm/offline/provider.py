"""The offline drafter as a litellm custom provider, so `litellm.completion(
model="companion/offline", messages=...)` answers with no network. The drafting itself lives
in `draft.py`."""

from __future__ import annotations

import os
import threading
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm  # noqa: E402
from litellm import CustomLLM  # noqa: E402
from litellm.types.utils import ModelResponse, Usage  # noqa: E402

from companion.llm.offline.draft import (  # noqa: E402
    OFFLINE_MODEL,
    OFFLINE_NAME,
    draft,
    word_usage,
)

OFFLINE_PROVIDER = OFFLINE_MODEL.split("/", 1)[0]
__all__ = ["OFFLINE_MODEL", "OFFLINE_NAME", "OFFLINE_PROVIDER", "OfflineDrafterLLM",
           "register_offline_provider"]


class OfflineDrafterLLM(CustomLLM):
    """litellm's view of the drafter: fills the ModelResponse litellm hands over."""

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        messages: list[dict[str, Any]] = list(kwargs.get("messages") or [])
        response: ModelResponse = kwargs.get("model_response") or ModelResponse()
        text = draft(messages)
        response.choices[0].message.content = text
        response.model = OFFLINE_NAME
        # litellm reads usage as a dynamic attribute of ModelResponse.
        counts = word_usage(messages, text)
        usage = Usage(prompt_tokens=counts["prompt_tokens"],
                      completion_tokens=counts["completion_tokens"],
                      total_tokens=counts["total_tokens"])
        setattr(response, "usage", usage)  # noqa: B010
        return response

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        return self.completion(*args, **kwargs)


_HANDLER = OfflineDrafterLLM()
_LOCK = threading.Lock()


def register_offline_provider() -> None:
    """Add the drafter to `litellm.custom_provider_map` (idempotent; other entries kept)."""
    with _LOCK:
        entries = list(litellm.custom_provider_map)
        if any(e.get("custom_handler") is _HANDLER for e in entries):
            return
        entries = [e for e in entries if e.get("provider") != OFFLINE_PROVIDER]
        entries.append({"provider": OFFLINE_PROVIDER, "custom_handler": _HANDLER})
        litellm.custom_provider_map = entries
