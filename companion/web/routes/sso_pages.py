"""Single sign-on pages: "Sign in with <provider>" sends the browser to the organisation's
OpenID Connect provider; its answer comes back to the callback, which starts a session or
says, on the sign-in page, why not. Every rule is `companion.services.sso`'s."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from companion.api.deps import DatabaseDep, SettingsDep
from companion.config import Settings
from companion.services import sso
from companion.web.render import flash, home_of, page
from companion.web.session import start_browser_session

router = APIRouter(include_in_schema=False)
FLOW_COOKIE = "companion_oidc"


@router.get("/sign-in/oidc/{name}", response_class=HTMLResponse)
def start(name: str, request: Request, settings: SettingsDep) -> Response:
    started = sso.begin(settings, name)
    if isinstance(started, sso.Refusal):
        return _refused(request, settings, started)
    response = RedirectResponse(started.url, status_code=303)
    response.set_cookie(FLOW_COOKIE, started.flow, max_age=sso.FLOW_SECONDS, httponly=True,
                        samesite="lax", path=sso.FLOW_PATH,
                        secure=request.url.scheme == "https")
    return response


@router.get("/sign-in/oidc/{name}/callback", response_class=HTMLResponse)
def callback(name: str, request: Request, db: DatabaseDep, settings: SettingsDep,
             state: str | None = None, code: str | None = None, error: str | None = None,
             error_description: str | None = None) -> Response:
    done = sso.finish(db, settings, name, flow=request.cookies.get(FLOW_COOKIE),
                      state=state, code=code, error=error,
                      error_description=(error_description or "")[:200] or None)
    if isinstance(done, sso.Refusal):
        response = _refused(request, settings, done)
    else:
        response = RedirectResponse(home_of(done.session), status_code=303)
        start_browser_session(response, request, done.session, settings)
        label = settings.oidc[name].button
        flash(response, f"You are signed in with {label}.")
    response.delete_cookie(FLOW_COOKIE, path=sso.FLOW_PATH)
    return response


def _refused(request: Request, settings: Settings, refusal: sso.Refusal) -> Response:
    status = (404 if refusal.reason in sso.NOT_FOUND else 502 if refusal.reason in
              sso.UNAVAILABLE else 403 if refusal.reason in sso.NOT_ALLOWED else 400)
    return page(request, "signin.html", {"problem": refusal.message,
                                         "providers": sso.providers(settings)},
                status=status)
