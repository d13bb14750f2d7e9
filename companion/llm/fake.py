"""`FakeChatModel`: a `ChatModel` for tests that answers from a queue and records every call."""

from __future__ import annotations

import copy
import json
from collections import deque
from collections.abc import Callable
from typing import Any

from companion.llm.base import ChatResult, Message

Reply = str | dict[str, Any] | BaseException | Callable[[list[Message]], str]


class FakeChatModel:
    """Answers each `complete()` with the next queued reply.

    A reply is a text (returned as is, even if it is not JSON), a dict (sent as its JSON), an
    exception (raised, e.g. `ModelTimeout`), or a callable that gets the messages and returns
    the text. `history` holds a copy of every message list the model was asked.
    """

    def __init__(self, *replies: Reply, name: str = "fake") -> None:
        self.name = name
        self.history: list[list[Message]] = []
        self.json_modes: list[bool] = []
        self._queue: deque[Reply] = deque()
        for reply in replies:
            self.enqueue(reply)

    def enqueue(self, reply: Reply) -> FakeChatModel:
        """Add a reply to the end of the queue (chainable)."""
        self._queue.append(reply)
        return self

    @property
    def pending(self) -> int:
        """Replies still queued."""
        return len(self._queue)

    def complete(self, messages: list[Message], *, json_mode: bool = True) -> ChatResult:
        self.history.append(copy.deepcopy(messages))
        self.json_modes.append(json_mode)
        if not self._queue:
            raise RuntimeError(
                f"FakeChatModel got call {len(self.history)} but has no queued reply; "
                "call enqueue() once per expected model call"
            )
        reply = self._queue.popleft()
        if isinstance(reply, BaseException):
            raise reply
        if isinstance(reply, dict):
            text = json.dumps(reply)
        elif isinstance(reply, str):
            text = reply
        else:
            text = reply(messages)
        return ChatResult(text=text, model=self.name,
                          usage={"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0})
