"""Migration 0010 (single sign-on) on SQLite and PostgreSQL: `web_sessions.via` holds
`oidc:<issuer>` whole, and the downgrade shortens it back to 32 characters."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from companion.store import Database
from companion.store.db import _alembic_config

LONG_VIA = "oidc:https://login.microsoftonline.com/4f0c6a1e-9b7d-4c2e-8a53-0d2f1b6e7c91/v2.0"


def _migrate(db: Database, revision: str, *, down: bool = False) -> None:
    with db.engine.begin() as conn:
        config = _alembic_config()
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)


def _insert(db: Database, session_id: str, via: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO web_sessions (id, secret_hash, participant_id, role, via, created_at, "
            "expires_at) VALUES (:id, :hash, 'e1', 'mentee', :via, '2027-01-01 10:00:00+00', "
            "'2027-01-01 22:00:00+00')"), {"id": session_id, "hash": session_id * 8,
                                            "via": via})


def _via(db: Database, session_id: str) -> str:
    with db.engine.connect() as conn:
        return str(conn.execute(text("SELECT via FROM web_sessions WHERE id = :id"),
                                {"id": session_id}).scalar_one())


def test_a_long_issuer_fits_and_the_downgrade_shortens_it(any_db: Database) -> None:
    _migrate(any_db, "0009")
    _insert(any_db, "before01", "link:abc")
    _migrate(any_db, "0010")
    assert len(LONG_VIA) > 32
    _insert(any_db, "after001", LONG_VIA)
    assert _via(any_db, "after001") == LONG_VIA
    assert _via(any_db, "before01") == "link:abc"
    _migrate(any_db, "0009", down=True)
    assert _via(any_db, "after001") == LONG_VIA[:32]
    assert _via(any_db, "before01") == "link:abc"
