"""Storage: SQLAlchemy tables, Alembic migrations, repositories."""

from companion.store.db import Database, get_database, reset_databases
from companion.store.repositories import (
    AuditLog,
    DraftRepository,
    PairingRepository,
    ParticipantRepository,
    ProgramRepository,
)

__all__ = [
    "AuditLog", "Database", "DraftRepository", "PairingRepository", "ParticipantRepository",
    "ProgramRepository", "get_database", "reset_databases",
]
