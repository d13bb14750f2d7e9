"""Repositories of the mentoring relationship after approval (migration 0008): sessions,
calendar feed tokens, tracked goals, check-ins and notifications. docs/relationship.md.

Times are passed in by the services (from their `Clock`), never read here: a simulated
program writes simulated times."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from companion.domain.relationship import (
    Channel,
    Checkin,
    CheckinKind,
    Goal,
    GoalCheckpoint,
    GoalStatus,
    GoalUpdate,
    MentoringSession,
    Notification,
    NotificationKind,
    SessionFormat,
    SessionStatus,
)
from companion.errors import ConflictError, NotFoundError, StaleVersionError
from companion.store.tables import (
    CalendarTokenRow,
    CheckinRow,
    GoalCheckpointRow,
    GoalRow,
    GoalUpdateRow,
    MentoringSessionRow,
    NotificationRow,
    ProgramRow,
)


def _insert_for(session: Session, table: Table) -> Any:
    """The dialect's INSERT (with `on_conflict_do_nothing`) for `table`."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _insert_ignoring_duplicates(session: Session, table: Any, values: dict[str, Any]) -> bool:
    """INSERT unless a unique key already holds the row: True when this call wrote it. The
    database decides, so two processes inserting the same key at once write it once."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - Companion runs on SQLite and PostgreSQL
        statement = insert(table).values(**values)
    # RETURNING says whether a row was written (rowcount is not reliable on every driver)
    written = session.execute(statement.returning(table.id)).scalar_one_or_none()
    return written is not None


class SessionRepository:
    """Mentoring sessions of one program, with optimistic concurrency on changes."""

    def __init__(self, session: Session, program: ProgramRow) -> None:
        self.session = session
        self.program = program

    @classmethod
    def of_session(cls, session: Session, session_id: str) -> SessionRepository:
        """The repository of the program a session (addressed by id alone) belongs to."""
        program = session.scalar(select(ProgramRow).join(
            MentoringSessionRow, MentoringSessionRow.program_id == ProgramRow.id).where(
            MentoringSessionRow.id == session_id))
        if program is None:
            raise NotFoundError(f"no session '{session_id}'")
        return cls(session, program)

    def add(self, meeting: MentoringSession, *, at: datetime) -> MentoringSession:
        self.session.add(MentoringSessionRow(
            id=meeting.id, program_id=self.program.id, pairing_id=meeting.pairing_id,
            starts_at=meeting.starts_at, minutes=meeting.minutes, format=meeting.format.value,
            location=meeting.location, timezone=meeting.timezone, status=meeting.status.value,
            agenda_draft_id=meeting.agenda_draft_id, sequence=meeting.sequence,
            uid=meeting.uid, notes=meeting.notes, action_items=list(meeting.action_items),
            created_by=meeting.created_by, created_at=at, updated_at=at,
            held_at=meeting.held_at, cancelled_at=meeting.cancelled_at,
            cancel_reason=meeting.cancel_reason, version=1))
        self.session.flush()
        return self.get(meeting.id)

    def get(self, session_id: str) -> MentoringSession:
        row = self.session.get(MentoringSessionRow, session_id)
        if row is None or row.program_id != self.program.id:
            raise NotFoundError(f"no session '{session_id}' in program '{self.program.name}'")
        return self._model(row)

    def list(self, *, pairing_ids: Iterable[str] | None = None,
             statuses: Iterable[SessionStatus] | None = None,
             starts_from: datetime | None = None, starts_before: datetime | None = None
             ) -> builtins.list[MentoringSession]:
        """Sessions by start time, optionally of some pairings, statuses or a time window."""
        query = select(MentoringSessionRow).where(
            MentoringSessionRow.program_id == self.program.id)
        if pairing_ids is not None:
            query = query.where(MentoringSessionRow.pairing_id.in_(builtins.list(pairing_ids)))
        if statuses is not None:
            query = query.where(MentoringSessionRow.status.in_([s.value for s in statuses]))
        if starts_from is not None:
            query = query.where(MentoringSessionRow.starts_at >= starts_from)
        if starts_before is not None:
            query = query.where(MentoringSessionRow.starts_at < starts_before)
        rows = self.session.scalars(query.order_by(MentoringSessionRow.starts_at,
                                                   MentoringSessionRow.id))
        return [self._model(r) for r in rows]

    def last_held(self, pairing_ids: Iterable[str] | None = None) -> dict[str, datetime]:
        """Each pairing's latest held session start (pairings with none are absent): what
        health and nudges count from, in one query for a whole program."""
        query = select(MentoringSessionRow.pairing_id, func.max(MentoringSessionRow.starts_at)
                       ).where(MentoringSessionRow.program_id == self.program.id,
                               MentoringSessionRow.status == SessionStatus.held.value)
        if pairing_ids is not None:
            query = query.where(MentoringSessionRow.pairing_id.in_(builtins.list(pairing_ids)))
        rows = self.session.execute(query.group_by(MentoringSessionRow.pairing_id))
        # max() keeps the column's type, so SQLite's naive text comes back aware (UTC)
        return {pairing_id: latest for pairing_id, latest in rows if latest is not None}

    def held_starts(self) -> builtins.list[tuple[str, datetime]]:
        """(pairing id, start) of every held session of the program, nothing else (the
        dashboard counts meetings per month from these)."""
        return [(pid, at) for pid, at in self.session.execute(select(
            MentoringSessionRow.pairing_id, MentoringSessionRow.starts_at).where(
            MentoringSessionRow.program_id == self.program.id,
            MentoringSessionRow.status == SessionStatus.held.value))]

    def held_counts(self, pairing_ids: Iterable[str] | None = None) -> dict[str, int]:
        """Held sessions per pairing (the trial period counts these)."""
        query = select(MentoringSessionRow.pairing_id, func.count()).where(
            MentoringSessionRow.program_id == self.program.id,
            MentoringSessionRow.status == SessionStatus.held.value)
        if pairing_ids is not None:
            query = query.where(MentoringSessionRow.pairing_id.in_(builtins.list(pairing_ids)))
        rows = self.session.execute(query.group_by(MentoringSessionRow.pairing_id))
        return {pairing_id: int(count) for pairing_id, count in rows}

    def change(self, session_id: str, *, expected_version: int, at: datetime,
               bump_sequence: bool = True, **values: Any) -> MentoringSession:
        """Write `values` unless someone changed the session first (then ConflictError).
        Every change the calendar shows bumps the iCalendar SEQUENCE."""
        self.get(session_id)
        for key in ("status", "format"):
            if isinstance(values.get(key), SessionStatus | SessionFormat):
                values[key] = values[key].value
        values.update(version=MentoringSessionRow.version + 1, updated_at=at)
        if bump_sequence:
            values["sequence"] = MentoringSessionRow.sequence + 1
        result = self.session.execute(update(MentoringSessionRow).where(
            MentoringSessionRow.id == session_id,
            MentoringSessionRow.version == expected_version).values(**values))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            current = self.get(session_id)
            raise StaleVersionError(
                f"session '{session_id}' changed since version "
                f"{expected_version} (now version {current.version}, "
                f"{current.status}); reload and try again")
        self.session.expire_all()
        return self.get(session_id)

    def _model(self, row: MentoringSessionRow) -> MentoringSession:
        return MentoringSession(
            id=row.id, program=self.program.name, pairing_id=row.pairing_id,
            starts_at=row.starts_at, minutes=row.minutes, format=SessionFormat(row.format),
            location=row.location, timezone=row.timezone, status=SessionStatus(row.status),
            agenda_draft_id=row.agenda_draft_id, sequence=row.sequence, uid=row.uid,
            notes=row.notes, action_items=builtins.list(row.action_items or []),
            created_by=row.created_by, created_at=row.created_at, updated_at=row.updated_at,
            held_at=row.held_at, cancelled_at=row.cancelled_at,
            cancel_reason=row.cancel_reason, version=row.version)


class CalendarTokens:
    """Calendar feed secrets (their SHA-256 only) per participant."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: CalendarTokenRow) -> None:
        self.session.add(row)
        self.session.flush()

    def live(self, digest: str, *, at: datetime) -> CalendarTokenRow | None:
        """The unrevoked token with this hash (its use noted), or None."""
        row = self.session.scalar(select(CalendarTokenRow).where(
            CalendarTokenRow.secret_hash == digest))
        if row is None or row.revoked_at is not None:
            return None
        row.last_used_at = at
        return row

    def of_participant(self, program_id: int, participant_id: str
                       ) -> builtins.list[CalendarTokenRow]:
        return builtins.list(self.session.scalars(select(CalendarTokenRow).where(
            CalendarTokenRow.program_id == program_id,
            CalendarTokenRow.participant_id == participant_id).order_by(
            CalendarTokenRow.created_at)))

    def revoke(self, token_id: str, *, at: datetime) -> bool:
        done = self.session.execute(update(CalendarTokenRow).where(
            CalendarTokenRow.id == token_id, CalendarTokenRow.revoked_at.is_(None)
        ).values(revoked_at=at))
        return bool(done.rowcount == 1)  # type: ignore[attr-defined]


class GoalRepository:
    """Tracked goals of one program: versions, checkpoints and progress updates."""

    def __init__(self, session: Session, program: ProgramRow) -> None:
        self.session = session
        self.program = program

    def add_version(self, goal: Goal, checkpoints: Sequence[GoalCheckpoint], *,
                    at: datetime) -> Goal:
        """Write `goal` (with its checkpoints); the key's current version, if any, is
        superseded by it in the same transaction."""
        previous = self.session.scalar(select(GoalRow).where(
            GoalRow.goal_key == goal.goal_key, GoalRow.is_current.is_(True)))
        if previous is not None:
            previous.is_current, previous.superseded_by = False, goal.id
            previous.updated_at = at
        self.session.add(GoalRow(
            id=goal.id, program_id=self.program.id, pairing_id=goal.pairing_id,
            participant_id=goal.participant_id, source_draft_id=goal.source_draft_id,
            goal_key=goal.goal_key, version=goal.version, statement=goal.statement,
            details=goal.details, time_bound=goal.time_bound, status=goal.status.value,
            is_current=True, superseded_by=None, created_by=goal.created_by,
            created_at=at, updated_at=at))
        self.session.flush()
        for point in checkpoints:
            self.session.add(GoalCheckpointRow(goal_id=goal.id, position=point.position,
                                               due_on=point.due_on, check_text=point.check))
        self.session.flush()
        return self.get(goal.id)

    def get(self, goal_id: str) -> Goal:
        row = self.session.get(GoalRow, goal_id)
        if row is None or row.program_id != self.program.id:
            raise NotFoundError(f"no goal '{goal_id}' in program '{self.program.name}'")
        return self._model(row)

    def list(self, *, pairing_ids: Iterable[str] | None = None, current: bool = True
             ) -> builtins.list[Goal]:
        query = select(GoalRow).where(GoalRow.program_id == self.program.id)
        if pairing_ids is not None:
            query = query.where(GoalRow.pairing_id.in_(builtins.list(pairing_ids)))
        if current:
            query = query.where(GoalRow.is_current.is_(True))
        rows = self.session.scalars(query.order_by(GoalRow.created_at, GoalRow.goal_key,
                                                   GoalRow.version))
        return [self._model(r) for r in rows]

    def status_counts(self) -> dict[str, dict[str, int]]:
        """Current goals per pairing by status, `{pairing_id: {status: n}}`, in one
        GROUP BY (health and the dashboard count; they never read a statement)."""
        rows = self.session.execute(select(GoalRow.pairing_id, GoalRow.status, func.count())
                                    .where(GoalRow.program_id == self.program.id,
                                           GoalRow.is_current.is_(True))
                                    .group_by(GoalRow.pairing_id, GoalRow.status))
        found: dict[str, dict[str, int]] = {}
        for pairing_id, status, count in rows:
            found.setdefault(pairing_id, {})[status] = int(count)
        return found

    def history(self, goal_key: str) -> builtins.list[Goal]:
        rows = self.session.scalars(select(GoalRow).where(
            GoalRow.program_id == self.program.id, GoalRow.goal_key == goal_key
        ).order_by(GoalRow.version))
        return [self._model(r) for r in rows]

    def checkpoints(self, goal_ids: Iterable[str]) -> builtins.list[GoalCheckpoint]:
        rows = self.session.scalars(select(GoalCheckpointRow).where(
            GoalCheckpointRow.goal_id.in_(builtins.list(goal_ids))).order_by(
            GoalCheckpointRow.goal_id, GoalCheckpointRow.position))
        return [_checkpoint(r) for r in rows]

    def due_checkpoints(self, until: date) -> builtins.list[GoalCheckpoint]:
        """Open checkpoints of current goals due on or before `until`."""
        rows = self.session.scalars(select(GoalCheckpointRow).join(
            GoalRow, GoalRow.id == GoalCheckpointRow.goal_id).where(
            GoalRow.program_id == self.program.id, GoalRow.is_current.is_(True),
            GoalCheckpointRow.done_at.is_(None), GoalCheckpointRow.due_on <= until
        ).order_by(GoalCheckpointRow.due_on, GoalCheckpointRow.id))
        return [_checkpoint(r) for r in rows]

    def due_with_goals(self, until: date
                       ) -> builtins.list[tuple[int, date, str, str, str, int]]:
        """`due_checkpoints` as plain rows — (checkpoint id, due_on, text, goal id, pairing
        id, goal version) — in one query and no model per row (the daily reminders)."""
        rows = self.session.execute(select(
            GoalCheckpointRow.id, GoalCheckpointRow.due_on, GoalCheckpointRow.check_text,
            GoalRow.id, GoalRow.pairing_id, GoalRow.version).join(
            GoalRow, GoalRow.id == GoalCheckpointRow.goal_id).where(
            GoalRow.program_id == self.program.id, GoalRow.is_current.is_(True),
            GoalCheckpointRow.done_at.is_(None), GoalCheckpointRow.due_on <= until
        ).order_by(GoalCheckpointRow.due_on, GoalCheckpointRow.id))
        return [tuple(r) for r in rows]  # type: ignore[misc]

    @classmethod
    def of_goal(cls, session: Session, goal_id: str) -> GoalRepository:
        """The repository of the program a goal (addressed by id alone) belongs to."""
        program = session.scalar(select(ProgramRow).join(
            GoalRow, GoalRow.program_id == ProgramRow.id).where(GoalRow.id == goal_id))
        if program is None:
            raise NotFoundError(f"no goal '{goal_id}'")
        return cls(session, program)

    @classmethod
    def of_checkpoint(cls, session: Session, checkpoint_id: int
                      ) -> tuple[GoalRepository, GoalCheckpoint]:
        """The repository of a checkpoint's program, and the checkpoint."""
        row = session.get(GoalCheckpointRow, checkpoint_id)
        if row is None:
            raise NotFoundError(f"no checkpoint {checkpoint_id}")
        goal = session.get(GoalRow, row.goal_id)
        assert goal is not None  # the foreign key holds it
        return cls(session, session.get_one(ProgramRow, goal.program_id)), _checkpoint(row)

    def unmark_checkpoint(self, checkpoint_id: int) -> bool:
        """Open a checkpoint marked done by mistake: True when it was done."""
        done = self.session.execute(update(GoalCheckpointRow).where(
            GoalCheckpointRow.id == checkpoint_id, GoalCheckpointRow.done_at.is_not(None)
        ).values(done_at=None, done_by=None))
        return bool(done.rowcount == 1)  # type: ignore[attr-defined]

    def mark_checkpoint(self, checkpoint_id: int, *, by: str, at: datetime) -> bool:
        done = self.session.execute(update(GoalCheckpointRow).where(
            GoalCheckpointRow.id == checkpoint_id, GoalCheckpointRow.done_at.is_(None)
        ).values(done_at=at, done_by=by))
        return bool(done.rowcount == 1)  # type: ignore[attr-defined]

    def add_update(self, update_: GoalUpdate, *, at: datetime) -> GoalUpdate:
        """Record a progress update and set the goal's status to it."""
        row = self.session.get(GoalRow, update_.goal_id)
        if row is None or row.program_id != self.program.id:
            raise NotFoundError(f"no goal '{update_.goal_id}'")
        row.status, row.updated_at = update_.status.value, at
        added = GoalUpdateRow(goal_id=update_.goal_id, author_id=update_.author_id,
                              status=update_.status.value, evidence=update_.evidence,
                              created_at=at)
        self.session.add(added)
        self.session.flush()
        return GoalUpdate(id=added.id, goal_id=added.goal_id, author_id=added.author_id,
                          status=GoalStatus(added.status), evidence=added.evidence,
                          created_at=added.created_at)

    def updates(self, goal_id: str) -> builtins.list[GoalUpdate]:
        rows = self.session.scalars(select(GoalUpdateRow).where(
            GoalUpdateRow.goal_id == goal_id).order_by(GoalUpdateRow.created_at,
                                                       GoalUpdateRow.id))
        return [GoalUpdate(id=r.id, goal_id=r.goal_id, author_id=r.author_id,
                           status=GoalStatus(r.status), evidence=r.evidence,
                           created_at=r.created_at) for r in rows]

    def _model(self, row: GoalRow) -> Goal:
        return Goal(id=row.id, program=self.program.name, pairing_id=row.pairing_id,
                    participant_id=row.participant_id, source_draft_id=row.source_draft_id,
                    goal_key=row.goal_key, version=row.version, statement=row.statement,
                    details=row.details or {}, time_bound=row.time_bound,
                    status=GoalStatus(row.status), is_current=row.is_current,
                    superseded_by=row.superseded_by, created_by=row.created_by,
                    created_at=row.created_at, updated_at=row.updated_at)


def _checkpoint(row: GoalCheckpointRow) -> GoalCheckpoint:
    return GoalCheckpoint(id=row.id, goal_id=row.goal_id, position=row.position,
                          due_on=row.due_on, check=row.check_text, done_at=row.done_at,
                          done_by=row.done_by)


class CheckinRepository:
    """Check-ins of one program: created when due (idempotently), answered once."""

    def __init__(self, session: Session, program: ProgramRow) -> None:
        self.session = session
        self.program = program

    def ensure_due(self, pairing_id: str, participant_id: str, kind: CheckinKind,
                   due_on: date, *, at: datetime) -> bool:
        """Create the check-in unless it exists: True when this call created it."""
        return _insert_ignoring_duplicates(self.session, CheckinRow, {
            "program_id": self.program.id, "pairing_id": pairing_id,
            "participant_id": participant_id, "kind": kind.value, "due_on": due_on,
            "created_at": at})

    def keys(self) -> set[tuple[str, str, str, date]]:
        """(pairing, participant, kind, due_on) of the program's check-ins, in one light
        query: a daily run inserts only the missing ones."""
        rows = self.session.execute(select(
            CheckinRow.pairing_id, CheckinRow.participant_id, CheckinRow.kind,
            CheckinRow.due_on).where(CheckinRow.program_id == self.program.id))
        return {(p, who, kind, due) for p, who, kind, due in rows}

    def open_due(self, until: date) -> builtins.list[tuple[int, str, str, CheckinKind, date]]:
        """Open check-ins due by `until` as plain rows — (id, pairing, participant, kind,
        due_on) by due date — no model per row (the daily reminders)."""
        rows = self.session.execute(select(
            CheckinRow.id, CheckinRow.pairing_id, CheckinRow.participant_id, CheckinRow.kind,
            CheckinRow.due_on).where(CheckinRow.program_id == self.program.id,
                                     CheckinRow.submitted_at.is_(None),
                                     CheckinRow.due_on <= until
                                     ).order_by(CheckinRow.due_on, CheckinRow.id))
        return [(i, p, who, CheckinKind(kind), due) for i, p, who, kind, due in rows]

    def ensure_due_many(self, due: Sequence[tuple[str, str, CheckinKind, date]], *,
                        at: datetime) -> int:
        """`ensure_due` for many (pairing, participant, kind, due_on), a few statements in
        all (`INSERT … ON CONFLICT DO NOTHING RETURNING`, 500 rows each, in key order so
        racing writers wait rather than deadlock): how many this call created."""
        if not due:
            return 0
        table = cast(Table, CheckinRow.__table__)
        ordered = sorted(set(due), key=lambda d: (d[0], d[1], d[2].value, d[3]))
        rows = [{"program_id": self.program.id, "pairing_id": pairing_id,
                 "participant_id": who, "kind": kind.value, "due_on": due_on,
                 "created_at": at} for pairing_id, who, kind, due_on in ordered]
        statement = _insert_for(self.session, table).on_conflict_do_nothing().returning(
            table.c.id)
        return len(self.session.connection().execute(statement, rows).scalars().all())

    def submit(self, checkin_id: int, *, at: datetime, rating: int | None,
               meetings_per_month: float | None = None, recommend: int | None = None,
               comment: str | None = None) -> Checkin:
        """Answer an open check-in (ConflictError when it was answered already)."""
        done = self.session.execute(update(CheckinRow).where(
            CheckinRow.id == checkin_id, CheckinRow.program_id == self.program.id,
            CheckinRow.submitted_at.is_(None)).values(
            submitted_at=at, rating=rating, meetings_per_month=meetings_per_month,
            recommend=recommend, comment=comment))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            self.get(checkin_id)
            raise ConflictError(f"check-in {checkin_id} was answered already")
        self.session.expire_all()
        return self.get(checkin_id)

    def get(self, checkin_id: int) -> Checkin:
        row = self.session.get(CheckinRow, checkin_id)
        if row is None or row.program_id != self.program.id:
            raise NotFoundError(f"no check-in {checkin_id} in program '{self.program.name}'")
        return self._model(row)

    def list(self, *, pairing_ids: Iterable[str] | None = None,
             participant_id: str | None = None, kind: CheckinKind | None = None,
             submitted: bool | None = None) -> builtins.list[Checkin]:
        query = select(CheckinRow).where(CheckinRow.program_id == self.program.id)
        if pairing_ids is not None:
            query = query.where(CheckinRow.pairing_id.in_(builtins.list(pairing_ids)))
        if participant_id is not None:
            query = query.where(CheckinRow.participant_id == participant_id)
        if kind is not None:
            query = query.where(CheckinRow.kind == kind.value)
        if submitted is not None:
            column = CheckinRow.submitted_at
            query = query.where(column.is_not(None) if submitted else column.is_(None))
        rows = self.session.scalars(query.order_by(CheckinRow.due_on, CheckinRow.id))
        return [self._model(r) for r in rows]

    def _model(self, row: CheckinRow) -> Checkin:
        return Checkin(id=row.id, program=self.program.name, pairing_id=row.pairing_id,
                       participant_id=row.participant_id, kind=CheckinKind(row.kind),
                       due_on=row.due_on, submitted_at=row.submitted_at, rating=row.rating,
                       meetings_per_month=row.meetings_per_month, recommend=row.recommend,
                       comment=row.comment)


class Notifications:
    """Nudges, reminders and notices of one program, written at most once per dedup key."""

    def __init__(self, session: Session, program: ProgramRow) -> None:
        self.session = session
        self.program = program

    def add_once(self, notice: Notification, *, at: datetime) -> bool:
        """Write `notice` unless one with its dedup key exists: True when this call wrote
        it (so only that caller sends the e-mail)."""
        return _insert_ignoring_duplicates(self.session, NotificationRow, {
            "program_id": self.program.id, "pairing_id": notice.pairing_id,
            "recipient_id": notice.recipient_id, "kind": notice.kind.value,
            "threshold_days": notice.threshold_days, "reason": notice.reason,
            "dedup_key": notice.dedup_key, "channel": notice.channel.value,
            "outbox_id": notice.outbox_id, "created_at": at})

    def list(self, *, recipient_id: str | None = None, coordinators: bool = False,
             unread: bool = False, pairing_ids: Iterable[str] | None = None,
             kinds: Iterable[NotificationKind] | None = None) -> builtins.list[Notification]:
        """A participant's notices (`recipient_id`), the coordinators' queue
        (`coordinators=True`) or all of them."""
        query = select(NotificationRow).where(NotificationRow.program_id == self.program.id)
        if coordinators:
            query = query.where(NotificationRow.recipient_id.is_(None))
        elif recipient_id is not None:
            query = query.where(NotificationRow.recipient_id == recipient_id)
        if unread:
            query = query.where(NotificationRow.read_at.is_(None))
        if pairing_ids is not None:
            query = query.where(NotificationRow.pairing_id.in_(builtins.list(pairing_ids)))
        if kinds is not None:
            query = query.where(NotificationRow.kind.in_([k.value for k in kinds]))
        rows = self.session.scalars(query.order_by(NotificationRow.created_at,
                                                   NotificationRow.id))
        return [self._model(r) for r in rows]

    def add_many_once(self, notices: Sequence[Notification], *, at: datetime) -> set[str]:
        """`add_once` for many notices, a few statements in all: the dedup keys this call
        wrote. Inserted in key order, so two runs writing overlapping sets at once wait on
        each other instead of deadlocking."""
        if not notices:
            return set()
        table = cast(Table, NotificationRow.__table__)
        ordered = sorted(notices, key=lambda n: n.dedup_key)
        rows = [{"program_id": self.program.id, "pairing_id": n.pairing_id,
                 "recipient_id": n.recipient_id, "kind": n.kind.value,
                 "threshold_days": n.threshold_days, "reason": n.reason,
                 "dedup_key": n.dedup_key, "channel": n.channel.value,
                 "outbox_id": n.outbox_id, "created_at": at} for n in ordered]
        # Core executemany with RETURNING: compiled once, sent as multi-row INSERTs in
        # parameter order ("insertmanyvalues", batched under the bound-parameter limits)
        statement = _insert_for(self.session, table).on_conflict_do_nothing().returning(
            table.c.dedup_key)
        return set(self.session.connection().execute(statement, rows).scalars())

    def link_outbox(self, outbox_ids: dict[str, int], *, at: datetime) -> None:
        """Note the e-mail queued for each notice (by dedup key), in one executemany."""
        if outbox_ids:
            table = cast(Table, NotificationRow.__table__)  # Core: executemany by dedup_key
            self.session.connection().execute(update(table).where(
                table.c.dedup_key == bindparam("key")).values(
                outbox_id=bindparam("outbox"), sent_at=at), [{"key": k, "outbox": v}
                                                             for k, v in outbox_ids.items()])

    def keys(self) -> set[str]:
        """The program's dedup keys already written (one query: a run skips them)."""
        return set(self.session.scalars(select(NotificationRow.dedup_key).where(
            NotificationRow.program_id == self.program.id)))

    def by_key(self, dedup_key: str) -> Notification | None:
        row = self.session.scalar(select(NotificationRow).where(
            NotificationRow.dedup_key == dedup_key, NotificationRow.program_id ==
            self.program.id))
        return None if row is None else self._model(row)

    def mark_sent(self, notice_id: int, *, at: datetime, outbox_id: int | None = None) -> None:
        values: dict[str, Any] = {"sent_at": at}
        if outbox_id is not None:
            values["outbox_id"] = outbox_id
        self.session.execute(update(NotificationRow).where(
            NotificationRow.id == notice_id).values(**values))

    def mark_read(self, notice_id: int, *, at: datetime) -> bool:
        done = self.session.execute(update(NotificationRow).where(
            NotificationRow.id == notice_id, NotificationRow.read_at.is_(None)
        ).values(read_at=at))
        return bool(done.rowcount == 1)  # type: ignore[attr-defined]

    def _model(self, row: NotificationRow) -> Notification:
        return Notification(
            id=row.id, program=self.program.name, pairing_id=row.pairing_id,
            recipient_id=row.recipient_id, kind=NotificationKind(row.kind),
            threshold_days=row.threshold_days, reason=row.reason, dedup_key=row.dedup_key,
            channel=Channel(row.channel), outbox_id=row.outbox_id, created_at=row.created_at,
            sent_at=row.sent_at, read_at=row.read_at)
