"""Drafting use cases: request a draft, review it (approve / edit / reject with feedback),
list and read drafts, and recover runs a crash interrupted. The LangGraph agent does the work;
this module starts, resumes and guards it, and decides who may see and do what (through
`companion.services.access`)."""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from companion.config import Settings
from companion.domain import (
    AccessRole,
    CheckResult,
    Draft,
    DraftKind,
    DraftStatus,
    DraftVersion,
)
from companion.errors import (
    BadInputError,
    ConflictError,
    NotFoundError,
    RateLimitedError,
    StaleVersionError,
    forbidden,
    hidden,
)
from companion.services import idempotency
from companion.services.access import (
    Access,
    Partners,
    access_to,
    access_to_owner,
    partners_of,
    people_of,
)
from companion.services.draft_store import (
    PARTNERED,
    QUEUED,
    DatabaseDraftStore,
    alive_worker,
    bound_pairing,
    heartbeat,
    lease_from_now,
    worker_name,
)
from companion.services.paging import (
    CURSOR_FIELD,
    Key,
    PageRequest,
    decode_cursor,
    encode_cursor,
    key_part,
)
from companion.services.tokens import Principal
from companion.store import (
    AuditLog,
    Database,
    DraftingRuns,
    DraftRepository,
    DuplicateRowError,
    IdempotencyKeys,
    PairingRepository,
    ParticipantRepository,
    ProgramRepository,
    Session,
    audit_scope,
    current_audit_scope,
)
from companion.store.tables import ProgramRow, utcnow

if TYPE_CHECKING:
    from companion.drafting.deps import Deps
    from companion.drafting.plan import Planner
    from companion.embeddings import Embedder

log = logging.getLogger("companion.drafts")
MAX_TOPIC = 500
DECISIONS = ("approve", "edit", "reject")
#: A run interrupted this many times is not tried again: it ends `failed`.
MAX_RECOVERIES = 3
#: Largest page of a draft listing.
MAX_PAGE = 500


def default_deps(db: Database, settings: Settings) -> Deps:
    """The real model (COMPANION_MODEL, default offline) and retrieval over knowledge/."""
    from companion.drafting.deps import Deps
    from companion.embeddings import get_query_embedder
    from companion.llm import model_from_settings
    from companion.retrieval import search

    embedder = get_query_embedder(settings)

    def find(query: str, top: int, where: dict[str, str] | None) -> list[Any]:
        return search(settings, embedder, query, top=top, where=where)

    from companion.services.model_limits import limited

    return Deps(store=DatabaseDraftStore(db), search=find,
                model=limited(model_from_settings(settings), db, settings),
                planner=planner_for(embedder))


def planner_for(embedder: Embedder, folder: Path | None = None) -> Planner:
    """The draft planner over the guidelines in `folder` (default: the bundled `knowledge/`
    or COMPANION_KNOWLEDGE_DIR), ranking by meaning with `embedder`."""
    from companion.drafting.catalogue import load_catalogue
    from companion.drafting.plan import Planner
    from companion.retrieval import default_knowledge_dir

    return Planner(load_catalogue(folder or default_knowledge_dir()), embedder.embed,
                   embedder.name)


def _app(deps: Deps, saver: Any, settings: Settings) -> Any:
    from companion.drafting.topology import build_graph

    # The SQLite saver lives as long as the process, so its compiled graph can be reused;
    # a PostgreSQL saver is per run (its connection closes after it).
    reusable = settings.database_kind != "postgresql"
    app = deps.compiled.get(id(saver)) if reusable else None
    if app is None:
        app = build_graph(deps).compile(checkpointer=saver)
        if reusable:
            deps.compiled[id(saver)] = app
    return app


def _run(deps: Deps, settings: Settings, draft_id: str, payload: Any, *,
         stop_before: list[str] | None = None) -> None:
    from companion.drafting.checkpoint import checkpointer

    with checkpointer(settings) as saver:
        _app(deps, saver, settings).invoke(payload, {"configurable": {"thread_id": draft_id}},
                                           interrupt_before=stop_before)


def _resume(deps: Deps, settings: Settings, draft_id: str, request: dict[str, Any]) -> None:
    """Carry an interrupted run on from its last checkpoint, or start it again from what
    was asked when it had none (the crash came before the first node finished)."""
    from companion.drafting.checkpoint import checkpointer

    config = {"configurable": {"thread_id": draft_id}}
    with checkpointer(settings) as saver:
        app = _app(deps, saver, settings)
        started = bool(app.get_state(config).values)
        app.invoke(None if started else request, config)


@dataclass(frozen=True)
class DraftRequest:
    """What a draft request asks for (stored with the draft, so a crash loses nothing)."""

    program: str
    kind: DraftKind
    participant_id: str
    topic: str | None = None
    partner_id: str | None = None
    pairing_id: str | None = None
    requested_by: str | None = None

    @classmethod
    def checked(cls, *, program: str, kind: DraftKind | str, participant_id: str,
                topic: str | None = None, partner_id: str | None = None,
                pairing_id: str | None = None, requested_by: str | None = None
                ) -> DraftRequest:
        try:
            kind = DraftKind(kind)
        except ValueError:
            raise BadInputError(f"unknown draft kind '{kind}': use "
                                f"{', '.join(k.value for k in DraftKind)}",
                                field="kind") from None
        topic = (topic or "").strip() or None
        if topic and len(topic) > MAX_TOPIC:
            raise BadInputError(f"topic is {len(topic)} characters; at most {MAX_TOPIC}",
                                field="topic")
        if kind is DraftKind.framework and not topic:
            raise BadInputError("a framework needs a topic naming the situation, e.g. "
                                "'feedback on missed deadlines'", field="topic")
        return cls(program, kind, participant_id, topic, partner_id, pairing_id, requested_by)


@dataclass(frozen=True)
class IdempotentCall:
    """A client's Idempotency-Key, the scope it belongs to and the request it names."""

    scope: str
    key: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class RequestOutcome:
    draft: Draft
    replayed: bool = False


def request_draft(db: Database, settings: Settings, *, program: str, kind: DraftKind | str,
                  participant_id: str, topic: str | None = None, requested_by: str | None = None,
                  partner_id: str | None = None, deps: Deps | None = None,
                  today: date | None = None, draft_id: str | None = None,
                  pairing_id: str | None = None) -> Draft:
    """Draft, check and revise until the draft passes (or fails); it then waits for review."""
    ask = DraftRequest.checked(program=program, kind=kind, participant_id=participant_id,
                               topic=topic, partner_id=partner_id, pairing_id=pairing_id,
                               requested_by=requested_by)
    return _request(db, settings, ask, deps=deps, today=today, draft_id=draft_id).draft


def _request(db: Database, settings: Settings, ask: DraftRequest, *, deps: Deps | None,
             today: date | None = None, draft_id: str | None = None,
             once: IdempotentCall | None = None, limit_per_hour: int | None = None,
             run: bool = True) -> RequestOutcome:
    """Record the request and (`run`) write the draft now; `run=False` leaves it `drafting`
    and `queued` for a job (`companion.services.draft_jobs`) to write."""
    if once is not None:
        earlier = idempotency.lookup(db, once.scope, once.key, once.payload)
        if earlier is not None:
            return RequestOutcome(_replay(db, settings, earlier, deps, run=run),
                                  replayed=True)
    if deps is None and run:
        deps = default_deps(db, settings)
    # a queued draft is written elsewhere: naming its model costs nothing to load here
    generator = deps.model.name if deps is not None else _model_name(settings)
    today = today or (deps.today() if deps is not None else date.today())
    draft_id = draft_id or new_draft_id()
    requested_by = ask.requested_by or ask.participant_id
    try:
        with db.session(write=True) as session:
            programs = ProgramRepository(session)
            row = programs.row(ask.program)
            people = ParticipantRepository(session, row.id)
            people.get(ask.participant_id)  # NotFoundError names an unknown participant
            people.lock([ask.participant_id])  # serialises this person's rate limit
            if limit_per_hour is not None:
                _check_rate(session, row, requested_by, limit_per_hour)
            pairing = bound_pairing(PairingRepository(session, row).list(PARTNERED),
                                    ask.participant_id, ask.partner_id, ask.pairing_id)
            partner = None if pairing is None else (
                pairing.mentor_id if pairing.mentee_id == ask.participant_id
                else pairing.mentee_id)
            payload: dict[str, Any] = {
                "draft_id": draft_id, "program": ask.program, "kind": ask.kind.value,
                "participant_id": ask.participant_id, "partner_id": partner,
                "pairing_id": pairing.id if pairing else None, "topic": ask.topic,
                "requested_by": requested_by, "today": today.isoformat(), "attempt": 1,
                "feedback": [], "done": False}
            scope = current_audit_scope()
            if scope is not None and scope.token_id:  # the job's audit rows name it too
                payload["token_id"] = scope.token_id
            repo = DraftRepository(session, row)
            if once is not None:  # the key and the draft it names are one fact
                IdempotencyKeys(session).add(idempotency.scope_of(once.scope),
                                             once.key.strip(),
                                             idempotency.request_hash(once.payload), draft_id)
            repo.start(
                Draft(id=draft_id, program=ask.program, kind=ask.kind,
                      participant_id=ask.participant_id, status=DraftStatus.drafting,
                      generator=generator, topic=ask.topic, reviewer_id=requested_by,
                      pairing_id=payload["pairing_id"], partner_id=partner),
                request=payload, worker=worker_name() if run else None,
                lease_until=lease_from_now() if run else None,
                stage="gathering" if run else QUEUED)
            AuditLog(session).append(requested_by, "draft.request", "draft", draft_id,
                                     program=ask.program, detail={
                                         "kind": ask.kind.value,
                                         "participant_id": ask.participant_id,
                                         "pairing_id": payload["pairing_id"],
                                         "topic": ask.topic})
    except DuplicateRowError:
        if once is None:
            raise
        earlier = idempotency.lookup(db, once.scope, once.key, once.payload)
        if earlier is None:
            raise ConflictError("a request with this Idempotency-Key was just abandoned; "
                                "send it again") from None
        return RequestOutcome(_replay(db, settings, earlier, deps, run=run), replayed=True)
    if run:
        assert deps is not None
        _guarded_run(db, deps, settings, draft_id, payload)
    return RequestOutcome(get_draft(db, draft_id))


def _model_name(settings: Settings) -> str:
    from companion.llm import model_name

    return model_name(settings.model)


def _check_rate(session: Session, program: ProgramRow, requested_by: str, limit: int) -> None:
    now = utcnow()
    count, first = DraftRepository(session, program).requested_since(
        requested_by, now - timedelta(hours=1))
    if count >= limit:
        wait = max(1, int(((first or now) + timedelta(hours=1) - now).total_seconds()))
        raise RateLimitedError(f"{requested_by} has requested {count} drafts in the last hour "
                               f"(at most {limit}); try again in {wait // 60 + 1} minutes",
                               retry_after=wait)


def _guarded_run(db: Database, deps: Deps, settings: Settings, draft_id: str,
                 payload: Any, *, resume: dict[str, Any] | None = None,
                 fail: bool = True) -> None:
    """Run (or resume) the agent, renewing its claim while it runs; an error it does not
    handle itself ends the draft `failed` with the reason instead of leaving it `drafting`
    (`fail=False`: the caller retries it, so the draft stays `drafting`)."""
    from companion.services.model_limits import drafting_for

    try:
        with heartbeat(db, draft_id), drafting_for(db, draft_id):
            if resume is not None:
                _resume(deps, settings, draft_id, resume)
            else:
                _run(deps, settings, draft_id, payload)
    except Exception as exc:
        if fail:
            _fail(db, draft_id, f"drafting stopped: {type(exc).__name__}: {exc}"[:1000])
        raise
    finally:
        deps.gathered.pop(draft_id, None)


def _fail(db: Database, draft_id: str, reason: str) -> None:
    with db.session(write=True) as session:
        repo = DraftRepository.of_draft(session, draft_id)
        current = repo.get(draft_id)
        if current.status is not DraftStatus.drafting:
            return
        repo.revise(draft_id, expected_version=current.version, status=DraftStatus.failed,
                    author="companion", failure_reason=reason)
        AuditLog(session).append("companion", "draft.fail", "draft", draft_id,
                                 program=current.program, detail={"failure": reason})


def _replay(db: Database, settings: Settings, draft_id: str, deps: Deps | None, *,
            run: bool = True) -> Draft:
    """The draft an earlier request with the same key made — resumed first if the process
    writing it died (`run=False`: as it stands; the queue's sweep resumes it)."""
    draft = get_draft(db, draft_id)
    if draft.status is DraftStatus.drafting and run:
        resumed = resume_draft(db, settings, draft_id, deps=deps)
        if resumed is None:
            raise ConflictError("the first request with this Idempotency-Key is still being "
                                "drafted; retry in a moment")
        return resumed
    return draft


def new_draft_id() -> str:
    return f"dr-{uuid.uuid4().hex[:12]}"


# -- crash recovery ----------------------------------------------------------------------------

def _alive(worker: str | None) -> bool:
    return alive_worker(worker)


def resume_draft(db: Database, settings: Settings, draft_id: str, *,
                 deps: Deps | None = None) -> Draft | None:
    """Take over a `drafting` draft whose run died (its process is gone or its lease ran
    out) and finish it: resumed from its checkpoint, or `failed` with the reason after
    MAX_RECOVERIES interruptions. None when its run is still alive elsewhere."""
    with db.session() as session:
        repo = DraftRepository.of_draft(session, draft_id)
        request, worker, lease = repo.request_of(draft_id)
        current = repo.get(draft_id)
    if current.status is not DraftStatus.drafting:
        return current
    me = worker_name()
    if worker == me and lease is not None and lease > utcnow():
        return None  # this process is writing it right now
    if lease is not None and lease > utcnow() and _alive(worker):
        return None
    with db.session(write=True) as session:
        repo = DraftRepository.of_draft(session, draft_id)
        if not repo.claim(draft_id, expected_worker=worker, worker=me,
                          lease_until=lease_from_now()):
            return None  # another process took it over first
        recoveries = int((request or {}).get("recoveries", 0)) + 1
        repo.set_request(draft_id, {**(request or {}), "recoveries": recoveries})
        AuditLog(session).append("companion", "draft.recover", "draft", draft_id,
                                 program=current.program,
                                 detail={"from_worker": worker, "attempt": recoveries})
    if request is None or recoveries > MAX_RECOVERIES:
        _fail(db, draft_id, "drafting was interrupted " + (
            f"{recoveries - 1} times (the process writing it stopped)" if request
            else "and the request was not recorded") + "; request the draft again")
        return get_draft(db, draft_id)
    deps = deps or default_deps(db, settings)
    try:
        _guarded_run(db, deps, settings, draft_id, None, resume=request)
    except Exception:
        log.exception("resuming draft %s failed", draft_id)
    return get_draft(db, draft_id)


class JobRetry(Exception):
    """A drafting job's run stopped with an error and will be tried again (the draft stays
    `drafting`, queued, and carries on from its last checkpoint)."""


def run_job(db: Database, settings: Settings, draft_id: str, *, deps: Deps | None = None,
            final: bool = True) -> Draft | None:
    """What a drafting job does: write the `drafting` draft `draft_id` — from its request,
    or carried on from its checkpoint when an earlier run was interrupted. Safe to call for
    any draft any number of times: a draft that is finished, or that a live run elsewhere is
    writing, is left alone (None is returned then). `final=False`: an error releases the
    draft for a retry (JobRetry is raised) instead of ending it `failed`."""
    with db.session() as session:
        repo = DraftRepository.of_draft(session, draft_id)
        request, worker, lease = repo.request_of(draft_id)
        current = repo.get(draft_id)
    if current.status is not DraftStatus.drafting:
        return current
    me = worker_name()
    if worker is not None and lease is not None and lease > utcnow() and (
            worker == me or _alive(worker)):
        return None  # being written right now
    with db.session(write=True) as session:
        repo = DraftRepository.of_draft(session, draft_id)
        if not repo.claim(draft_id, expected_worker=worker, worker=me,
                          lease_until=lease_from_now()):
            return None  # another process took it first
        recoveries = int((request or {}).get("recoveries", 0))
        if worker is not None:  # a run had it and stopped without finishing
            recoveries += 1
            repo.set_request(draft_id, {**(request or {}), "recoveries": recoveries})
            AuditLog(session).append("companion", "draft.recover", "draft", draft_id,
                                     program=current.program,
                                     detail={"from_worker": worker, "worker": me,
                                             "attempt": recoveries})
    if request is None or recoveries > MAX_RECOVERIES:
        _fail(db, draft_id, "drafting was interrupted " + (
            f"{recoveries - 1} times (the process writing it stopped)" if request
            else "and the request was not recorded") + "; request the draft again")
        return get_draft(db, draft_id)
    deps = deps or default_deps(db, settings)
    try:
        with audit_scope() as scope:  # the request's token, on the run's audit rows
            scope.token_id = request.get("token_id")
            _guarded_run(db, deps, settings, draft_id, None, resume=request, fail=final)
    except Exception as exc:
        if final:
            log.warning("draft %s failed: %s", draft_id, exc)
            return get_draft(db, draft_id)
        reason = f"{type(exc).__name__}: {exc}"[:200]
        with db.session() as session:
            DraftingRuns(session).release(draft_id, me, f"{QUEUED} (retrying after {reason})"[:60])
        raise JobRetry(reason) from exc
    return get_draft(db, draft_id)


@dataclass
class RecoveryReport:
    """What a recovery sweep found and did."""

    resumed: list[Draft] = field(default_factory=list)
    still_running: list[str] = field(default_factory=list)


def recover_drafts(db: Database, settings: Settings, *, deps: Deps | None = None
                   ) -> RecoveryReport:
    """Resume (or fail, with the reason) every draft whose run a crash interrupted. Safe to
    run in every process at once: each draft is taken over by one of them."""
    report = RecoveryReport()
    with db.session() as session:
        programs = ProgramRepository(session)
        found = [d for name in programs.names()
                 for d in DraftRepository(session, programs.row(name)).drafting()]
    for draft_id, _, _ in found:
        done = resume_draft(db, settings, draft_id, deps=deps)
        if done is None:
            report.still_running.append(draft_id)
        else:
            report.resumed.append(done)
    return report


# -- review ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReviewOutcome:
    """A decision's result: the draft as it stands now, and what its reviewer should know."""

    draft: Draft
    #: one line per check the approved version had failed (empty: nothing to warn about)
    warnings: list[str] = field(default_factory=list)


def failed_checks(draft: Draft) -> list[CheckResult]:
    """The checks the draft's current version failed (an edit may fail them; a drafted
    version reaches review only when it passed them all)."""
    return [c for c in draft.checks if not c.passed]


def review_draft(db: Database, settings: Settings, draft_id: str, decision: str, *, by: str,
                 version: int | None = None, note: str | None = None,
                 content: dict[str, Any] | None = None, deps: Deps | None = None) -> Draft:
    """Approve, edit (a new version) or reject a pending draft. A rejection with feedback
    redrafts using it; without feedback it is final. (`decide_draft` also says what the
    reviewer should know.)"""
    return decide_draft(db, settings, draft_id, decision, by=by, version=version, note=note,
                        content=content, deps=deps).draft


def decide_draft(db: Database, settings: Settings, draft_id: str, decision: str, *, by: str,
                 version: int | None = None, note: str | None = None,
                 content: dict[str, Any] | None = None, deps: Deps | None = None,
                 confirm_failed_checks: bool | None = None, run: bool = True
                 ) -> ReviewOutcome:
    """`review_draft`, with warnings: approving a version that failed checks is allowed, but
    the outcome names them and the audit log records them. `run=False`: a rejection with a
    note is recorded (the draft `drafting`, queued) and its redraft left to a job
    (`companion.services.draft_jobs`). `confirm_failed_checks=False`
    (a face that asks for an explicit confirmation and did not get it) refuses such an
    approval instead; None asks for no confirmation."""
    from langgraph.types import Command  # loaded to decide, not to read drafts

    from companion.domain.content import ContentError, parse_content

    if decision not in DECISIONS:
        raise BadInputError(f"unknown decision '{decision}': use {', '.join(DECISIONS)}",
                            field="decision")
    current = get_draft(db, draft_id)
    if version is not None and version != current.version:
        raise StaleVersionError(f"draft '{draft_id}' is at version {current.version}, "
                                f"not {version} ({current.status}); reload and decide again")
    if current.status is not DraftStatus.pending_review:
        raise ConflictError(f"draft '{draft_id}' is {current.status}; only drafts pending "
                            "review can be decided")
    note = (note or "").strip() or None
    if decision == "edit":
        if content is None:
            raise BadInputError("an edit needs the edited content", field="content")
        try:
            parse_content(current.kind, content)
        except ContentError as exc:
            raise BadInputError(f"edited content: {exc}", field="content") from None
    failed = failed_checks(current) if decision == "approve" else []
    if failed and confirm_failed_checks is False:
        raise BadInputError(
            f"version {current.version} failed {len(failed)} check(s) "
            f"({', '.join(c.name for c in failed)}): confirm that you have read them to "
            "approve it anyway, or edit it", field="confirm_failed_checks")
    detail = {"approved_with_failed_checks": [c.name for c in failed]} if failed else None
    deps = deps or default_deps(db, settings)
    # One decision per version across every worker: resuming the agent twice at once could
    # mix up the two decisions, so the database arbitrates before the agent resumes.
    if not idempotency.claim_decision(db, draft_id, current.version):
        raise ConflictError(f"draft '{draft_id}' is being decided by someone else (version "
                            f"{current.version}); reload and decide again")
    later = not run and decision == "reject" and note is not None
    try:
        # later: only as far as recording the decision (the draft `drafting`); the job
        # carries the graph on from there (its checkpoint: before the redraft's retrieval)
        _run(deps, settings, draft_id, Command(resume={
            "decision": decision, "by": by, "note": note, "content": content,
            "version": current.version, "detail": detail}),
            stop_before=["retrieve"] if later else None)
        if later:
            with db.session() as session:
                DraftingRuns(session).release(draft_id, worker_name(), QUEUED)
    except BaseException:
        after = get_draft(db, draft_id)
        if after.version == current.version:  # nothing landed
            idempotency.release_decision(db, draft_id, current.version)
        elif after.status is DraftStatus.drafting:  # the redraft itself failed
            _fail(db, draft_id, "redrafting with the reviewer's feedback failed")
        raise
    finally:
        deps.gathered.pop(draft_id, None)
    decided = get_draft(db, draft_id)
    if decision == "approve":  # an approved goals draft becomes the pair's tracked goals
        from companion.services.goals import track_on_approval

        track_on_approval(db, decided, by=by)
    return ReviewOutcome(decided, [
        f"approved although the '{c.name}' check failed" + (f": {c.detail}" if c.detail
                                                            else "") for c in failed])


# -- reading -----------------------------------------------------------------------------------

def get_draft(db: Database, draft_id: str) -> Draft:
    with db.session() as session:
        return DraftRepository.of_draft(session, draft_id).get(draft_id)


def draft_versions(db: Database, draft_id: str) -> list[DraftVersion]:
    with db.session() as session:
        return DraftRepository.of_draft(session, draft_id).versions(draft_id)


def list_drafts(db: Database, *, program: str | None = None, participant_id: str | None = None,
                status: DraftStatus | None = None) -> list[Draft]:
    with db.session() as session:
        programs = ProgramRepository(session)
        names = [program] if program else programs.names()
        found: list[Draft] = []
        for name in names:
            found += DraftRepository(session, programs.row(name)).list(
                participant_id=participant_id, status=status)
        return found


def draft_json(draft: Draft) -> dict[str, Any]:
    """The draft JSON shape of docs/architecture.md (plus version and provenance)."""
    data = draft.model_dump(mode="json")
    data["citations"] = [{k: c[k] for k in ("source", "heading", "excerpt", "passage_id")}
                         for c in data["citations"]]
    return data


# -- what a principal may see and do -----------------------------------------------------------

def visible_draft(db: Database, principal: Principal, draft_id: str) -> tuple[Draft, Access]:
    """The draft, if `principal` may see it (hidden — 404 — otherwise, as if absent)."""
    try:
        draft = get_draft(db, draft_id)
    except NotFoundError:
        raise hidden(f"draft '{draft_id}'", reason="no such draft") from None
    access = access_to_owner(db, principal, draft.program, f"draft '{draft_id}'")
    partners = Partners.none() if access.coordinator else partners_of(db, draft.program,
                                                                      access.me)
    owner = people_of(db, draft.program, [draft.participant_id]).get(draft.participant_id) \
        if access.partner_coordinator else None
    if not access.sees_draft(draft, partners, owner):
        raise hidden(f"draft '{draft_id}'", reason="draft not visible to the caller",
                     program=draft.program)
    return _as_seen(draft, access), access


def _as_seen(draft: Draft, access: Access) -> Draft:
    """The draft as `access` may read it: the rationale (the plan, the reviewer's notes the
    drafter did or did not follow, what was withheld from the request) is the reviewer's, like
    the history; a partner reading an approved draft sees its content only."""
    if access.sees_history(draft) or not draft.rationale:
        return draft
    return draft.model_copy(update={"rationale": {}})


def visible_versions(db: Database, principal: Principal, draft_id: str
                     ) -> tuple[Draft, list[DraftVersion]]:
    """Every version with its diff, author and note: for the draft's reviewer (and admins)."""
    draft, access = visible_draft(db, principal, draft_id)
    if not access.sees_history(draft):
        raise hidden(f"draft '{draft_id}'", reason="draft history is the reviewer's",
                     program=draft.program)
    return draft, draft_versions(db, draft_id)


@dataclass(frozen=True)
class DraftPage:
    """One page of the drafts a principal may see."""

    drafts: list[Draft]
    total: int
    limit: int
    offset: int
    next_cursor: str | None = None

    @property
    def next_offset(self) -> int | None:
        following = self.offset + len(self.drafts)
        return following if following < self.total else None

    def meta(self) -> dict[str, Any]:
        return {"total": self.total, "limit": self.limit, "offset": self.offset,
                "next_offset": self.next_offset, "next_cursor": self.next_cursor}


def visible_drafts(db: Database, principal: Principal, *, program: str | None = None,
                   participant_id: str | None = None, status: DraftStatus | None = None,
                   limit: int = 100, offset: int = 0, reviewing: bool = False,
                   page: PageRequest | None = None) -> DraftPage:
    """The drafts `principal` may see, a page at a time (filtered and paged in the
    database), by program, then oldest first. `page`: limit and a cursor (keyset on
    program, created_at, id: stable when drafts are added between pages) or the legacy
    offset; else `limit` and `offset`. `reviewing`: only those waiting for this principal's
    decision."""
    request = page or PageRequest(limit, offset=offset)
    limit, offset = request.limit, request.offset
    if not 1 <= limit <= MAX_PAGE:
        raise BadInputError(f"limit must be between 1 and {MAX_PAGE}", field="limit")
    if offset < 0:
        raise BadInputError("offset must be 0 or more", field="offset")
    if principal.role is not AccessRole.admin:
        if program is not None and program != principal.program:
            raise hidden(f"program '{program}'", reason="program outside the token's scope")
        program = principal.program
    scope = f"drafts|{program}|{participant_id}|{status}|{reviewing}"
    after: Key | None = None
    if request.cursor is not None:
        if offset:
            raise BadInputError("send cursor or offset, not both (cursor is the way to "
                                "page; offset is kept for older scripts)", field="offset")
        after = decode_cursor(request.cursor, scope, (str, str, str))
    with db.session() as session:
        programs = ProgramRepository(session)
        names = [program] if program else programs.names()
        rows = sorted((programs.row(name) for name in names),  # NotFoundError: missing
                      key=lambda r: r.name)
    found: list[tuple[Key, Draft]] = []
    total = before = 0
    for row in rows:
        access = access_to(db, principal, row.name)
        filters: dict[str, Any] = {"participant_id": participant_id, "status": status}
        if reviewing and not access.admin:
            filters["reviewer"] = access.reviewer_name
        elif not access.coordinator:
            mine = partners_of(db, row.name, access.me)
            filters["visible_to"] = (access.me, access.reviewer_name, sorted(mine.pairings))
        elif not access.admin:
            filters["approved_or_reviewer"] = access.reviewer_name
        if access.partner_coordinator:
            own = [p.id for p in people_of(db, row.name).values() if access.own_org(p)]
            filters["participants"] = own
        with db.session() as session:
            repo = DraftRepository(session, row)
            here = repo.count(**filters)
            keyset: tuple[datetime, str] | None = None
            skip = max(0, offset - total)
            if after is not None:
                skip = 0
                if row.name < str(after[0]):  # wholly before the cursor
                    before += here
                    total += here
                    continue
                if row.name == after[0]:
                    keyset = (_cursor_time(str(after[1])), str(after[2]))
                    before += here - repo.count(after=keyset, **filters)
            room = limit + 1 - len(found)  # one more than a page: is there a next one?
            if room > 0 and skip < here:
                found += [((row.name, key_part(d.created_at), d.id), _as_seen(d, access))
                          for d in repo.list(**filters, limit=room, offset=skip,
                                             after=keyset)]
            total += here
    more = len(found) > limit
    shown = found[:limit]
    return DraftPage([d for _, d in shown], total, limit,
                     offset if after is None else before,
                     encode_cursor(scope, shown[-1][0]) if more else None)


def _cursor_time(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:  # a checksummed cursor always holds one; kept for safety
        raise BadInputError("cursor is not valid for this list", field=CURSOR_FIELD) from None


def request_as(db: Database, settings: Settings, principal: Principal, *, program: str,
               kind: DraftKind | str, participant_id: str | None = None,
               topic: str | None = None, partner_id: str | None = None,
               idempotency_key: str | None = None, deps: Deps | None = None,
               draft_id: str | None = None, run: bool = True) -> RequestOutcome:
    """A draft request by `principal`: mentees and mentors for themselves (rate-limited per
    hour), coordinators for the people of their program they may see. `draft_id` names the
    draft to be made (a face that starts the request in the background watches for it)."""
    access = access_to(db, principal, program)
    participant_id = participant_id or access.me
    if not access.coordinator and participant_id != access.me:
        raise forbidden("mentees and mentors request drafts for themselves only",
                        program=program)
    if access.partner_coordinator and not access.own_org(
            people_of(db, program, [participant_id]).get(participant_id)):
        raise hidden(f"participant '{participant_id}' in {program}",
                     reason="another organisation's participant", program=program)
    ask = DraftRequest.checked(program=program, kind=kind, participant_id=participant_id,
                               topic=topic, partner_id=partner_id,
                               requested_by=access.reviewer_name)
    once = None
    if idempotency_key is not None:
        idempotency.check_key(idempotency_key)
        once = IdempotentCall(f"{principal.token_id}:{principal.participant_id}",
                              idempotency_key, {
                                  "program": program, "kind": ask.kind.value,
                                  "participant_id": participant_id, "topic": topic,
                                  "partner_id": partner_id})
    limit = None if access.coordinator else settings.drafts_per_hour
    return _request(db, settings, ask, deps=deps, once=once, limit_per_hour=limit,
                    draft_id=draft_id, run=run)


def review_as(db: Database, settings: Settings, principal: Principal, draft_id: str,
              decision: str, *, version: int, note: str | None = None,
              content: dict[str, Any] | None = None, deps: Deps | None = None,
              confirm_failed_checks: bool | None = None, run: bool = True) -> ReviewOutcome:
    """A decision by `principal`, who must be the draft's reviewer (see `decide_draft`)."""
    draft, access = visible_draft(db, principal, draft_id)
    require_reviewer(draft, access)
    return decide_draft(db, settings, draft_id, decision, by=access.reviewer_name,
                        version=version, note=note, content=content, deps=deps,
                        confirm_failed_checks=confirm_failed_checks, run=run)


def require_reviewer(draft: Draft, access: Access) -> None:
    if not access.is_reviewer(draft):
        raise forbidden("only the draft's reviewer can decide it", program=draft.program)


def operator_name() -> str:
    """The local operator (the CLI's user), as the audit log records them."""
    import getpass

    try:
        user = getpass.getuser()
    except Exception:  # no user name in a bare container
        user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return f"operator:{user}"[:64]


def review_local(db: Database, settings: Settings, draft_id: str, decision: str, *,
                 by: str | None = None, version: int | None = None, note: str | None = None,
                 content: dict[str, Any] | None = None, deps: Deps | None = None
                 ) -> ReviewOutcome:
    """A decision from the machine itself (the CLI). `by` must be the draft's reviewer; with
    no `by` the decision is recorded as the local operator's, never as the reviewer's."""
    draft = get_draft(db, draft_id)
    if by is not None and by != draft.reviewer_id:
        raise BadInputError(f"'{by}' is not the reviewer of draft '{draft_id}' (its reviewer "
                            f"is '{draft.reviewer_id}'); name the reviewer, or leave the "
                            "reviewer out to decide as the local operator", field="by")
    return decide_draft(db, settings, draft_id, decision, by=by or operator_name(),
                        version=version, note=note, content=content, deps=deps)
