"""Drafting use cases: request a draft, review it (approve / edit / reject with feedback),
list and read drafts. The LangGraph agent does the work; this module runs and resumes it."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from langgraph.types import Command
from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.config import Settings
from companion.domain import Draft, DraftKind, DraftStatus
from companion.drafting.graph import Deps, build_graph, checkpointer
from companion.errors import BadInputError, ConflictError, NotFoundError
from companion.services import idempotency
from companion.store import AuditLog, Database, DraftRepository, ProgramRepository
from companion.store.tables import DraftRow, ProgramRow

MAX_TOPIC = 500
DECISIONS = ("approve", "edit", "reject")


def default_deps(db: Database, settings: Settings) -> Deps:
    """The real model (COMPANION_MODEL, default offline) and retrieval over knowledge/."""
    from companion.embeddings import get_embedder
    from companion.llm import model_from_settings
    from companion.retrieval import search

    embedder = get_embedder(settings)

    def find(query: str, top: int, where: dict[str, str] | None) -> list[Any]:
        return search(settings, embedder, query, top=top, where=where)

    return Deps(db=db, model=model_from_settings(settings), search=find)


def _run(deps: Deps, settings: Settings, draft_id: str, payload: Any) -> None:
    with checkpointer(settings) as saver:
        # The SQLite saver lives as long as the process, so its compiled graph can be reused;
        # a PostgreSQL saver is per run (its connection closes after it).
        reusable = settings.database_kind != "postgresql"
        app = deps.compiled.get(id(saver)) if reusable else None
        if app is None:
            app = build_graph(deps).compile(checkpointer=saver)
            if reusable:
                deps.compiled[id(saver)] = app
        app.invoke(payload, {"configurable": {"thread_id": draft_id}})


def request_draft(db: Database, settings: Settings, *, program: str, kind: DraftKind | str,
                  participant_id: str, topic: str | None = None, requested_by: str | None = None,
                  partner_id: str | None = None, deps: Deps | None = None,
                  today: date | None = None, draft_id: str | None = None) -> Draft:
    """Draft, check and revise until the draft passes (or fails); it then waits for review.
    `draft_id` lets a caller fix the id in advance (idempotent HTTP requests)."""
    try:
        kind = DraftKind(kind)
    except ValueError:
        raise BadInputError(f"unknown draft kind '{kind}': use "
                            f"{', '.join(k.value for k in DraftKind)}", field="kind") from None
    topic = (topic or "").strip() or None
    if topic and len(topic) > MAX_TOPIC:
        raise BadInputError(f"topic is {len(topic)} characters; at most {MAX_TOPIC}",
                            field="topic")
    if kind is DraftKind.framework and not topic:
        raise BadInputError("a framework needs a topic naming the situation, e.g. "
                            "--topic 'feedback on missed deadlines'", field="topic")
    deps = deps or default_deps(db, settings)
    today = today or deps.today()
    draft_id = draft_id or new_draft_id()
    with db.session() as session:
        ProgramRepository(session).row(program)
        AuditLog(session).append(requested_by or participant_id, "draft.request", "draft",
                                 draft_id, program=program,
                                 detail={"kind": kind.value, "participant_id": participant_id,
                                         "topic": topic})
    _run(deps, settings, draft_id, {
        "draft_id": draft_id, "program": program, "kind": kind.value,
        "participant_id": participant_id, "partner_id": partner_id, "topic": topic,
        "requested_by": requested_by or participant_id, "today": today.isoformat(),
        "attempt": 1, "feedback": [], "done": False})
    return get_draft(db, draft_id)


def new_draft_id() -> str:
    return f"dr-{uuid.uuid4().hex[:12]}"


def review_draft(db: Database, settings: Settings, draft_id: str, decision: str, *, by: str,
                 version: int | None = None, note: str | None = None,
                 content: dict[str, Any] | None = None, deps: Deps | None = None) -> Draft:
    """Approve, edit (a new version) or reject a pending draft. A rejection with feedback
    redrafts using it; without feedback it is final."""
    from companion.domain.content import ContentError, parse_content

    if decision not in DECISIONS:
        raise BadInputError(f"unknown decision '{decision}': use {', '.join(DECISIONS)}",
                            field="decision")
    current = get_draft(db, draft_id)
    if version is not None and version != current.version:
        raise ConflictError(f"draft '{draft_id}' is at version {current.version}, not "
                            f"{version} ({current.status}); reload and decide again")
    if current.status is not DraftStatus.pending_review:
        raise ConflictError(f"draft '{draft_id}' is {current.status}; only drafts pending "
                            "review can be decided")
    note = (note or "").strip() or None
    if decision == "edit":
        if content is None:
            raise BadInputError("an edit needs the edited content (--file EDITED.json)",
                                field="content")
        try:
            parse_content(current.kind, content)
        except ContentError as exc:
            raise BadInputError(f"edited content: {exc}", field="content") from None
    deps = deps or default_deps(db, settings)
    # One decision per version across every worker: resuming the agent twice at once could
    # mix up the two decisions, so the database arbitrates before the agent resumes.
    if not idempotency.claim_decision(db, draft_id, current.version):
        raise ConflictError(f"draft '{draft_id}' is being decided by someone else (version "
                            f"{current.version}); reload and decide again")
    try:
        _run(deps, settings, draft_id, Command(resume={
            "decision": decision, "by": by, "note": note, "content": content,
            "version": current.version}))
    except BaseException:
        if get_draft(db, draft_id).version == current.version:  # nothing landed
            idempotency.release_decision(db, draft_id, current.version)
        raise
    return get_draft(db, draft_id)


def _repository_of(session: Session, draft_id: str) -> DraftRepository:
    """The repository of the program a draft belongs to (drafts are addressed by id alone)."""
    row = session.scalar(select(ProgramRow).join(
        DraftRow, DraftRow.program_id == ProgramRow.id).where(DraftRow.id == draft_id))
    if row is None:
        raise NotFoundError(f"no draft '{draft_id}'")
    return DraftRepository(session, row)


def get_draft(db: Database, draft_id: str) -> Draft:
    with db.session() as session:
        return _repository_of(session, draft_id).get(draft_id)


def draft_versions(db: Database, draft_id: str) -> list[dict[str, Any]]:
    with db.session() as session:
        return _repository_of(session, draft_id).versions(draft_id)


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
    """The draft JSON shape of ARCHITECTURE.md (plus version and provenance)."""
    data = draft.model_dump(mode="json")
    data["citations"] = [{k: c[k] for k in ("source", "heading", "excerpt", "passage_id")}
                         for c in data["citations"]]
    return data
