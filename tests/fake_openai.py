"""A tiny OpenAI-compatible chat server on 127.0.0.1 for testing the litellm path offline —
the eval suite's `companion.evals.fake_server`, with a scripting vocabulary for tests.

Script what the next requests get, point litellm at `server.base_url`, then inspect
`server.requests`:

    def test_x(fake_openai, allow_model_requests):
        fake_openai.rate_limit(retry_after=0).reply_json({"content": {}, "citations": []})
        model = LiteLLMChatModel("openai/test", fake_openai.base_url, "test", sleep=lambda s: None)

Other test folders get the fixtures with
`from tests.fake_openai import fake_openai, allow_model_requests  # noqa: F401` in their
conftest.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from companion.evals.fake_server import FakeOpenAIServer
from companion.evals.fake_server import Reply as Behaviour
from companion.evals.fake_server import Request as RecordedRequest
from companion.llm.base import allow_model_requests as _allow

__all__ = ["Behaviour", "FakeOpenAI", "RecordedRequest", "allow_model_requests", "fake_openai"]


class FakeOpenAI(FakeOpenAIServer):
    """The server and its queue of behaviours; an empty queue answers 500 with a clear note."""

    def push(self, behaviour: Behaviour) -> FakeOpenAI:
        self.script(behaviour)
        return self

    def reply_text(self, text: str, *, delay: float = 0.0) -> FakeOpenAI:
        """A 200 chat completion whose message content is `text` exactly (JSON or not)."""
        return self.push(Behaviour(content=text, delay=delay))

    def reply_json(self, obj: Any, *, delay: float = 0.0) -> FakeOpenAI:
        """A 200 chat completion whose message content is `obj` as JSON."""
        return self.reply_text(json.dumps(obj), delay=delay)

    def rate_limit(self, *, retry_after: float | None = 0) -> FakeOpenAI:
        """HTTP 429, with a Retry-After header unless `retry_after` is None."""
        headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
        return self.error(429, "Rate limit reached for requests", "rate_limit_exceeded",
                          headers=headers)

    def slow(self, seconds: float, text: str = "{}") -> FakeOpenAI:
        """Answer `text`, but only after `seconds` (longer than the client's time-out)."""
        return self.reply_text(text, delay=seconds)

    def error(self, status: int = 500, message: str = "The server had an error",
              code: str = "server_error", *, headers: dict[str, str] | None = None) -> FakeOpenAI:
        """An OpenAI-style error body with `status`."""
        return self.push(Behaviour.error(status, message, code, headers))


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A started fake OpenAI server on a free 127.0.0.1 port, stopped after the test.

    It does not switch model requests on: ask for `allow_model_requests` as well.
    """
    server = FakeOpenAI()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def allow_model_requests() -> Iterator[None]:
    """Let this test make network model calls (to the fake server), whatever the default."""
    with _allow():
        yield
