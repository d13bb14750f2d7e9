"""The HTTP skeleton: health, readiness, problem+json errors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from companion import __version__
from companion.api.app import create_app


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app())


def test_health(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}


def test_ready_migrates_and_reports_the_database(client: TestClient) -> None:
    response = client.get("/api/v1/ready")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


def test_ready_is_503_when_the_database_is_unreachable(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from companion.config import get_settings
    from companion.store import reset_databases

    monkeypatch.setenv("COMPANION_DATABASE_URL",
                       "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    get_settings.cache_clear()
    reset_databases()
    response = client.get("/api/v1/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("unavailable")


def test_unknown_route_is_problem_json(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_wrong_method_is_problem_json(client: TestClient) -> None:
    response = client.post("/api/v1/health")
    assert response.status_code == 405
    assert response.json()["title"] == "Method not allowed"


def test_openapi_is_served_under_the_version_prefix(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "Companion"
    assert "/api/v1/health" in spec["paths"]
