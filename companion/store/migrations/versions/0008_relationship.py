"""The mentoring relationship after approval (issue 14): sessions, calendar feed tokens,
tracked goals with checkpoints and updates, check-ins, notifications; how a pairing ended and
when it was approved; participants' withdrawal. docs/relationship.md describes the model.

Pairings already approved or active get `approved_at` from their last decision's time (the
only time on record: for an active pairing that is its activation, a few days late at most).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)
_PAIRING_COLUMNS = ("approved_at", "ended_at", "end_reason", "end_note", "ended_by")
_LIVE = sa.text("status IN ('pending', 'approved', 'active')")


def _program_fk() -> sa.Column[int]:
    return sa.Column("program_id", sa.Integer, sa.ForeignKey("programs.id", ondelete="CASCADE"),
                     nullable=False)


def _pairing_fk(nullable: bool = False) -> sa.Column[str]:
    return sa.Column("pairing_id", sa.String(32),
                     sa.ForeignKey("pairings.id", ondelete="CASCADE"), nullable=nullable)


def upgrade() -> None:
    # plain ADD COLUMN (nullable): no table rebuild of pairings and its partial index
    op.add_column("pairings", sa.Column("approved_at", _TZ))
    op.add_column("pairings", sa.Column("ended_at", _TZ))
    op.add_column("pairings", sa.Column("end_reason", sa.String(12)))
    op.add_column("pairings", sa.Column("end_note", sa.Text))
    op.add_column("pairings", sa.Column("ended_by", sa.String(64)))
    op.add_column("participants", sa.Column("withdrawn_at", _TZ))
    op.execute(sa.text("UPDATE pairings SET approved_at = decided_at "
                       "WHERE status IN ('approved', 'active') AND approved_at IS NULL"))

    op.create_table(
        "mentoring_sessions",
        sa.Column("id", sa.String(32), primary_key=True),
        _program_fk(),
        _pairing_fk(),
        sa.Column("starts_at", _TZ, nullable=False),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.Column("format", sa.String(12), nullable=False),
        sa.Column("location", sa.String(500)),
        sa.Column("timezone", sa.String(64)),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("agenda_draft_id", sa.String(32)),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("uid", sa.String(200), nullable=False, unique=True),
        sa.Column("notes", sa.Text),
        sa.Column("action_items", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.Column("held_at", _TZ),
        sa.Column("cancelled_at", _TZ),
        sa.Column("cancel_reason", sa.Text),
        sa.Column("version", sa.Integer, nullable=False),
        sa.CheckConstraint("minutes > 0", name="ck_mentoring_sessions_minutes"),
    )
    op.create_index("ix_mentoring_sessions_pairing", "mentoring_sessions",
                    ["pairing_id", "starts_at"])
    op.create_index("ix_mentoring_sessions_program", "mentoring_sessions",
                    ["program_id", "status", "starts_at"])

    op.create_table(
        "calendar_tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        _program_fk(),
        sa.Column("participant_id", sa.String(64), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("revoked_at", _TZ),
        sa.Column("last_used_at", _TZ),
    )
    op.create_index("ix_calendar_tokens_participant", "calendar_tokens",
                    ["program_id", "participant_id"])

    op.create_table(
        "goals",
        sa.Column("id", sa.String(32), primary_key=True),
        _program_fk(),
        _pairing_fk(),
        sa.Column("participant_id", sa.String(64), nullable=False),
        sa.Column("source_draft_id", sa.String(32)),
        sa.Column("goal_key", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("statement", sa.Text, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("time_bound", sa.Date),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("is_current", sa.Boolean, nullable=False),
        sa.Column("superseded_by", sa.String(32)),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.UniqueConstraint("goal_key", "version", name="uq_goals_key_version"),
    )
    op.create_index("ix_goals_pairing", "goals", ["pairing_id", "is_current"])
    op.create_table(
        "goal_checkpoints",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("goal_id", sa.String(32), sa.ForeignKey("goals.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("check_text", sa.Text, nullable=False),
        sa.Column("done_at", _TZ),
        sa.Column("done_by", sa.String(64)),
    )
    op.create_index("ix_goal_checkpoints_due", "goal_checkpoints", ["due_on", "done_at"])
    op.create_table(
        "goal_updates",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("goal_id", sa.String(32), sa.ForeignKey("goals.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("author_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("evidence", sa.Text),
        sa.Column("created_at", _TZ, nullable=False),
    )
    op.create_index("ix_goal_updates_goal", "goal_updates", ["goal_id", "created_at"])

    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _program_fk(),
        _pairing_fk(),
        sa.Column("participant_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("submitted_at", _TZ),
        sa.Column("rating", sa.Integer),
        sa.Column("meetings_per_month", sa.Float),
        sa.Column("recommend", sa.Integer),
        sa.Column("comment", sa.Text),
        sa.Column("created_at", _TZ, nullable=False),
        sa.UniqueConstraint("pairing_id", "participant_id", "kind", "due_on",
                            name="uq_checkins_due"),
        sa.CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)",
                           name="ck_checkins_rating"),
        sa.CheckConstraint("recommend IS NULL OR (recommend >= 0 AND recommend <= 10)",
                           name="ck_checkins_recommend"),
    )
    op.create_index("ix_checkins_program", "checkins", ["program_id", "kind", "submitted_at"])

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _program_fk(),
        _pairing_fk(nullable=True),
        sa.Column("recipient_id", sa.String(64)),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("threshold_days", sa.Integer),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("dedup_key", sa.String(200), nullable=False, unique=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("outbox_id", sa.Integer),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("sent_at", _TZ),
        sa.Column("read_at", _TZ),
    )
    op.create_index("ix_notifications_recipient", "notifications",
                    ["program_id", "recipient_id", "read_at"])
    op.create_index("ix_notifications_pairing", "notifications", ["pairing_id", "kind"])


def downgrade() -> None:
    for table in ("notifications", "checkins", "goal_updates", "goal_checkpoints", "goals",
                  "calendar_tokens", "mentoring_sessions"):
        op.drop_table(table)
    # SQLite rebuilds the table to drop columns and reflects its indexes without their WHERE:
    # the partial live-mentee index is dropped first and made again as it was.
    op.drop_index("uq_pairings_live_mentee", table_name="pairings")
    with op.batch_alter_table("pairings") as batch:
        for column in reversed(_PAIRING_COLUMNS):
            batch.drop_column(column)
    op.create_index("uq_pairings_live_mentee", "pairings", ["program_id", "mentee_id"],
                    unique=True, sqlite_where=_LIVE, postgresql_where=_LIVE)
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("withdrawn_at")
