"""Observability: request ids on every answer and log line, JSON logs without personal data,
and Prometheus metrics at /metrics (latency by route template, drafts, model calls)."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest

from companion.config import get_settings
from companion.logs import JsonFormatter
from tests.api.conftest import World
from tests.api.helpers import P, assert_problem, get, ok, post


def test_a_request_id_is_made_and_echoed(world: World) -> None:
    made = get(world, "e1", "/me")
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])
    other = get(world, "e1", "/me")
    assert other.headers["X-Request-ID"] != made.headers["X-Request-ID"]
    echoed = get(world, "e1", "/me", headers={"X-Request-ID": "lb-1234.abc_Z"})
    assert echoed.headers["X-Request-ID"] == "lb-1234.abc_Z"


@pytest.mark.parametrize("bad", ["a" * 65, "has space", "semi;colon", "<script>", "ünï"])
def test_a_bad_incoming_id_is_replaced(world: World, bad: str) -> None:
    response = world.client.get(P + "/health", headers={"X-Request-ID": bad.encode()})
    assert response.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_a_problem_body_carries_the_request_id(world: World) -> None:
    response = get(world, "e1", "/drafts/no-such-draft", headers={"X-Request-ID": "trace-404"})
    body = assert_problem(response, 404)
    assert body["request_id"] == "trace-404" == response.headers["X-Request-ID"]
    unknown = world.client.get("/no/such/page/at/all", headers={"Accept": "application/json"})
    assert unknown.headers["X-Request-ID"]


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Everything logged during the test, as the JSON formatter writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    # the test client's own loggers (httpx) write the URL it requested: they are not the server
    handler.addFilter(lambda record: not record.name.startswith(("httpx", "httpcore")))
    root, access = logging.getLogger(), logging.getLogger("companion.access")
    levels = root.level, access.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    access.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        access.setLevel(levels[1])


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_json_access_line_has_the_fields_and_no_personal_data(world: World,
                                                              json_log: io.StringIO) -> None:
    csv = ("id,name,role,email,goals,organization\n"
           "pid-secret-77,Zelda Secretname,mentee,zelda.secret@example.org,Grow,Acme\n"
           "pid-secret-78,,mentee,nameless.secret@example.org,Grow,Acme\n")  # a row error
    response = post(world, "coord", "/programs/Pilot/participants/import?skip_invalid=true",
                    content=csv.encode(), headers={"Content-Type": "text/csv",
                                                   "X-Request-ID": "import-1"})
    assert response.status_code < 300, response.text
    get(world, "coord", "/participants/pid-secret-77/calendar-token")
    get(world, "coord", "/audit?entity_id=pid-secret-77")
    text = json_log.getvalue()
    for secret in ("Zelda", "Secretname", "zelda.secret", "nameless.secret", "pid-secret",
                   "example.org", "Ella Acme", "ella@acme"):
        assert secret not in text, f"{secret!r} was logged"
    access = [line for line in _lines(json_log) if line["logger"] == "companion.access"]
    first = next(line for line in access if line["request_id"] == "import-1")
    assert set(first) >= {"timestamp", "level", "logger", "message", "request_id", "principal",
                          "method", "route", "status", "duration_ms"}
    assert first["route"] == "/api/v1/programs/{program}/participants/import"
    assert first["principal"] == world.token_ids["coord"]
    assert first["method"] == "POST" and first["status"] == response.status_code
    assert isinstance(first["duration_ms"], float)


def _metrics(world: World, **headers: str) -> str:
    response = world.client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def _sample(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            if all(f'{k}="{v}"' in line for k, v in labels.items()):
                total += float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_latency_by_route_template(world: World) -> None:
    draft = world.drafts["pending"]
    ok(get(world, "e1", f"/drafts/{draft}"))
    text = _metrics(world)
    assert _sample(text, "companion_http_request_duration_seconds_count",
                   route="/api/v1/drafts/{draft_id}", method="GET", status="2xx") >= 1
    assert draft not in text


def test_metrics_drafts_by_status_and_model_calls(world: World) -> None:
    before = _metrics(world)
    assert _sample(before, "companion_drafts", status="pending_review") >= 1
    assert "companion_queue_depth" in before
    made = post(world, "e1", "/programs/Pilot/drafts", json={"kind": "agenda"},
                headers={"Prefer": "wait=30"})
    assert made.status_code == 201, made.text
    after = _metrics(world)
    calls = "companion_model_calls_total"
    assert _sample(after, calls, provider="offline", outcome="ok") > _sample(
        before, calls, provider="offline", outcome="ok")
    assert _sample(after, "companion_drafts") == _sample(before, "companion_drafts") + 1


@pytest.fixture
def metrics_token(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("COMPANION_METRICS_TOKEN", "scrape-secret")
    get_settings.cache_clear()
    yield "scrape-secret"
    monkeypatch.delenv("COMPANION_METRICS_TOKEN")
    get_settings.cache_clear()


def test_the_metrics_token_is_enforced(world: World, metrics_token: str) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": metrics_token}):
        response = world.client.get("/metrics", headers=headers)
        assert_problem(response, 401)
        assert "scrape-secret" not in response.text
    assert "companion_drafts" in _metrics(world, Authorization=f"Bearer {metrics_token}")


def test_an_unexpected_error_answers_with_the_request_id(world: World) -> None:
    def broken() -> None:
        raise RuntimeError("boom")

    world.client.app.add_api_route("/test-broken", broken)  # type: ignore[attr-defined]
    client = type(world.client)(world.client.app, raise_server_exceptions=False)
    response = client.get("/test-broken", headers={"X-Request-ID": "trace-500"})
    body = assert_problem(response, 500)
    assert body["request_id"] == "trace-500" == response.headers["X-Request-ID"]
