"""Draft rationale: why the drafter chose what it chose, on the draft and on each version.

Existing rows read as `{}` (the server default), so drafts written before this revision show
no rationale rather than failing to load.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("drafts", "draft_versions")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("rationale", sa.JSON, nullable=False,
                                       server_default=sa.text("'{}'")))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("rationale")
