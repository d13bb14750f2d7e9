"""What background drafting keeps in the database (issue 15): a drafting run's stage, the
drafts no live run is writing, and the organisations' model-call slots — a semaphore in rows,
so the limit holds across every process and host that shares the database."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from companion.domain import DraftStatus
from companion.store.tables import DraftRow, ModelSlotRow, ParticipantRow, ProgramRow, utcnow


@dataclass(frozen=True)
class DraftingRun:
    """A `drafting` draft as the queue sees it."""

    draft_id: str
    program: str
    worker: str | None
    lease_until: datetime | None
    stage: str | None
    updated_at: datetime | None


class DraftingRuns:
    """Drafts being written, across programs (the queue's view: ids, owners, leases)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def set_stage(self, draft_id: str, stage: str | None) -> None:
        self.session.execute(update(DraftRow).where(
            DraftRow.id == draft_id, DraftRow.status == DraftStatus.drafting.value
        ).values(stage=stage))

    def release(self, draft_id: str, worker: str, stage: str) -> bool:
        """Give a run back to the queue (its job will be retried): no owner, no lease."""
        result = self.session.execute(update(DraftRow).where(
            DraftRow.id == draft_id, DraftRow.status == DraftStatus.drafting.value,
            DraftRow.worker == worker).values(worker=None, lease_until=None, stage=stage))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def all(self, *, limit: int = 1000) -> builtins.list[DraftingRun]:
        rows = self.session.execute(
            select(DraftRow.id, ProgramRow.name, DraftRow.worker, DraftRow.lease_until,
                   DraftRow.stage, DraftRow.updated_at)
            .join(ProgramRow, ProgramRow.id == DraftRow.program_id)
            .where(DraftRow.status == DraftStatus.drafting.value)
            .order_by(DraftRow.created_at).limit(limit))
        return [DraftingRun(*row) for row in rows]

    def count(self) -> int:
        return int(self.session.execute(select(func.count()).where(
            DraftRow.status == DraftStatus.drafting.value)).scalar() or 0)

    def organization_of(self, draft_id: str) -> tuple[str, str | None]:
        """(program, the requester's organisation) of a draft."""
        row = self.session.execute(
            select(ProgramRow.name, ParticipantRow.organization)
            .select_from(DraftRow)
            .join(ProgramRow, ProgramRow.id == DraftRow.program_id)
            .outerjoin(ParticipantRow, (ParticipantRow.program_id == DraftRow.program_id)
                       & (ParticipantRow.pid == DraftRow.participant_id))
            .where(DraftRow.id == draft_id)).first()
        if row is None:
            return "", None
        return row[0], row[1]


class ModelSlots:
    """`limit` slots per scope (an organisation); a holder takes a free (or lapsed) one."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def ensure(self, scope: str, limit: int) -> None:
        """Create the scope's slots up to `limit` (idempotent; safe in every process)."""
        have = set(self.session.execute(select(ModelSlotRow.slot).where(
            ModelSlotRow.scope == scope)).scalars())
        for slot in range(limit):
            if slot in have:
                continue
            try:
                with self.session.begin_nested():
                    self.session.execute(insert(ModelSlotRow).values(scope=scope, slot=slot))
            except IntegrityError:  # another process made it first
                pass

    def take(self, scope: str, limit: int, holder: str, lease_until: datetime) -> int | None:
        """The slot taken, or None when all `limit` are held (a compare-and-set per slot)."""
        now = utcnow()
        for slot in range(limit):
            result = self.session.execute(update(ModelSlotRow).where(
                ModelSlotRow.scope == scope, ModelSlotRow.slot == slot,
                or_(ModelSlotRow.holder.is_(None), ModelSlotRow.lease_until < now),
            ).values(holder=holder, lease_until=lease_until))
            if result.rowcount:  # type: ignore[attr-defined]
                return slot
        return None

    def give_back(self, scope: str, slot: int, holder: str) -> None:
        self.session.execute(update(ModelSlotRow).where(
            ModelSlotRow.scope == scope, ModelSlotRow.slot == slot,
            ModelSlotRow.holder == holder).values(holder=None, lease_until=None))

    def holders(self, scope: str) -> builtins.list[tuple[int, str]]:
        """(slot, holder) of the scope's held slots."""
        rows = self.session.execute(select(ModelSlotRow.slot, ModelSlotRow.holder).where(
            ModelSlotRow.scope == scope, ModelSlotRow.holder.is_not(None)))
        return [(slot, holder) for slot, holder in rows if holder]

    def free(self, scope: str, slot: int, holder: str) -> bool:
        """Free a slot `holder` holds (its process is gone): a compare-and-set."""
        result = self.session.execute(update(ModelSlotRow).where(
            ModelSlotRow.scope == scope, ModelSlotRow.slot == slot,
            ModelSlotRow.holder == holder).values(holder=None, lease_until=None))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def renew(self, scope: str, slot: int, holder: str, lease_until: datetime) -> None:
        self.session.execute(update(ModelSlotRow).where(
            ModelSlotRow.scope == scope, ModelSlotRow.slot == slot,
            ModelSlotRow.holder == holder).values(lease_until=lease_until))

    def held(self, scope: str) -> int:
        now = utcnow()
        return int(self.session.execute(select(func.count()).where(
            ModelSlotRow.scope == scope, ModelSlotRow.holder.is_not(None),
            ModelSlotRow.lease_until >= now)).scalar() or 0)
