"""Trust core: drafts bound to the pairing they were made for and recoverable after a crash,
the token behind every audited action, and at most one live pairing per mentee.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

LIVE = ("pending", "approved", "active")
_RANK = {"active": 3, "approved": 2, "pending": 1}


def _repair_live_duplicates() -> None:
    """Before the constraint: a mentee with several live pairings (the race this revision
    closes) keeps the strongest, earliest one; the others are rejected with a note, and the
    repair is written to the audit log."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT p.id, p.program_id, p.mentee_id, p.status, p.created_at, g.name "
        "FROM pairings p JOIN programs g ON g.id = p.program_id "
        "WHERE p.status IN ('pending', 'approved', 'active') "
        "ORDER BY p.program_id, p.mentee_id, p.created_at, p.id")).all()
    groups: dict[tuple[int, str], list[sa.Row]] = {}
    for row in rows:
        groups.setdefault((row.program_id, row.mentee_id), []).append(row)
    now = datetime.now(UTC)
    for members in groups.values():
        if len(members) < 2:
            continue
        keep = max(members, key=lambda r: (_RANK[r.status], -members.index(r)))
        for row in members:
            if row.id == keep.id:
                continue
            note = f"rejected by the 0004 upgrade: duplicate live pairing of {row.mentee_id} " \
                   f"(kept {keep.id})"
            bind.execute(sa.text(
                "UPDATE pairings SET status = 'rejected', note = :note, version = version + 1, "
                "decided_by = 'upgrade-0004', decided_at = :now, updated_at = :now "
                "WHERE id = :id"), {"note": note, "now": now, "id": row.id})
            bind.execute(sa.text(
                "INSERT INTO audit_log (at, actor, action, entity_type, entity_id, program, "
                "detail) VALUES (:now, 'upgrade-0004', 'pairing.repair', 'pairing', :id, "
                ":program, :detail)"),
                {"now": now, "id": row.id, "program": row.name,
                 "detail": json.dumps({"kept": keep.id, "from": row.status})})


def _bind_existing_drafts() -> None:
    """Drafts written before drafts recorded their pairing: bound to the requester's only
    approved or active pairing, so its partner keeps seeing what they saw; a requester with
    several (a mentor of two mentees) or none keeps them private — they cannot be told
    apart after the fact."""
    bind = op.get_bind()
    live = bind.execute(sa.text(
        "SELECT program_id, mentee_id, mentor_id, id FROM pairings "
        "WHERE status IN ('approved', 'active')")).all()
    of: dict[tuple[int, str], list[tuple[str, str]]] = {}
    for program_id, mentee, mentor, pairing_id in live:
        of.setdefault((program_id, mentee), []).append((pairing_id, mentor))
        of.setdefault((program_id, mentor), []).append((pairing_id, mentee))
    drafts = bind.execute(sa.text(
        "SELECT id, program_id, participant_id FROM drafts WHERE pairing_id IS NULL")).all()
    for draft_id, program_id, participant in drafts:
        mine = of.get((program_id, participant), [])
        if len(mine) == 1:
            bind.execute(sa.text("UPDATE drafts SET pairing_id = :p, partner_id = :q "
                                 "WHERE id = :d"),
                         {"p": mine[0][0], "q": mine[0][1], "d": draft_id})


def upgrade() -> None:
    # plain ADD COLUMN (nullable): no table rebuild, so the audit log keeps its triggers
    op.add_column("drafts", sa.Column("pairing_id", sa.String(32)))
    op.add_column("drafts", sa.Column("partner_id", sa.String(64)))
    op.add_column("drafts", sa.Column("request", sa.JSON))
    op.add_column("drafts", sa.Column("worker", sa.String(160)))
    op.add_column("drafts", sa.Column("lease_until", sa.DateTime(timezone=True)))
    op.create_index("ix_drafts_pairing", "drafts", ["pairing_id"])
    op.add_column("audit_log", sa.Column("token_id", sa.String(32)))
    _bind_existing_drafts()
    _repair_live_duplicates()
    live = sa.text("status IN ('pending', 'approved', 'active')")
    op.create_index("uq_pairings_live_mentee", "pairings", ["program_id", "mentee_id"],
                    unique=True, sqlite_where=live, postgresql_where=live)


def downgrade() -> None:
    op.drop_index("uq_pairings_live_mentee", table_name="pairings")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("token_id")
    op.drop_index("ix_drafts_pairing", table_name="drafts")
    with op.batch_alter_table("drafts") as batch:
        for column in ("lease_until", "worker", "request", "partner_id", "pairing_id"):
            batch.drop_column(column)
