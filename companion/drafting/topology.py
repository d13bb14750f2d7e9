"""The drafting graph's shape:

gather → retrieve → draft → check ─(failed, attempts left)→ revise → draft
                                  ─(failed, none left)→ fail
                                  ─(passed)→ submit → review (interrupt: a human decides)
review ─ approve → approve; ─ edit → edit → review;
       ─ reject with feedback → redraft → retrieve (the note is planned and searched) → draft;
       ─ reject without feedback → reject.
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from companion.domain import CheckResult
from companion.drafting.checks import passed_all
from companion.drafting.deps import Deps
from companion.drafting.nodes import Nodes
from companion.drafting.state import DraftState


def build_graph(deps: Deps) -> StateGraph:
    """The uncompiled graph over `deps` (compile it with a checkpointer)."""
    graph = StateGraph(DraftState)
    for name, node in Nodes(deps).as_dict().items():
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
    graph.add_edge("redraft", "retrieve")  # the note may ask for other guidance
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
