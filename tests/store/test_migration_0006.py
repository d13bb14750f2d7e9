"""Migration 0006 on a database written before it: old drafts and versions read with an empty
rationale, and new ones keep theirs."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from companion.domain import Draft, DraftKind, DraftStatus
from companion.store import Database, DraftRepository, ProgramRepository
from companion.store.db import _alembic_config


def _at(db: Database, revision: str) -> None:
    with db.engine.begin() as conn:
        config = _alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def test_old_drafts_read_with_an_empty_rationale(any_db: Database) -> None:
    _at(any_db, "0005")
    with any_db.engine.begin() as conn:
        conn.execute(text("INSERT INTO programs (id, name, type, start_date, months, settings, "
                          "created_at, updated_at) VALUES (1, 'P', 'one_to_one', '2027-01-11', "
                          "12, '{}', '2027-01-01', '2027-01-01')"))
        conn.execute(text(
            "INSERT INTO drafts (id, program_id, participant_id, kind, status, version, "
            "generator, retrieved_ids, created_at, updated_at) VALUES "
            "('d-old', 1, 'e1', 'agenda', 'pending_review', 1, 'offline', '[]', "
            "'2027-01-05', '2027-01-05')"))
        conn.execute(text(
            "INSERT INTO draft_versions (draft_id, number, content, citations, checks, "
            "generator, author, created_at) VALUES ('d-old', 1, '{\"title\": \"Kickoff\"}', "
            "'[]', '[]', 'offline', 'offline', '2027-01-05')"))
    _at(any_db, "head")
    with any_db.session(write=True) as session:
        repo = DraftRepository(session, ProgramRepository(session).row("P"))
        old = repo.get("d-old")
        assert old.rationale == {} and old.content == {"title": "Kickoff"}
        assert [v.rationale for v in repo.versions("d-old")] == [{}]
        why = {"template": {"name": "Kickoff", "reason": "first session"}, "note": "n"}
        repo.add(Draft(id="d-new", program="P", kind=DraftKind.agenda, participant_id="e1",
                       status=DraftStatus.pending_review, generator="offline",
                       content={"title": "x"}, rationale=why), author="offline")
    with any_db.session() as session:
        repo = DraftRepository(session, ProgramRepository(session).row("P"))
        assert repo.get("d-new").rationale == why
        assert repo.versions("d-new")[0].rationale == why


def test_downgrade_drops_the_column(any_db: Database) -> None:
    _at(any_db, "head")
    with any_db.engine.begin() as conn:
        config = _alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "0005")
    columns = {c["name"] for c in inspect(any_db.engine).get_columns("draft_versions")}
    assert "rationale" not in columns and "note" in columns
