"""Draft requests and redrafts started without making the caller wait for the agent: the run
goes on in a background thread, and the caller gets the draft's id as soon as the `drafting`
row exists (a page then shows "Drafting…" and polls). Everything the services decide —
access, rate limits, idempotency, versions — is still decided by `companion.services.drafts`;
an error raised before anything was written reaches the caller as if the call were in line."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from companion.config import Settings
from companion.domain import DraftKind
from companion.errors import NotFoundError
from companion.services import drafts
from companion.services.drafts import Deps
from companion.services.tokens import Principal
from companion.store import Database

log = logging.getLogger("companion.draft_jobs")
#: How long a caller waits for the run to write its first row before answering anyway.
START_WAIT = 10.0
_POLL = 0.05


class _Job:
    """One background call and how it ended."""

    def __init__(self, work: Callable[[], Any], name: str) -> None:
        self.done = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(work,), name=name, daemon=True)

    def _run(self, work: Callable[[], Any]) -> None:
        try:
            work()
        except BaseException as exc:  # reported to the caller if it is still waiting
            self.error = exc
            log.info("background %s ended with %s: %s", self.thread.name,
                     type(exc).__name__, exc)
        finally:
            self.done.set()


def _start(work: Callable[[], Any], started: Callable[[], bool], name: str,
           wait: float) -> None:
    """Run `work` in the background; return once `started()` (its first write landed) or
    once it ended. An error from a run that wrote nothing is raised here."""
    job = _Job(work, name)
    job.thread.start()
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if job.done.wait(_POLL):
            break
        if started():
            return
    if job.done.is_set() and job.error is not None and not started():
        raise job.error


def draft_id_for(principal: Principal, key: str) -> str:
    """The draft a request key names: one key, one draft, so a double click or a resubmitted
    form finds the draft the first submission started (even while it is still drafting)."""
    digest = hashlib.sha256(f"{principal.token_id}\0{principal.participant_id}\0{key}"
                            .encode()).hexdigest()
    return f"dr-{digest[:12]}"


def _exists(db: Database, draft_id: str) -> bool:
    try:
        drafts.get_draft(db, draft_id)
    except NotFoundError:
        return False
    return True


def start_request(db: Database, settings: Settings, principal: Principal, *, program: str,
                  kind: DraftKind | str, topic: str | None = None,
                  partner_id: str | None = None, key: str, deps: Deps | None = None,
                  wait: float = START_WAIT) -> str:
    """Start `drafts.request_as` for `principal` with the one-time `key` (its
    Idempotency-Key) and return the draft's id once the draft exists."""
    draft_id = draft_id_for(principal, key)
    if _exists(db, draft_id):  # the same form again: the draft it already started
        return draft_id
    deps = deps or drafts.default_deps(db, settings)

    def work() -> None:
        drafts.request_as(db, settings, principal, program=program, kind=kind, topic=topic,
                          partner_id=partner_id, idempotency_key=key, deps=deps,
                          draft_id=draft_id)

    _start(work, lambda: _exists(db, draft_id), f"request {draft_id}", wait)
    return draft_id


def start_review(db: Database, settings: Settings, principal: Principal, draft_id: str,
                 decision: str, *, version: int, note: str | None = None,
                 content: dict[str, Any] | None = None, deps: Deps | None = None,
                 wait: float = START_WAIT, confirm_failed_checks: bool | None = None
                 ) -> drafts.ReviewOutcome | None:
    """`drafts.review_as`, returning once the decision landed. Only a rejection with a note
    calls the model (the agent rewrites the draft), so only that one goes on in the
    background, the draft `drafting` meanwhile (None is returned then); the other decisions
    are made in line and return their outcome, and every refusal (a stale version, a bad
    edit, failed checks not confirmed) is raised here."""
    deps = deps or drafts.default_deps(db, settings)
    note = (note or "").strip() or None
    if decision != "reject" or note is None:
        return drafts.review_as(db, settings, principal, draft_id, decision, version=version,
                                note=note, content=content, deps=deps,
                                confirm_failed_checks=confirm_failed_checks)

    def work() -> None:
        drafts.review_as(db, settings, principal, draft_id, decision, version=version,
                         note=note, content=content, deps=deps)

    def landed() -> bool:  # the rejection is recorded: the draft moved past `version`
        return drafts.get_draft(db, draft_id).version > version

    _start(work, landed, f"redraft {draft_id}", wait)
    return None
