"""Settings: defaults, environment, derived values."""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.config import Settings, get_settings


def test_defaults_keep_everything_under_home(companion_home: Path) -> None:
    settings = get_settings()
    assert settings.home == companion_home.resolve()
    assert settings.resolved_database_url == f"sqlite:///{companion_home.resolve()}/companion.db"
    assert settings.database_kind == "sqlite"
    assert settings.model == "offline"
    assert settings.chroma_url is None and settings.embedding_model is None


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPANION_DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("COMPANION_MODEL", "openai/gpt-4o-mini")
    monkeypatch.setenv("COMPANION_CHROMA_URL", "http://127.0.0.1:8001")
    monkeypatch.setenv("COMPANION_LLM_API_BASE", "  ")
    settings = Settings()
    assert settings.database_kind == "postgresql"
    assert settings.resolved_database_url == "postgresql+psycopg://u@h/db"
    assert settings.model == "openai/gpt-4o-mini"
    assert settings.chroma_url == "http://127.0.0.1:8001"
    assert settings.llm_api_base is None  # blank means unset


def test_home_is_made_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COMPANION_HOME", "state")
    assert Settings().home == tmp_path / "state"


def test_get_settings_is_cached_until_cleared(monkeypatch: pytest.MonkeyPatch) -> None:
    first = get_settings()
    monkeypatch.setenv("COMPANION_MODEL", "other")
    assert get_settings() is first
    get_settings.cache_clear()
    assert get_settings().model == "other"
