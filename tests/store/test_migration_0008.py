"""Migration 0008 (the mentoring relationship) on a database written before it, on SQLite and
PostgreSQL: approved pairings get their approval time, the new tables take sessions, goals,
check-ins and notifications under their rules, a deleted program takes them along, and the
downgrade drops them while the live-mentee rule still holds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from companion.domain import PairingStatus
from companion.domain.relationship import (
    CheckinKind,
    Goal,
    GoalCheckpoint,
    GoalStatus,
    GoalUpdate,
    MentoringSession,
    Notification,
    NotificationKind,
    SessionStatus,
)
from companion.errors import ConflictError
from companion.store import (
    CheckinRepository,
    Database,
    GoalRepository,
    Notifications,
    PairingRepository,
    ProgramRecords,
    ProgramRepository,
    SessionRepository,
)
from companion.store.db import _alembic_config

NEW_TABLES = {"mentoring_sessions", "calendar_tokens", "goals", "goal_checkpoints",
              "goal_updates", "checkins", "notifications"}
T = datetime(2027, 2, 1, 15, 0, tzinfo=UTC)


def _migrate(db: Database, revision: str, *, down: bool = False) -> None:
    with db.engine.begin() as conn:
        config = _alembic_config()
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)


def _seed_0007(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO programs (id, name, type, start_date, months, settings, "
                          "created_at, updated_at) VALUES (1, 'P', 'one_to_one', '2027-01-11', "
                          "12, '{}', '2027-01-01', '2027-01-01')"))
        for pid, mentee, mentor, status, decided in [
                ("pr-a", "e1", "m1", "approved", "2027-01-20 10:00:00+00:00"),
                ("pr-b", "e2", "m1", "active", "2027-01-21 10:00:00+00:00"),
                ("pr-c", "e3", "m2", "pending", None)]:
            conn.execute(text(
                "INSERT INTO pairings (id, program_id, mentee_id, mentor_id, status, score, "
                "components, reasons, locked, version, decided_at, created_at, updated_at) "
                "VALUES (:id, 1, :e, :m, :s, 0.5, '{}', '[]', false, 2, :d, '2027-01-02', "
                "'2027-01-02')"), {"id": pid, "e": mentee, "m": mentor, "s": status,
                                   "d": decided})


def _meeting(sid: str, pairing: str, at: datetime, status: SessionStatus) -> MentoringSession:
    return MentoringSession(id=sid, program="P", pairing_id=pairing, starts_at=at, minutes=60,
                            status=status, uid=f"{sid}@companion", created_by="e1")


def test_upgrade_keeps_pairings_and_the_new_tables_hold_their_rules(any_db: Database) -> None:
    _migrate(any_db, "0007")
    _seed_0007(any_db)
    _migrate(any_db, "head")
    assert NEW_TABLES <= set(inspect(any_db.engine).get_table_names())
    with any_db.session(write=True) as session:
        program = ProgramRepository(session).row("P")
        pairings = PairingRepository(session, program)
        approved_at = {p.id: p.approved_at for p in pairings.list()}
        assert approved_at == {"pr-a": datetime(2027, 1, 20, 10, tzinfo=UTC),
                               "pr-b": datetime(2027, 1, 21, 10, tzinfo=UTC), "pr-c": None}
        # the program's new settings come with their defaults
        model = ProgramRepository(session).get("P")
        assert (model.checkin_first_days, model.checkin_every_days, model.nudge_days,
                model.coordinator_queue_days, model.trial_sessions) == (30, 60, [7, 14, 21],
                                                                          28, 2)

        sessions = SessionRepository(session, program)
        sessions.add(_meeting("s-1", "pr-a", T, SessionStatus.held), at=T)
        sessions.add(_meeting("s-2", "pr-a", T + timedelta(days=28), SessionStatus.held), at=T)
        sessions.add(_meeting("s-3", "pr-a", T + timedelta(days=56), SessionStatus.scheduled),
                     at=T)
        sessions.add(_meeting("s-4", "pr-b", T - timedelta(days=3), SessionStatus.held), at=T)
        assert sessions.last_held() == {"pr-a": T + timedelta(days=28),
                                        "pr-b": T - timedelta(days=3)}
        assert sessions.held_counts() == {"pr-a": 2, "pr-b": 1}
        moved = sessions.change("s-3", expected_version=1, at=T,
                                starts_at=T + timedelta(days=57))
        assert (moved.version, moved.sequence, moved.starts_at) == (2, 1,
                                                                    T + timedelta(days=57))
        assert moved.starts_at.tzinfo is not None
        with pytest.raises(ConflictError, match="version 1"):
            sessions.change("s-3", expected_version=1, at=T, status=SessionStatus.cancelled)
        assert SessionRepository.of_session(session, "s-3").program.name == "P"

        goals = GoalRepository(session, program)
        first = goals.add_version(Goal(id="g-1", program="P", pairing_id="pr-a",
                                       participant_id="e1", goal_key="k1", statement="Delegate",
                                       created_by="e1"),
                                  [GoalCheckpoint(goal_id="g-1", position=1,
                                                  due_on=date(2027, 3, 1), check="half")],
                                  at=T)
        assert first.is_current
        goals.add_version(Goal(id="g-2", program="P", pairing_id="pr-a", participant_id="e1",
                               goal_key="k1", version=2, statement="Delegate two projects",
                               created_by="e1"), [], at=T)
        assert [(g.id, g.is_current, g.superseded_by) for g in goals.history("k1")] == [
            ("g-1", False, "g-2"), ("g-2", True, None)]
        goals.add_update(GoalUpdate(goal_id="g-2", author_id="e1", status=GoalStatus.on_track,
                                    evidence="handed over the budget"), at=T)
        assert goals.get("g-2").status is GoalStatus.on_track
        assert goals.due_checkpoints(date(2027, 12, 31)) == []  # g-1 is superseded

        checkins = CheckinRepository(session, program)
        assert checkins.ensure_due("pr-a", "e1", CheckinKind.pulse, date(2027, 2, 19), at=T)
        assert not checkins.ensure_due("pr-a", "e1", CheckinKind.pulse, date(2027, 2, 19),
                                       at=T)
        (due,) = checkins.list(submitted=False)
        assert due.id is not None
        answered = checkins.submit(due.id, at=T, rating=4, meetings_per_month=1.0)
        assert answered.rating == 4 and answered.submitted_at is not None
        with pytest.raises(ConflictError, match="answered already"):
            checkins.submit(due.id, at=T, rating=5)

        notices = Notifications(session, program)
        nudge = Notification(program="P", pairing_id="pr-a", recipient_id="e1",
                             kind=NotificationKind.nudge, threshold_days=7,
                             reason="no session for 35 days", dedup_key="pr-a:nudge:7:s-2")
        assert notices.add_once(nudge, at=T) and not notices.add_once(nudge, at=T)
        assert [n.dedup_key for n in notices.list(recipient_id="e1")] == ["pr-a:nudge:7:s-2"]
        assert notices.list(coordinators=True) == []


@pytest.mark.parametrize("statement", [
    "INSERT INTO checkins (program_id, pairing_id, participant_id, kind, due_on, rating, "
    "created_at) VALUES (1, 'pr-a', 'e1', 'pulse', '2027-03-01', 6, '2027-03-01')",
    "INSERT INTO checkins (program_id, pairing_id, participant_id, kind, due_on, recommend, "
    "created_at) VALUES (1, 'pr-a', 'e1', 'closing', '2027-03-01', 11, '2027-03-01')",
    "INSERT INTO mentoring_sessions (id, program_id, pairing_id, starts_at, minutes, format, "
    "status, sequence, uid, action_items, created_by, created_at, updated_at, version) VALUES "
    "('s-0', 1, 'pr-a', '2027-03-01', 0, 'video', 'scheduled', 0, 'u', '[]', 'x', "
    "'2027-03-01', '2027-03-01', 1)",
    "INSERT INTO mentoring_sessions (id, program_id, pairing_id, starts_at, minutes, format, "
    "status, sequence, uid, action_items, created_by, created_at, updated_at, version) VALUES "
    "('s-0', 1, 'no-such-pairing', '2027-03-01', 60, 'video', 'scheduled', 0, 'u', '[]', 'x', "
    "'2027-03-01', '2027-03-01', 1)",
])
def test_the_database_refuses_out_of_range_rows(any_db: Database, statement: str) -> None:
    _migrate(any_db, "0007")
    _seed_0007(any_db)
    _migrate(any_db, "head")
    with pytest.raises(IntegrityError), any_db.engine.begin() as conn:
        conn.execute(text(statement))


def test_deleting_a_program_deletes_its_relationship_records(any_db: Database) -> None:
    _migrate(any_db, "0007")
    _seed_0007(any_db)
    _migrate(any_db, "head")
    with any_db.session(write=True) as session:
        program = ProgramRepository(session).row("P")
        SessionRepository(session, program).add(_meeting("s-1", "pr-a", T, SessionStatus.held),
                                                at=T)
        GoalRepository(session, program).add_version(
            Goal(id="g-1", program="P", pairing_id="pr-a", participant_id="e1",
                 goal_key="k1", statement="s", created_by="e1"),
            [GoalCheckpoint(goal_id="g-1", position=1, due_on=date(2027, 3, 1), check="c")],
            at=T)
        CheckinRepository(session, program).ensure_due("pr-a", "e1", CheckinKind.pulse,
                                                       date(2027, 3, 1), at=T)
    with any_db.session(write=True) as session:
        ProgramRecords(session).delete(ProgramRepository(session).row("P"))
    with any_db.engine.connect() as conn:
        for table in NEW_TABLES:
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table


def test_downgrade_drops_the_tables_and_keeps_the_live_mentee_rule(any_db: Database) -> None:
    _migrate(any_db, "0007")
    _seed_0007(any_db)
    _migrate(any_db, "head")
    with any_db.session(write=True) as session:
        program = ProgramRepository(session).row("P")
        SessionRepository(session, program).add(_meeting("s-1", "pr-a", T, SessionStatus.held),
                                                at=T)
        PairingRepository(session, program).end("pr-b", expected_version=2, reason="completed",
                                                by="coord", at=T)
    _migrate(any_db, "0007", down=True)
    inspector = inspect(any_db.engine)
    assert not NEW_TABLES & set(inspector.get_table_names())
    columns = {c["name"] for c in inspector.get_columns("pairings")}
    assert not {"approved_at", "ended_at", "end_reason", "end_note", "ended_by"} & columns
    assert "withdrawn_at" not in {c["name"] for c in inspector.get_columns("participants")}
    with any_db.engine.begin() as conn:
        rows = dict(conn.execute(text("SELECT id, status FROM pairings")).all())
        assert rows == {"pr-a": "approved", "pr-b": "closed", "pr-c": "pending"}
        # still partial: a closed pairing does not block a new live one of the same mentee
        conn.execute(text(
            "INSERT INTO pairings (id, program_id, mentee_id, mentor_id, status, score, "
            "components, reasons, locked, version, created_at, updated_at) VALUES "
            "('pr-d', 1, 'e2', 'm3', 'pending', 0.5, '{}', '[]', false, 1, '2027-01-02', "
            "'2027-01-02')"))
    # ... and still unique among live ones
    with pytest.raises(IntegrityError), any_db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO pairings (id, program_id, mentee_id, mentor_id, status, score, "
            "components, reasons, locked, version, created_at, updated_at) VALUES "
            "('pr-e', 1, 'e1', 'm3', 'pending', 0.5, '{}', '[]', false, 1, '2027-01-02', "
            "'2027-01-02')"))
    _migrate(any_db, "head")  # and up again
    assert NEW_TABLES <= set(inspect(any_db.engine).get_table_names())


def test_pairing_repository_records_approval_and_end(any_db: Database) -> None:
    _migrate(any_db, "0007")
    _seed_0007(any_db)
    _migrate(any_db, "head")
    with any_db.session(write=True) as session:
        repo = PairingRepository(session, ProgramRepository(session).row("P"))
        approved = repo.decide("pr-c", expected_version=2, status=PairingStatus.approved,
                               by="coord")
        assert approved.approved_at is not None
        assert repo.activate("pr-c", at=T) and not repo.activate("pr-c", at=T)
        ended = repo.end("pr-c", expected_version=approved.version + 1, reason="no_fault",
                         by="coord", at=T, note="different expectations")
        assert (ended.status, ended.end_reason, ended.ended_at, ended.approved_at) == (
            PairingStatus.closed, "no_fault", T, approved.approved_at)
