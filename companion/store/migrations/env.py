"""Alembic environment. Companion runs migrations itself (`Database.upgrade`), handing over a
connection; the `alembic` command line (see alembic.ini) falls back to the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from companion.store.tables import Base

target_metadata = Base.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # type: ignore[attr-defined]
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    from companion.config import get_settings

    url = context.config.get_main_option("sqlalchemy.url") or get_settings().resolved_database_url
    with create_engine(url).connect() as conn:
        _run(conn)
