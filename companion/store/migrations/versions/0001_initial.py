"""Initial schema: programs, participants, pairings, drafts with versions, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "programs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("months", sa.Integer, nullable=False),
        sa.Column("settings", sa.JSON, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_table(
        "participants",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("program_id", sa.Integer,
                  sa.ForeignKey("programs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("pid", sa.String(64), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("email", sa.String(254)),
        sa.Column("organization", sa.String(120)),
        sa.Column("department", sa.String(120)),
        sa.Column("title", sa.String(160)),
        sa.Column("level", sa.Integer),
        sa.Column("manager_id", sa.String(64)),
        sa.Column("location", sa.String(120)),
        sa.Column("timezone", sa.String(64)),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("capacity", sa.Integer),
        sa.Column("expertise", sa.Text),
        sa.Column("goals", sa.JSON, nullable=False),
        sa.Column("skills", sa.JSON, nullable=False),
        sa.Column("format", sa.String(20)),
        sa.Column("prefer_cross_department", sa.Boolean),
        sa.Column("extra", sa.JSON, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.UniqueConstraint("program_id", "pid", name="uq_participants_program_pid"),
    )
    op.create_index("ix_participants_program_role", "participants", ["program_id", "role"])
    op.create_table(
        "pairings",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("program_id", sa.Integer,
                  sa.ForeignKey("programs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("mentee_id", sa.String(64), nullable=False),
        sa.Column("mentor_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("components", sa.JSON, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("cohort", sa.String(64)),
        sa.Column("locked", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", _TS),
        sa.Column("note", sa.Text),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_index("ix_pairings_program_status", "pairings", ["program_id", "status"])
    op.create_table(
        "drafts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("program_id", sa.Integer,
                  sa.ForeignKey("programs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("participant_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("generator", sa.String(120), nullable=False),
        sa.Column("topic", sa.Text),
        sa.Column("prompt_name", sa.String(80)),
        sa.Column("prompt_version", sa.String(20)),
        sa.Column("model", sa.String(120)),
        sa.Column("retrieved_ids", sa.JSON, nullable=False),
        sa.Column("reviewer_id", sa.String(64)),
        sa.Column("failure_reason", sa.Text),
        sa.Column("idempotency_key", sa.String(128), unique=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_index("ix_drafts_program_participant", "drafts", ["program_id", "participant_id"])
    op.create_index("ix_drafts_status", "drafts", ["status"])
    op.create_table(
        "draft_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("draft_id", sa.String(32),
                  sa.ForeignKey("drafts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("citations", sa.JSON, nullable=False),
        sa.Column("checks", sa.JSON, nullable=False),
        sa.Column("generator", sa.String(120), nullable=False),
        sa.Column("diff", sa.Text),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("created_at", _TS, nullable=False),
        sa.UniqueConstraint("draft_id", "number", name="uq_draft_versions_number"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("entity_type", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(128), nullable=False),
        sa.Column("program", sa.String(100)),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_audit_entity", "audit_log", ["entity_type", "entity_id"])
    _protect_audit_log()


def _protect_audit_log() -> None:
    """The audit log is append-only in the database itself, not just by convention."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
            "ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    for table in ("audit_log", "draft_versions", "drafts", "pairings", "participants",
                  "programs"):
        op.drop_table(table)
