"""The FastAPI application factory."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi

from companion import __version__
from companion.api import errors, observability, scheduler
from companion.api.common import no_nul_characters
from companion.api.cors import ApiCors
from companion.api.limits import BodySizeLimit, JsonShapeLimit
from companion.api.observability import RequestContextMiddleware
from companion.api.routes import (
    calendar,
    drafts,
    goals,
    health,
    matching,
    oversight,
    people,
    problems,
    program_admin,
    programs,
    sessions,
)
from companion.api.schemas import Problem
from companion.config import get_settings
from companion.services.audit import audit_scope

API_PREFIX = "/api/v1"

DESCRIPTION = """Explained mentor matches and guideline-grounded drafts for leadership-mentoring
programs, with a human approving every output.

Authenticate with `Authorization: Bearer <token>`; tokens come from
`companion token create --participant ID --role mentee|mentor|coordinator|admin --program NAME`.
Errors are `application/problem+json` with the offending `field` in `errors`. Something you
may not see answers 404, exactly as if it did not exist. Decisions need the version they were
made on (`version` in the body, or `If-Match`); a stale one answers 409."""


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """`companion serve` sets COMPANION_WARMUP=1: the embedding model and the guideline index
    load in the background at start, so the first suggestion or draft does not wait ~10 s,
    and every program's profiles not yet read are read (services.preparation.prepare_all)."""
    nudging = sweeping = None
    if os.environ.get("COMPANION_WARMUP") == "1":
        threading.Thread(target=_warm_up, name="companion-warm-up", daemon=True).start()
        threading.Thread(target=_recover, name="companion-recover", daemon=True).start()
        nudging = _start_nudges()  # the scheduled `nudges run` (COMPANION_NUDGES_EVERY_MINUTES)
        sweeping = _start_sweeps()  # in-process drafting: orphaned drafts, every 30 s
    yield
    await scheduler.stop(nudging)
    await scheduler.stop(sweeping)


def _start_nudges() -> Any:
    from companion.api.deps import database_dep

    settings = get_settings()
    return scheduler.start(database_dep(settings), settings)


def _start_sweeps() -> Any:
    from companion.api.deps import database_dep

    settings = get_settings()
    return scheduler.start_sweeps(database_dep(settings), settings)


def _recover() -> None:
    """Have the drafts a crash interrupted written (each taken over by one process only):
    by this process's drafting threads, or queued for the workers."""
    try:
        from companion.api.deps import database_dep
        from companion.services.draft_jobs import sweep

        settings = get_settings()
        report = sweep(database_dep(settings), settings)
        if report.queued:
            logging.getLogger("companion.api").warning(
                "%d interrupted draft(s) queued again: %s", len(report.queued),
                ", ".join(report.queued))
    except Exception:  # the periodic sweep (or the next start) tries again
        logging.getLogger("companion.api").exception("draft recovery failed")


def _warm_up() -> None:
    try:
        from companion.embeddings import get_embedder
        from companion.retrieval import search

        settings = get_settings()
        embedder = get_embedder(settings)
        search(settings, embedder, "warm up", top=1)
        load = getattr(embedder, "load", None)  # the search's vector may have been cached
        if load is not None:
            load()
        from companion.api.deps import database_dep

        if settings.drafting == "in-process":  # this process writes drafts: its planner too
            from companion.services.draft_jobs import process_deps

            process_deps(database_dep(settings), settings)
        # programs imported with the CLI (or before a restart): their profiles are read now,
        # not inside the first request that matches them
        from companion.services.preparation import prepare_all

        prepare_all(database_dep(settings), embedder,
                    lock=settings.home / "cache" / "prepare.lock")
    except Exception:  # a failed warm-up only means a slower first request
        logging.getLogger("companion.api").warning("warm-up failed", exc_info=True)


class AuditScopeMiddleware:
    """One audit scope per request (plain ASGI, so every task and thread serving the request
    shares it): the token the caller authenticated with lands on every audit row."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with audit_scope():
            await self.app(scope, receive, send)


def create_app() -> FastAPI:
    """A new app; settings and the database come in through dependencies."""
    app = FastAPI(
        lifespan=_lifespan,
        title="Companion",
        version=__version__,
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/docs",
    )
    errors.install(app)
    for router in (health.router, people.router, programs.router, program_admin.router,
                   matching.router, drafts.router, sessions.router, calendar.router,
                   oversight.router):
        app.include_router(router, prefix=API_PREFIX,
                           dependencies=[Depends(no_nul_characters)])
    app.include_router(goals.router, prefix=API_PREFIX,  # goals and check-ins (issue 14)
                       dependencies=[Depends(no_nul_characters)])
    app.include_router(calendar.feed_router)  # /calendar/{secret}.ics: no token header
    app.include_router(observability.router)  # /metrics (COMPANION_METRICS_TOKEN)
    app.include_router(problems.router)  # /problems/<slug>: the problem `type` URIs
    # the last added runs first: sizes are checked before a body is buffered for its shape
    app.add_middleware(JsonShapeLimit)
    app.add_middleware(BodySizeLimit, upload_limit=get_settings().max_upload_bytes)
    app.add_middleware(RequestContextMiddleware)  # inside the audit scope: it names the token
    app.add_middleware(AuditScopeMiddleware)
    if get_settings().cors_origins:  # outermost: a preflight is answered before anything else
        app.add_middleware(ApiCors, origins=get_settings().cors_origins, prefix=API_PREFIX)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


#: Problem answers every authenticated operation may give, beside its own.
_PROBLEMS = {
    "400": "Malformed request (e.g. a Content-Length that is not a number)",
    "401": "Missing, unknown, revoked or expired bearer token",
    "403": "You may see this but not do this",
    "404": "Not found — or not yours to see (the two are indistinguishable)",
    "409": "Conflict with the current state (stale version, already decided, duplicate)",
    "413": "Request body too large",
    "422": "Invalid input; `errors` names each field",
}


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with every error documented as problem+json."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(title=app.title, version=app.version, description=app.description,
                           routes=app.routes)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema()
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in document.get("paths", {}).items():
        liveness = path.endswith(("/health", "/ready"))
        # no token: the problem types, and the calendar feed (its secret is in the URL)
        public = liveness or path.startswith(("/problems", "/calendar/"))
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code, description in _PROBLEMS.items():
                if public and code not in ("400", "413", "422") + (() if liveness
                                                                   else ("404",)):
                    continue
                entry = responses.setdefault(code, {"description": description})
                entry["content"] = problem
            _typed_responses(responses, problem)
            if path.endswith("/ready"):
                responses.setdefault("503", {"description": "Not ready"})
            if not public:
                operation.setdefault("security", [{"HTTPBearer": []}])
    app.openapi_schema = document
    return document


def _typed_responses(responses: dict[str, Any], problem: dict[str, Any]) -> None:
    """Every response with a body has its schema: a further success status (a replay's 200
    beside a 201) has the main success body; an error status named by one operation only
    (428, 429, …) is problem+json."""
    main = next((r["content"] for code, r in sorted(responses.items())
                 if code.startswith("2") and r.get("content")), None)
    for code, entry in responses.items():
        if entry.get("content") or code == "204":
            continue
        if code.startswith("2") and main is not None:
            entry["content"] = main
        elif code[0] in "45":
            entry["content"] = problem
