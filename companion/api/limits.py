"""Request size and shape limits, enforced before a body is read into memory or parsed."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
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
    from companion.api.errors import problem_type
    from companion.logs import current_request_id

    request_id = current_request_id()  # set by RequestContextMiddleware, which runs first
    body = json.dumps({"type": problem_type(status), "title": title, "status": status,
                       "detail": detail, **extra,
                       **({"request_id": request_id} if request_id else {})}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


#: JSON nesting no request needs (a draft's content is 4 levels deep); Python's parser recurses
#: and fails past ~1,000 levels, and anything deep is slow to validate and store.
MAX_JSON_DEPTH = 64
#: Digits in one JSON number: no field takes more than ~20; Python refuses to parse integers
#: of more than 4,300 digits, and shorter ones are already quadratic to convert.
MAX_NUMBER_DIGITS = 100

_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_LONG_NUMBER = re.compile(rb"\d{%d}" % (MAX_NUMBER_DIGITS + 1))


def json_shape_problem(body: bytes) -> str | None:
    """What makes `body` too deep or its numbers too long to parse safely, or None. Strings
    are skipped, so text that merely contains brackets or digits passes; a body that is not
    JSON at all is left to the parser to name."""
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH and not _LONG_NUMBER.search(body):
        return None  # the common case: two C-speed scans, no tokenising
    structure = _JSON_STRING.sub(b'""', body)
    if _LONG_NUMBER.search(structure):
        return (f"a number in the body has more than {MAX_NUMBER_DIGITS} digits; no field "
                "takes numbers that long")
    brackets = np.frombuffer(_NOT_BRACKET.sub(b"", structure), dtype=np.uint8)
    if len(brackets) > MAX_JSON_DEPTH:
        steps = np.where((brackets == ord("[")) | (brackets == ord("{")), 1, -1)
        if int(np.cumsum(steps).max()) > MAX_JSON_DEPTH:
            return (f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels; no request "
                    "needs more")
    return None


def _parsed_as_json(scope: Scope) -> bool:
    """Whether FastAPI (or the importer) will parse this request's body as JSON: no
    Content-Type, or any JSON media type (application/json, …+json, x-ndjson)."""
    for name, value in scope.get("headers") or []:
        if name == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return not media or b"json" in media
    return True


class JsonShapeLimit:
    """Answer 422 problem+json, naming the problem, when a JSON body nests deeper than
    `MAX_JSON_DEPTH` or holds a number of more than `MAX_NUMBER_DIGITS` digits — before any
    parser sees it (Python's recurses until RecursionError and refuses integers over 4,300
    digits, which surfaced as 400/500 answers naming nothing). Sits inside `BodySizeLimit`,
    so the body it buffers is already bounded."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS") \
                or not _parsed_as_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left: nothing to answer
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        found = json_shape_problem(body)
        if found is not None:
            await _problem(send, 422, "Invalid request", found,
                           errors=[{"field": "body", "message": found}])
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
