"""Signing in with a one-time link, signing out, and the home page that sends each person to
their own start page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from companion.api.deps import DatabaseDep, SettingsDep
from companion.services.web_auth import end_session, use_link
from companion.web.render import flash, home_of, page
from companion.web.session import COOKIE, MaybeSession, Posted

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, web: MaybeSession) -> Response:
    if web is None:
        return page(request, "signin.html")
    return RedirectResponse(home_of(web), status_code=303)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request) -> Response:
    return page(request, "signin.html")


@router.get("/sign-in/{secret}", response_class=HTMLResponse)
def sign_in(secret: str, request: Request, db: DatabaseDep, settings: SettingsDep) -> Response:
    web = use_link(db, settings, secret)
    if web is None:
        return page(request, "signin.html", {"problem": "This sign-in link does not work: "
                                             "it was used already or has expired. Ask your "
                                             "program's coordinator for a new one."},
                    status=400)
    response = RedirectResponse(home_of(web), status_code=303)
    response.set_cookie(COOKIE, web.secret, max_age=settings.session_hours * 3600,
                        httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https")
    return flash(response, "You are signed in.")


@router.post("/sign-out")
def sign_out(request: Request, web: Posted, db: DatabaseDep) -> Response:
    end_session(db, web.secret)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return flash(response, "You are signed out.")
