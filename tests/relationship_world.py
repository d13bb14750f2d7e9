"""Seeding a program after approval straight through the repositories (tests and bench/):
people, pairings approved on a given day, held sessions, check-ins and goals — no model,
no import file, fast enough for 10,000 pairs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import update

from companion.domain import Pairing, PairingStatus, Participant, Program, ProgramType
from companion.domain.relationship import (
    CheckinKind,
    Goal,
    GoalStatus,
    MentoringSession,
    SessionStatus,
)
from companion.store import (
    CheckinRepository,
    Database,
    GoalRepository,
    PairingRepository,
    ParticipantRepository,
    ProgramRepository,
    SessionRepository,
)
from companion.store.tables import PairingRow


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def program(db: Database, name: str = "Pilot", start: date = date(2027, 1, 4),
            **settings: Any) -> Program:
    model = Program(name=name, type=ProgramType.one_to_one, start_date=start, months=12,
                    **settings)
    with db.session(write=True) as session:
        return ProgramRepository(session).create(model)


def people(db: Database, name: str, rows: Sequence[dict[str, Any]]) -> None:
    found = [Participant.model_validate(r) for r in rows]
    with db.session(write=True) as session:
        ParticipantRepository(session, ProgramRepository(session).row(name).id).upsert(
            found, [])


def pairs(db: Database, name: str, rows: Iterable[tuple[str, str, str, date | None]],
          status: PairingStatus = PairingStatus.approved) -> None:
    """(pairing id, mentee, mentor, approved on): approved that day (None: left pending)."""
    with db.session(write=True) as session:
        repo = PairingRepository(session, ProgramRepository(session).row(name))
        approved: dict[str, date] = {}
        for pid, mentee, mentor, day in rows:
            repo.add(Pairing(id=pid, program=name, mentee_id=mentee, mentor_id=mentor))
            if day is not None:
                approved[pid] = day
        for pid, day in approved.items():
            session.execute(update(PairingRow).where(PairingRow.id == pid).values(
                status=status.value, approved_at=at(day), decided_at=at(day),
                decided_by="coordinator", version=2))


def held(db: Database, name: str, rows: Iterable[tuple[str, date]]) -> None:
    """Held sessions (pairing id, day); the pairing becomes active."""
    with db.session(write=True) as session:
        row = ProgramRepository(session).row(name)
        repo, pairings = SessionRepository(session, row), PairingRepository(session, row)
        for n, (pid, day) in enumerate(rows):
            sid = f"ss-{pid}-{day.isoformat()}-{n}"
            repo.add(MentoringSession(id=sid, program=name, pairing_id=pid, starts_at=at(day),
                                      minutes=60, status=SessionStatus.held,
                                      uid=f"{sid}@companion", created_by="seed",
                                      notes="PRIVATE-NOTE", held_at=at(day)), at=at(day))
            pairings.activate(pid, at=at(day))


def rating(db: Database, name: str, pairing_id: str, participant_id: str, day: date,
           value: int | None, recommend: int | None = None,
           kind: CheckinKind = CheckinKind.pulse) -> None:
    with db.session(write=True) as session:
        repo = CheckinRepository(session, ProgramRepository(session).row(name))
        repo.ensure_due(pairing_id, participant_id, kind, day, at=at(day))
        (open_,) = [c for c in repo.list(pairing_ids=[pairing_id],
                                         participant_id=participant_id, kind=kind)
                    if c.due_on == day]
        if value is not None or recommend is not None:
            assert open_.id is not None
            repo.submit(open_.id, at=at(day), rating=value, recommend=recommend,
                        comment="PRIVATE-COMMENT")


def goal(db: Database, name: str, pairing_id: str, mentee: str, key: str,
         status: GoalStatus, day: date = date(2027, 1, 20)) -> None:
    with db.session(write=True) as session:
        GoalRepository(session, ProgramRepository(session).row(name)).add_version(Goal(
            id=f"g-{key}", program=name, pairing_id=pairing_id, participant_id=mentee,
            goal_key=key, statement="PRIVATE-GOAL", status=status, created_by="seed"), [],
            at=at(day))


def person(pid: str, role: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": pid, "name": f"Person {pid}", "role": role,
                            "organization": "Harbourline", "department": "Finance",
                            "level": 4, "languages": ["en"]}
    data.update(extra)
    return data


def days(n: int) -> timedelta:
    return timedelta(days=n)


def imported_with_pairings(db: Database, tmp_path: Any, people: list[dict[str, Any]],
                           pairings: Sequence[tuple[str, str, str, bool]],
                           program_name: str = "Pilot") -> Database:
    """People through the real import (a CSV file), then pairings added through the
    repository: (pairing id, mentee, mentor, approved?) — unapproved ones stay pending."""
    from companion.services.participants import import_participants_file
    from tests import factories

    report = import_participants_file(db, program_name, factories.write_csv(
        tmp_path / "people.csv", people), skip_invalid=False)
    assert report.imported, report.errors
    with db.session(write=True) as session:
        repo = PairingRepository(session, ProgramRepository(session).row(program_name))
        for pid, mentee, mentor, approve in pairings:
            repo.add(Pairing(id=pid, program=program_name, mentee_id=mentee, mentor_id=mentor))
            if approve:
                repo.decide(pid, expected_version=1, status=PairingStatus.approved, by="c")
    return db

