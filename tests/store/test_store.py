"""The store on SQLite and PostgreSQL: migrations, repositories, audit log, concurrency."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from companion.domain import (
    CheckResult,
    Citation,
    Draft,
    DraftKind,
    DraftStatus,
    Pairing,
    PairingStatus,
    Role,
)
from companion.errors import ConflictError, NotFoundError
from companion.store import (
    AuditLog,
    Database,
    DraftRepository,
    PairingRepository,
    ParticipantRepository,
    ProgramRepository,
)
from companion.store.db import head_revision
from tests import factories


def test_migrations_create_every_table_and_reach_head(any_db: Database) -> None:
    any_db.upgrade()
    tables = set(inspect(any_db.engine).get_table_names())
    assert {"programs", "participants", "pairings", "drafts", "draft_versions",
            "audit_log"} <= tables
    assert any_db.current_revision() == head_revision()


def test_the_head_every_command_compares_with_is_alembics() -> None:
    """HEAD_REVISION spares each command Alembic's import and a parse of every migration; a
    new migration must move it (else databases would never be upgraded to it)."""
    from companion.store.db import HEAD_REVISION, scripts_head

    assert HEAD_REVISION == scripts_head()


def test_the_revision_read_without_alembic_is_alembics(any_db: Database) -> None:
    from alembic.runtime.migration import MigrationContext

    def alembics() -> str | None:
        with any_db.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    any_db.upgrade()
    assert any_db.current_revision() == alembics() == head_revision()
    with any_db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0009'")
    assert any_db.current_revision() == alembics() == "0009"
    with any_db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE alembic_version")
    assert any_db.current_revision() is None and alembics() is None


def test_upgrade_twice_is_harmless(any_db: Database) -> None:
    any_db.upgrade()
    again = Database(any_db.url)
    again.upgrade()
    assert again.current_revision() == head_revision()
    again.dispose()


def test_program_round_trip_keeps_settings(any_db: Database) -> None:
    program = factories.program("Pilot", partner_organizations=["Corvid"], cadence_weeks=3)
    with any_db.session() as session:
        ProgramRepository(session).create(program)
    with any_db.session() as session:
        stored = ProgramRepository(session).get("Pilot")
    assert stored == program
    assert stored.phases[0].start == program.start_date


def test_duplicate_program_name_is_a_conflict(any_db: Database) -> None:
    with any_db.session() as session:
        ProgramRepository(session).create(factories.program("Pilot"))
    with pytest.raises(ConflictError, match="already exists"), any_db.session() as session:
        ProgramRepository(session).create(factories.program("Pilot"))


def test_unknown_program_names_the_known_ones(any_db: Database) -> None:
    with any_db.session() as session:
        ProgramRepository(session).create(factories.program("Pilot"))
    with pytest.raises(NotFoundError, match="Known programs: Pilot"), \
            any_db.session() as session:
        ProgramRepository(session).get("Nope")


def test_participants_upsert_and_filter_by_role(any_db: Database) -> None:
    from companion.domain import Participant

    mentor = Participant.model_validate(factories.mentor("m1"))
    both = Participant.model_validate(factories.mentor("b1", role="both", goals="Grow"))
    mentee = factories.participant("e1", manager_id="m1")
    with any_db.session() as session:
        program = ProgramRepository(session).create(factories.program())
        row = ProgramRepository(session).row(program.name)
        repo = ParticipantRepository(session, row.id)
        repo.upsert([mentor, both, mentee], [])
    with any_db.session() as session:
        repo = ParticipantRepository(session, ProgramRepository(session).row("Pilot").id)
        assert [p.id for p in repo.list(Role.mentor)] == ["b1", "m1"]
        assert [p.id for p in repo.list(Role.mentee)] == ["b1", "e1"]
        assert repo.get("e1") == mentee
        stored = repo.hashes_and_managers()
        assert stored["e1"] == (mentee.content_hash(), "m1")
        changed = mentee.model_copy(update={"title": "Team lead"})
        repo.upsert([], [changed])
    with any_db.session() as session:
        repo = ParticipantRepository(session, ProgramRepository(session).row("Pilot").id)
        assert repo.get("e1").title == "Team lead"
        assert repo.count() == 3


def test_failed_transaction_writes_nothing(any_db: Database) -> None:
    with pytest.raises(RuntimeError), any_db.session() as session:
        ProgramRepository(session).create(factories.program("Pilot"))
        raise RuntimeError("boom")
    with any_db.session() as session:
        assert not ProgramRepository(session).exists("Pilot")


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'mallory'",
                                       "DELETE FROM audit_log"])
def test_audit_log_is_append_only_in_the_database(any_db: Database, statement: str) -> None:
    with any_db.session() as session:
        AuditLog(session).append("cli", "program.create", "program", "Pilot", program="Pilot",
                                 detail={"months": 12})
    with pytest.raises(DBAPIError, match="append-only"), any_db.session() as session:
        session.execute(text(statement))
    with any_db.session() as session:
        events = AuditLog(session).list(program="Pilot")
    assert [(e.actor, e.action, e.detail) for e in events] == [
        ("cli", "program.create", {"months": 12})]
    assert events[0].at.tzinfo is not None


def test_audit_log_filters_and_orders_newest_first(any_db: Database) -> None:
    with any_db.session() as session:
        log = AuditLog(session)
        log.append("a", "program.create", "program", "P1", program="P1")
        log.append("b", "pairing.approve", "pairing", "x1", program="P1")
        log.append("c", "program.create", "program", "P2", program="P2")
    with any_db.session() as session:
        log = AuditLog(session)
        assert [e.actor for e in log.list()] == ["c", "b", "a"]
        assert [e.actor for e in log.list(program="P1")] == ["b", "a"]
        assert [e.actor for e in log.list(entity_type="pairing", entity_id="x1")] == ["b"]
        assert [e.actor for e in log.list(limit=1)] == ["c"]


def _pairing_repo(session: Session, name: str = "Pilot") -> PairingRepository:
    programs = ProgramRepository(session)
    if not programs.exists(name):
        programs.create(factories.program(name))
    return PairingRepository(session, programs.row(name))


def test_pairing_decision_uses_optimistic_concurrency(any_db: Database) -> None:
    with any_db.session() as session:
        repo = _pairing_repo(session)
        pairing = repo.add(Pairing(id="p1", program="Pilot", mentee_id="e1", mentor_id="m1",
                                   score=0.8, components={"semantic": 0.9},
                                   reasons=["both lead finance teams"]))
    assert pairing.status is PairingStatus.pending and pairing.version == 1
    with any_db.session() as session:
        approved = _pairing_repo(session).decide(
            "p1", expected_version=1, status=PairingStatus.approved, by="coord", note="good")
    assert (approved.status, approved.version, approved.decided_by) == (
        PairingStatus.approved, 2, "coord")
    assert approved.decided_at is not None
    with pytest.raises(ConflictError, match="changed since version 1"), \
            any_db.session() as session:
        _pairing_repo(session).decide("p1", expected_version=1,
                                      status=PairingStatus.rejected, by="other")
    with any_db.session() as session:
        repo = _pairing_repo(session)
        assert repo.get("p1").status is PairingStatus.approved
        assert [p.id for p in repo.list([PairingStatus.approved])] == ["p1"]
        assert repo.list([PairingStatus.pending]) == []


def test_pairings_are_scoped_to_their_program(any_db: Database) -> None:
    with any_db.session() as session:
        _pairing_repo(session, "A").add(
            Pairing(id="p1", program="A", mentee_id="e1", mentor_id="m1"))
    with pytest.raises(NotFoundError), any_db.session() as session:
        _pairing_repo(session, "B").get("p1")


def _draft(**overrides: Any) -> Draft:
    data: dict[str, Any] = {
        "id": "d1", "program": "Pilot", "kind": DraftKind.questions, "participant_id": "e1",
        "generator": "offline", "content": {"questions": [{"text": "What?", "purpose": "x"}]},
        "citations": [Citation(source="knowledge/question-bank.md", heading="Delegation",
                               excerpt="What could you hand over?")],
        "checks": [CheckResult(name="schema", passed=True)],
    }
    data.update(overrides)
    return Draft(**data)


def test_draft_edits_are_new_versions_with_concurrency(any_db: Database) -> None:
    with any_db.session() as session:
        programs = ProgramRepository(session)
        programs.create(factories.program())
        repo = DraftRepository(session, programs.row("Pilot"))
        created = repo.add(_draft(), author="offline")
    assert created.version == 1 and created.status is DraftStatus.pending_review
    assert created.citations[0].source == "knowledge/question-bank.md"
    edited_content = _draft(content={"questions": [{"text": "Why?", "purpose": "y"}]},
                            generator="edit:coord")
    with any_db.session() as session:
        repo = DraftRepository(session, ProgramRepository(session).row("Pilot"))
        edited = repo.revise("d1", expected_version=1, status=DraftStatus.pending_review,
                             author="coord", content=edited_content, diff="- What?\n+ Why?")
        approved = repo.revise("d1", expected_version=2, status=DraftStatus.approved,
                               author="coord", note="ok")
        with pytest.raises(ConflictError):
            repo.revise("d1", expected_version=2, status=DraftStatus.rejected, author="x")
        versions = repo.versions("d1")
    assert edited.content["questions"][0]["text"] == "Why?"
    assert approved.status is DraftStatus.approved and approved.version == 3
    assert approved.content == edited.content  # approving keeps the edited content
    assert [v.number for v in versions] == [1, 2, 3]
    assert versions[1].diff == "- What?\n+ Why?"
    assert versions[0].content["questions"][0]["text"] == "What?"


def test_drafts_list_filters(any_db: Database) -> None:
    with any_db.session() as session:
        programs = ProgramRepository(session)
        programs.create(factories.program())
        repo = DraftRepository(session, programs.row("Pilot"))
        repo.add(_draft(id="d1"), author="offline")
        repo.add(_draft(id="d2", participant_id="e2", status=DraftStatus.failed,
                        failure_reason="schema"), author="offline")
        assert [d.id for d in repo.list(participant_id="e2")] == ["d2"]
        assert [d.id for d in repo.list(status=DraftStatus.pending_review)] == ["d1"]
        assert repo.get("d2").failure_reason == "schema"
