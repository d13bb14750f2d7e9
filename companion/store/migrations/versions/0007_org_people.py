"""The organisation's reporting tree: people a program's manager ids point to who are not
participants (a mentee's manager outside the program, that manager's manager, ...).

They are kept per program, keyed by the organisation's own id, with their own manager id, so
the reporting-line rule can walk the line all the way up. They are never matched and never
listed as participants.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "org_people",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("program_id", sa.Integer,
                  sa.ForeignKey("programs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("pid", sa.String(64), nullable=False),
        sa.Column("name", sa.String(120)),
        sa.Column("manager_id", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("program_id", "pid", name="uq_org_people_program_pid"),
    )


def downgrade() -> None:
    op.drop_table("org_people")
