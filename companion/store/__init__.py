"""Storage: SQLAlchemy tables, Alembic migrations, repositories."""

# What services may name of SQLAlchemy: the session they pass to repositories, and the error
# a write raises when another transaction made the same unique row first.
from sqlalchemy.exc import IntegrityError as DuplicateRowError
from sqlalchemy.orm import Session

from companion.store.db import Database, get_database, reset_databases
from companion.store.identity import (
    PersonByEmail,
    people_with_email,
    programs_with_organization,
)
from companion.store.jobs import DraftingRun, DraftingRuns, ModelSlots
from companion.store.org import (
    DatedDraft,
    OrgPerson,
    OrgTree,
    ProgramHoldings,
    ProgramRecords,
    whole_tree,
)
from companion.store.relationship import (
    CalendarTokens,
    CheckinRepository,
    GoalRepository,
    Notifications,
    SessionRepository,
)
from companion.store.repositories import (
    AuditLog,
    AuditScope,
    DraftRepository,
    IdempotencyKeys,
    PairingRepository,
    ParticipantRepository,
    PersonBrief,
    ProgramRepository,
    TokenRepository,
    audit_scope,
    current_audit_scope,
)
from companion.store.web import Outbox, SignInLinks, WebSessions

__all__ = [
    "AuditLog", "AuditScope", "Database", "DraftRepository", "DuplicateRowError", "IdempotencyKeys",
    "PairingRepository", "PersonBrief", "Session", "TokenRepository",
    "ParticipantRepository", "ProgramRepository", "audit_scope", "current_audit_scope",
    "get_database", "reset_databases", "Outbox", "SignInLinks", "WebSessions",
    "DatedDraft", "OrgPerson", "OrgTree", "ProgramHoldings", "ProgramRecords", "whole_tree",
    "CalendarTokens", "CheckinRepository", "GoalRepository", "Notifications",
    "SessionRepository", "DraftingRun", "DraftingRuns", "ModelSlots",
    "PersonByEmail", "people_with_email", "programs_with_organization",
]
