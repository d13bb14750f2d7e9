"""Single sign-on (issue 15): a browser session records how its person got in as
`oidc:<issuer>`, and issuer URLs are longer than the 32 characters `web_sessions.via` had
(`https://login.microsoftonline.com/<tenant>/v2.0` is 77 with the prefix).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch:
        batch.alter_column("via", type_=sa.String(300), existing_type=sa.String(32),
                           existing_nullable=False)


def downgrade() -> None:
    op.execute("UPDATE web_sessions SET via = substr(via, 1, 32)")
    with op.batch_alter_table("web_sessions") as batch:
        batch.alter_column("via", type_=sa.String(32), existing_type=sa.String(300),
                           existing_nullable=False)
