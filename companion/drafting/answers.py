"""A model's answer: one JSON object (possibly in a ```json fence) with the draft's content
and the citations it relied on."""

from __future__ import annotations

import json
import re
from typing import Any

_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.S)


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
