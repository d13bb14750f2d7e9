"""The problem types: each problem's `type` URI (`/problems/<slug>`) answers what it means,
as JSON, or as a short page for a browser."""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse

from companion.api.errors import PROBLEM_TYPES
from companion.api.schemas import Open
from companion.errors import NotFoundError

router = APIRouter(tags=["problem types"])


class ProblemTypeOut(Open):
    type: str
    status: int
    title: str
    when: str


class ProblemTypesOut(Open):
    problem_types: list[ProblemTypeOut]


@router.get("/problems", response_model=ProblemTypesOut,
            summary="Every problem type the API answers with (public)")
def problem_types() -> dict[str, object]:
    return {"problem_types": [t.json() for t in PROBLEM_TYPES.values()]}


@router.get("/problems/{slug}", response_model=ProblemTypeOut,
            responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
            summary="What one problem type means (JSON; a page when the client asks for "
                    "text/html)")
def problem_type(slug: Annotated[str, PathParam(min_length=1, max_length=64)],
                 request: Request) -> Response:
    found = PROBLEM_TYPES.get(slug)
    if found is None:
        raise NotFoundError(f"no problem type '{slug}'; GET /problems lists them")
    accept = request.headers.get("accept", "")
    if "text/html" in accept and "json" not in accept:
        status = f"{found.status}" if found.status else "any other status"
        return HTMLResponse(
            f"<!doctype html><html lang=en><meta charset=utf-8><title>{escape(found.title)}"
            f"</title><h1>{escape(found.title)}</h1><p><code>{escape(found.uri)}</code> — "
            f"HTTP {status}</p><p>{escape(found.when)}</p>"
            "<p><a href=\"/problems\">All problem types</a></p></html>")
    return JSONResponse(found.json())
