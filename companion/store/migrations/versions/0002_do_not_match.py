"""Do-not-match pairs per program.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "do_not_match",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("program_id", sa.Integer,
                  sa.ForeignKey("programs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("mentee_id", sa.String(64), nullable=False),
        sa.Column("mentor_id", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("program_id", "mentee_id", "mentor_id",
                            name="uq_do_not_match_pair"),
    )


def downgrade() -> None:
    op.drop_table("do_not_match")
