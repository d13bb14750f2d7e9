"""The database: engine, sessions and migrations for any SQLAlchemy URL."""

from __future__ import annotations

import atexit
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Engine, create_engine, event, inspect, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from companion.config import Settings
from companion.errors import ConfigurationError
from companion.store.failures import StorageUnavailable, classify, location

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
#: The newest migration in migrations/versions (a test checks it against Alembic's head).
#: Every command compares the database with it: reading it from the scripts would import
#: Alembic and parse every migration, ~0.15 s of each command (issue 16).
HEAD_REVISION = "0010"


def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def known_revisions() -> set[str]:
    """Every migration this version of Companion ships (a newer database is not ours to
    open)."""
    from alembic.script import ScriptDirectory

    return {script.revision for script in
            ScriptDirectory.from_config(_alembic_config()).walk_revisions()}


def parse_url(url: str) -> URL:
    """A database URL's parts (host, port, user, database name)."""
    return make_url(url)


def head_revision() -> str:
    """The newest migration shipped with this version of Companion."""
    return HEAD_REVISION


def scripts_head() -> str | None:
    """The newest migration as Alembic reads it from the scripts (what HEAD_REVISION names)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def _revision_of(conn: Any) -> str | None:
    """The database's migration, read the way Alembic stores it (one row of
    alembic_version), without importing Alembic; None for a database never migrated."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    rows = [row[0] for row in conn.exec_driver_sql("SELECT version_num FROM alembic_version")]
    if len(rows) > 1:  # branches: not Companion's layout, let Alembic say what it is
        from alembic.runtime.migration import MigrationContext

        return MigrationContext.configure(conn).get_current_revision()
    return str(rows[0]) if rows else None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the API read while an import writes; busy_timeout waits instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


#: The PostgreSQL advisory lock migrating processes take (any constant of Companion's own).
_MIGRATE_LOCK = 7_283_001


class Database:
    """One database: an engine, a session factory and its migrations."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            if url.startswith("sqlite:///"):
                path = Path(location(url))  # a file: URI's path, not a folder named "file:"
                if str(path) not in ("", ":memory:"):
                    path.parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(url, pool_pre_ping=True)
        except (ArgumentError, ImportError, ValueError) as exc:
            raise ConfigurationError(
                f"cannot use database URL {_redact(url)!r}: {exc}. "
                "Set COMPANION_DATABASE_URL to a SQLAlchemy URL such as "
                "postgresql+psycopg://user@host/db, or unset it for SQLite."
            ) from exc
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._upgraded = False
        self._lock = threading.Lock()

    @property
    def dialect(self) -> str:
        """`sqlite`, `postgresql`, ..."""
        return self.engine.dialect.name

    def current_revision(self) -> str | None:
        """The migration the database is at (None for an empty database)."""
        with self.engine.connect() as conn:
            return _revision_of(conn)

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (cheap when it already is)."""
        with self._lock:
            if self._upgraded:
                return
            try:
                if self.current_revision() != head_revision():
                    with self.engine.begin() as conn:
                        # one process migrates; the others wait here, then find it done
                        if conn.dialect.name == "postgresql":
                            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATE_LOCK})")
                        elif conn.dialect.name == "sqlite":
                            conn.exec_driver_sql("BEGIN IMMEDIATE")
                        if _revision_of(conn) != head_revision():
                            from alembic import command

                            config = _alembic_config()
                            config.attributes["connection"] = conn
                            command.upgrade(config, "head")
            except OperationalError as exc:
                raise classify(exc, self.url) or StorageUnavailable(
                    f"cannot reach the database at {_redact(self.url)}: {exc.orig}. "
                    "Check COMPANION_DATABASE_URL and that the server is running.",
                    public="the server cannot reach its database; this is logged for the "
                    "server's operator") from exc
            self._upgraded = True

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error.

        `write=True` is for a transaction that reads, checks a rule and writes: on SQLite it
        starts with `BEGIN IMMEDIATE`, so it holds the write lock before it reads and no other
        writer can change what it checked (PostgreSQL transactions lock the rows they need
        instead: `ParticipantRepository.lock`)."""
        self.upgrade()
        session = self._sessions()
        try:
            if write and self.engine.dialect.name == "sqlite":
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield session
            session.commit()
        except DBAPIError as exc:
            session.rollback()
            # read-only, full, locked ...: say which and what to do, not a bare driver error
            found = classify(exc, self.url)
            if found is None:
                raise
            raise found from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _redact(url: str) -> str:
    """The URL without its password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}" if ":" in creds else url
    return url


_databases: dict[str, Database] = {}
_databases_lock = threading.Lock()


def get_database(settings: Settings) -> Database:
    """The shared `Database` for the settings' URL (one engine per URL per process)."""
    url = settings.resolved_database_url
    with _databases_lock:
        if url not in _databases:
            if url.startswith("sqlite"):
                settings.ensure_home()
            _databases[url] = Database(url)
        return _databases[url]


def reset_databases() -> None:
    """Forget every cached engine (tests, and after forking)."""
    with _databases_lock:
        for db in _databases.values():
            db.dispose()
        _databases.clear()


# Engines close at exit, so SQLite folds its WAL back into the file: the `companion`
# executable freezes its objects at exit rather than collect them (issue 16).
atexit.register(reset_databases)
