"""A program's own record beyond its settings: editing and deleting it (with what it holds),
and the organisation's reporting tree (people manager ids point to who are not participants).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from companion.domain import Program
from companion.errors import ConflictError
from companion.store.tables import (
    CalendarTokenRow,
    CheckinRow,
    DoNotMatchRow,
    DraftRow,
    DraftVersionRow,
    GoalCheckpointRow,
    GoalRow,
    GoalUpdateRow,
    MentoringSessionRow,
    NotificationRow,
    OrgPersonRow,
    PairingRow,
    ParticipantRow,
    ProgramRow,
    SigninLinkRow,
    TokenRow,
    WebSessionRow,
    utcnow,
)

_PROGRAM_COLUMNS = {"name", "type", "start_date", "months"}
#: Credentials scoped to a program by its name: a rename carries them along.
_SCOPED = (TokenRow, SigninLinkRow, WebSessionRow)


class ProgramHoldings(NamedTuple):
    """What a program holds: what deleting it would delete."""

    participants: int
    pairings: int
    drafts: int
    org_people: int


class DatedDraft(NamedTuple):
    """A draft's current version and the dates its content names (goal deadlines and
    checkpoints)."""

    draft_id: str
    participant_id: str
    kind: str
    status: str
    dates: list[date]


class OrgPerson(NamedTuple):
    """Someone in a reporting line who is not a participant of the program."""

    id: str
    name: str | None
    manager_id: str | None


class ProgramRecords:
    """Rename, reschedule and delete programs (by their stored row)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def update(self, row: ProgramRow, program: Program) -> None:
        """Write `program` over `row`; a new name carries the program's credentials along."""
        old = row.name
        if program.name != old and self.session.scalar(
                select(ProgramRow.id).where(ProgramRow.name == program.name)) is not None:
            raise ConflictError(f"program '{program.name}' already exists; choose another name")
        data = program.model_dump(mode="json")
        row.name, row.type = program.name, program.type.value
        row.start_date, row.months = program.start_date, program.months
        row.settings = {k: v for k, v in data.items() if k not in _PROGRAM_COLUMNS}
        row.updated_at = utcnow()
        if program.name != old:
            for table in _SCOPED:
                self.session.execute(update(table).where(table.program == old)
                                     .values(program=program.name))
        self.session.flush()

    def holdings(self, row: ProgramRow) -> ProgramHoldings:
        def count(table: Any) -> int:
            return self.session.scalar(select(func.count()).select_from(table).where(
                table.program_id == row.id)) or 0

        return ProgramHoldings(count(ParticipantRow), count(PairingRow), count(DraftRow),
                               count(OrgPersonRow))

    def delete(self, row: ProgramRow) -> None:
        """Delete the program and everything it holds; its credentials stop working."""
        now = utcnow()
        self.session.execute(update(TokenRow).where(
            TokenRow.program == row.name, TokenRow.revoked_at.is_(None)).values(revoked_at=now))
        self.session.execute(update(WebSessionRow).where(
            WebSessionRow.program == row.name, WebSessionRow.ended_at.is_(None))
            .values(ended_at=now))
        self.session.execute(delete(SigninLinkRow).where(SigninLinkRow.program == row.name))
        # Foreign keys cascade, but only where the database enforces them: say it outright.
        drafts = select(DraftRow.id).where(DraftRow.program_id == row.id)
        self.session.execute(delete(DraftVersionRow).where(DraftVersionRow.draft_id.in_(drafts)))
        goals = select(GoalRow.id).where(GoalRow.program_id == row.id)
        for child in (GoalCheckpointRow, GoalUpdateRow):
            self.session.execute(delete(child).where(child.goal_id.in_(goals)))
        for table in (NotificationRow, CheckinRow, GoalRow, MentoringSessionRow,
                      CalendarTokenRow, DraftRow, PairingRow, DoNotMatchRow, ParticipantRow,
                      OrgPersonRow):
            self.session.execute(delete(table).where(table.program_id == row.id))
        self.session.delete(row)
        self.session.flush()

    def dated_drafts(self, row: ProgramRow) -> builtins.list[DatedDraft]:
        """Drafts whose current version names dates (goal deadlines, checkpoints)."""
        query = (select(DraftRow.id, DraftRow.participant_id, DraftRow.kind, DraftRow.status,
                        DraftVersionRow.content)
                 .join(DraftVersionRow, (DraftVersionRow.draft_id == DraftRow.id)
                       & (DraftVersionRow.number == DraftRow.version))
                 .where(DraftRow.program_id == row.id).order_by(DraftRow.created_at))
        found: list[DatedDraft] = []
        for draft_id, participant, kind, status, content in self.session.execute(query):
            dates = sorted(set(_dates_in(content)))
            if dates:
                found.append(DatedDraft(draft_id, participant, kind, status, dates))
        return found


def _dates_in(content: Any) -> Iterator[date]:
    if isinstance(content, dict):
        for key, value in content.items():
            if key in ("time_bound", "date") and isinstance(value, str):
                try:
                    yield date.fromisoformat(value)
                except ValueError:
                    continue
            else:
                yield from _dates_in(value)
    elif isinstance(content, list):
        for item in content:
            yield from _dates_in(item)


class OrgTree:
    """One program's organisation records: the people manager ids point to who are not
    participants, each with their own manager id."""

    def __init__(self, session: Session, program_id: int) -> None:
        self.session = session
        self.program_id = program_id

    def list(self) -> builtins.list[OrgPerson]:
        rows = self.session.execute(
            select(OrgPersonRow.pid, OrgPersonRow.name, OrgPersonRow.manager_id)
            .where(OrgPersonRow.program_id == self.program_id).order_by(OrgPersonRow.pid))
        return [OrgPerson(*r) for r in rows]

    def managers(self) -> dict[str, str | None]:
        """`id -> manager id` of every organisation record."""
        return {p.id: p.manager_id for p in self.list()}

    def add_missing(self, pids: Iterable[str]) -> builtins.list[str]:
        """Records (no name, no manager) for the ids not yet known; the ids added."""
        wanted = sorted(set(pids))
        if not wanted:
            return []
        known = set(self.session.scalars(select(OrgPersonRow.pid).where(
            OrgPersonRow.program_id == self.program_id, OrgPersonRow.pid.in_(wanted))))
        added = [pid for pid in wanted if pid not in known]
        now = utcnow()
        self.session.add_all(OrgPersonRow(program_id=self.program_id, pid=pid, created_at=now,
                                          updated_at=now) for pid in added)
        self.session.flush()
        return added

    def upsert(self, people: Iterable[OrgPerson]) -> tuple[int, int, int]:
        """Create or update records: (created, updated, unchanged)."""
        stored = {p.id: p for p in self.list()}
        rows = {r.pid: r for r in self.session.scalars(select(OrgPersonRow).where(
            OrgPersonRow.program_id == self.program_id))}
        created = updated = unchanged = 0
        now = utcnow()
        for person in people:
            before = stored.get(person.id)
            if before is None:
                self.session.add(OrgPersonRow(program_id=self.program_id, pid=person.id,
                                              name=person.name, manager_id=person.manager_id,
                                              created_at=now, updated_at=now))
                created += 1
            elif (before.name, before.manager_id) == (person.name, person.manager_id):
                unchanged += 1
            else:
                row = rows[person.id]
                row.name, row.manager_id, row.updated_at = person.name, person.manager_id, now
                updated += 1
        self.session.flush()
        return created, updated, unchanged

    def remove(self, pids: Iterable[str]) -> None:
        """Drop records of ids that became participants (the participant's line wins)."""
        wanted = sorted(set(pids))
        if wanted:
            self.session.execute(delete(OrgPersonRow).where(
                OrgPersonRow.program_id == self.program_id, OrgPersonRow.pid.in_(wanted)))


def whole_tree(participants: Mapping[str, str | None], org: Mapping[str, str | None]
               ) -> dict[str, str | None]:
    """Participants' lines laid over the organisation records: one `id -> manager` map."""
    return {**org, **participants}
