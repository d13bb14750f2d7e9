"""Errors as RFC 9457 problem+json. The only place that maps Companion errors to HTTP.

Every problem has a stable `type`: a URI reference `/problems/<slug>`, resolved against the
server that answered (e.g. `https://companion.example.org/problems/not-found`); a GET on it
answers the type's description. `PROBLEM_TYPES` is the whole list (docs/api.md shows it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from companion.api.auth import Denied, log_denial
from companion.errors import BadInputError, CompanionError, RateLimitedError
from companion.logs import current_request_id
from companion.services.paging import CURSOR_FIELD

log = logging.getLogger("companion.api")
PROBLEM = "application/problem+json"
#: Where problem types live, relative to the server (RFC 9457 allows relative references).
PROBLEM_BASE = "/problems/"


@dataclass(frozen=True)
class ProblemType:
    """One kind of problem: its `type` slug, its HTTP status, its title and when it
    happens."""

    slug: str
    status: int
    title: str
    when: str

    @property
    def uri(self) -> str:
        return PROBLEM_BASE + self.slug

    def json(self) -> dict[str, Any]:
        return {"type": self.uri, "status": self.status, "title": self.title,
                "when": self.when}


PROBLEM_TYPES: dict[str, ProblemType] = {t.slug: t for t in (
    ProblemType("bad-request", 400, "Bad request",
                "The request itself is malformed (e.g. a Content-Length that is not a "
                "number)."),
    ProblemType("unauthorized", 401, "Unauthorized",
                "No bearer token, or an unknown, revoked or expired one. The answer has "
                "WWW-Authenticate."),
    ProblemType("forbidden", 403, "Forbidden",
                "You may see this but not do this (e.g. a mentee deciding a pairing)."),
    ProblemType("not-found", 404, "Not found",
                "No such thing, or one you may not see (the two are indistinguishable)."),
    ProblemType("method-not-allowed", 405, "Method not allowed",
                "The path exists but not with this HTTP method."),
    ProblemType("conflict", 409, "Conflict",
                "The request conflicts with the current state: already decided, a "
                "duplicate name, a hard rule, an Idempotency-Key still in use."),
    ProblemType("stale-version", 409, "Conflict",
                "The version (body `version` or If-Match) is not the current one: someone "
                "changed it since you read it. Reload and decide again."),
    ProblemType("precondition-failed", 412, "Precondition failed",
                "Reserved: no operation answers it today. A decision's version may come "
                "from the body as well as If-Match, so a stale one is 409 stale-version."),
    ProblemType("payload-too-large", 413, "Request too large",
                "The body is larger than the limit (COMPANION_MAX_UPLOAD_BYTES for "
                "uploads)."),
    ProblemType("unsupported-media-type", 415, "Unsupported media type",
                "The body's Content-Type is not one the operation reads. The uploads "
                "answer 422 naming `content-type` instead, as they always have."),
    ProblemType("invalid-request", 422, "Invalid request",
                "A parameter or body field is invalid; `errors` names each `field` "
                "(`query.top`, `path.draft_id`, `header.If-Match`, `kind`, …)."),
    ProblemType("invalid-cursor", 422, "Invalid input",
                "The `cursor` was not the `next_cursor` of this list with these filters, or "
                "was changed; `errors` names `query.cursor`. Start again without it."),
    ProblemType("invalid-import", 422, "Invalid import",
                "A participant or organisation-chart file has invalid rows; nothing was "
                "imported and `errors` has each row and field."),
    ProblemType("precondition-required", 428, "Precondition required",
                "A decision without the version it was made on: send `version` in the body "
                "or an If-Match header."),
    ProblemType("rate-limited", 429, "Too many requests",
                "Too many requests of one kind; wait the Retry-After seconds."),
    ProblemType("internal-error", 500, "Internal error",
                "Something failed on the server; it was logged under `request_id`."),
    ProblemType("storage-error", 500, "Storage error",
                "The database failed in a way the request cannot fix."),
    ProblemType("configuration-error", 500, "Configuration error",
                "The server's settings or environment are wrong."),
    ProblemType("http-error", 0, "HTTP error",
                "Any other HTTP status without a type of its own (the status says which)."),
)}
#: The type of an HTTP status without a more precise one.
_BY_STATUS = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
              405: "method-not-allowed", 409: "conflict", 412: "precondition-failed",
              413: "payload-too-large", 415: "unsupported-media-type",
              422: "invalid-request", 428: "precondition-required", 429: "rate-limited",
              500: "internal-error"}


def problem_type(status: int, kind: str | None = None) -> str:
    """The `type` URI of a problem: `kind` when it is a listed one, else the status's."""
    slug = kind if kind in PROBLEM_TYPES else _BY_STATUS.get(status, "http-error")
    return PROBLEM_TYPES[slug].uri


def problem(status: int, title: str, detail: str, *, request_id: str | None = None,
            kind: str | None = None, **extra: Any) -> JSONResponse:
    body = {"type": problem_type(status, kind), "title": title, "status": status,
            "detail": detail, **extra}
    request_id = request_id or current_request_id()
    if request_id:  # what an operator greps the logs for when someone reports this answer
        body["request_id"] = request_id
    response = JSONResponse(body, status_code=status, media_type=PROBLEM)
    if request_id:
        response.headers["X-Request-ID"] = request_id
    return response


def install(app: FastAPI) -> None:
    """Register the handlers on `app`."""

    @app.exception_handler(CompanionError)
    async def _companion(request: Request, exc: CompanionError) -> JSONResponse:
        extra: dict[str, Any] = {}
        if isinstance(exc, BadInputError) and exc.field:
            extra["errors"] = [{"field": exc.field, "message": str(exc)}]
        detail = str(exc)
        if exc.http_status >= 500:
            # the full message names files and URLs for the operator: the log has it, the
            # client gets what the error says for clients (or a generic line)
            log.error("%s on %s %s: %s", type(exc).__name__, request.method, request.url.path,
                      exc)
            detail = getattr(exc, "public", None) or (
                "Something went wrong on our side; it has been logged.")
        kind = exc.kind
        if isinstance(exc, BadInputError) and exc.field == CURSOR_FIELD:
            kind = "invalid-cursor"
        response = problem(exc.http_status, exc.title, detail, kind=kind, **extra)
        if isinstance(exc, RateLimitedError):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(Denied)
    async def _denied(request: Request, exc: Denied) -> JSONResponse:
        from starlette.concurrency import run_in_threadpool

        from companion.api.deps import database_dep, settings_dep

        await run_in_threadpool(log_denial, database_dep(settings_dep()), request, exc)
        titles = {401: "Unauthorized", 403: "Forbidden", 404: "Not found"}
        response = problem(exc.status, titles.get(exc.status, "Denied"), exc.detail)
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_field_error(e) for e in exc.errors()]
        first = errors[0] if errors else {"field": "body", "message": "invalid request"}
        return problem(422, "Invalid request", f"{first['field']}: {first['message']}",
                       errors=errors)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized",
                  403: "Forbidden", 413: "Request too large", 428: "Precondition required",
                  400: "Bad request", 415: "Unsupported media type"}
        response = problem(exc.status_code, titles.get(exc.status_code, "HTTP error"),
                           str(exc.detail))
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        # served outside the request-id middleware: the id comes from the request's state
        return problem(500, "Internal error",
                       "Something went wrong on our side; it has been logged.",
                       request_id=getattr(request.state, "request_id", None))


def _field_error(error: dict[str, Any]) -> dict[str, Any]:
    """One validation error as {field, message}: a body field by its (dotted) name, a
    parameter with its location (`query.top`, `path.draft_id`, `header.If-Match`); a body that
    is not JSON at all is `body`, with where it broke (not the bare character offset)."""
    loc = [str(p) for p in error.get("loc") or ()]
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    if error.get("type") == "json_invalid":
        reason = (error.get("ctx") or {}).get("error")
        where = f" at character {loc[1]}" if len(loc) > 1 else ""
        return {"field": "body", "message": f"the body is not valid JSON{where}"
                + (f": {reason}" if reason else "")}
    return {"field": ".".join(p for p in loc if p != "body") or "body", "message": message}
