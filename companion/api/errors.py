"""Errors as RFC 9457 problem+json. The only place that maps Companion errors to HTTP."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from companion.api.auth import Denied, log_denial
from companion.errors import BadInputError, CompanionError, RateLimitedError
from companion.logs import current_request_id

log = logging.getLogger("companion.api")
PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str, *, request_id: str | None = None,
            **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
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
        response = problem(exc.http_status, exc.title, detail, **extra)
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
