"""Settings: defaults, environment, derived values."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from companion.cli import main
from companion.config import (
    Settings,
    SettingsError,
    get_settings,
    load_settings,
    mask_url,
    unknown_settings,
)


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


# --- issue 15: unknown and bad variables, `config show`, secrets never printed ------------

ROOT = Path(__file__).resolve().parents[1]
SECRETS = ("hunter2-smtp", "sk-llm-key-123", "pg-pass-456", "metrics-tok-789")


def _companion(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        main(list(args))
    except SystemExit as exited:
        out, err = capsys.readouterr()
        return int(exited.code or 0), out, err
    raise AssertionError("main() returned without exiting")


def test_a_typo_names_the_setting_it_probably_meant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPANION_DATABSE_URL", "postgresql+psycopg://u@h/db")
    assert unknown_settings() == ["COMPANION_DATABSE_URL is not a Companion setting — did "
                                  "you mean COMPANION_DATABASE_URL?"]
    with pytest.raises(SettingsError) as raised:
        get_settings()
    assert "COMPANION_DATABSE_URL" in str(raised.value)
    assert "COMPANION_DATABASE_URL" in str(raised.value)


def test_a_typo_stops_every_command_before_anything_is_created(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        companion_home: Path) -> None:
    monkeypatch.setenv("COMPANION_DATABSE_URL", "postgresql+psycopg://u@h/db")
    code, out, err = _companion(capsys, "program", "list")
    assert code == 2
    assert "did you mean COMPANION_DATABASE_URL?" in err and "Traceback" not in err
    assert "COMPANION_ALLOW_UNKNOWN_SETTINGS=true" in err
    assert not companion_home.exists()  # no SQLite file fell back into place


def test_the_escape_hatch_turns_unknown_variables_into_a_warning(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("COMPANION_SOMETHING_ELSE", "1")
    monkeypatch.setenv("COMPANION_ALLOW_UNKNOWN_SETTINGS", "true")
    with caplog.at_level("WARNING", logger="companion.config"):
        assert load_settings().allow_unknown_settings
    assert "COMPANION_SOMETHING_ELSE is not a Companion setting" in caplog.text
    code, out, err = _companion(capsys, "config", "show", "--format", "json")
    assert code == 0, err


def test_variables_read_elsewhere_are_not_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COMPANION_DEBUG", "COMPANION_WARMUP", "COMPANION_KNOWLEDGE_DIR",
                 "COMPANION_SCREENSHOTS", "COMPANION_TEST_POSTGRES_URL",
                 "COMPANION_EVAL_JUDGE_MODEL"):
        monkeypatch.setenv(name, "1")
    assert unknown_settings() == []
    load_settings()


def test_a_bad_log_level_names_the_setting_and_the_allowed_values(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COMPANION_LOG_LEVEL", "verbose")
    code, out, err = _companion(capsys, "program", "list")
    assert code == 2
    assert "COMPANION_LOG_LEVEL" in err and "'DEBUG'" in err and "VERBOSE" in err
    assert "internal error" not in err and "Traceback" not in err
    monkeypatch.setenv("COMPANION_LOG_LEVEL", "info")
    assert load_settings().log_level == "INFO"


def test_every_bad_value_gets_one_line_and_secrets_are_not_echoed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPANION_SMTP_PORT", "lots")
    monkeypatch.setenv("COMPANION_SESSION_HOURS", "0")
    monkeypatch.setenv("COMPANION_CORS_ORIGINS", "example.org")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    names = [line.split(":", 1)[0] for line in raised.value.problems]
    assert names == ["COMPANION_SESSION_HOURS", "COMPANION_SMTP_PORT",
                     "COMPANION_CORS_ORIGINS"]
    assert "'lots'" in str(raised.value)


def test_config_show_masks_every_secret(monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COMPANION_SMTP_PASSWORD", SECRETS[0])
    monkeypatch.setenv("COMPANION_LLM_API_KEY", SECRETS[1])
    monkeypatch.setenv("COMPANION_DATABASE_URL",
                       f"postgresql+psycopg://companion:{SECRETS[2]}@db.example:5432/companion")
    monkeypatch.setenv("COMPANION_METRICS_TOKEN", SECRETS[3])
    monkeypatch.setenv("COMPANION_LOG_LEVEL", "info")
    code, text, err = _companion(capsys, "config", "show")
    assert code == 0, err
    get_settings.cache_clear()
    code, raw, err = _companion(capsys, "config", "show", "--format", "json")
    assert code == 0, err
    for output in (text, raw):
        for secret in SECRETS:
            assert secret not in output
    shown = json.loads(raw)
    assert shown["settings"]["smtp_password"] == {
        "variable": "COMPANION_SMTP_PASSWORD", "value": "****", "source": "environment"}
    assert shown["settings"]["llm_api_key"]["value"] == "****"
    assert shown["settings"]["metrics_token"]["value"] == "****"
    assert shown["settings"]["database_url"]["value"] == (
        "postgresql+psycopg://companion:****@db.example:5432/companion")
    assert shown["database"] == shown["settings"]["database_url"]["value"]
    assert shown["settings"]["log_level"] == {"variable": "COMPANION_LOG_LEVEL",
                                              "value": "INFO", "source": "environment"}
    assert shown["settings"]["model"]["source"] == "default"
    assert "COMPANION_SMTP_PASSWORD=****" in text and "COMPANION_LOG_LEVEL=INFO" in text


def test_urls_lose_their_passwords() -> None:
    assert mask_url("postgresql://u:p@ss@h/db") == "postgresql://u:****@h/db"
    assert mask_url("postgresql://h/db?user=u&password=x") == (
        "postgresql://h/db?user=u&password=****")
    assert mask_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"
    assert mask_url("http://u@h") == "http://u@h"


def test_serve_refuses_to_start_with_a_typo(tmp_path: Path) -> None:
    """A real `companion serve` process: exits 2 at once, naming both variables, and leaves
    no SQLite database behind."""
    home = tmp_path / "serve-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPANION_")}
    env.update(COMPANION_HOME=str(home), PYTHONPATH=str(ROOT),
               COMPANION_DATABSE_URL="postgresql+psycopg://u:secret-pw@127.0.0.1:9/x")
    done = subprocess.run([sys.executable, "-m", "companion.cli", "serve", "--port", "18771"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "COMPANION_DATABSE_URL is not a Companion setting — did you mean " \
           "COMPANION_DATABASE_URL?" in done.stderr
    assert "Traceback" not in done.stderr and "secret-pw" not in done.stderr + done.stdout
    assert not home.exists()
