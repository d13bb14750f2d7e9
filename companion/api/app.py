"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from companion import __version__
from companion.api import errors
from companion.api.limits import BodySizeLimit
from companion.api.routes import drafts, health, matching, people, programs
from companion.config import get_settings

API_PREFIX = "/api/v1"

DESCRIPTION = """Explained mentor matches and guideline-grounded drafts for leadership-mentoring
programs, with a human approving every output.

Authenticate with `Authorization: Bearer <token>`; tokens come from
`companion token create --participant ID --role mentee|mentor|coordinator|admin --program NAME`.
Errors are `application/problem+json` with the offending `field` in `errors`. Something you
may not see answers 404, exactly as if it did not exist. Decisions need the version they were
made on (`version` in the body, or `If-Match`); a stale one answers 409."""


def create_app() -> FastAPI:
    """A new app; settings and the database come in through dependencies."""
    app = FastAPI(
        title="Companion",
        version=__version__,
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/docs",
    )
    errors.install(app)
    for router in (health.router, people.router, programs.router, matching.router,
                   drafts.router):
        app.include_router(router, prefix=API_PREFIX)
    app.add_middleware(BodySizeLimit, upload_limit=get_settings().max_upload_bytes)
    return app
