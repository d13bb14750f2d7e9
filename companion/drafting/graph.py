"""The drafting agent as a LangGraph graph.

gather → retrieve → draft → check ─(failed, attempts left)→ draft
                                  ─(failed, none left)→ fail
                                  ─(passed)→ submit → review (interrupt: a human decides)
review ─ approve → approve; ─ edit → edit → review; ─ reject with feedback → draft;
       ─ reject without feedback → reject.

Every node that writes is idempotent (a crash between a write and its checkpoint re-runs the
node without duplicating a version), and the graph is checkpointed per draft (thread id =
draft id), so a draft waiting for review survives restarts.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from companion.config import Settings
from companion.domain import (
    CheckResult,
    Citation,
    Draft,
    DraftKind,
    DraftStatus,
    Passage,
)
from companion.drafting.checks import CheckContext, failed_feedback, passed_all, run_checks
from companion.drafting.context import model_context
from companion.drafting.ports import DraftStore
from companion.drafting.prompts import prompt_for
from companion.drafting.state import DraftState
from companion.llm.base import ChatModel, ModelError

Search = Callable[[str, int, dict[str, str] | None], list[Passage]]
MAX_ATTEMPTS = 3
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.S)


@dataclass
class Deps:
    """What the nodes need from outside; tests pass fakes."""

    store: DraftStore
    model: ChatModel
    search: Search
    today: Callable[[], date] = date.today
    max_attempts: int = MAX_ATTEMPTS
    calls: list[str] = field(default_factory=list)  # node names, in order (for tests)
    # what gather() found, per draft, for the checks of the same run (dropped when the run
    # reaches review or fails, so a later review reads the database afresh)
    gathered: dict[str, Any] = field(default_factory=dict)
    compiled: dict[int, Any] = field(default_factory=dict)  # compiled graph per checkpointer

    def gather(self, state: DraftState) -> Any:
        key = state["draft_id"]
        if key not in self.gathered:
            self.gathered[key] = self.store.gather(state["program"], state["participant_id"],
                                                   state.get("partner_id"),
                                                   state.get("pairing_id"))
        return self.gathered[key]


# -- retrieval plan ----------------------------------------------------------------------------

_TARGETED: dict[DraftKind, tuple[str, str]] = {
    DraftKind.agenda: ("knowledge/session-templates.md", "{template} session template agenda"),
    DraftKind.questions: ("knowledge/question-bank.md", "reflection questions {focus}"),
    DraftKind.goals: ("knowledge/smart-er-goals.md", "SMART-ER goal worked example {focus}"),
    DraftKind.framework: ("knowledge/conversation-frameworks.md", "{focus} conversation"),
}
_TEMPLATE_BY_PHASE = {"launch": "Kickoff", "development": "Regular", "completion": "Closing"}


def retrieval_plan(kind: DraftKind, topic: str | None, goals: list[str], phase: str
                   ) -> list[tuple[str, int, dict[str, str] | None]]:
    """(query, top, filter) searches for one draft: the kind's own guideline first, then the
    program guidance nearest to the topic and goals."""
    focus = " ".join(filter(None, [topic, *goals[:2]]))[:400] or kind.value
    template = _TEMPLATE_BY_PHASE[phase]
    if topic and re.search(r"mid|check-?in", topic, re.I):
        template = "Mid-program check-in"
    source, query = _TARGETED[kind]
    return [
        (query.format(template=template, focus=focus), 3, {"source": source}),
        (focus, 3, None),
    ]


# -- nodes -------------------------------------------------------------------------------------

def build_graph(deps: Deps) -> StateGraph:
    def gather_node(state: DraftState) -> dict[str, Any]:
        deps.calls.append("gather")
        deps.gathered.pop(state["draft_id"], None)  # a new run reads the database afresh
        g = deps.gather(state)
        today = date.fromisoformat(state["today"])
        return {"context": model_context(g, kind=DraftKind(state["kind"]),
                                         topic=state.get("topic"), today=today, passages=[],
                                         feedback=[]),
                "partner_id": g.partner.id if g.partner else None, "pairing_id": g.pairing_id}

    def retrieve_node(state: DraftState) -> dict[str, Any]:
        deps.calls.append("retrieve")
        ctx = state["context"]
        passages: dict[str, dict[str, Any]] = {}
        for query, top, where in retrieval_plan(DraftKind(state["kind"]), state.get("topic"),
                                                ctx["requester"].get("goals", []), ctx["phase"]):
            for passage in deps.search(query, top, where):
                passages.setdefault(passage.id, passage.model_dump(mode="json"))
        return {"passages": list(passages.values())}

    def draft_node(state: DraftState) -> dict[str, Any]:
        deps.calls.append("draft")
        deps.store.renew(state["draft_id"])  # a model call may take a minute: still alive
        kind = DraftKind(state["kind"])
        context = {**state["context"],
                   "passages": [{k: p[k] for k in ("id", "source", "heading", "text")}
                                for p in state["passages"]],
                   "feedback": state.get("feedback", [])}
        topic = state.get("topic")
        messages = prompt_for(kind).render(
            topic_line=f"Topic: {topic}" if topic else "No topic given: use the goals.",
            context_json=json.dumps(context, ensure_ascii=False, indent=1))
        try:
            result = deps.model.complete(messages, json_mode=True)
        except ModelError as exc:
            return {"content": {}, "citations": [], "generator": deps.model.name,
                    "failure": f"model call failed: {exc}",
                    "checks": [CheckResult(name="model", passed=False,
                                           detail=str(exc)).model_dump()]}
        content, citations, problem = parse_answer(result.text)
        return {"content": content, "citations": citations, "generator": result.model,
                "failure": problem, "checks": []}

    def check_node(state: DraftState) -> dict[str, Any]:
        deps.calls.append("check")
        if str(state.get("failure") or "").startswith("model call failed"):
            return {}
        checks = _run_checks(deps, state, state["content"], state["citations"])
        if state.get("failure"):  # the answer was not even JSON
            checks = [CheckResult(name="schema", passed=False, detail=state["failure"])]
        return {"checks": [c.model_dump() for c in checks]}

    def revise_node(state: DraftState) -> dict[str, Any]:
        deps.calls.append("revise")
        checks = [CheckResult(**c) for c in state["checks"]]
        # a reviewer's note stays in force through the revisions it caused
        reviewer = [f for f in state.get("feedback", []) if f.startswith("Reviewer feedback")]
        return {"attempt": state.get("attempt", 1) + 1, "failure": None,
                "feedback": reviewer + [line for line in failed_feedback(checks).splitlines()
                                        if line]}

    def fail_node(state: DraftState) -> dict[str, Any]:
        deps.calls.append("fail")
        checks = [CheckResult(**c) for c in state.get("checks", [])]
        reason = state.get("failure") or failed_feedback(checks) or "checks failed"
        _store(deps, state, DraftStatus.failed, author=state.get("generator", "model"),
               action="draft.fail", failure=f"after {state.get('attempt', 1)} attempt(s): "
                                            f"{reason}")
        deps.gathered.pop(state["draft_id"], None)
        return {"done": True}

    def submit_node(state: DraftState) -> dict[str, Any]:
        deps.calls.append("submit")
        _store(deps, state, DraftStatus.pending_review, author=state.get("generator", "model"),
               action="draft.generate")
        deps.gathered.pop(state["draft_id"], None)
        return {"decision": None}

    def review_node(state: DraftState) -> dict[str, Any]:
        decision = interrupt({"draft_id": state["draft_id"], "awaiting": "review"})
        deps.calls.append("review")
        return {"decision": decision}

    def record_decision(state: DraftState, node: str, status: DraftStatus) -> dict[str, Any]:
        deps.calls.append(node)
        d = state["decision"] or {}
        _store(deps, state, status, author=d.get("by", "reviewer"),
               action=f"draft.{'approve' if status is DraftStatus.approved else 'reject'}",
               detail={"redraft": True} if status is DraftStatus.drafting else None,
               note=d.get("note"), same_content=True, decided_on=d.get("version"))
        return d

    def approve_node(state: DraftState) -> dict[str, Any]:
        record_decision(state, "approve", DraftStatus.approved)
        return {"done": True}

    def reject_node(state: DraftState) -> dict[str, Any]:
        record_decision(state, "reject", DraftStatus.rejected)
        return {"done": True}

    def redraft_node(state: DraftState) -> dict[str, Any]:
        # the draft is being written again (not `rejected`): a crash now leaves it `drafting`,
        # where recovery finds it, never out of every queue
        d = record_decision(state, "redraft", DraftStatus.drafting)
        return {"attempt": 1, "failure": None,
                "feedback": [f"Reviewer feedback on the previous draft: {d.get('note')}"]}

    def edit_node(state: DraftState) -> dict[str, Any]:
        deps.calls.append("edit")
        d = state["decision"] or {}
        content = d["content"]
        citations = d.get("citations", state["citations"])
        checks = _run_checks(deps, state, content, citations)
        edited: DraftState = {**state, "content": content, "citations": citations,
                              "checks": [c.model_dump() for c in checks],
                              "generator": f"edited by {d.get('by', 'reviewer')}"}
        diff = "\n".join(difflib.unified_diff(
            _pretty(state["content"]).splitlines(), _pretty(content).splitlines(),
            "before", "after", lineterm=""))
        _store(deps, edited, DraftStatus.pending_review, author=d.get("by", "reviewer"),
               action="draft.edit", note=d.get("note"), diff=diff,
               decided_on=d.get("version"))
        return {"content": content, "citations": citations, "checks": edited["checks"],
                "generator": edited["generator"], "decision": None}

    graph = StateGraph(DraftState)
    for name, node in [("gather", gather_node), ("retrieve", retrieve_node),
                       ("draft", draft_node), ("check", check_node), ("revise", revise_node),
                       ("fail", fail_node), ("submit", submit_node), ("review", review_node),
                       ("approve", approve_node), ("reject", reject_node),
                       ("redraft", redraft_node), ("edit", edit_node)]:
        graph.add_node(name, node)
    graph.add_edge(START, "gather")
    graph.add_edge("gather", "retrieve")
    graph.add_edge("retrieve", "draft")
    graph.add_edge("draft", "check")
    graph.add_conditional_edges("check", lambda s: _after_check(s, deps.max_attempts),
                                ["revise", "fail", "submit"])
    graph.add_edge("revise", "draft")
    graph.add_edge("fail", END)
    graph.add_edge("submit", "review")
    graph.add_conditional_edges("review", _after_review, ["approve", "edit", "reject",
                                                          "redraft"])
    graph.add_edge("approve", END)
    graph.add_edge("reject", END)
    graph.add_edge("redraft", "draft")
    graph.add_edge("edit", "review")
    return graph


def _after_check(state: DraftState, max_attempts: int) -> str:
    if state.get("failure", "") and str(state.get("failure")).startswith("model call failed"):
        return "fail"
    checks = [CheckResult(**c) for c in state.get("checks", [])]
    if checks and passed_all(checks):
        return "submit"
    return "revise" if state.get("attempt", 1) < max_attempts else "fail"


def _after_review(state: DraftState) -> str:
    decision = (state.get("decision") or {}).get("decision")
    if decision == "approve":
        return "approve"
    if decision == "edit":
        return "edit"
    return "redraft" if (state.get("decision") or {}).get("note") else "reject"


# -- helpers -----------------------------------------------------------------------------------

def parse_answer(text: str) -> tuple[dict[str, Any], list[dict[str, Any]], str | None]:
    """(content, citations, problem): a model answer is one JSON object with both keys."""
    stripped = _FENCE.sub("", text.strip())
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError as exc:
        return {}, [], f"the model's answer is not JSON ({exc.msg} at char {exc.pos})"
    if not isinstance(data, dict) or not isinstance(data.get("content"), dict):
        return {}, [], "the model's answer has no 'content' object"
    citations = data.get("citations", [])
    if not isinstance(citations, list) or not all(isinstance(c, dict) for c in citations):
        return data["content"], [], "'citations' must be a list of objects"
    return data["content"], citations, None


def _run_checks(deps: Deps, state: DraftState, content: dict[str, Any],
                citations: list[dict[str, Any]]) -> list[CheckResult]:
    g = deps.gather(state)
    today = date.fromisoformat(state["today"])
    ctx = CheckContext(
        kind=DraftKind(state["kind"]), program=g.program, today=today, requester=g.requester,
        partner=g.partner, other_names=g.other_names,
        retrieved=tuple(Passage.model_validate(p) for p in state.get("passages", [])),
        session_minutes=g.program.session_minutes)
    return run_checks(content, citations, ctx)


def _pretty(content: dict[str, Any]) -> str:
    return json.dumps(content, indent=2, ensure_ascii=False, sort_keys=True)


def _citations(raw: list[dict[str, Any]]) -> list[Citation]:
    found = []
    for c in raw:
        try:
            found.append(Citation(source=str(c.get("source", "")),
                                  heading=str(c.get("heading", "")),
                                  excerpt=str(c.get("excerpt", ""))[:600],
                                  passage_id=c.get("passage_id")))
        except ValueError:
            continue
    return found


def _store(deps: Deps, state: DraftState, status: DraftStatus, *, author: str, action: str,
           note: str | None = None, diff: str | None = None, failure: str | None = None,
           same_content: bool = False, decided_on: int | None = None,
           detail: dict[str, Any] | None = None) -> Draft:
    """Write the draft's new state once, through the store port (idempotent across a crash).

    `decided_on` is the version a reviewer's decision was made on: the write lands only if
    the draft is still at that version (checked by the database, so two workers deciding at
    once cannot both win)."""
    draft = Draft(
        id=state["draft_id"], program=state["program"], kind=DraftKind(state["kind"]),
        participant_id=state["participant_id"], status=status,
        generator=state.get("generator") or deps.model.name, content=state.get("content", {}),
        citations=_citations(state.get("citations", [])),
        checks=[CheckResult(**c) for c in state.get("checks", [])], topic=state.get("topic"),
        prompt_name=prompt_for(DraftKind(state["kind"])).name,
        prompt_version=prompt_for(DraftKind(state["kind"])).version,
        model=deps.model.name, retrieved_ids=[p["id"] for p in state.get("passages", [])],
        reviewer_id=state.get("requested_by"), failure_reason=failure,
        pairing_id=state.get("pairing_id"), partner_id=state.get("partner_id"))
    return deps.store.save(draft, author=author, action=action, note=note, diff=diff,
                           same_content=same_content, decided_on=decided_on, detail=detail)


# -- checkpointer --------------------------------------------------------------------------------

@contextmanager
def checkpointer(settings: Settings) -> Iterator[Any]:
    """SQLite under COMPANION_HOME, or PostgreSQL when the database is PostgreSQL."""
    if settings.database_kind == "postgresql":
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg import Connection
        from psycopg.rows import dict_row

        url = settings.resolved_database_url.replace("postgresql+psycopg://", "postgresql://")
        with Connection.connect(url, autocommit=True, prepare_threshold=0,
                                row_factory=dict_row) as conn:
            saver = PostgresSaver(conn)
            saver.setup()
            yield saver
        return
    yield _sqlite_saver(settings.ensure_home() / "checkpoints.sqlite")


_savers: dict[str, Any] = {}


def _sqlite_saver(path: Any) -> Any:
    """One saver per checkpoint file and process (WAL: a checkpoint write does not wait for a
    full fsync, which was most of the pipeline's slowest runs)."""
    import sqlite3

    from langgraph.checkpoint.sqlite import SqliteSaver

    key = str(path)
    if key not in _savers:
        conn = sqlite3.connect(key, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        _savers[key] = SqliteSaver(conn)
    return _savers[key]
