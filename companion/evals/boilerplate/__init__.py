"""A deliberately boilerplate drafter, kept as the candidate the usefulness suite must fail.

It is a frozen copy of the offline drafter as it stood at commit c3a35e0 (`git show
c3a35e0:companion/llm/offline/draft.py` and its siblings): valid, grounded and well-formed, but
it pastes the goal or topic into fixed templates, picks frameworks and templates by word
overlap, writes the same measures for everyone and echoes a reviewer's note instead of acting on
it. The `drafting` suite passes it; `companion eval --suite usefulness --model boilerplate` must
not. Do not improve it: its weaknesses are the point.

`BoilerplateChatModel` answers the agent's messages directly (no litellm), so it is selected by
the eval runner under the model name `boilerplate`.
"""

from __future__ import annotations

from companion.evals.boilerplate.draft import BOILERPLATE_NAME, draft
from companion.llm.base import ChatResult, Message

#: The `--model` value that selects this drafter in `companion eval`.
BOILERPLATE_ALIAS = "boilerplate"

__all__ = ["BOILERPLATE_ALIAS", "BOILERPLATE_NAME", "BoilerplateChatModel", "draft"]


class BoilerplateChatModel:
    """A `ChatModel` whose every answer comes from the frozen boilerplate drafter."""

    def __init__(self, name: str = BOILERPLATE_NAME) -> None:
        self.name = name
        self.calls = 0

    def complete(self, messages: list[Message], *, json_mode: bool = True) -> ChatResult:
        self.calls += 1
        text = draft(messages)
        prompt = sum(len(str(m.get("content", "")).split()) for m in messages)
        completion = len(text.split())
        return ChatResult(text=text, model=self.name,
                          usage={"prompt_tokens": prompt, "completion_tokens": completion,
                                 "total_tokens": prompt + completion})
