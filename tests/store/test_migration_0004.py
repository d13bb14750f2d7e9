"""Migration 0004 on a database written by the code before it: duplicate live pairings are
repaired (and audited) before the constraint, and old drafts are bound to their requester's
only pairing."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from companion.store import Database
from companion.store.db import _alembic_config


def _at(db: Database, revision: str) -> None:
    with db.engine.begin() as conn:
        config = _alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def test_upgrade_repairs_duplicates_and_binds_drafts(any_db: Database) -> None:
    _at(any_db, "0003")
    with any_db.engine.begin() as conn:
        conn.execute(text("INSERT INTO programs (id, name, type, start_date, months, settings, "
                          "created_at, updated_at) VALUES (1, 'P', 'one_to_one', '2027-01-11', "
                          "12, '{}', '2027-01-01', '2027-01-01')"))
        for pid, mentee, mentor, status, made in [
                ("pr-1", "e1", "m1", "approved", "2027-01-02"),
                ("pr-2", "e1", "m1", "approved", "2027-01-03"),   # the race's duplicate
                ("pr-3", "e2", "m2", "pending", "2027-01-02"),
                ("pr-4", "e2", "m3", "active", "2027-01-04"),     # stronger status wins
                ("pr-5", "e3", "m1", "approved", "2027-01-02")]:
            conn.execute(text(
                "INSERT INTO pairings (id, program_id, mentee_id, mentor_id, status, score, "
                "components, reasons, locked, version, created_at, updated_at) VALUES "
                "(:id, 1, :e, :m, :s, 0.5, '{}', '[]', false, 1, :t, :t)"),
                {"id": pid, "e": mentee, "m": mentor, "s": status, "t": made})
        for draft_id, participant in [("d-e2", "e2"), ("d-m1", "m1")]:
            conn.execute(text(
                "INSERT INTO drafts (id, program_id, participant_id, kind, status, version, "
                "generator, retrieved_ids, created_at, updated_at) VALUES "
                "(:id, 1, :p, 'agenda', 'approved', 2, 'offline', '[]', '2027-01-05', "
                "'2027-01-05')"), {"id": draft_id, "p": participant})
    _at(any_db, "0004")
    with any_db.engine.connect() as conn:
        status = {r[0]: r[1] for r in conn.execute(text("SELECT id, status FROM pairings"))}
        bound = {r[0]: r[1] for r in conn.execute(text("SELECT id, pairing_id FROM drafts"))}
        repairs = conn.execute(text("SELECT entity_id FROM audit_log "
                                    "WHERE action = 'pairing.repair'")).scalars().all()
    assert status == {"pr-1": "approved", "pr-2": "rejected", "pr-3": "rejected",
                      "pr-4": "active", "pr-5": "approved"}
    assert sorted(repairs) == ["pr-2", "pr-3"]
    # e2 has one live pairing now (pr-4); m1 mentors two mentees: kept private
    assert bound == {"d-e2": "pr-4", "d-m1": None}
