"""The drafting agent's persistence port over the database: what a draft may read (only the
requester, their partner on the pairing the draft is for, and earlier approved drafts of that
same pairing) and the draft's state changes, each written once and audited."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from companion.domain import Draft, DraftStatus, PairingStatus
from companion.domain.relationship import SessionStatus
from companion.drafting.context import Gathered, SessionHistory
from companion.errors import BadInputError, NotFoundError
from companion.store import (
    AuditLog,
    Database,
    DraftRepository,
    PairingRepository,
    ParticipantRepository,
    ProgramRepository,
    Session,
)
from companion.store.relationship import GoalRepository, SessionRepository
from companion.store.tables import ProgramRow, utcnow

log = logging.getLogger("companion.drafts")
PARTNERED = (PairingStatus.approved, PairingStatus.active)
#: How long a drafting run's claim holds without a sign of life: a running run renews it
#: every HEARTBEAT (and before each model call), so a run whose process died is taken over
#: by another process about a LEASE later, on any host.
LEASE = timedelta(seconds=90)
HEARTBEAT = 20.0
#: The stage of a draft waiting for a worker.
QUEUED = "queued"
#: Open goal checkpoints an agenda's context carries at most (the soonest).
MAX_CHECKPOINTS = 10


def worker_name() -> str:
    """This process, as recorded on the drafts it is writing (`host:pid`)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def lease_from_now() -> datetime:
    return utcnow() + LEASE


def alive_worker(worker: str | None) -> bool:
    """Whether the process named `host:pid` is still running (another host's count as
    alive: only their lease tells)."""
    if not worker or ":" not in worker:
        return False
    host, _, pid = worker.rpartition(":")
    if host != worker_name().rpartition(":")[0] or not pid.isdigit():
        return True
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def heartbeat(db: Database, draft_id: str, every: float | None = None) -> Iterator[None]:
    """Renew this process's claim on `draft_id` every HEARTBEAT seconds while the block
    runs (a model call can take minutes; the claim must not lapse meanwhile)."""
    stop = threading.Event()
    me = worker_name()

    def beat() -> None:
        while not stop.wait(every or HEARTBEAT):
            try:
                with db.session() as session:
                    DraftRepository.of_draft(session, draft_id).renew(
                        draft_id, worker=me, lease_until=lease_from_now())
            except Exception:  # the next beat tries again; the lease is long enough
                log.warning("could not renew the claim on %s", draft_id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"heartbeat {draft_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


class DatabaseDraftStore:
    """`companion.drafting.ports.DraftStore` over a `Database`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def gather(self, program: str, participant_id: str, partner_id: str | None,
               pairing_id: str | None) -> Gathered:
        with self.db.session() as session:
            programs = ProgramRepository(session)
            row = programs.row(program)
            model = programs.get(program)
            people = {p.id: p for p in ParticipantRepository(session, row.id).list()}
            if participant_id not in people:
                raise NotFoundError(f"no participant '{participant_id}' in {program}")
            pairing = bound_pairing(PairingRepository(session, row).list(PARTNERED),
                                    participant_id, partner_id, pairing_id)
            chosen = None if pairing is None else (
                pairing.mentor_id if pairing.mentee_id == participant_id else pairing.mentee_id)
            drafts = DraftRepository(session, row)
            earlier = drafts.list(participant_id=participant_id, status=DraftStatus.approved,
                                  pairing_id=pairing.id if pairing else None,
                                  unpaired=pairing is None)
            approved = [{"kind": d.kind.value, "version": d.version, "content": d.content}
                        for d in earlier][-3:]
            history = session_history(session, row, pairing.id) if pairing else None
        others = frozenset(p.name for pid, p in people.items()
                           if pid not in {participant_id, chosen} and p.name)
        requester = people[participant_id]
        manager = people.get(requester.manager_id) if requester.manager_id else None
        return Gathered(model, requester, people.get(chosen) if chosen else None,
                        others, approved, pairing.id if pairing else None,
                        manager_name=manager.name if manager and manager.id != chosen else None,
                        sessions=history)

    def save(self, draft: Draft, *, author: str, action: str, note: str | None = None,
             diff: str | None = None, same_content: bool = False,
             decided_on: int | None = None, detail: dict[str, Any] | None = None) -> Draft:
        status = draft.status
        with self.db.session() as session:
            repo = DraftRepository(session, ProgramRepository(session).row(draft.program))
            try:
                current = repo.get(draft.id)
            except NotFoundError:
                stored = repo.add(draft, author=author)
            else:
                if current.status == status and (same_content
                                                 or current.content == draft.content):
                    return current  # already written before a crash: do not write it twice
                expected = current.version if decided_on is None else decided_on
                stored = repo.revise(draft.id, expected_version=expected, status=status,
                                     author=author, content=None if same_content else draft,
                                     diff=diff, note=note, failure_reason=draft.failure_reason,
                                     lease=(worker_name(), lease_from_now())
                                     if status is DraftStatus.drafting else None)
            AuditLog(session).append(author, action, "draft", draft.id, program=draft.program,
                                     detail={"kind": draft.kind.value, "status": status.value,
                                             "version": stored.version, "note": note,
                                             "participant_id": draft.participant_id,
                                             "pairing_id": draft.pairing_id,
                                             **({"failure": draft.failure_reason}
                                                if draft.failure_reason else {}),
                                             **(detail or {})})
        return stored

    def renew(self, draft_id: str, stage: str | None = None) -> None:
        with self.db.session() as session:
            repo = DraftRepository.of_draft(session, draft_id)
            repo.renew(draft_id, worker=worker_name(), lease_until=lease_from_now(),
                       stage=stage)


def session_history(session: Session, program: ProgramRow, pairing_id: str
                    ) -> SessionHistory:
    """The pairing's held sessions (how many, the last one and its action items) and the
    open checkpoints of its current goals, soonest first (issue 14: the agenda's context)."""
    held = SessionRepository(session, program).list(pairing_ids=[pairing_id],
                                                    statuses=[SessionStatus.held])
    last = max(held, key=lambda m: m.starts_at, default=None)
    goals = GoalRepository(session, program)
    current = [g.id for g in goals.list(pairing_ids=[pairing_id])]
    open_ = sorted((c for c in goals.checkpoints(current) if c.done_at is None),
                   key=lambda c: (c.due_on, c.position)) if current else []
    return SessionHistory(
        sessions_held=len(held), last_held_at=last.starts_at if last else None,
        previous_actions=tuple(last.action_items) if last else (),
        checkpoints_due=tuple((c.check, c.due_on) for c in open_[:MAX_CHECKPOINTS]))


def bound_pairing(partnered: list[Any], participant_id: str, partner_id: str | None,
                  pairing_id: str | None) -> Any:
    """The approved or active pairing a draft is for: the one named, the one with
    `partner_id`, or the participant's only one; None when they have none or several and
    named none (the draft is then private to them)."""
    mine = [p for p in partnered if participant_id in (p.mentee_id, p.mentor_id)]
    if pairing_id is not None:
        for p in mine:
            if p.id == pairing_id:
                return p
        raise BadInputError(f"pairing '{pairing_id}' is not an approved pairing of "
                            f"'{participant_id}'", field="pairing_id")
    if partner_id is not None:
        for p in mine:
            if partner_id in (p.mentee_id, p.mentor_id) and partner_id != participant_id:
                return p
        raise BadInputError(f"'{partner_id}' is not an approved partner of "
                            f"'{participant_id}'", field="partner_id")
    return mine[0] if len(mine) == 1 else None
