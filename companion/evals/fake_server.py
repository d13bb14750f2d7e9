"""A small OpenAI-compatible chat server on 127.0.0.1, for replaying recorded model outputs
through the real litellm path and for trying the eval suite against a deliberately degraded
model.

Scripted answers are served first, in order; once the script is used up, an optional
`responder` answers from the request itself (the degraded modes below); without one the server
answers 500 with a note saying the script ran out.

Run a degraded model by hand (it prints the api_base to use)::

    python -m companion.evals.fake_server --mode weak --port 8765
    COMPANION_LLM_API_BASE=http://127.0.0.1:8765/v1 COMPANION_LLM_API_KEY=test \\
        companion eval --suite drafting --model openai/weak

Modes: `good` (the offline drafter behind HTTP), `weak` (valid JSON, thin and ungrounded),
`malformed` (chatty prose instead of JSON), `offtopic` (well-formed, grounded drafts about an
unrelated goal: they pass the agent's own checks, so only the eval notices).
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer: an HTTP status, the assistant text of a 200 answer (or a full error
    body), extra headers and a delay before answering."""

    status: int = 200
    content: str | None = None
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    @classmethod
    def error(cls, status: int, message: str, code: str,
              headers: dict[str, str] | None = None) -> Reply:
        """An OpenAI-style error answer."""
        body = {"error": {"message": message, "type": code, "param": None, "code": code}}
        return cls(status=status, body=body, headers=dict(headers or {}))


@dataclass
class Request:
    """What the server was sent."""

    path: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names

    @property
    def model(self) -> str:
        return str(self.body.get("model", ""))

    @property
    def messages(self) -> list[dict[str, Any]]:
        raw = self.body.get("messages")
        return [m for m in raw if isinstance(m, dict)] if isinstance(raw, list) else []


Responder = Callable[[Request], Reply]


class FakeOpenAIServer:
    """The server, its script of replies and everything it was sent."""

    def __init__(self, responder: Responder | None = None, *, port: int = 0) -> None:
        self.responder = responder
        self.requests: list[Request] = []
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True, name="companion-fake-openai")

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """The api_base to give litellm for `openai/<anything>` models."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def script(self, *replies: Reply) -> FakeOpenAIServer:
        """Queue replies for the next requests (after any still queued)."""
        with self._lock:
            self._script.extend(replies)
        return self

    def reset(self) -> None:
        """Forget the script and the recorded requests."""
        with self._lock:
            self._script.clear()
            self.requests.clear()

    def answer(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self._script:
                return self._script.popleft()
            number = len(self.requests)
        if self.responder is not None:
            return self.responder(request)
        return Reply.error(500, f"fake server: no scripted reply left for request {number}",
                           "unscripted")


def completion_body(request: Request, content: str) -> dict[str, Any]:
    """An OpenAI chat.completion body answering `request` with `content`."""
    prompt = sum(len(str(m.get("content", "")).split()) for m in request.messages)
    words = len(content.split())
    return {"id": f"chatcmpl-fake-{int(time.time() * 1000)}", "object": "chat.completion",
            "created": int(time.time()), "model": str(request.body.get("model", "")),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": words,
                      "total_tokens": prompt + words}}


def _handler_for(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # stay quiet
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                body = {}
            request = Request(self.path, body if isinstance(body, dict) else {},
                              {k.lower(): v for k, v in self.headers.items()})
            if self.path.rstrip("/").endswith("/chat/completions"):
                reply = server.answer(request)
            else:
                reply = Reply.error(404, f"only /v1/chat/completions is served, not "
                                         f"{self.path}", "not_found")
            if reply.delay:
                time.sleep(reply.delay)
            payload = reply.body if reply.status != 200 else completion_body(
                request, reply.content or "")
            data = json.dumps(payload).encode()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a time-out); nothing to answer

    return Handler


# --- degraded models ------------------------------------------------------------------------

_CONTEXT = re.compile(r"```json context[ \t]*\n(.*?)\n[ \t]*```", re.S)
#: What the `offtopic` model writes about instead of the requester's goals.
OFFTOPIC_GOAL = ("Learn to prepare a quarterly budget forecast and explain spreadsheet variances "
                 "to the finance committee")


def _context(request: Request) -> dict[str, Any]:
    users = [m for m in request.messages if m.get("role") == "user"]
    found = _CONTEXT.findall(str(users[-1].get("content", ""))) if users else []
    try:
        data = json.loads(found[-1]) if found else {}
    except json.JSONDecodeError:
        data = {}
    return data if isinstance(data, dict) else {}


def weak_answer(request: Request) -> Reply:
    """Valid JSON in roughly the right shape, but thin, vague and ungrounded: one-line items,
    goals without real dates, a citation of a passage nobody retrieved."""
    kind = _context(request).get("kind", "questions")
    content: dict[str, Any]
    if kind == "goals":
        content = {"goals": [{"statement": "Be better", "specific": "Improve", "measurable":
                              "Feel better", "achievable": "Yes", "relevant": "Yes",
                              "time_bound": "soon", "evaluated": [], "readjusted": "TBD"}]}
    elif kind == "agenda":
        content = {"title": "Meeting", "phase": "development", "duration_minutes": 60,
                   "items": [{"topic": "Chat", "minutes": 30, "purpose": "Talk"}],
                   "preparation": []}
    elif kind == "framework":
        content = {"name": "Talk", "situation": "Any", "steps": [
            {"stage": "Start", "prompts": ["Talk"]}], "pitfalls": []}
    else:
        content = {"questions": [{"text": "How are you?", "purpose": "Chat"}]}
    citations = [{"passage_id": "knowledge/leadership.md#tips", "source": "knowledge/leadership.md",
                  "heading": "Tips", "excerpt": "Be a good leader."}]
    return Reply(content=json.dumps({"content": content, "citations": citations}))


def malformed_answer(request: Request) -> Reply:
    """Prose instead of the JSON object the prompt asks for."""
    kind = _context(request).get("kind", "draft")
    return Reply(content=f"Sure! Here is a great {kind} for you:\n\n1. Talk about goals\n"
                         "2. Discuss next steps\n\nLet me know if you need anything else!")


def good_answer(request: Request) -> Reply:
    """The offline grounded drafter, served over HTTP."""
    from companion.llm.offline.draft import draft

    return Reply(content=draft(request.messages))


def offtopic_answer(request: Request) -> Reply:
    """A grounded, well-formed draft about an unrelated goal (budget forecasting): it passes the
    agent's own checks, and only an eval that reads what was asked for catches it."""
    from companion.llm.offline.draft import draft

    context = _context(request)
    if not context:
        return malformed_answer(request)
    requester = dict(context.get("requester") or {})
    requester["goals"] = [OFFTOPIC_GOAL]
    # without the plan, which was made for what was really asked
    context = {**context, "requester": requester, "topic": OFFTOPIC_GOAL, "plan": {}}
    messages = [{"role": "user", "content": "```json context\n" + json.dumps(context) + "\n```"}]
    return Reply(content=draft(messages))


MODES: dict[str, Responder] = {"good": good_answer, "weak": weak_answer,
                               "malformed": malformed_answer, "offtopic": offtopic_answer}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m companion.evals.fake_server",
        description="An OpenAI-compatible fake model on 127.0.0.1 for trying `companion eval`.")
    parser.add_argument("--mode", choices=sorted(MODES), default="weak")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    server = FakeOpenAIServer(MODES[args.mode], port=args.port).start()
    print(f"fake model ({args.mode}) at {server.base_url} — use it with\n"
          f"  COMPANION_LLM_API_BASE={server.base_url} COMPANION_LLM_API_KEY=test "
          f"companion eval --suite drafting --model openai/{args.mode}\n"
          "Ctrl-C stops it.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
