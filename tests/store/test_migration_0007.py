"""Migration 0007 (org_people) on a database written before it, on SQLite and PostgreSQL:
stored people keep their lines, organisation records join the walk, a deleted program
takes its records along, and the downgrade drops the table."""

from __future__ import annotations

from datetime import date

from alembic import command
from sqlalchemy import inspect, text

from companion.domain import Program
from companion.store import (
    Database,
    OrgPerson,
    OrgTree,
    ParticipantRepository,
    ProgramRecords,
    ProgramRepository,
)
from companion.store.db import _alembic_config


def _migrate(db: Database, revision: str, *, down: bool = False) -> None:
    with db.engine.begin() as conn:
        config = _alembic_config()
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)


def test_records_join_stored_lines_and_go_with_their_program(any_db: Database) -> None:
    _migrate(any_db, "0006")
    with any_db.engine.begin() as conn:
        conn.execute(text("INSERT INTO programs (id, name, type, start_date, months, settings, "
                          "created_at, updated_at) VALUES (1, 'P', 'one_to_one', '2027-01-11', "
                          "12, '{}', '2027-01-01', '2027-01-01')"))
        conn.execute(text(
            "INSERT INTO participants (program_id, pid, name, role, manager_id, languages, "
            "goals, skills, extra, content_hash, created_at, updated_at) VALUES "
            "(1, 'e1', 'Ella', 'mentee', 'boss', '[]', '[]', '[]', '{}', 'h', "
            "'2027-01-01', '2027-01-01')"))
    _migrate(any_db, "head")
    with any_db.session(write=True) as session:
        row = ProgramRepository(session).row("P")
        tree = OrgTree(session, row.id)
        assert tree.add_missing(["boss"]) == ["boss"] and tree.add_missing(["boss"]) == []
        assert tree.upsert([OrgPerson("boss", "Bea", "vp")]) == (0, 1, 0)
        assert ParticipantRepository(session, row.id).managers() == {"e1": "boss",
                                                                     "boss": "vp"}
    with any_db.session(write=True) as session:
        records = ProgramRecords(session)
        row = ProgramRepository(session).row("P")
        assert records.holdings(row).org_people == 1
        records.update(row, Program(name="P2", start_date=date(2027, 2, 1)))
    with any_db.session(write=True) as session:
        row = ProgramRepository(session).row("P2")
        assert (row.start_date, row.months) == (date(2027, 2, 1), 12)
        ProgramRecords(session).delete(row)
    with any_db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM org_people")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM participants")).scalar() == 0


def test_downgrade_drops_the_table(any_db: Database) -> None:
    _migrate(any_db, "head")
    _migrate(any_db, "0006", down=True)

    assert "org_people" not in inspect(any_db.engine).get_table_names()
