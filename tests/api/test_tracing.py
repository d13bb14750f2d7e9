"""Optional OpenTelemetry tracing: off without an endpoint; on, one span per request named by
the route template, with the request id and no ids, questions or tokens from the request."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from companion.api.app import create_app
from companion.api.tracing import install_tracing
from companion.config import get_settings
from tests.api.conftest import World

pytest.importorskip("opentelemetry.instrumentation.fastapi")
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # noqa: E402
    InMemorySpanExporter,
)


def test_tracing_is_off_without_an_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                 "COMPANION_OTEL_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    assert install_tracing(create_app(), get_settings()) is False


def test_a_request_is_one_span_with_its_route_and_request_id_and_no_personal_data(
        world: World) -> None:
    exporter = InMemorySpanExporter()
    app = create_app()
    assert install_tracing(app, get_settings(), exporter=exporter)
    draft_id = world.drafts["pending"]  # e1's own, waiting for their review
    with TestClient(app) as client:
        response = client.get(f"/api/v1/drafts/{draft_id}?q=Ella%20Acme",
                              headers={**world.headers("e1"), "X-Request-ID": "trace-me-1"})
    assert response.status_code == 200
    servers = [s for s in exporter.get_finished_spans() if s.kind.name == "SERVER"]
    assert len(servers) == 1
    span = servers[0]
    assert span.name == "GET /api/v1/drafts/{draft_id}"
    attributes = dict(span.attributes or {})
    assert attributes["companion.request_id"] == "trace-me-1"
    assert attributes.get("http.route") == "/api/v1/drafts/{draft_id}"
    # the raw path and query the instrumentation records are replaced by the template
    assert attributes.get("http.target", attributes.get("url.path")) == \
        "/api/v1/drafts/{draft_id}"
    shown = " ".join(str(v) for s in exporter.get_finished_spans()
                     for v in (s.attributes or {}).values())
    for secret in (draft_id, "Ella", world.tokens["e1"], "e1"):
        assert secret not in shown, secret
