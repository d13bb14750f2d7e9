"""Request ids, the access log and the Prometheus `/metrics` page."""

from __future__ import annotations

import hmac
import logging
import re
import time
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector
from starlette.concurrency import run_in_threadpool

from companion.api.auth import Denied
from companion.api.deps import DatabaseDep, SettingsDep
from companion.logs import RequestContext, request_context
from companion.metrics import REQUEST_LATENCY, multiprocess_dir
from companion.services.audit import current_audit_scope
from companion.services.stats import draft_counts

if TYPE_CHECKING:
    from companion.store import Database

HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
access_log = logging.getLogger("companion.access")


def request_id_from(value: str | None) -> str:
    """The caller's id when it is a sane token, else a new one (never a caller's junk)."""
    if value and _SANE_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def route_template(scope: dict[str, Any]) -> str:
    """The matched route's template (`/api/v1/drafts/{draft_id}`), never the raw path: ids
    stay out of labels and logs. Unmatched paths share one label."""
    route = scope.get("route")
    template, regex = getattr(route, "path", None), getattr(route, "path_regex", None)
    if not isinstance(template, str) or not template:
        return "unmatched"
    # an included router's route knows its path without the router's prefix (`/api/v1`); the
    # prefix is what the request path has before the part the route matched
    path = str(scope.get("path", ""))
    if regex is not None and not regex.match(path):
        for at in (i for i, char in enumerate(path) if char == "/" and i > 0):
            if regex.match(path[at:]):
                return path[:at] + template
    return template


class RequestContextMiddleware:
    """Gives every HTTP request an id (answered in `X-Request-ID`, on every problem body and
    on every log line), times it for the latency histogram and writes one access line.
    Runs inside the audit scope, so it can name the principal by its opaque token id."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        incoming = headers.get(HEADER.lower().encode("latin-1"))
        request_id = request_id_from(incoming.decode("latin-1") if incoming else None)
        scope.setdefault("state", {})["request_id"] = request_id
        audit = current_audit_scope()
        context = RequestContext(request_id, lambda: audit.token_id if audit else None)
        status = 500
        raw_id = request_id.encode("latin-1")

        async def send_with_id(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*(h for h in message.get("headers", [])
                                        if h[0].lower() != b"x-request-id"),
                                      (b"x-request-id", raw_id)]
            await send(message)

        started = time.perf_counter()
        with request_context(context):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                elapsed = time.perf_counter() - started
                route = route_template(scope)
                REQUEST_LATENCY.labels(route, scope["method"], f"{status // 100}xx").observe(
                    elapsed)
                access_log.info("%s %s %d", scope["method"], route, status, extra={
                    "method": scope["method"], "route": route, "status": status,
                    "duration_ms": round(elapsed * 1000, 2)})


class DraftsCollector(Collector):
    """Drafts by status and the drafting queue's depth, counted in the database at scrape
    time (one GROUP BY on an indexed column)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterable[Metric]:
        counts = draft_counts(self.db)
        drafts = GaugeMetricFamily("companion_drafts", "Drafts by status.", labels=["status"])
        for status, count in sorted(counts.items()):
            drafts.add_metric([status], count)
        yield drafts
        yield GaugeMetricFamily("companion_queue_depth",
                                "Drafts waiting for or being written by the agent.",
                                value=counts.get("drafting", 0))


router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, settings: SettingsDep, db: DatabaseDep) -> Response:
    """Prometheus text format. With `COMPANION_METRICS_TOKEN` set, the scraper must send it
    as a bearer token."""
    if settings.metrics_token is not None:
        expected = settings.metrics_token.get_secret_value()
        given = request.headers.get("authorization", "")
        scheme, _, token = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
                token.strip().encode(), expected.encode()):
            raise Denied(401, "the metrics need 'Authorization: Bearer <COMPANION_METRICS_TOKEN>'",
                         reason="bad metrics token",
                         headers={"WWW-Authenticate": 'Bearer realm="companion-metrics"'})
    return Response(await run_in_threadpool(_exposition, db), media_type=CONTENT_TYPE_LATEST)


def _exposition(db: Database) -> bytes:
    scrape = CollectorRegistry()
    scrape.register(DraftsCollector(db))
    folder = multiprocess_dir()
    if folder:
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(scrape, path=folder)
        return generate_latest(scrape)
    return generate_latest(REGISTRY) + generate_latest(scrape)
