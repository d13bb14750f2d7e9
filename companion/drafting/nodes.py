"""The drafting graph's nodes, built from `Deps`.

Every node that writes is idempotent (a crash between a write and its checkpoint re-runs the
node without duplicating a version): writes go through `_store`, which the store port turns
into one version, once.
"""

from __future__ import annotations

import difflib
import json
import re
from datetime import date
from typing import Any, Protocol

from langgraph.types import interrupt

from companion.domain import CheckResult, Citation, Draft, DraftKind, DraftStatus, Passage
from companion.drafting.answers import parse_answer
from companion.drafting.checks import CheckContext, failed_feedback, run_checks
from companion.drafting.context import model_context, request_texts
from companion.drafting.deps import Deps
from companion.drafting.prompts import prompt_for
from companion.drafting.retrieval_plan import planned_searches, retrieval_plan
from companion.drafting.state import DraftState
from companion.llm.base import ModelError


class Node(Protocol):
    """One step of the graph: the state in, the keys it changes out."""

    def __call__(self, state: DraftState) -> dict[str, Any]: ...


class Nodes:
    """One method per graph node; `as_dict()` names them as the topology wires them."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def as_dict(self) -> dict[str, Node]:
        return {"gather": self.gather, "retrieve": self.retrieve, "draft": self.draft,
                "check": self.check, "revise": self.revise, "fail": self.fail,
                "submit": self.submit, "review": self.review, "approve": self.approve,
                "reject": self.reject, "redraft": self.redraft, "edit": self.edit}

    def gather(self, state: DraftState) -> dict[str, Any]:
        deps = self.deps
        deps.calls.append("gather")
        deps.store.renew(state["draft_id"], "gathering")
        deps.gathered.pop(state["draft_id"], None)  # a new run reads the database afresh
        g = deps.gather(state)
        today = date.fromisoformat(state["today"])
        return {"context": model_context(g, kind=DraftKind(state["kind"]),
                                         topic=state.get("topic"), today=today, passages=[],
                                         feedback=[]),
                "partner_id": g.partner.id if g.partner else None, "pairing_id": g.pairing_id}

    def retrieve(self, state: DraftState) -> dict[str, Any]:
        """The plan (with the reviewer's note, on a redraft), then the searches: the planned
        options' own passages first, then the kind's guideline and the nearest guidance."""
        self.deps.calls.append("retrieve")
        ctx = dict(state["context"])
        plan = _plan(self.deps, state, ctx)
        if plan is not None:
            ctx["plan"] = plan
        passages: dict[str, dict[str, Any]] = {}
        for name, query, top, where in planned_searches(plan):
            found = self.deps.search(query, top, where)
            if not any(_names(p.heading, name) for p in found):  # not ranked first: look wider
                found = [p for p in self.deps.search(query, 10, where)
                         if _names(p.heading, name)]
            for passage in found:
                passages.setdefault(passage.id, passage.model_dump(mode="json"))
        for query, top, where in retrieval_plan(DraftKind(state["kind"]), state.get("topic"),
                                                ctx["requester"].get("goals", []), ctx["phase"]):
            for passage in self.deps.search(query, top, where):
                passages.setdefault(passage.id, passage.model_dump(mode="json"))
        return {"passages": list(passages.values()), "context": ctx}

    def draft(self, state: DraftState) -> dict[str, Any]:
        deps = self.deps
        deps.calls.append("draft")
        # a model call may take a minute: still alive, and where it is
        deps.store.renew(state["draft_id"],
                         f"drafting {state.get('attempt', 1)}/{deps.max_attempts}")
        kind = DraftKind(state["kind"])
        # what was withheld from the request is for the reviewer, not the model
        seen = {k: v for k, v in state["context"].items() if k != "safety"}
        context = {**seen,
                   "passages": [{k: p[k] for k in ("id", "source", "heading", "text")}
                                for p in state["passages"]],
                   "feedback": state.get("feedback", [])}
        topic = seen.get("topic")  # screened: no instructions, health data or other names
        messages = prompt_for(kind).render(
            topic_line=f"Topic: {topic}" if topic else "No topic given: use the goals.",
            context_json=json.dumps(context, ensure_ascii=False, indent=1))
        try:
            result = deps.model.complete(messages, json_mode=True)
        except ModelError as exc:
            return {"content": {}, "citations": [], "rationale": {},
                    "generator": deps.model.name, "failure": f"model call failed: {exc}",
                    "checks": [CheckResult(name="model", passed=False,
                                           detail=str(exc)).model_dump()]}
        answer = parse_answer(result.text)
        return {"content": answer.content, "citations": answer.citations,
                "rationale": answer.rationale, "generator": result.model,
                "failure": answer.problem, "checks": []}

    def check(self, state: DraftState) -> dict[str, Any]:
        self.deps.calls.append("check")
        if str(state.get("failure") or "").startswith("model call failed"):
            return {}
        checks = _run_checks(self.deps, state, state["content"], state["citations"])
        if state.get("failure"):  # the answer was not even JSON
            checks = [CheckResult(name="schema", passed=False, detail=state["failure"])]
        return {"checks": [c.model_dump() for c in checks]}

    def revise(self, state: DraftState) -> dict[str, Any]:
        self.deps.calls.append("revise")
        checks = [CheckResult(**c) for c in state["checks"]]
        # a reviewer's note stays in force through the revisions it caused
        reviewer = [f for f in state.get("feedback", []) if f.startswith("Reviewer feedback")]
        return {"attempt": state.get("attempt", 1) + 1, "failure": None,
                "feedback": reviewer + [line for line in failed_feedback(checks).splitlines()
                                        if line]}

    def fail(self, state: DraftState) -> dict[str, Any]:
        deps = self.deps
        deps.calls.append("fail")
        checks = [CheckResult(**c) for c in state.get("checks", [])]
        reason = state.get("failure") or failed_feedback(checks) or "checks failed"
        _store(deps, state, DraftStatus.failed, author=state.get("generator", "model"),
               action="draft.fail", failure=f"after {state.get('attempt', 1)} attempt(s): "
                                            f"{reason}", diff=_redraft_diff(state))
        deps.gathered.pop(state["draft_id"], None)
        return {"done": True, "rejected": None}

    def submit(self, state: DraftState) -> dict[str, Any]:
        deps = self.deps
        deps.calls.append("submit")
        _store(deps, state, DraftStatus.pending_review, author=state.get("generator", "model"),
               action="draft.generate", diff=_redraft_diff(state))
        deps.gathered.pop(state["draft_id"], None)
        return {"decision": None, "rejected": None}

    def review(self, state: DraftState) -> dict[str, Any]:
        decision = interrupt({"draft_id": state["draft_id"], "awaiting": "review"})
        self.deps.calls.append("review")
        return {"decision": decision}

    def _record_decision(self, state: DraftState, node: str, status: DraftStatus
                         ) -> dict[str, Any]:
        self.deps.calls.append(node)
        d = state["decision"] or {}
        _store(self.deps, state, status, author=d.get("by", "reviewer"),
               action=f"draft.{'approve' if status is DraftStatus.approved else 'reject'}",
               detail={**({"redraft": True} if status is DraftStatus.drafting else {}),
                       **(d.get("detail") or {})} or None,
               note=d.get("note"), same_content=True, decided_on=d.get("version"))
        return d

    def approve(self, state: DraftState) -> dict[str, Any]:
        self._record_decision(state, "approve", DraftStatus.approved)
        return {"done": True}

    def reject(self, state: DraftState) -> dict[str, Any]:
        self._record_decision(state, "reject", DraftStatus.rejected)
        return {"done": True}

    def redraft(self, state: DraftState) -> dict[str, Any]:
        # the draft is being written again (not `rejected`): a crash now leaves it `drafting`,
        # where recovery finds it, never out of every queue
        d = self._record_decision(state, "redraft", DraftStatus.drafting)
        # kept until the new version is stored, which records its diff from this one
        return {"attempt": 1, "failure": None, "rejected": state.get("content") or {},
                "feedback": [f"Reviewer feedback on the previous draft: {d.get('note')}"]}

    def edit(self, state: DraftState) -> dict[str, Any]:
        deps = self.deps
        deps.calls.append("edit")
        d = state["decision"] or {}
        content = d["content"]
        citations = d.get("citations", state["citations"])
        checks = _run_checks(deps, state, content, citations)
        edited: DraftState = {**state, "content": content, "citations": citations,
                              "checks": [c.model_dump() for c in checks],
                              "generator": f"edited by {d.get('by', 'reviewer')}"}
        diff = _diff(state["content"], content)
        _store(deps, edited, DraftStatus.pending_review, author=d.get("by", "reviewer"),
               action="draft.edit", note=d.get("note"), diff=diff,
               decided_on=d.get("version"))
        return {"content": content, "citations": citations, "checks": edited["checks"],
                "generator": edited["generator"], "decision": None}


REVIEWER = "Reviewer feedback on the previous draft: "


def _names(heading: str, name: str) -> bool:
    """Whether a passage's heading path ("Conversation frameworks > GROW > Stage: Goal")
    names the section `name`."""
    return any(part.strip().lower() == name.strip().lower() for part in heading.split(">"))


def _plan(deps: Deps, state: DraftState, ctx: dict[str, Any]) -> dict[str, Any] | None:
    """The plan for this run: what the request is about, read from the requester's own words
    (not the screened ones the model sees: the plan never quotes them), in the reader's
    voice, with the latest reviewer's note."""
    if deps.planner is None:
        return None
    g = deps.gather(state)
    topic = state.get("topic")
    role = g.requester.role.value
    voice = "mentor" if role == "mentor" or (
        role == "both" and topic and re.search(r"\b(my|our) mentee", topic, re.I)) else "mentee"
    goals = list(g.requester.goals)
    if voice == "mentor" and not goals:
        goals = [str(x) for x in ((ctx.get("partner") or {}).get("goals") or [])]
    notes = [f[len(REVIEWER):] for f in state.get("feedback", []) if f.startswith(REVIEWER)]
    plan = deps.planner.plan(kind=state["kind"], topic=topic, goals=goals, phase=ctx["phase"],
                             voice=voice, note=notes[-1] if notes else None,
                             session=ctx.get("session"))
    return plan.json()


def _run_checks(deps: Deps, state: DraftState, content: dict[str, Any],
                citations: list[dict[str, Any]]) -> list[CheckResult]:
    g = deps.gather(state)
    today = date.fromisoformat(state["today"])
    ctx = CheckContext(
        kind=DraftKind(state["kind"]), program=g.program, today=today, requester=g.requester,
        partner=g.partner, other_names=g.other_names,
        retrieved=tuple(Passage.model_validate(p) for p in state.get("passages", [])),
        session_minutes=g.program.session_minutes,
        template_minutes=_template_minutes(state),
        request_texts=request_texts(g, state.get("topic")))
    return run_checks(content, citations, ctx)


def _template_minutes(state: DraftState) -> int | None:
    """The planned template's length in the guidelines, when the plan chose one: the agenda
    may run that long (a kickoff is 90 minutes even where sessions are usually 60)."""
    plan = (state.get("context") or {}).get("plan") or {}
    minutes = (plan.get("template") or {}).get("minutes")
    return int(minutes) if isinstance(minutes, int) and minutes > 0 else None


def _pretty(content: dict[str, Any]) -> str:
    return json.dumps(content, indent=2, ensure_ascii=False, sort_keys=True)


def _diff(before: dict[str, Any], after: dict[str, Any]) -> str:
    """The unified diff between two versions' content (pretty JSON, keys sorted)."""
    return "\n".join(difflib.unified_diff(_pretty(before).splitlines(),
                                          _pretty(after).splitlines(), "before", "after",
                                          lineterm=""))


def _redraft_diff(state: DraftState) -> str | None:
    """A redraft's diff from the version the reviewer rejected (None: no redraft)."""
    rejected = state.get("rejected")
    return None if rejected is None else _diff(rejected, state.get("content") or {})


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


def _rationale(state: DraftState) -> dict[str, Any]:
    """The model's own reasons, with the plan the drafting layer made before drafting (when
    it made one) under "plan"."""
    rationale = dict(state.get("rationale") or {})
    plan = (state.get("context") or {}).get("plan")
    if plan:
        rationale["plan"] = plan
    flags = ((state.get("context") or {}).get("safety") or {}).get("flags")
    if flags:
        rationale["safety"] = list(flags)
    rejected = state.get("rejected")
    if rejected is not None and _pretty(rejected) == _pretty(state.get("content") or {}):
        why = ("what the note asks could not be done (see 'not done')"
               if rationale.get("note_not_followed") and not rationale.get("note_followed")
               else "it already did what the note asks")
        said = rationale.get("note") if isinstance(rationale.get("note"), str) else ""
        rationale["note"] = (f"This version is the same as the one the note was about: {why}. "
                             f"{said}").strip()
    return rationale


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
        pairing_id=state.get("pairing_id"), partner_id=state.get("partner_id"),
        rationale=_rationale(state))
    return deps.store.save(draft, author=author, action=action, note=note, diff=diff,
                           same_content=same_content, decided_on=decided_on, detail=detail)
