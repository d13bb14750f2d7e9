"""A draft's rationale as a reviewer reads it: a short list of why the drafter chose what it
chose, the parts of the reviewer's note it followed or could not, and safety flags.

The rationale is whatever the model wrote beside its answer (plus the plan the drafting layer
made), so every shape is read leniently: a value this module does not understand is shown as
text or left out, never an error."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Longest line shown for one item (the full rationale is in the draft JSON).
MAX_LINE = 300
#: Most lines of one kind shown.
MAX_ITEMS = 8
_NAME_KEYS = ("name", "title", "section", "note", "flag", "check", "item")
_WHY_KEYS = ("reason", "why", "detail", "because")


@dataclass(frozen=True)
class Explanation:
    """What "Why this draft" shows."""

    reasons: list[str] = field(default_factory=list)
    note: str | None = None
    followed: list[str] = field(default_factory=list)
    not_followed: list[str] = field(default_factory=list)
    safety: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.reasons or self.note or self.followed or self.not_followed
                    or self.safety)


def explain(rationale: dict[str, Any] | None) -> Explanation:
    """The reviewer's short list from a draft's rationale ({} or None: nothing to show)."""
    r = rationale if isinstance(rationale, dict) else {}
    reasons: list[str] = []
    for key, label in (("framework", "Framework"), ("template", "Template")):
        if r.get(key):
            reasons.append(f"{label}: {_text(r[key])}")
    reasons += [f"Section: {_text(s)}" for s in _items(r.get("sections"))]
    note = r.get("note") if isinstance(r.get("note"), str) else None
    if note and note.startswith("Following the reviewer's note:") and r.get("note_followed"):
        note = None  # the offline drafter's summary of the lists shown below
    return Explanation(
        reasons=_cut([x for x in reasons if x.split(": ", 1)[-1]]),
        note=_short(note) if note else None,
        followed=_cut([_text(x) for x in _items(r.get("note_followed"))]),
        not_followed=_cut([_text(x) for x in _items(r.get("note_not_followed"))]),
        safety=_cut(_safety(r.get("safety"))))


def _items(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _safety(value: Any) -> list[str]:
    """Flags from a list, or a dict of flags: {"flags": [...]}, {"name": true}, {"name": why}."""
    if isinstance(value, dict):
        found: list[str] = []
        for key, item in value.items():
            if isinstance(item, list):
                found += [_text(x) for x in item]
            elif item is True:
                found.append(str(key).replace("_", " "))
            elif item not in (None, False, "", {}):
                found.append(f"{str(key).replace('_', ' ')}: {_text(item)}")
        return found
    return [_text(x) for x in _items(value)]


def _text(value: Any) -> str:
    if isinstance(value, dict):
        name = next((str(value[k]) for k in _NAME_KEYS if value.get(k)), "")
        why = next((str(value[k]) for k in _WHY_KEYS if value.get(k)), "")
        if name or why:
            return _short(f"{name} — {why}" if name and why else name or why)
        return _short(", ".join(f"{k}: {v}" for k, v in value.items() if v not in (None, "")))
    if isinstance(value, list):
        return _short(", ".join(_text(v) for v in value))
    return _short(str(value))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_LINE else text[:MAX_LINE - 1] + "…"


def _cut(lines: list[str]) -> list[str]:
    return [line for line in lines if line][:MAX_ITEMS]
