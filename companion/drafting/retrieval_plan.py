"""Which guideline searches one draft runs: the kind's own guideline first, then the program
guidance nearest to the topic and goals."""

from __future__ import annotations

import re
from typing import Any

from companion.domain import DraftKind

_TARGETED: dict[DraftKind, tuple[str, str]] = {
    DraftKind.agenda: ("knowledge/session-templates.md", "{template} session template agenda"),
    DraftKind.questions: ("knowledge/question-bank.md", "reflection questions {focus}"),
    DraftKind.goals: ("knowledge/smart-er-goals.md", "SMART-ER goal worked example {focus}"),
    DraftKind.framework: ("knowledge/conversation-frameworks.md", "{focus} conversation"),
}
_TEMPLATE_BY_PHASE = {"launch": "Kickoff", "development": "Regular", "completion": "Closing"}


FRAMEWORKS = "knowledge/conversation-frameworks.md"
QUESTION_BANK = "knowledge/question-bank.md"
TEMPLATES = "knowledge/session-templates.md"


def planned_searches(plan: dict[str, Any] | None
                     ) -> list[tuple[str, str, int, dict[str, str] | None]]:
    """(section name, query, top, filter): one search per option the plan chose, so the
    drafter has the chosen framework, competencies and template in its passages."""
    if not plan:
        return []
    found: list[tuple[str, str, int, dict[str, str] | None]] = []
    for key, source, words in (("template", TEMPLATES, "session template agenda"),
                               ("framework", FRAMEWORKS, "conversation framework")):
        choice = plan.get(key) or {}
        if choice.get("name"):
            found.append((choice["name"], f"{choice['name']} {words}", 2, {"source": source}))
    for choice in plan.get("sections") or []:
        if choice.get("name"):
            found.append((choice["name"], f"{choice['name']} questions", 3,
                          {"source": QUESTION_BANK}))
    return found


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
