"""A model's answer: one JSON object (possibly in a ```json fence) with the draft's content,
the citations it relied on and, optionally, why it chose what it chose."""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.S)
#: Longest reviewer note kept from an answer (a remark, not a second draft).
MAX_NOTE = 2000


class Answer(NamedTuple):
    """What a model's answer holds; `problem` says why it cannot be used (None: usable)."""

    content: dict[str, Any]
    citations: list[dict[str, Any]]
    problem: str | None
    #: why the drafter chose what it chose (framework, sections, template, notes followed or
    #: not, safety); a `note` for the reviewer goes under "note". {} when the answer has none.
    rationale: dict[str, Any]


def parse_answer(text: str) -> Answer:
    """A model answer is one JSON object with "content" and "citations"; "rationale" (an
    object) and "note" (a string) are optional, and ignored when malformed — a draft is judged
    by its content, never failed for its explanation."""
    stripped = _FENCE.sub("", text.strip())
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError as exc:
        return Answer({}, [], f"the model's answer is not JSON ({exc.msg} at char {exc.pos})",
                      {})
    if not isinstance(data, dict) or not isinstance(data.get("content"), dict):
        return Answer({}, [], "the model's answer has no 'content' object", {})
    rationale = _rationale(data)
    citations = data.get("citations", [])
    if not isinstance(citations, list) or not all(isinstance(c, dict) for c in citations):
        return Answer(data["content"], [], "'citations' must be a list of objects", rationale)
    return Answer(data["content"], citations, None, rationale)


def _rationale(data: dict[str, Any]) -> dict[str, Any]:
    raw = data.get("rationale")
    rationale = dict(raw) if isinstance(raw, dict) else {}
    note = data.get("note")
    if isinstance(note, str) and note.strip():
        rationale["note"] = note.strip()[:MAX_NOTE]
    elif "note" in rationale and not isinstance(rationale["note"], str):
        del rationale["note"]
    return rationale
