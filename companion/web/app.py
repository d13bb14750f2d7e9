"""The whole server `companion serve` runs: the HTTP API under /api/v1 and the web app at /."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from companion.api.app import _warm_up as warm_up
from companion.api.app import create_app as create_api
from companion.api.tracing import install_tracing
from companion.config import get_settings
from companion.logs import configure_logging
from companion.web import errors
from companion.web.routes import auth, coordinator, drafts_pages, participant
from companion.web.routes.closing_pages import router as closing_router
from companion.web.routes.goals_pages import router as goals_router
from companion.web.routes.invite import router as invite_router
from companion.web.routes.oversight_pages import router as oversight_router
from companion.web.routes.program_admin import router as program_admin_router
from companion.web.routes.sessions_pages import router as sessions_router
from companion.web.routes.sso_pages import router as sso_router

STATIC = Path(__file__).parent / "static"


def create_app() -> FastAPI:
    app = create_api()
    mount(app)
    return app


def create_server() -> FastAPI:
    """What `companion serve` runs in each worker process: logging as the settings say
    (COMPANION_LOG_FORMAT), then the whole app."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    if settings.warm_before_serving:  # uvicorn accepts requests only once this returns
        warm_up()
    app = create_app()
    install_tracing(app, settings)  # only with an OTLP endpoint configured
    return app


def mount(app: FastAPI) -> None:
    """Add the pages, their static files and their error pages to `app`."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # each audience's page module adds its router here
    for router in (auth.router, coordinator.router, participant.router, drafts_pages.router):
        app.include_router(router)
    app.include_router(invite_router)  # the coordinator's invitations (issue 11)
    app.include_router(program_admin_router)  # program settings and org chart (issue 13)
    app.include_router(sessions_router)  # sessions and calendar links (issue 14)
    app.include_router(oversight_router)  # dashboard, export, notices (issue 14)
    app.include_router(goals_router)  # goals and check-ins (issue 14)
    app.include_router(closing_router)  # ending pairings and withdrawals (issue 14)
    app.include_router(sso_router)  # single sign-on with OpenID Connect (issue 15)
    errors.install(app)
