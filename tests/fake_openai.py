"""A tiny OpenAI-compatible chat server on 127.0.0.1 for testing the litellm path offline.

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
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from companion.llm.base import allow_model_requests as _allow


@dataclass
class Behaviour:
    """One scripted answer: an HTTP status, a body, extra headers and a delay before it."""

    status: int = 200
    content: str | None = None  # the assistant message text of a 200 answer
    body: dict[str, Any] | None = None  # a full JSON body (errors)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class RecordedRequest:
    """What the server was sent."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def model(self) -> str:
        return str(self.body.get("model", ""))


class FakeOpenAI:
    """The server and its queue of behaviours; an empty queue answers 500 with a clear note."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._queue: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True, name="fake-openai")

    # --- lifecycle ---------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """The api_base to give litellm (`openai/<anything>` models)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- scripting (each returns self, so calls chain) ----------------------------------------
    def push(self, behaviour: Behaviour) -> FakeOpenAI:
        with self._lock:
            self._queue.append(behaviour)
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
        body = {"error": {"message": message, "type": code, "param": None, "code": code}}
        return self.push(Behaviour(status=status, body=body, headers=dict(headers or {})))

    # --- serving -----------------------------------------------------------------------------
    def _next(self, request: RecordedRequest) -> Behaviour:
        with self._lock:
            self.requests.append(request)
            if self._queue:
                return self._queue.popleft()
        return Behaviour(status=500, body={"error": {
            "message": f"fake_openai: no scripted behaviour left for request "
                       f"{len(self.requests)}", "type": "server_error", "code": "unscripted"}})

    def completion_body(self, request: RecordedRequest, content: str) -> dict[str, Any]:
        words = sum(len(str(m.get("content", "")).split())
                    for m in request.body.get("messages", []))
        return {
            "id": f"chatcmpl-fake-{len(self.requests)}", "object": "chat.completion",
            "created": int(time.time()), "model": request.model,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": words, "completion_tokens": len(content.split()),
                      "total_tokens": words + len(content.split())},
        }


def _handler_for(server: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                body = {"_raw": raw.decode("utf-8", "replace")}
            request = RecordedRequest(self.path, {k.lower(): v for k, v in self.headers.items()},
                                      body)
            if self.path.rstrip("/").endswith("/chat/completions"):
                behaviour = server._next(request)
            else:
                behaviour = Behaviour(status=404, body={"error": {
                    "message": f"fake_openai serves only /v1/chat/completions, not {self.path}",
                    "type": "invalid_request_error", "code": "not_found"}})
            if behaviour.delay:
                time.sleep(behaviour.delay)
            payload = behaviour.body if behaviour.status != 200 else \
                server.completion_body(request, behaviour.content or "")
            data = json.dumps(payload).encode()
            try:
                self.send_response(behaviour.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in behaviour.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a time-out test); nothing to answer

    return Handler


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A started fake OpenAI server on a free 127.0.0.1 port, stopped after the test.

    It does not switch model requests on: ask for `allow_model_requests` as well.
    """
    server = FakeOpenAI().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def allow_model_requests() -> Iterator[None]:
    """Let this test make network model calls (to the fake server), whatever the default."""
    with _allow():
        yield
