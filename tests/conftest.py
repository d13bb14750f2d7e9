"""Shared fixtures: every test gets its own COMPANION_HOME and fresh settings/engines."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from companion.config import Settings, get_settings
from companion.store import Database, reset_databases

POSTGRES_ADMIN_URL = os.environ.get(
    "COMPANION_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(autouse=True)
def no_real_model_calls() -> Iterator[None]:
    """A network model call from any test fails loudly (offline drafter and fakes still work)."""
    from companion.llm.base import block_model_requests

    with block_model_requests():
        yield


@pytest.fixture(autouse=True)
def companion_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point all state at a temp dir and drop any COMPANION_* the developer has set."""
    for key in list(os.environ):
        # kept: where the PostgreSQL tests run, and whether browser tests save screenshots
        if key.startswith("COMPANION_") and key not in ("COMPANION_TEST_POSTGRES_URL",
                                                        "COMPANION_SCREENSHOTS"):
            monkeypatch.delenv(key)
    home = tmp_path / "home"
    monkeypatch.setenv("COMPANION_HOME", str(home))
    # no background process after each CLI import (tests/cli/test_read_after_import.py has
    # its own): thousands of them would share the tests' two cores
    monkeypatch.setenv("COMPANION_READ_AFTER_IMPORT", "false")
    get_settings.cache_clear()
    reset_databases()
    yield home
    get_settings.cache_clear()
    reset_databases()


@pytest.fixture
def settings(companion_home: Path) -> Settings:
    return get_settings()


@pytest.fixture
def db(settings: Settings) -> Database:
    """The default (SQLite) database under the test's home."""
    from companion.store import get_database

    return get_database(settings)


def _postgres_available() -> bool:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


_PG = _postgres_available()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    if not _PG:
        pytest.skip("PostgreSQL on 127.0.0.1:5432 does not answer")
    name = f"companion_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        reset_databases()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """The store on SQLite and on PostgreSQL (when the server answers)."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'store.db'}")
    else:
        database = Database(request.getfixturevalue("postgres_url"))
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture(scope="session")
def bundled_embedder(tmp_path_factory: pytest.TempPathFactory) -> object:
    """The bundled all-MiniLM-L6-v2, built directly: some browser-test modules replace
    `companion.embeddings.get_embedder` for the whole session when they are imported, so a
    test that needs meaning (not the hashing stand-in) must not go through it."""
    from companion.embeddings import CachedEmbedder, EmbeddingCache, SentenceTransformerEmbedder

    home = tmp_path_factory.mktemp("bundled-embedder")
    return CachedEmbedder(SentenceTransformerEmbedder(stamp=home / "verified.json"),
                          EmbeddingCache(home / "embeddings.sqlite"))
