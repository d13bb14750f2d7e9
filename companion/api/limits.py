"""Request size limits, enforced before a body is read into memory."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Bodies other than file uploads are small JSON documents.
JSON_BODY_LIMIT = 1024 * 1024


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    """Answer 413 problem+json when a body is larger than allowed: uploads (paths ending in
    /import) up to `upload_limit`, everything else up to `JSON_BODY_LIMIT`. The declared
    Content-Length is checked first; a chunked body is counted as it streams in."""

    def __init__(self, app: ASGIApp, upload_limit: int) -> None:
        self.app = app
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = (self.upload_limit if scope["path"].rstrip("/").endswith("/import")
                 else min(JSON_BODY_LIMIT, self.upload_limit))
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await _problem(send, 400, "Bad request", "Content-Length is not a number")
                return
            if size > limit:
                await _problem(send, 413, "Request too large",
                               f"the body is {size} bytes; at most {limit} bytes are accepted "
                               "here")
                return
        seen = 0
        started = False
        too_large = False

        async def counted() -> Message:
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    too_large = True
                    raise _TooLarge
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if too_large and not started:
                # The app may turn the cut-off body into its own answer (FastAPI answers 400
                # "error parsing the body", a form parser a 422): the answer is still 413.
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except Exception:
            if not too_large:
                raise
        if too_large and not started:
            await _problem(send, 413, "Request too large",
                           f"the body is larger than {limit} bytes, the most accepted here")


async def _problem(send: Send, status: int, title: str, detail: str, **extra: Any) -> None:
    body = json.dumps({"type": "about:blank", "title": title, "status": status,
                       "detail": detail, **extra}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
