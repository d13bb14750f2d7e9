"""Reading the audit log: the append-only record of every decision (written by each use case
in the transaction that makes the decision)."""

from __future__ import annotations

from companion.domain import AccessRole
from companion.domain.records import AuditEvent
from companion.errors import forbidden, hidden
from companion.services.access import access_to
from companion.services.paging import Page, PageRequest, decode_cursor, encode_cursor
from companion.services.tokens import Principal
from companion.store import AuditLog, AuditScope, Database, audit_scope, current_audit_scope

__all__ = ["AuditScope", "audit_scope", "current_audit_scope", "list_events", "read_as",
           "read_page_as"]


def list_events(db: Database, *, program: str | None = None, limit: int = 50
                ) -> list[AuditEvent]:
    """The newest `limit` events first, of one program or of all."""
    with db.session() as session:
        return AuditLog(session).list(program=program, limit=limit)


def read_as(db: Database, principal: Principal, *, program: str | None = None,
            entity_type: str | None = None, entity_id: str | None = None,
            limit: int = 200) -> list[AuditEvent]:
    """The audit log as `principal` may read it: an admin all of it, a host coordinator their
    program's; nobody else. The newest `limit` events."""
    return read_page_as(db, principal, PageRequest(limit), program=program,
                        entity_type=entity_type, entity_id=entity_id).items


def read_page_as(db: Database, principal: Principal, request: PageRequest, *,
                 program: str | None = None, entity_type: str | None = None,
                 entity_id: str | None = None) -> Page[AuditEvent]:
    """A page of the audit log as `principal` may read it, newest first. Keyset on the
    event id: events written between two pages come first in a new walk, never twice in
    this one. `total` is not counted (the log is long)."""
    program = _readable_program(db, principal, program)
    scope = f"audit|{program}|{entity_type}|{entity_id}"
    before = None
    if request.cursor is not None:
        before = int(decode_cursor(request.cursor, scope, (int,))[0])
    with db.session() as session:
        events = AuditLog(session).list(program=program, entity_type=entity_type,
                                        entity_id=entity_id, limit=request.limit + 1,
                                        before=before, offset=request.offset)
    shown = events[:request.limit]
    more = len(events) > request.limit
    return Page(shown, request.limit, None, request.offset if before is None else None,
                encode_cursor(scope, (shown[-1].id or 0,)) if more and shown else None)


def _readable_program(db: Database, principal: Principal, program: str | None
                      ) -> str | None:
    """The program whose log `principal` reads (None: all, for an admin) — or the refusal."""
    if principal.role is AccessRole.admin:
        return program
    if principal.role is not AccessRole.coordinator:
        raise forbidden("only coordinators and admins can read the audit log")
    if program is not None and program != principal.program:
        raise hidden(f"program '{program}'", reason="program outside the token's scope")
    access = access_to(db, principal, principal.program or "")
    if access.partner_coordinator:
        raise forbidden("the audit log is read by the host organisation's coordinators",
                        program=access.program.name)
    return principal.program
