"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from companion import __version__
from companion.api import errors
from companion.api.routes import health

API_PREFIX = "/api/v1"


def create_app() -> FastAPI:
    """A new app; settings and the database come in through dependencies."""
    app = FastAPI(
        title="Companion",
        version=__version__,
        description="Explained mentor matches and guideline-grounded drafts for "
        "leadership-mentoring programs, with a human approving every output.",
        openapi_url=f"{API_PREFIX}/openapi.json",
    )
    errors.install(app)
    app.include_router(health.router, prefix=API_PREFIX)
    return app
