"""Text as a reader compares it: shared by the drafting checks and the eval graders."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
#: The shortest excerpt that counts as a quotation.
MIN_EXCERPT_CHARS = 15


def normal_text(text: str) -> str:
    """No Markdown markers (bullets, headings, emphasis), straight quotes, single spaces,
    case-folded."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = re.sub(r"(?m)^\s*(?:[-*+]|\d+[.)]|#+)\s+", "", text)  # list bullets, headings
    text = re.sub(r"[*`_]+", "", text)
    return " ".join(text.split()).casefold()


def quoted_in(excerpt: str, text: str, min_chars: int = MIN_EXCERPT_CHARS) -> bool:
    """Whether `excerpt` occurs word for word in `text`. NFKC turns "…" into "..."; the parts
    around an ellipsis must each occur, in order."""
    parts = [p.strip() for p in normal_text(excerpt).split("...")]
    parts = [p for p in parts if re.search(r"\w", p)]
    if sum(len(p) for p in parts) < min_chars:
        return False
    haystack, position = normal_text(text), 0
    for part in parts:
        found = haystack.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return True


def json_strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string inside a JSON value, with its dotted path (goals.0.specific)."""
    if isinstance(value, str):
        yield path or "content", value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from json_strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from json_strings(item, f"{path}.{index}" if path else str(index))
