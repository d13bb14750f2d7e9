"""Storage: SQLAlchemy tables, Alembic migrations, repositories."""

from companion.store.db import Database, get_database, reset_databases
from companion.store.repositories import (
    AuditLog,
    AuditScope,
    DraftRepository,
    PairingRepository,
    ParticipantRepository,
    ProgramRepository,
    audit_scope,
    current_audit_scope,
)

__all__ = [
    "AuditLog", "AuditScope", "Database", "DraftRepository", "PairingRepository",
    "ParticipantRepository", "ProgramRepository", "audit_scope", "current_audit_scope",
    "get_database", "reset_databases",
]
