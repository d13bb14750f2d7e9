"""Reading the audit log: the append-only record of every decision (written by each use case
in the transaction that makes the decision)."""

from __future__ import annotations

from companion.domain.records import AuditEvent
from companion.store import AuditLog, Database


def list_events(db: Database, *, program: str | None = None, limit: int = 50
                ) -> list[AuditEvent]:
    """The newest `limit` events first, of one program or of all."""
    with db.session() as session:
        return AuditLog(session).list(program=program, limit=limit)
