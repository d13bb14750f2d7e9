"""The boilerplate drafter's entry point: reads the agent's context block and composes the
draft JSON from the passages and the requester's goals, pasting the goal or topic into fixed
templates. A frozen copy of the offline drafter of commit c3a35e0 (see the package docstring);
do not improve it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from companion.evals.boilerplate.agenda import draft_agenda
from companion.evals.boilerplate.frameworks import draft_framework
from companion.evals.boilerplate.goals import draft_goals
from companion.evals.boilerplate.questions import draft_questions
from companion.evals.boilerplate.text import (
    Context,
    ContextError,
    Feedback,
    parse_context,
    read_feedback,
)

#: The name drafts record as their generator.
BOILERPLATE_NAME = "boilerplate-drafter-v1"

Drafter = Callable[[Context, Feedback], tuple[dict[str, Any], list[dict[str, str]]]]
DRAFTERS: dict[str, Drafter] = {
    "agenda": draft_agenda,
    "questions": draft_questions,
    "goals": draft_goals,
    "framework": draft_framework,
}


def draft(messages: list[dict[str, Any]]) -> str:
    """The drafter's answer to `messages`: always one JSON object,
    `{"content": {...}, "citations": [...]}` plus a `note` when the passages given could not
    support a full draft (fewer items, no citations), or `{"content": {}, "citations": [],
    "error": ...}` when the messages carry no usable context block or an unknown kind."""
    try:
        ctx = parse_context(messages)
    except ContextError as exc:
        return _dump({"content": {}, "citations": [], "error": str(exc)})
    drafter = DRAFTERS.get(ctx.kind)
    if drafter is None:
        return _dump({"content": {}, "citations": [],
                      "error": f"unknown draft kind {ctx.kind!r}; expected one of "
                               f"{', '.join(DRAFTERS)}"})
    content, citations = drafter(ctx, read_feedback(ctx.feedback))
    answer: dict[str, Any] = {"content": content, "citations": citations}
    note = content.pop("note", None)
    if note:  # beside the content, whose shape allows no extra keys
        answer["note"] = note
    return _dump(answer)


def _dump(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False)
