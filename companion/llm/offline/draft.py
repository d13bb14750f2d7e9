"""The offline grounded drafter: reads the agent's context block and composes the draft JSON
only from the passages and the requester's goals it was given. Deterministic: the same messages
always give the same text. No litellm here (`model.py` calls it as a `ChatModel`, `provider.py`
plugs it into litellm)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from companion.llm.offline.agenda import draft_agenda
from companion.llm.offline.frameworks import draft_framework
from companion.llm.offline.goals import draft_goals
from companion.llm.offline.questions import draft_questions
from companion.llm.offline.text import Context, ContextError, Feedback, parse_context, read_feedback

#: The name drafts record as their generator.
OFFLINE_NAME = "offline-grounded-drafter-v2"
#: The litellm model string that reaches the drafter through the custom-provider path.
OFFLINE_MODEL = "companion/offline"
#: Settings values (COMPANION_MODEL) that select the offline drafter.
OFFLINE_ALIASES = frozenset({"offline", OFFLINE_MODEL})


def word_usage(messages: list[dict[str, Any]], text: str) -> dict[str, int]:
    """The drafter's "token" counts: words in and out (it has no tokenizer)."""
    prompt = sum(len(str(m.get("content", "")).split()) for m in messages)
    completion = len(text.split())
    return {"prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": prompt + completion}

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
    # beside the content, whose shape allows no extra keys
    rationale = content.pop("rationale", None)
    if rationale:
        answer["rationale"] = rationale
    note = content.pop("note", None)
    if note:
        answer["note"] = note
    return _dump(answer)


def _dump(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False)
