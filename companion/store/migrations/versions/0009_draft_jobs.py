"""Durable background drafting (issue 15): a draft's progress (`drafts.stage`), the
organisations' model-call slots, and — on PostgreSQL — the job queue's schema (procrastinate's
`schema.sql` of the pinned version; its own later migrations go in later revisions here, so
`companion db upgrade` stays the one command that migrates everything, once).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def _queue_schema() -> str:
    from importlib import resources

    return (resources.files("procrastinate.sql") / "schema.sql").read_text(encoding="utf-8")


def upgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("stage", sa.String(60)))
    op.create_table(
        "model_call_slots",
        sa.Column("scope", sa.String(160), primary_key=True),
        sa.Column("slot", sa.Integer, primary_key=True),
        sa.Column("holder", sa.String(200)),
        sa.Column("lease_until", _TZ),
    )
    if op.get_bind().dialect.name == "postgresql":
        exists = op.get_bind().execute(sa.text(
            "SELECT to_regclass('procrastinate_jobs') IS NOT NULL")).scalar()
        if not exists:  # a database that ran procrastinate's own `schema --apply` keeps it
            op.get_bind().exec_driver_sql(_queue_schema().replace("%", "%%"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            DO $$ DECLARE r record; BEGIN
              FOR r IN SELECT tablename FROM pg_tables
                       WHERE tablename LIKE 'procrastinate\\_%' AND schemaname = current_schema()
              LOOP
                EXECUTE 'DROP TABLE IF EXISTS ' || quote_ident(r.tablename) || ' CASCADE';
              END LOOP;
              FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p
                       JOIN pg_namespace n ON n.oid = p.pronamespace
                       WHERE p.proname LIKE 'procrastinate\\_%' AND n.nspname = current_schema()
              LOOP EXECUTE 'DROP FUNCTION IF EXISTS ' || r.f || ' CASCADE'; END LOOP;
              FOR r IN SELECT t.typname FROM pg_type t
                       JOIN pg_namespace n ON n.oid = t.typnamespace
                       WHERE t.typname LIKE 'procrastinate\\_%' AND t.typtype IN ('e', 'c')
                         AND n.nspname = current_schema()
              LOOP
                EXECUTE 'DROP TYPE IF EXISTS ' || quote_ident(r.typname) || ' CASCADE';
              END LOOP;
            END $$;""")
    op.drop_table("model_call_slots")
    with op.batch_alter_table("drafts") as batch:
        batch.drop_column("stage")
