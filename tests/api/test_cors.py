"""CORS (issue 15): only origins in COMPANION_CORS_ORIGINS get CORS headers, only on the API,
and never with credentials."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from companion.api.app import create_app
from companion.config import get_settings

ALLOWED = "https://mentoring.example.org"
PREFLIGHT = {"Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "authorization, content-type"}


def _client(monkeypatch: pytest.MonkeyPatch, origins: str | None) -> TestClient:
    if origins is not None:
        monkeypatch.setenv("COMPANION_CORS_ORIGINS", origins)
    get_settings.cache_clear()
    return TestClient(create_app())


def test_a_preflight_from_an_allowed_origin_is_answered(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _client(monkeypatch, f"{ALLOWED}, http://localhost:5173")
    answer = client.options("/api/v1/programs", headers={"Origin": ALLOWED, **PREFLIGHT})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in answer.headers["access-control-allow-methods"]
    allowed_headers = answer.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed_headers and "content-type" in allowed_headers
    assert "access-control-allow-credentials" not in answer.headers
    simple = client.get("/api/v1/health", headers={"Origin": "http://localhost:5173"})
    assert simple.headers["access-control-allow-origin"] == "http://localhost:5173"


def test_a_preflight_from_another_origin_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _client(monkeypatch, ALLOWED)
    answer = client.options("/api/v1/programs",
                            headers={"Origin": "https://evil.example", **PREFLIGHT})
    assert answer.status_code == 400
    assert "access-control-allow-origin" not in answer.headers
    simple = client.get("/api/v1/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


def test_no_origins_means_no_cors_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _client(monkeypatch, None)
    answer = client.options("/api/v1/programs", headers={"Origin": ALLOWED, **PREFLIGHT})
    assert "access-control-allow-origin" not in answer.headers
    assert "access-control-allow-origin" not in client.get(
        "/api/v1/health", headers={"Origin": ALLOWED}).headers


def test_a_wildcard_never_allows_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _client(monkeypatch, "*")
    answer = client.options("/api/v1/programs",
                            headers={"Origin": "https://any.example", **PREFLIGHT})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in answer.headers


def test_only_the_api_answers_other_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    from companion.web.app import create_app as create_web

    monkeypatch.setenv("COMPANION_CORS_ORIGINS", ALLOWED)
    get_settings.cache_clear()
    client = TestClient(create_web())
    answer = client.get("/api/v1/health", headers={"Origin": ALLOWED})
    assert answer.headers["access-control-allow-origin"] == ALLOWED
    page = client.get("/", headers={"Origin": ALLOWED}, follow_redirects=False)
    assert "access-control-allow-origin" not in page.headers
