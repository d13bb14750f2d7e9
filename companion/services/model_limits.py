"""Per-organisation limits on model calls (issue 15): at most `model_concurrency` calls of one
organisation run at once across every process sharing the database (a real provider bills
and rate-limits per key; one organisation's batch must not starve the others). A call waits
for a free slot; the slots are rows (`companion.store.ModelSlots`), so the limit holds across
API workers, drafting workers and hosts, and a holder that died frees its slot when its lease
runs out."""

from __future__ import annotations

import contextvars
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from companion.config import Settings
from companion.llm.base import ChatModel, ChatResult, Message, ModelUnavailable
from companion.services.draft_store import alive_worker, worker_name
from companion.store import Database, DraftingRuns, ModelSlots
from companion.store.tables import utcnow

log = logging.getLogger("companion.model_limits")
#: How long a slot holds without a sign of life: a call renews it every SLOT_RENEW seconds,
#: so a holder whose process died (on any host) frees it about a lease later — and at once
#: when the process was on this host.
SLOT_LEASE = timedelta(seconds=90)
SLOT_RENEW = 20.0
#: How long a call waits for a slot before it fails (the draft then fails with the reason).
MAX_WAIT = 15 * 60.0


@dataclass(frozen=True)
class Scope:
    """Whose model calls these are: an organisation (or a program without one)."""

    key: str
    label: str


_current: contextvars.ContextVar[Scope | None] = contextvars.ContextVar(
    "companion_model_scope", default=None)


def scope_of(db: Database, draft_id: str) -> Scope:
    """The organisation of the draft's requester (their program when they have none)."""
    with db.session() as session:
        program, organization = DraftingRuns(session).organization_of(draft_id)
    if organization:
        return Scope(f"org:{organization.strip().casefold()}", organization.strip())
    return Scope(f"program:{program}", program)


@contextmanager
def drafting_for(db: Database, draft_id: str) -> Iterator[Scope]:
    """Model calls made inside the block count against the draft's organisation."""
    scope = scope_of(db, draft_id)
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


def current_scope() -> Scope | None:
    return _current.get()


def limit_for(settings: Settings, scope: Scope) -> int:
    by_org = {k.strip().casefold(): v for k, v in settings.model_concurrency_by_org.items()}
    return by_org.get(scope.label.casefold(), settings.model_concurrency)


class LimitedModel:
    """A `ChatModel` whose calls take one of their organisation's slots first."""

    def __init__(self, inner: ChatModel, db: Database, settings: Settings, *,
                 max_wait: float = MAX_WAIT, poll: float = 0.1) -> None:
        self.inner = inner
        self.name = inner.name
        self.db = db
        self.settings = settings
        self.max_wait = max_wait
        self.poll = poll
        self._ensured: set[tuple[str, int]] = set()
        self._lock = threading.Lock()

    def __getattr__(self, attr: str) -> object:  # anything else the inner model offers
        return getattr(self.inner, attr)

    def complete(self, messages: list[Message], *, json_mode: bool = True) -> ChatResult:
        scope = current_scope()
        limit = 0 if scope is None else limit_for(self.settings, scope)
        if scope is None or limit <= 0:
            return self.inner.complete(messages, json_mode=json_mode)
        with self.slot(scope, limit):
            return self.inner.complete(messages, json_mode=json_mode)

    @contextmanager
    def slot(self, scope: Scope, limit: int) -> Iterator[int]:
        holder = f"{worker_name()}:{threading.get_ident()}:{uuid.uuid4().hex[:8]}"
        with self._lock:
            fresh = (scope.key, limit) not in self._ensured
        if fresh:
            with self.db.session() as session:
                ModelSlots(session).ensure(scope.key, limit)
            with self._lock:
                self._ensured.add((scope.key, limit))
        deadline = time.monotonic() + self.max_wait
        wait = self.poll
        waited = False
        while True:
            with self.db.session() as session:
                taken = ModelSlots(session).take(scope.key, limit, holder,
                                                 utcnow() + SLOT_LEASE)
            if taken is not None:
                break
            if self._free_dead_holders(scope):
                continue
            if time.monotonic() >= deadline:
                raise ModelUnavailable(
                    f"{scope.label} already has {limit} model call(s) running (its limit, "
                    f"COMPANION_MODEL_CONCURRENCY); waited {self.max_wait:.0f} s for a turn",
                    model=self.inner.name)
            if not waited:
                log.info("model calls of %s are at their limit (%d): waiting", scope.label,
                         limit)
                waited = True
            time.sleep(wait)
            wait = min(wait * 1.5, 2.0)
        stop = threading.Event()
        renewer = threading.Thread(target=self._renew, args=(scope, taken, holder, stop),
                                   name=f"model slot {scope.key}/{taken}", daemon=True)
        renewer.start()
        try:
            yield taken
        finally:
            stop.set()
            try:
                with self.db.session() as session:
                    ModelSlots(session).give_back(scope.key, taken, holder)
            except Exception:  # the slot's lease frees it later
                log.warning("could not give back model slot %s/%d", scope.key, taken,
                            exc_info=True)


    def _renew(self, scope: Scope, slot: int, holder: str, stop: threading.Event) -> None:
        while not stop.wait(SLOT_RENEW):
            try:
                with self.db.session() as session:
                    ModelSlots(session).renew(scope.key, slot, holder, utcnow() + SLOT_LEASE)
            except Exception:  # the next renewal tries again; the lease is long enough
                log.warning("could not renew model slot %s/%d", scope.key, slot,
                            exc_info=True)

    def _free_dead_holders(self, scope: Scope) -> bool:
        """Free the slots held by processes of this host that are gone (killed mid-call)."""
        freed = False
        with self.db.session() as session:
            slots = ModelSlots(session)
            for slot, holder in slots.holders(scope.key):
                host, _, rest = holder.partition(":")
                pid = rest.partition(":")[0]
                if not alive_worker(f"{host}:{pid}"):
                    freed = slots.free(scope.key, slot, holder) or freed
                    log.warning("model slot %s/%d: its holder %s is gone; freed", scope.key,
                                slot, holder)
        return freed


def limited(model: ChatModel, db: Database, settings: Settings) -> ChatModel:
    """`model`, limited per organisation (unless model_concurrency is 0 for everyone)."""
    if settings.model_concurrency <= 0 and not any(settings.model_concurrency_by_org.values()):
        return model
    return LimitedModel(model, db, settings)
