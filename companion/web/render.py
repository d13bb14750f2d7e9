"""Pages: the Jinja2 environment, the layout's context (who is signed in, the navigation,
the CSRF token) and one-shot flash messages."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from companion.domain import AccessRole
from companion.services.web_auth import WebSession

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
FLASH = "companion_flash"

#: The navigation of each role: (label, path).
NAV: dict[str, list[tuple[str, str]]] = {
    "coordinator": [("Overview", "/coordinator"), ("Dashboard", "/coordinator/dashboard"),
                    ("Pairings", "/coordinator/pairings"), ("Sessions", "/coordinator/sessions"),
                    ("Check-ins", "/coordinator/checkins"), ("Closing", "/coordinator/closing"),
                    ("Assign", "/coordinator/assign"), ("Import", "/coordinator/import"),
                    ("Invite", "/coordinator/invite"), ("Drafts", "/coordinator/drafts"),
                    ("Audit log", "/coordinator/audit")],
    "mentee": [("Home", "/mentee"), ("Sessions", "/sessions"), ("Goals", "/goals"),
               ("Check-ins", "/checkins")],
    "mentor": [("Home", "/mentor"), ("Sessions", "/sessions"), ("Goals", "/goals"),
               ("Check-ins", "/checkins")],
}
NAV["admin"] = NAV["coordinator"]


def home_of(web: WebSession) -> str:
    role = web.principal.role
    if role in (AccessRole.coordinator, AccessRole.admin):
        return "/coordinator"
    return f"/{role.value}"


def page(request: Request, template: str, context: dict[str, Any] | None = None, *,
         status: int = 200, web: WebSession | None = None) -> HTMLResponse:
    """Render `template` in the layout for the signed-in person (or nobody)."""
    web = web or getattr(request.state, "web", None)
    flash = request.cookies.get(FLASH)
    data: dict[str, Any] = {
        "web": web, "me": web.principal if web else None,
        "nav": NAV.get(web.principal.role.value, []) if web else [],
        "csrf": web.csrf if web else "",
        "hx_headers": json.dumps({"X-CSRF-Token": web.csrf}) if web else "{}",
        "flash": _decode(flash), "path": request.url.path,
        **(context or {})}
    response = TEMPLATES.TemplateResponse(request, template, data, status_code=status)
    if flash:
        response.delete_cookie(FLASH, path="/")
    return response


def flash(response: Any, message: str, kind: str = "ok") -> Any:
    """A message for the next page (after a redirect), e.g. 'Pairing approved.'."""
    raw = json.dumps({"kind": kind, "message": message[:500]}).encode()
    response.set_cookie(FLASH, base64.urlsafe_b64encode(raw).decode(), max_age=60,
                        httponly=True, samesite="lax", path="/")
    return response


def _decode(raw: str | None) -> dict[str, str] | None:
    if not raw:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode()))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
