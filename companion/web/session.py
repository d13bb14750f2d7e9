"""The signed-in browser: its session cookie, the principal it speaks for, and CSRF checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from companion.api.deps import DatabaseDep
from companion.config import Settings
from companion.errors import AccessDenied
from companion.services.audit import current_audit_scope
from companion.services.web_auth import WebSession, csrf_ok, session_of

COOKIE = "companion_session"


def start_browser_session(response: Response, request: Request, web: WebSession,
                          settings: Settings) -> None:
    """Give the browser its session cookie (HttpOnly, SameSite=Lax, Secure over https)."""
    response.set_cookie(COOKIE, web.secret, max_age=settings.session_hours * 3600,
                        httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https")


class SignInRequired(Exception):
    """No live session: the page sends the person to sign in (a redirect, never a 401 body)."""


def current_session(request: Request, db: DatabaseDep) -> WebSession | None:
    web = session_of(db, request.cookies.get(COOKIE))
    if web is not None:
        request.state.principal = web.principal  # what the denial log records
        request.state.web = web
        scope = current_audit_scope()
        if scope is not None:  # every audited action of this request records the session
            scope.token_id = web.principal.token_id
    return web


def signed_in(web: Annotated[WebSession | None, Depends(current_session)]) -> WebSession:
    if web is None:
        raise SignInRequired
    return web


MaybeSession = Annotated[WebSession | None, Depends(current_session)]
Session = Annotated[WebSession, Depends(signed_in)]


async def csrf_protected(request: Request, web: Session) -> WebSession:
    """Every state-changing request carries the session's CSRF token: a form field
    `csrf_token` or, from htmx, the `X-CSRF-Token` header."""
    token = request.headers.get("x-csrf-token")
    if token is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        token = str((await request.form()).get("csrf_token") or "") or None
    if not csrf_ok(web.secret, token):
        raise AccessDenied(403, "this form has expired or did not come from this site: "
                           "reload the page and try again", reason="bad CSRF token",
                           program=web.principal.program)
    return web


Posted = Annotated[WebSession, Depends(csrf_protected)]
