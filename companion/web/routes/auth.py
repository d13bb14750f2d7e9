"""Signing in with a one-time link, signing out, and the home page that sends each person to
their own start page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from companion.api.deps import DatabaseDep, SettingsDep
from companion.config import Settings
from companion.services.sso import providers
from companion.services.web_auth import end_session, use_link
from companion.web.render import flash, home_of, page
from companion.web.session import COOKIE, MaybeSession, Posted, start_browser_session

router = APIRouter(include_in_schema=False)


def _sign_in_page(request: Request, settings: Settings, problem: str | None = None,
                  status: int = 200) -> Response:
    return page(request, "signin.html", {"problem": problem,
                                         "providers": providers(settings)}, status=status)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, web: MaybeSession, settings: SettingsDep) -> Response:
    if web is None:
        return _sign_in_page(request, settings)
    return RedirectResponse(home_of(web), status_code=303)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, settings: SettingsDep) -> Response:
    return _sign_in_page(request, settings)


@router.get("/sign-in/{secret}", response_class=HTMLResponse)
def sign_in(secret: str, request: Request, db: DatabaseDep, settings: SettingsDep) -> Response:
    web = use_link(db, settings, secret)
    if web is None:
        return _sign_in_page(request, settings, "This sign-in link does not work: it was "
                             "used already or has expired. Ask your program's coordinator "
                             "for a new one.", status=400)
    response = RedirectResponse(home_of(web), status_code=303)
    start_browser_session(response, request, web, settings)
    return flash(response, "You are signed in.")


@router.post("/sign-out")
def sign_out(request: Request, web: Posted, db: DatabaseDep) -> Response:
    end_session(db, web.secret)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return flash(response, "You are signed out.")
