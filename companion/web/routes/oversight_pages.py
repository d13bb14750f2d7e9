"""The coordinator's dashboard (figures, bar charts drawn as inline SVG on the server, the
HR export's downloads) and a participant's notices (mark read). Access is
`services.oversight_views`'."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from companion.api.deps import DatabaseDep
from companion.domain import AccessRole
from companion.errors import BadInputError
from companion.services import oversight_views as views
from companion.web.render import flash, home_of, page
from companion.web.routes.coordinator import Program, _ctx, _overseer
from companion.web.session import Posted, Session

router = APIRouter(include_in_schema=False)
coordinator = APIRouter(prefix="/coordinator", include_in_schema=False,
                        dependencies=[Depends(_overseer)])
_MEDIA = {"csv": "text/csv; charset=utf-8",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
HEALTH_LABELS = {"too_early": "Too early", "on_track": "On track",
                 "needs_checkin": "Needs a check-in", "at_risk": "At risk"}


def bars(items: list[tuple[str, float, str]], *, width: int = 420, row: int = 26
         ) -> dict[str, Any]:
    """A horizontal bar chart's geometry: (label, value, shown value) → rows with x/y/width
    for an inline SVG (no script, readable by screen readers via the table next to it)."""
    top = max((v for _, v, _ in items), default=0) or 1
    label_w, bar_w = 150, width - 150 - 60
    return {"width": width, "height": row * len(items) + 4, "label_w": label_w,
            "rows": [{"label": label, "shown": shown, "y": i * row + 2,
                      "w": round(bar_w * value / top, 1)} for i, (label, value, shown)
                     in enumerate(items)]}


@coordinator.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, web: Session, db: DatabaseDep, name: Program
                   ) -> Response:
    board = views.dashboard_as(db, web.principal, name)
    months = bars([(m.month, m.per_pair, f"{m.per_pair:g} ({m.held})")
                   for m in board.months[-12:]])
    health = bars([(HEALTH_LABELS[k], v, str(v)) for k, v in board.pairs_by_health.items()])
    return page(request, "coordinator/dashboard.html", _ctx(
        web, name, board=board, months=months, health=health, labels=HEALTH_LABELS))


@coordinator.get("/export.{fmt}")
def export(fmt: Annotated[str, Path(max_length=8)], web: Session, db: DatabaseDep,
           name: Program) -> Response:
    if fmt not in _MEDIA:
        raise BadInputError("export as .csv or .xlsx", field="format")
    content = views.export_as(db, web.principal, name, fmt)
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "program"
    return Response(content, media_type=_MEDIA[fmt], headers={
        "Content-Disposition": f'attachment; filename="{slug}-pairings.{fmt}"'})


@router.post("/notifications/{notice_id}/read")
def mark_read(notice_id: Annotated[int, Path(ge=1, le=2**62)], web: Posted, db: DatabaseDep,
              back: Annotated[str, Form(max_length=200)] = "") -> Response:
    principal = web.principal
    if principal.program is None:
        raise BadInputError("notifications belong to a program", field="program")
    views.mark_read_as(db, principal, principal.program, notice_id)
    target = back if back.startswith("/") and not back.startswith("//") else home_of(web)
    if principal.role in (AccessRole.coordinator, AccessRole.admin):
        target = "/coordinator"
    return flash(RedirectResponse(target, status_code=303), "Marked as read.")


router.include_router(coordinator)
