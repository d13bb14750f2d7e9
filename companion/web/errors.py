"""Errors on pages: a plain-language page, never a stack trace or a JSON problem. Something a
person may not see looks exactly like something missing (and is recorded as a denial)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from companion.api.auth import log_denial
from companion.api.deps import database_dep, settings_dep
from companion.errors import AccessDenied, BadInputError, CompanionError
from companion.services.web_auth import session_of
from companion.web.render import page
from companion.web.session import COOKIE, SignInRequired

log = logging.getLogger("companion.web")
_API = ("/api/", "/docs", "/openapi")


def install(app: FastAPI) -> None:
    """Wrap the API's handlers: paths of the API keep problem+json, pages get pages."""
    handlers = dict(app.exception_handlers)

    async def sign_in(request: Request, exc: Exception) -> Response:
        return RedirectResponse("/sign-in", status_code=303)

    app.add_exception_handler(SignInRequired, sign_in)
    for kind, api_handler in handlers.items():
        app.add_exception_handler(kind, _wrap(api_handler))


def _wrap(api_handler: Any) -> Any:
    async def handler(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(_API):
            return await api_handler(request, exc)
        return await error_page(request, exc)
    return handler


async def error_page(request: Request, exc: Exception) -> Response:
    from starlette.concurrency import run_in_threadpool

    if getattr(request.state, "web", None) is None:  # a page no route matched: still signed in
        web = await run_in_threadpool(session_of, database_dep(settings_dep()),
                                      request.cookies.get(COOKIE))
        if web is not None:
            request.state.web = web

    if isinstance(exc, AccessDenied):
        await run_in_threadpool(log_denial, database_dep(settings_dep()), request, exc)
        if exc.status == 404:
            return _missing(request)
        return page(request, "error.html", {"title": "Not allowed", "message": exc.detail},
                    status=exc.status)
    if isinstance(exc, HTTPException):
        if exc.status_code == 404:
            return _missing(request)
        return page(request, "error.html", {"title": "Something is off",
                                            "message": str(exc.detail)},
                    status=exc.status_code)
    if isinstance(exc, CompanionError) and exc.http_status < 500:
        title = "Please check" if isinstance(exc, BadInputError) else exc.title
        return page(request, "error.html", {"title": title, "message": str(exc)},
                    status=exc.http_status)
    if isinstance(exc, CompanionError):
        log.error("%s on %s: %s", type(exc).__name__, request.url.path, exc)
        return page(request, "error.html", {
            "title": "Not available right now",
            "message": "Companion cannot do this right now. Try again in a moment; if it "
                       "keeps happening, tell your program's coordinator."}, status=503)
    log.exception("unexpected error on %s", request.url.path, exc_info=exc)
    return page(request, "error.html", {
        "title": "Something went wrong", "message": "Something went wrong on our side; it "
        "has been logged. Try again, or go back to your start page."}, status=500)


def _missing(request: Request) -> Response:
    return page(request, "error.html", {
        "title": "Not found", "message": "There is nothing here — or nothing you can see. "
        "Check the link, or go back to your start page."}, status=404)
