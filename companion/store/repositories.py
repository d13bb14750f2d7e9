"""Repositories: the only code that turns domain models into rows and back."""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    Select,
    Table,
    Text,
    bindparam,
    delete,
    func,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from companion.domain import (
    AuditEvent,
    Draft,
    DraftKind,
    DraftStatus,
    DraftVersion,
    MentoringFormat,
    Pairing,
    PairingStatus,
    Participant,
    Program,
    Role,
)
from companion.errors import ConflictError, NotFoundError
from companion.store.tables import (
    LIVE_PAIRING_STATUSES,
    AuditRow,
    DoNotMatchRow,
    DraftRow,
    DraftVersionRow,
    IdempotencyRow,
    OrgPersonRow,
    PairingRow,
    ParticipantRow,
    ProgramRow,
    TokenRow,
    utcnow,
)

_PROGRAM_COLUMNS = {"name", "type", "start_date", "months"}
_JSON_FIELDS = {"languages", "goals", "skills", "extra"}
_PARTICIPANT_FIELDS = [
    "name", "role", "email", "organization", "department", "title", "level", "manager_id",
    "location", "timezone", "languages", "capacity", "expertise", "goals", "skills", "format",
    "prefer_cross_department", "extra",
]


class ProgramRepository:
    """Programs by unique name."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def create(self, program: Program) -> Program:
        if self._row(program.name) is not None:
            raise ConflictError(f"program '{program.name}' already exists")
        data = program.model_dump(mode="json")
        settings = {k: v for k, v in data.items() if k not in _PROGRAM_COLUMNS}
        self.session.add(ProgramRow(
            name=program.name, type=program.type.value, start_date=program.start_date,
            months=program.months, settings=settings,
        ))
        self.session.flush()
        return program

    def get(self, name: str) -> Program:
        return _program(self.row(name))

    def row(self, name: str) -> ProgramRow:
        row = self._row(name)
        if row is None:
            known = self.names()
            hint = f" Known programs: {', '.join(known)}." if known else (
                " No programs exist yet: create one first."
            )
            raise NotFoundError(f"no program named '{name}'.{hint}")
        return row

    def names(self) -> list[str]:
        return list(self.session.scalars(select(ProgramRow.name).order_by(ProgramRow.name)))

    def list(self) -> list[Program]:
        rows = self.session.scalars(select(ProgramRow).order_by(ProgramRow.name))
        return [_program(r) for r in rows]

    def exists(self, name: str) -> bool:
        return self._row(name) is not None

    def _row(self, name: str) -> ProgramRow | None:
        return self.session.scalar(select(ProgramRow).where(ProgramRow.name == name))


def _program(row: ProgramRow) -> Program:
    return Program.model_validate({
        **row.settings, "name": row.name, "type": row.type, "start_date": row.start_date,
        "months": row.months,
    })


_PARTICIPANTS = cast(Table, ParticipantRow.__table__)
_IN_CHUNK = 5000  # ids per IN (...) list: well under every database's parameter limit


class StoredSummary(NamedTuple):
    """What planning an import needs of a stored participant."""

    content_hash: str
    manager_id: str | None
    name: str
    organization: str | None


class ParticipantsChangedConcurrently(ConflictError):
    """Another transaction created (`created=True`) or changed some of these participants
    after this one read them: nothing of this transaction may be kept."""

    def __init__(self, pids: Sequence[str], *, created: bool) -> None:
        self.pids = builtins.list(pids)
        self.created = created
        shown = ", ".join(self.pids[:5]) + (f" and {len(self.pids) - 5} more"
                                            if len(self.pids) > 5 else "")
        what = "created participants with ids this import creates" if created else \
            f"changed {shown}"
        super().__init__(f"another import {what} at the same time; nothing was saved — run "
                         "the import again")


def _is_pid_clash(exc: IntegrityError) -> bool:
    """Whether `exc` is the (program, pid) unique key (SQLite and PostgreSQL wording)."""
    text = str(exc.orig)
    return "uq_participants_program_pid" in text or "participants.pid" in text


class ParticipantRepository:
    """Participants of one program, keyed by their own id (`pid`)."""

    def __init__(self, session: Session, program_id: int) -> None:
        self.session = session
        self.program_id = program_id

    def list(self, role: Role | None = None) -> list[Participant]:
        query = select().where(ParticipantRow.program_id == self.program_id)
        if role is not None:
            wanted = [role.value, Role.both.value] if role != Role.both else [role.value]
            query = query.where(ParticipantRow.role.in_(wanted))
        return self._read(query)

    def briefs(self) -> dict[str, PersonBrief]:
        """Every participant's id, name, role, organisation, department and level, by id:
        five columns, no JSON and no models (aggregates and exports need no more)."""
        query = select(ParticipantRow.pid, ParticipantRow.name, ParticipantRow.role,
                       ParticipantRow.organization, ParticipantRow.department,
                       ParticipantRow.level).where(
            ParticipantRow.program_id == self.program_id).order_by(ParticipantRow.pid)
        return {r[0]: PersonBrief(r[0], r[1], Role(r[2]), r[3], r[4], r[5])
                for r in self.session.execute(query)}

    def ids(self, role: Role | None = None) -> builtins.list[str]:
        """The participants' ids, ordered, those whose role is exactly `role` if given (a
        `both` participant is not listed under `mentee`)."""
        query = select(ParticipantRow.pid).where(ParticipantRow.program_id == self.program_id)
        if role is not None:
            query = query.where(ParticipantRow.role == role.value)
        return builtins.list(self.session.scalars(query.order_by(ParticipantRow.pid)))

    def by_ids(self, pids: Iterable[str]) -> dict[str, Participant]:
        """The stored participants among `pids` (absent ids are left out)."""
        wanted = sorted(set(pids))
        found: dict[str, Participant] = {}
        for start in range(0, len(wanted), _IN_CHUNK):
            found.update((p.id, p) for p in self._read(select().where(
                ParticipantRow.program_id == self.program_id,
                ParticipantRow.pid.in_(wanted[start:start + _IN_CHUNK]))))
        return found

    def _read(self, query: Select[Any]) -> builtins.list[Participant]:
        """Participants selected by `query`'s WHERE clause, ordered by id."""
        # Plain columns, not ORM entities: 10k participants load in a fraction of the time.
        # On SQLite the JSON columns come as their stored text and are decoded in one call per
        # column (~50k separate json.loads calls otherwise); other databases decode them.
        whole = self.session.get_bind().dialect.name == "sqlite"
        columns = [ParticipantRow.pid, *(
            type_coerce(getattr(ParticipantRow, f), Text) if whole and f in _JSON_FIELDS
            else getattr(ParticipantRow, f) for f in _PARTICIPANT_FIELDS)]
        rows = self.session.execute(
            query.add_columns(*columns).order_by(ParticipantRow.pid)).all()
        if not rows:
            return []
        values = [builtins.list(column) for column in zip(*rows, strict=True)]
        if whole:
            for k, name in enumerate(_PARTICIPANT_FIELDS, 1):
                if name in _JSON_FIELDS:
                    values[k] = _json_documents(values[k])
        return [_participant_from(pid, dict(zip(_PARTICIPANT_FIELDS, rest, strict=True)))
                for pid, *rest in zip(*values, strict=True)]

    def get(self, pid: str) -> Participant:
        row = self.session.scalar(select(ParticipantRow).where(
            ParticipantRow.program_id == self.program_id, ParticipantRow.pid == pid))
        if row is None:
            raise NotFoundError(f"no participant '{pid}' in this program")
        return _participant(row)

    def lock(self, pids: Iterable[str] | None = None) -> None:
        """Serialise rule decisions on these people (all of the program's when None) until
        the transaction ends: PostgreSQL row locks, taken in id order so two transactions
        never wait on each other in a cycle. On SQLite a `Database.session(write=True)`
        transaction already holds the database's write lock, so there is nothing to do."""
        if self.session.get_bind().dialect.name == "sqlite":
            return
        query = select(ParticipantRow.id).where(ParticipantRow.program_id == self.program_id)
        if pids is not None:
            query = query.where(ParticipantRow.pid.in_(sorted(set(pids))))
        self.session.execute(query.order_by(ParticipantRow.id).with_for_update()).all()

    def withdrawn(self) -> dict[str, datetime]:
        """Participants who withdrew from the program: id → when (never matched again)."""
        rows = self.session.execute(select(ParticipantRow.pid, ParticipantRow.withdrawn_at)
                                    .where(ParticipantRow.program_id == self.program_id,
                                           ParticipantRow.withdrawn_at.is_not(None)))
        return {pid: at for pid, at in rows if at is not None}

    def withdraw(self, pid: str, *, at: datetime) -> bool:
        """Mark `pid` withdrawn at `at`; False when they had withdrawn already."""
        self.get(pid)
        done = self.session.execute(update(ParticipantRow).where(
            ParticipantRow.program_id == self.program_id, ParticipantRow.pid == pid,
            ParticipantRow.withdrawn_at.is_(None)).values(withdrawn_at=at))
        self.session.expire_all()
        return bool(done.rowcount == 1)  # type: ignore[attr-defined]

    def managers(self) -> dict[str, str | None]:
        """`id -> manager id` along the whole reporting tree (reporting-line rules): the
        program's participants laid over its organisation records, the people outside the
        program that manager ids point to, so a rule can walk the line all the way up."""
        org = self.session.execute(select(OrgPersonRow.pid, OrgPersonRow.manager_id).where(
            OrgPersonRow.program_id == self.program_id))
        rows = self.session.execute(select(ParticipantRow.pid, ParticipantRow.manager_id).where(
            ParticipantRow.program_id == self.program_id))
        return {**{row[0]: row[1] for row in org}, **{row[0]: row[1] for row in rows}}

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(ParticipantRow).where(
            ParticipantRow.program_id == self.program_id)) or 0

    def hashes_and_managers(self) -> dict[str, tuple[str, str | None]]:
        """`pid -> (content hash, manager id)` for everyone stored: enough to plan an import."""
        rows = self.session.execute(
            select(ParticipantRow.pid, ParticipantRow.content_hash, ParticipantRow.manager_id)
            .where(ParticipantRow.program_id == self.program_id))
        return {pid: (digest, manager) for pid, digest, manager in rows}

    def import_index(self) -> dict[str, StoredSummary]:
        """`pid -> StoredSummary` for everyone stored: what planning an import needs."""
        rows = self.session.execute(
            select(ParticipantRow.pid, ParticipantRow.content_hash, ParticipantRow.manager_id,
                   ParticipantRow.name, ParticipantRow.organization)
            .where(ParticipantRow.program_id == self.program_id))
        return {pid: StoredSummary(digest, manager, name, org)
                for pid, digest, manager, name, org in rows}

    def upsert(self, created: Sequence[Participant], updated: Sequence[Participant], *,
               hashes: Mapping[str, str] | None = None,
               expected: Mapping[str, str] | None = None) -> None:
        """Insert `created` and overwrite `updated` in bulk (one executemany each).

        `hashes` (id → content hash) saves recomputing hashes the caller already has.
        `expected` (id → the content hash the caller planned from) makes the update
        conditional. `ParticipantsChangedConcurrently` is raised when another transaction
        created one of `created` or changed one of `updated` since the caller read them; the
        caller's transaction must then be rolled back (nothing of it is kept)."""
        now = utcnow()
        hashes = hashes or {}
        if created:
            # Core executemany, not the ORM bulk path: ~5x faster for 10k rows with JSON columns.
            # In id order, so two transactions inserting the same ids wait on each other in the
            # same order (a unique-key clash, never a deadlock).
            try:
                self.session.execute(insert(_PARTICIPANTS), [
                    {**self._values(p, hashes), "program_id": self.program_id, "pid": p.id,
                     "created_at": now, "updated_at": now}
                    for p in sorted(created, key=lambda p: p.id)
                ])
            except IntegrityError as exc:
                if not _is_pid_clash(exc):
                    raise
                raise ParticipantsChangedConcurrently(
                    [p.id for p in created], created=True) from exc
        if updated and expected is None:
            ids = dict(self.session.execute(
                select(ParticipantRow.pid, ParticipantRow.id).where(
                    ParticipantRow.program_id == self.program_id,
                    ParticipantRow.pid.in_([p.id for p in updated]))).all())
            self.session.execute(update(ParticipantRow), [
                {**self._values(p, hashes), "id": ids[p.id], "updated_at": now}
                for p in updated
            ])
        elif updated and expected is not None:
            self._update_unless_changed(updated, hashes, expected, now)

    def _update_unless_changed(self, updated: Sequence[Participant], hashes: Mapping[str, str],
                               expected: Mapping[str, str], now: datetime) -> None:
        """Overwrite each row only while it still has the hash the caller planned from, then
        check that every row now holds what was written (a row another transaction changed
        in between is left alone by its UPDATE, and shows here)."""
        table = _PARTICIPANTS
        people = sorted(updated, key=lambda p: p.id)  # one lock order for all writers
        written = {p.id: hashes.get(p.id) or p.content_hash() for p in people}
        self.session.execute(
            update(table).where(table.c.program_id == self.program_id,
                                table.c.pid == bindparam("b_pid"),
                                table.c.content_hash == bindparam("b_expected")),
            [{**self._values(p, written), "updated_at": now, "b_pid": p.id,
              "b_expected": expected[p.id]} for p in people])
        now_stored: dict[str, str] = {}
        pids = builtins.list(written)
        for start in range(0, len(pids), _IN_CHUNK):
            now_stored.update((pid, digest) for pid, digest in self.session.execute(
                select(table.c.pid, table.c.content_hash).where(
                    table.c.program_id == self.program_id,
                    table.c.pid.in_(pids[start:start + _IN_CHUNK]))))
        stale = [pid for pid, digest in written.items() if now_stored.get(pid) != digest]
        if stale:
            raise ParticipantsChangedConcurrently(stale, created=False)

    @staticmethod
    def _values(p: Participant, hashes: Mapping[str, str]) -> dict[str, Any]:
        data = p.model_dump(mode="json", include=set(_PARTICIPANT_FIELDS))
        data["content_hash"] = hashes.get(p.id) or p.content_hash()
        return data


def _participant(row: ParticipantRow) -> Participant:
    return _participant_from(row.pid, {f: getattr(row, f) for f in _PARTICIPANT_FIELDS})


def _participant_from(pid: str, data: dict[str, Any]) -> Participant:
    # Rows were validated on import; re-validating 10k of them on every read costs ~1 s.
    data["role"] = Role(data["role"])
    if data["format"] is not None:
        data["format"] = MentoringFormat(data["format"])
    data["id"] = pid
    return _constructed(data)


_FIELD_ORDER = tuple(Participant.model_fields)
_FIELD_NAMES = frozenset(_FIELD_ORDER)
#: `model_construct` can be replayed directly: no aliases, private attributes, post-init or
#: allowed extras, so an instance is its field values in order and the set of their names.
_PLAIN_MODEL = (not Participant.__pydantic_post_init__ and not Participant.__private_attributes__
                and Participant.model_config.get("extra") != "allow"
                and not any(f.alias or f.validation_alias
                            for f in Participant.model_fields.values()))


def _constructed(values: dict[str, Any]) -> Participant:
    """`Participant.model_construct(**values)`, ~4x faster when `values` holds every field:
    the same instance state (field values in declaration order, all of them set, no extra or
    private values) assigned directly."""
    if not _PLAIN_MODEL or values.keys() != _FIELD_NAMES:
        return Participant.model_construct(**values)
    person = Participant.__new__(Participant)
    object.__setattr__(person, "__dict__", {name: values[name] for name in _FIELD_ORDER})
    object.__setattr__(person, "__pydantic_fields_set__", set(_FIELD_NAMES))
    object.__setattr__(person, "__pydantic_extra__", None)
    object.__setattr__(person, "__pydantic_private__", None)
    return person


def _json_documents(texts: Sequence[str | None]) -> list[Any]:
    """Each stored JSON text decoded (None for NULL), as one JSON array: the same values as
    `json.loads` on each, in one call."""
    return cast(list[Any], json.loads(
        "[" + ",".join("null" if t is None else t for t in texts) + "]"))


@dataclass
class AuditScope:
    """Who is acting in the current request: set once per request by a face (the API sets
    the token it authenticated), read by every `AuditLog.append` in that request — so every
    audited action records the token it was taken with, wherever it is written."""

    token_id: str | None = None


_audit_scope: ContextVar[AuditScope | None] = ContextVar("companion_audit_scope", default=None)


@contextmanager
def audit_scope() -> Iterator[AuditScope]:
    """Open a scope (one per request); set `.token_id` on it once the caller is known."""
    scope = AuditScope()
    reset = _audit_scope.set(scope)
    try:
        yield scope
    finally:
        _audit_scope.reset(reset)


def current_audit_scope() -> AuditScope | None:
    return _audit_scope.get()


class AuditLog:
    """The append-only audit log: `append` and queries, nothing else."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def append(self, actor: str, action: str, entity_type: str, entity_id: str, *,
               program: str | None = None, detail: dict[str, Any] | None = None,
               token_id: str | None = None) -> AuditEvent:
        scope = _audit_scope.get()
        token_id = token_id or (scope.token_id if scope else None)
        row = AuditRow(at=utcnow(), actor=actor, action=action, entity_type=entity_type,
                       entity_id=entity_id, program=program, detail=detail or {},
                       token_id=token_id)
        self.session.add(row)
        self.session.flush()
        return _audit(row)

    def list(self, *, program: str | None = None, entity_type: str | None = None,
             entity_id: str | None = None, limit: int = 200, before: int | None = None,
             offset: int = 0) -> list[AuditEvent]:
        """The newest events first; `before`: only those older than that event id."""
        query = select(AuditRow)
        if before is not None:
            query = query.where(AuditRow.id < before)
        if program is not None:
            query = query.where(AuditRow.program == program)
        if entity_type is not None:
            query = query.where(AuditRow.entity_type == entity_type)
        if entity_id is not None:
            query = query.where(AuditRow.entity_id == entity_id)
        rows = self.session.scalars(query.order_by(AuditRow.id.desc()).offset(offset)
                                    .limit(limit))
        return [_audit(r) for r in rows]


def _audit(row: AuditRow) -> AuditEvent:
    return AuditEvent(id=row.id, at=row.at, actor=row.actor, action=row.action,
                      entity_type=row.entity_type, entity_id=row.entity_id,
                      program=row.program, detail=row.detail, token_id=row.token_id)


def _program_holding(session: Session, table: type[PairingRow] | type[DraftRow], row_id: str,
                     what: str) -> ProgramRow:
    """The program a pairing or draft (addressed by id alone) belongs to."""
    row = session.scalar(select(ProgramRow).join(table, table.program_id == ProgramRow.id)
                         .where(table.id == row_id))
    if row is None:
        raise NotFoundError(f"no {what} '{row_id}'")
    return row


class PersonBrief(NamedTuple):
    """What aggregates read of a participant (see `ParticipantRepository.briefs`)."""

    id: str
    name: str
    role: Role
    organization: str | None
    department: str | None
    level: int | None


class PairingRepository:
    """Pairings of one program, with optimistic concurrency on decisions."""

    def __init__(self, session: Session, program: ProgramRow) -> None:
        self.session = session
        self.program = program

    @classmethod
    def of_pairing(cls, session: Session, pairing_id: str) -> PairingRepository:
        """The repository of the program a pairing belongs to (pairings are addressed by id)."""
        return cls(session, _program_holding(session, PairingRow, pairing_id, "pairing"))

    def add(self, pairing: Pairing) -> Pairing:
        return self.add_many([pairing])[0]

    def add_many(self, pairings: Sequence[Pairing]) -> list[Pairing]:
        """Store new pairings in one flush (an assignment writes hundreds at once). Each is
        created a microsecond after the one before: lists go by creation time, so the review
        queue keeps the order they were given in (one shared time would leave it to the
        random ids)."""
        now = utcnow()
        rows = [PairingRow(
            id=pairing.id, program_id=self.program.id, mentee_id=pairing.mentee_id,
            mentor_id=pairing.mentor_id, status=pairing.status.value, score=pairing.score,
            components=pairing.components, reasons=pairing.reasons, cohort=pairing.cohort,
            locked=pairing.locked, version=1, created_at=now + timedelta(microseconds=index),
            updated_at=now + timedelta(microseconds=index),
        ) for index, pairing in enumerate(pairings)]
        self.session.add_all(rows)
        self.session.flush()
        return [self._model(row) for row in rows]

    def get(self, pairing_id: str) -> Pairing:
        row = self.session.get(PairingRow, pairing_id)
        if row is None or row.program_id != self.program.id:
            raise NotFoundError(f"no pairing '{pairing_id}' in program '{self.program.name}'")
        return self._model(row)

    def list(self, statuses: Iterable[PairingStatus] | None = None, *,
             or_locked: bool = False) -> list[Pairing]:
        """Pairings, optionally only those in `statuses` (plus any locked one if `or_locked`)."""
        query = select(PairingRow).where(PairingRow.program_id == self.program.id)
        if statuses is not None:
            wanted = PairingRow.status.in_([s.value for s in statuses])
            query = query.where(wanted | PairingRow.locked.is_(True) if or_locked else wanted)
        rows = self.session.scalars(query.order_by(PairingRow.created_at, PairingRow.id))
        return [self._model(r) for r in rows]

    def keys(self, statuses: Iterable[PairingStatus] | None = None
             ) -> builtins.list[tuple[datetime, str]]:
        """(created_at, id) of the pairings in `statuses` (all: None), oldest first: the
        sort keys of a page, without loading the pairings."""
        query = select(PairingRow.created_at, PairingRow.id).where(
            PairingRow.program_id == self.program.id)
        if statuses is not None:
            query = query.where(PairingRow.status.in_([s.value for s in statuses]))
        rows = self.session.execute(query.order_by(PairingRow.created_at, PairingRow.id))
        return [(r[0], r[1]) for r in rows]

    def by_ids(self, pairing_ids: Iterable[str]) -> builtins.list[Pairing]:
        """The pairings among `pairing_ids` (others, and other programs', left out), oldest
        first."""
        wanted = builtins.list(dict.fromkeys(pairing_ids))
        found: builtins.list[Pairing] = []
        for start in range(0, len(wanted), _IN_CHUNK):
            query = select(PairingRow).where(
                PairingRow.program_id == self.program.id,
                PairingRow.id.in_(wanted[start:start + _IN_CHUNK]))
            found += [self._model(r) for r in self.session.scalars(query)]
        return sorted(found, key=lambda p: (p.created_at, p.id))

    def live_of(self, mentee_ids: Iterable[str] | None = None, *,
                mentor_ids: Iterable[str] | None = None) -> builtins.list[Pairing]:
        """Live pairings (pending, approved, active) of these mentees or mentors."""
        query = select(PairingRow).where(PairingRow.program_id == self.program.id,
                                         PairingRow.status.in_(LIVE_PAIRING_STATUSES))
        if mentee_ids is not None:
            query = query.where(PairingRow.mentee_id.in_(builtins.list(mentee_ids)))
        if mentor_ids is not None:
            query = query.where(PairingRow.mentor_id.in_(builtins.list(mentor_ids)))
        return [self._model(r) for r in self.session.scalars(query.order_by(PairingRow.id))]

    def links_of(self, participant_id: str, statuses: Iterable[PairingStatus]
                 ) -> builtins.list[tuple[str, str, str]]:
        """(pairing id, mentee id, mentor id) of the participant's pairings in `statuses`:
        three columns and no models, for the access check most requests make."""
        query = select(PairingRow.id, PairingRow.mentee_id, PairingRow.mentor_id).where(
            PairingRow.program_id == self.program.id,
            PairingRow.status.in_([s.value for s in statuses]),
            (PairingRow.mentee_id == participant_id) | (PairingRow.mentor_id == participant_id))
        return [(r[0], r[1], r[2]) for r in self.session.execute(query)]

    def seat_holders(self, mentor_id: str) -> builtins.list[Pairing]:
        """The pairings holding a seat of `mentor_id`: approved, active, or locked pending."""
        query = select(PairingRow).where(
            PairingRow.program_id == self.program.id, PairingRow.mentor_id == mentor_id,
            PairingRow.status.in_([PairingStatus.approved.value, PairingStatus.active.value])
            | ((PairingRow.status == PairingStatus.pending.value)
               & PairingRow.locked.is_(True)))
        return [self._model(r) for r in self.session.scalars(query)]

    def was_rejected(self, mentee_id: str, mentor_id: str, *,
                     ignore: Iterable[str] = (),
                     statuses: Iterable[PairingStatus] = (PairingStatus.rejected,)) -> bool:
        """Whether a coordinator rejected this pair before (other than the `ignore` ids); with
        `statuses`, whether the pair had a pairing in one of them (`closed`: it ended)."""
        query = select(func.count()).select_from(PairingRow).where(
            PairingRow.program_id == self.program.id, PairingRow.mentee_id == mentee_id,
            PairingRow.mentor_id == mentor_id,
            PairingRow.status.in_([s.value for s in statuses]))
        skip = builtins.list(ignore)
        if skip:
            query = query.where(PairingRow.id.not_in(skip))
        return bool(self.session.scalar(query))

    def delete_pending(self) -> int:
        """Drop undecided, unlocked proposals (a new assignment run replaces them)."""
        result = self.session.execute(delete(PairingRow).where(
            PairingRow.program_id == self.program.id,
            PairingRow.status == PairingStatus.pending.value,
            PairingRow.locked.is_(False)))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def blocks(self) -> dict[tuple[str, str], str]:
        """Do-not-match pairs: (mentee id, mentor id) → reason."""
        rows = self.session.execute(select(
            DoNotMatchRow.mentee_id, DoNotMatchRow.mentor_id, DoNotMatchRow.reason).where(
            DoNotMatchRow.program_id == self.program.id))
        return {(mentee, mentor): reason for mentee, mentor, reason in rows}

    def add_block(self, mentee_id: str, mentor_id: str, reason: str, by: str) -> bool:
        """Record a do-not-match pair; False when it was already recorded."""
        if (mentee_id, mentor_id) in self.blocks():
            return False
        self.session.add(DoNotMatchRow(program_id=self.program.id, mentee_id=mentee_id,
                                       mentor_id=mentor_id, reason=reason, created_by=by,
                                       created_at=utcnow()))
        self.session.flush()
        return True

    def decide(self, pairing_id: str, *, expected_version: int, status: PairingStatus,
               by: str, note: str | None = None, locked: bool | None = None) -> Pairing:
        """Record a decision unless someone else decided first (then ConflictError)."""
        values: dict[str, Any] = {
            "status": status.value, "decided_by": by, "decided_at": utcnow(), "note": note,
            "version": PairingRow.version + 1, "updated_at": utcnow(),
        }
        if locked is not None:
            values["locked"] = locked
        if status is PairingStatus.approved:
            values["approved_at"] = values["decided_at"]
        return self._write(pairing_id, expected_version, values)

    def end(self, pairing_id: str, *, expected_version: int, reason: str, by: str,
            at: datetime, note: str | None = None) -> Pairing:
        """Close the pairing with why and when (ConflictError when it changed first)."""
        return self._write(pairing_id, expected_version, {
            "status": PairingStatus.closed.value, "decided_by": by, "decided_at": at,
            "ended_at": at, "end_reason": reason, "end_note": note, "ended_by": by,
            "version": PairingRow.version + 1, "updated_at": at})

    def activate(self, pairing_id: str, *, at: datetime) -> bool:
        """approved → active (at its first held session): a conditional update, so two
        sessions marked held at once activate it once. True when this call did."""
        done = self.session.execute(update(PairingRow).where(
            PairingRow.id == pairing_id, PairingRow.status == PairingStatus.approved.value
        ).values(status=PairingStatus.active.value, version=PairingRow.version + 1,
                 updated_at=at))
        self.session.expire_all()
        return bool(done.rowcount == 1)  # type: ignore[attr-defined]

    def _write(self, pairing_id: str, expected_version: int, values: dict[str, Any]
               ) -> Pairing:
        self.get(pairing_id)
        result = self.session.execute(
            update(PairingRow)
            .where(PairingRow.id == pairing_id, PairingRow.version == expected_version)
            .values(**values))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            current = self.get(pairing_id)
            raise ConflictError(
                f"pairing '{pairing_id}' changed since version {expected_version} "
                f"(now version {current.version}, {current.status}); reload and decide again"
            )
        self.session.expire_all()
        return self.get(pairing_id)

    def _model(self, row: PairingRow) -> Pairing:
        return Pairing(
            id=row.id, program=self.program.name, mentee_id=row.mentee_id,
            mentor_id=row.mentor_id, status=PairingStatus(row.status), score=row.score,
            components=row.components, reasons=row.reasons, cohort=row.cohort,
            locked=row.locked, version=row.version, decided_by=row.decided_by,
            decided_at=row.decided_at, note=row.note, created_at=row.created_at,
            approved_at=row.approved_at, ended_at=row.ended_at, end_reason=row.end_reason,
            end_note=row.end_note, ended_by=row.ended_by,
        )


class DraftRepository:
    """Drafts and their versions. Every content change is a new version row."""

    def __init__(self, session: Session, program: ProgramRow) -> None:
        self.session = session
        self.program = program

    @classmethod
    def of_draft(cls, session: Session, draft_id: str) -> DraftRepository:
        """The repository of the program a draft belongs to (drafts are addressed by id)."""
        return cls(session, _program_holding(session, DraftRow, draft_id, "draft"))

    def requested_since(self, reviewer: str, since: datetime) -> tuple[int, datetime | None]:
        """How many drafts `reviewer` asked for since `since`, and when the first of them."""
        count, first = self.session.execute(
            select(func.count(), func.min(DraftRow.created_at)).where(
                DraftRow.program_id == self.program.id, DraftRow.reviewer_id == reviewer,
                DraftRow.created_at >= since)).one()
        if first is not None and first.tzinfo is None:
            first = first.replace(tzinfo=UTC)
        return int(count or 0), first

    def add(self, draft: Draft, *, author: str) -> Draft:
        now = utcnow()
        self.session.add(DraftRow(
            id=draft.id, program_id=self.program.id, participant_id=draft.participant_id,
            kind=draft.kind.value, status=draft.status.value, version=1,
            generator=draft.generator, topic=draft.topic, prompt_name=draft.prompt_name,
            prompt_version=draft.prompt_version, model=draft.model,
            retrieved_ids=draft.retrieved_ids, reviewer_id=draft.reviewer_id,
            failure_reason=draft.failure_reason, pairing_id=draft.pairing_id,
            partner_id=draft.partner_id, rationale=draft.rationale, created_at=now,
            updated_at=now,
        ))
        self.session.flush()
        self._add_version(draft.id, 1, draft, author=author, diff=None, note=None)
        return self.get(draft.id)

    def start(self, draft: Draft, *, request: dict[str, Any], worker: str | None,
              lease_until: datetime | None, stage: str | None = None) -> Draft:
        """Record a draft being written (status `drafting`, version 0, no content yet) with
        what was asked, so a run a crash interrupts can be resumed or failed visibly."""
        now = utcnow()
        self.session.add(DraftRow(
            id=draft.id, program_id=self.program.id, participant_id=draft.participant_id,
            kind=draft.kind.value, status=DraftStatus.drafting.value, version=0,
            generator=draft.generator, topic=draft.topic, reviewer_id=draft.reviewer_id,
            pairing_id=draft.pairing_id, partner_id=draft.partner_id, request=request,
            worker=worker, lease_until=lease_until, stage=stage, created_at=now,
            updated_at=now,
        ))
        self.session.flush()
        return self.get(draft.id)

    def claim(self, draft_id: str, *, expected_worker: str | None, worker: str,
              lease_until: datetime) -> bool:
        """Take over drafting `draft_id` from `expected_worker` (whose run died): a
        compare-and-set on the worker, so two recovering processes cannot both win."""
        owner = (DraftRow.worker.is_(None) if expected_worker is None
                 else DraftRow.worker == expected_worker)
        result = self.session.execute(update(DraftRow).where(
            DraftRow.id == draft_id, DraftRow.status == DraftStatus.drafting.value, owner
        ).values(worker=worker, lease_until=lease_until, stage="gathering"))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def drafting(self) -> builtins.list[tuple[str, str | None, datetime | None]]:
        """(id, worker, lease) of every draft being written."""
        rows = self.session.execute(select(DraftRow.id, DraftRow.worker, DraftRow.lease_until)
                                    .where(DraftRow.program_id == self.program.id,
                                           DraftRow.status == DraftStatus.drafting.value))
        return [(i, w, t) for i, w, t in rows]

    def set_request(self, draft_id: str, request: dict[str, Any]) -> None:
        self.session.execute(update(DraftRow).where(DraftRow.id == draft_id)
                             .values(request=request))

    def request_of(self, draft_id: str) -> tuple[dict[str, Any] | None, str | None,
                                                 datetime | None]:
        """(what was asked, the worker drafting it, its lease) of a draft."""
        row = self.session.get(DraftRow, draft_id)
        if row is None or row.program_id != self.program.id:
            raise NotFoundError(f"no draft '{draft_id}'")
        return row.request, row.worker, row.lease_until

    def get(self, draft_id: str) -> Draft:
        row = self.session.get(DraftRow, draft_id)
        if row is None or row.program_id != self.program.id:
            raise NotFoundError(f"no draft '{draft_id}'")
        return self._model(row)

    def list(self, *, limit: int | None = None, offset: int = 0,
             after: tuple[datetime, str] | None = None, **filters: Any) -> list[Draft]:
        """Drafts of the program, oldest first, filtered (see `_filtered`); `visible_to=
        (participant, reviewer name, pairing ids)` keeps what that participant may see:
        their own drafts and the approved drafts bound to their own approved or active
        pairings. `after`: only those after that (created_at, id) — a keyset page."""
        query = self._after(self._filtered(**filters), after)
        query = query.order_by(DraftRow.created_at, DraftRow.id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return [self._model(r) for r in self.session.scalars(query)]

    def count(self, *, after: tuple[datetime, str] | None = None, **filters: Any) -> int:
        query = self._after(self._filtered(**filters), after)
        subquery = query.with_only_columns(DraftRow.id).subquery()
        return int(self.session.scalar(select(func.count()).select_from(subquery)) or 0)

    @staticmethod
    def _after(query: Any, after: tuple[datetime, str] | None) -> Any:
        if after is None:
            return query
        at, draft_id = after
        return query.where((DraftRow.created_at > at)
                           | ((DraftRow.created_at == at) & (DraftRow.id > draft_id)))

    def _filtered(self, *, participant_id: str | None = None,
                  status: DraftStatus | None = None, pairing_id: str | None = None,
                  unpaired: bool = False,
                  visible_to: tuple[str, str, Iterable[str]] | None = None,
                  reviewer: str | None = None, approved_or_reviewer: str | None = None,
                  participants: Iterable[str] | None = None) -> Any:
        query = select(DraftRow).where(DraftRow.program_id == self.program.id)
        if reviewer is not None:
            query = query.where(DraftRow.reviewer_id == reviewer)
        if approved_or_reviewer is not None:
            query = query.where((DraftRow.status == DraftStatus.approved.value)
                                | (DraftRow.reviewer_id == approved_or_reviewer))
        if participants is not None:
            query = query.where(DraftRow.participant_id.in_(builtins.list(participants)))
        if participant_id is not None:
            query = query.where(DraftRow.participant_id == participant_id)
        if status is not None:
            query = query.where(DraftRow.status == status.value)
        if pairing_id is not None:
            query = query.where(DraftRow.pairing_id == pairing_id)
        if unpaired:
            query = query.where(DraftRow.pairing_id.is_(None))
        if visible_to is not None:
            me, reviewer, pairings = visible_to
            own = (DraftRow.participant_id == me) | (DraftRow.reviewer_id == reviewer)
            shared = (DraftRow.status == DraftStatus.approved.value) & DraftRow.pairing_id.in_(
                builtins.list(pairings))
            query = query.where(own | shared)
        return query

    def versions(self, draft_id: str) -> builtins.list[DraftVersion]:
        rows = self.session.scalars(select(DraftVersionRow).where(
            DraftVersionRow.draft_id == draft_id).order_by(DraftVersionRow.number))
        return [DraftVersion(number=r.number, content=r.content, citations=r.citations,
                             checks=r.checks, generator=r.generator, diff=r.diff,
                             author=r.author, note=r.note, rationale=r.rationale or {},
                             created_at=r.created_at)
                for r in rows]

    def renew(self, draft_id: str, *, worker: str, lease_until: datetime,
              stage: str | None = None) -> None:
        """Extend the drafting run's claim (only while it is `drafting`) and record where it
        is (`stage`, unchanged when None)."""
        values: dict[str, Any] = {"worker": worker, "lease_until": lease_until}
        if stage is not None:
            values["stage"] = stage
        self.session.execute(update(DraftRow).where(
            DraftRow.id == draft_id, DraftRow.status == DraftStatus.drafting.value
        ).values(**values))

    def revise(self, draft_id: str, *, expected_version: int, status: DraftStatus,
               author: str, content: Draft | None = None, diff: str | None = None,
               note: str | None = None, failure_reason: str | None = None,
               lease: tuple[str, datetime] | None = None) -> Draft:
        """Move a draft to `status`, optionally with new content as a new version."""
        current = self.get(draft_id)
        values: dict[str, Any] = {"status": status.value, "version": DraftRow.version + 1,
                                  "updated_at": utcnow(), "failure_reason": failure_reason}
        if content is not None:
            values.update(generator=content.generator, prompt_name=content.prompt_name,
                          prompt_version=content.prompt_version, model=content.model,
                          retrieved_ids=content.retrieved_ids, rationale=content.rationale)
        if status is not DraftStatus.drafting:  # the run ended: nobody is drafting it now
            values["worker"] = None
            values["lease_until"] = None
        elif lease is not None:
            values["worker"], values["lease_until"] = lease
        result = self.session.execute(
            update(DraftRow).where(DraftRow.id == draft_id,
                                   DraftRow.version == expected_version).values(**values))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConflictError(
                f"draft '{draft_id}' changed since version {expected_version} "
                f"(now version {current.version}, {current.status}); reload and decide again"
            )
        self._add_version(draft_id, expected_version + 1, content or current, author=author,
                          diff=diff, note=note)
        self.session.expire_all()
        return self.get(draft_id)

    def _add_version(self, draft_id: str, number: int, draft: Draft, *, author: str,
                     diff: str | None, note: str | None) -> None:
        self.session.add(DraftVersionRow(
            draft_id=draft_id, number=number, content=draft.content,
            citations=[c.model_dump(mode="json") for c in draft.citations],
            checks=[c.model_dump(mode="json") for c in draft.checks],
            generator=draft.generator, diff=diff, author=author, note=note,
            rationale=draft.rationale, created_at=utcnow(),
        ))
        self.session.flush()

    def _model(self, row: DraftRow) -> Draft:
        latest = self.session.scalar(
            select(DraftVersionRow).where(DraftVersionRow.draft_id == row.id)
            .order_by(DraftVersionRow.number.desc()).limit(1))
        return Draft(
            id=row.id, program=self.program.name, kind=DraftKind(row.kind),
            participant_id=row.participant_id, status=DraftStatus(row.status),
            generator=row.generator, content=latest.content if latest else {},
            citations=latest.citations if latest else [],
            checks=latest.checks if latest else [], version=row.version, topic=row.topic,
            prompt_name=row.prompt_name, prompt_version=row.prompt_version, model=row.model,
            retrieved_ids=row.retrieved_ids, reviewer_id=row.reviewer_id,
            failure_reason=row.failure_reason, pairing_id=row.pairing_id,
            partner_id=row.partner_id, rationale=row.rationale or {},
            stage=row.stage if row.status == DraftStatus.drafting.value else None,
            created_at=row.created_at, updated_at=row.updated_at,
        )


class TokenRepository:
    """API tokens by id or by the hash of their secret (the secret itself is never stored)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: TokenRow) -> None:
        self.session.add(row)
        self.session.flush()

    def get(self, token_id: str) -> TokenRow | None:
        return self.session.get(TokenRow, token_id)

    def by_secret_hash(self, digest: str) -> TokenRow | None:
        """The live token with this hash (None when unknown, revoked or expired); marks it
        used, coarsely, so reads do not write on every request."""
        now = utcnow()
        row = self.session.scalar(select(TokenRow).where(TokenRow.secret_hash == digest))
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            return None
        if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=5):
            row.last_used_at = now
        return row

    def revoke(self, token_id: str) -> bool:
        """Revoke it now; False when it already was."""
        result = self.session.execute(update(TokenRow).where(
            TokenRow.id == token_id, TokenRow.revoked_at.is_(None)).values(revoked_at=utcnow()))
        self.session.flush()
        self.session.expire_all()
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def list(self, *, program: str | None = None,
             participant_id: str | None = None) -> builtins.list[TokenRow]:
        query = select(TokenRow).order_by(TokenRow.created_at)
        if program is not None:
            query = query.where(TokenRow.program == program)
        if participant_id is not None:
            query = query.where(TokenRow.participant_id == participant_id)
        return builtins.list(self.session.scalars(query))


class IdempotencyKeys:
    """Keys of requests that create things, and claims on decisions: the first writer of a
    (scope, key) wins through the unique constraint."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, scope: str, key: str, request_hash: str, resource_id: str) -> None:
        self.session.add(IdempotencyRow(principal=scope, key=key, request_hash=request_hash,
                                        resource_id=resource_id, created_at=utcnow()))
        self.session.flush()

    def get(self, scope: str, key: str) -> tuple[str, str | None] | None:
        """(request hash, resource id) of a recorded key, or None."""
        row = self._row(scope, key)
        return None if row is None else (row.request_hash, row.resource_id)

    def created_at(self, scope: str, key: str) -> datetime | None:
        row = self._row(scope, key)
        return None if row is None else row.created_at

    def delete(self, scope: str, key: str) -> None:
        self.session.execute(delete(IdempotencyRow).where(
            IdempotencyRow.principal == scope, IdempotencyRow.key == key))

    def _row(self, scope: str, key: str) -> IdempotencyRow | None:
        return self.session.scalar(select(IdempotencyRow).where(
            IdempotencyRow.principal == scope, IdempotencyRow.key == key))
