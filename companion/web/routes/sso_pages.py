"""Single sign-on pages: "Sign in with <provider>" sends the browser to the organisation's
OpenID Connect provider; its answer comes back to the callback, which starts a session or
says, on the sign-in page, why not. Every rule is `companion.services.sso`'s."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from companion.api.deps import DatabaseDep, SettingsDep
from companion.config import Settings
from companion.services import sso
from companion.web.render import flash, home_of, page
from companion.web.session import start_browser_session

router = APIRouter(include_in_schema=False)
FLOW_COOKIE = "companion_oidc"


@router.get("/sign-in/oidc/{name}", response_class=HTMLResponse)
def start(name: str, request: Request, db: DatabaseDep, settings: SettingsDep) -> Response:
    started = sso.begin(db, settings, name)
    if isinstance(started, sso.Refusal):
        return _refused(request, settings, started)
    response = RedirectResponse(started.url, status_code=303)
    _keep_flow(response, request, started.flow)
    return response


@router.get("/sign-in/oidc/{name}/callback", response_class=HTMLResponse)
def callback(name: str, request: Request, db: DatabaseDep, settings: SettingsDep,
             state: str | None = None, code: str | None = None, error: str | None = None,
             error_description: str | None = None) -> Response:
    done = sso.finish(db, settings, name, flow=request.cookies.get(FLOW_COOKIE),
                      state=state, code=code, error=error,
                      error_description=(error_description or "")[:200] or None)
    if isinstance(done, sso.ChooseHolder):
        response = page(request, "signin_choose.html", {"choice": done})
        _keep_flow(response, request, done.flow)
        return response
    return _outcome(request, settings, name, done)


@router.post("/sign-in/oidc/{name}/choose", response_class=HTMLResponse)
def chosen(name: str, request: Request, db: DatabaseDep, settings: SettingsDep,
           key: Annotated[str, Form()] = "", option: Annotated[str, Form()] = ""
           ) -> Response:
    done = sso.choose(db, settings, name, flow=request.cookies.get(FLOW_COOKIE), key=key,
                      option=int(option) if option.isdigit() else None)
    return _outcome(request, settings, name, done)


def _outcome(request: Request, settings: Settings, name: str,
             done: sso.SignedIn | sso.Refusal) -> Response:
    if isinstance(done, sso.Refusal):
        response = _refused(request, settings, done)
    else:
        response = RedirectResponse(home_of(done.session), status_code=303)
        start_browser_session(response, request, done.session, settings)
        flash(response, f"You are signed in with {settings.oidc[name].button}.")
    response.delete_cookie(FLOW_COOKIE, path=sso.FLOW_PATH)
    return response


def _keep_flow(response: Response, request: Request, flow: str) -> None:
    response.set_cookie(FLOW_COOKIE, flow, max_age=sso.FLOW_SECONDS, httponly=True,
                        samesite="lax", path=sso.FLOW_PATH,
                        secure=request.url.scheme == "https")


def _refused(request: Request, settings: Settings, refusal: sso.Refusal) -> Response:
    status = (404 if refusal.reason in sso.NOT_FOUND else 502 if refusal.reason in
              sso.UNAVAILABLE else 403 if refusal.reason in sso.NOT_ALLOWED else 400)
    return page(request, "signin.html", {"problem": refusal.message,
                                         "providers": sso.providers(settings)},
                status=status)
