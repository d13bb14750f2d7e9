"""Boilerplate drafts of session agendas, from the session-templates.md passages given."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from companion.evals.boilerplate.text import (
    Context,
    Feedback,
    Line,
    Section,
    bullet_text,
    cite,
    sections,
    short,
    stems,
)

SOURCE = "session-templates.md"
AGENDA_LINE = re.compile(r"^- \*\*(?P<topic>.+?)\*\* \((?P<minutes>\d+) min\) — (?P<purpose>.+)$")
#: Which template a phase usually calls for (kickoff → launch, regular → development, ...).
_PHASE_DEFAULT = {"launch": "kickoff", "development": "regular session",
                  "completion": "closing"}
_NAME_PHASE = {"kickoff": "launch", "goal-setting": "launch", "regular": "development",
               "mid-program": "development", "re-engagement": "development",
               "closing": "completion"}
#: Topic wording that asks for a particular template.
_TOPIC_HINTS = [
    (re.compile(r"check-?in|\bmid\b|mid-?program|half-?way", re.I), "mid-program"),
    (re.compile(r"goal[- ]setting|set(ting)? goals", re.I), "goal-setting"),
    (re.compile(r"laps|re-?engag|restart", re.I), "re-engagement"),
    (re.compile(r"kick-?off|first (session|meeting)", re.I), "kickoff"),
    (re.compile(r"clos|final session|last session|wrap", re.I), "closing"),
]
MIN_ITEM_MINUTES = 5
MAX_PREPARATION = 10


@dataclass
class Item:
    topic: str
    minutes: int
    purpose: str
    line: Line


def _items(section: Section) -> list[Item]:
    items = []
    for line in section.bullets("agenda") or [
            x for lines in section.lines.values() for x in lines if AGENDA_LINE.match(x.text)]:
        match = AGENDA_LINE.match(line.text)
        if match:
            items.append(Item(match["topic"].strip(), int(match["minutes"]),
                              match["purpose"].strip(), line))
    return items


def _phase_of(section: Section) -> str | None:
    for lines in section.lines.values():
        for line in lines:
            if line.text.lower().startswith("phase:"):
                return line.text.split(":", 1)[1].strip().lower()
    return next((p for key, p in _NAME_PHASE.items() if key in section.name.lower()), None)


def choose_template(ctx: Context) -> Section | None:
    """The template for the context's phase; topic wording can ask for a specific one."""
    candidates = [s for s in sections(ctx.passages, SOURCE) if _items(s)]
    topic = ctx.topic or ""
    wanted = [hint for pattern, hint in _TOPIC_HINTS if pattern.search(topic)]

    def score(section: Section) -> int:
        name = section.name.lower()
        points = 10 if _phase_of(section) == ctx.phase else 0
        points += 8 if any(hint in name for hint in wanted) else 0
        points += 4 if _PHASE_DEFAULT.get(ctx.phase, "~") in name else 0
        return points

    # max() keeps the first of equals: retrieval's ranking breaks ties.
    return max(candidates, key=score) if candidates else None


def rescale(minutes: list[int], total: int, minimum: int = 1) -> list[int]:
    """Integers in proportion to `minutes` that sum to `total` exactly (largest remainder, ties
    to the earlier item), then lifted to at least `minimum` (when feasible) from the longest."""
    scale = sum(minutes) or 1
    raw = [m * total / scale for m in minutes]
    result = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - result[i]), i))
    for i in order[: total - sum(result)]:
        result[i] += 1
    floor = min(max(minimum, 1), total // max(len(minutes), 1))
    while result and min(result) < floor:
        result[result.index(max(result))] -= 1
        result[result.index(min(result))] += 1
    return result


def draft_agenda(ctx: Context, feedback: Feedback) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """An agenda that fills `session_minutes` exactly, and its citations."""
    total = int(ctx.program.get("session_minutes") or 60)
    template = choose_template(ctx)
    focus = ctx.topic or ""
    if template is not None and not stems(focus) - stems(template.name + " session agenda"):
        focus = ""  # the topic only named the template ("mid-program check-in")
    focus = focus or (ctx.goals[0] if ctx.goals else "")
    if template is None:
        return ({"title": f"Session agenda: {short(focus)}" if focus else "Session agenda",
                 "phase": ctx.phase, "duration_minutes": total, "items": [],
                 "preparation": [],
                 "note": "No session template was among the retrieved guideline passages, so "
                         "no agenda items are proposed; search the session templates and try "
                         "again."}, [])
    items = _items(template)
    # A failed minutes check asks for the strict path: every item long enough to be real.
    minimum = MIN_ITEM_MINUTES if "minutes" in feedback.checks else 1
    while len(items) > 1 and len(items) * minimum > total:
        items.remove(min(reversed(items), key=lambda it: it.minutes))
    minutes = rescale([it.minutes for it in items], total, minimum)
    agenda_items: list[dict[str, Any]] = [
        {"topic": it.topic, "minutes": m, "purpose": it.purpose}
        for it, m in zip(items, minutes, strict=True)]
    main = max(range(len(agenda_items)), key=lambda i: (agenda_items[i]["minutes"], -i))
    if focus:  # the longest item carries the requester's own goal or topic
        agenda_items[main]["purpose"] += f" Focus: {short(focus, 120)}."
    if feedback.notes:
        agenda_items[main]["purpose"] += f" Reviewer's focus: {short(feedback.note_text, 160)}."

    title = f"{template.name}: {short(focus)}" if focus else template.name
    if feedback.notes:
        title += " (revised after review)"
    prep_lines = template.bullets("preparation")
    preparation = [bullet_text(line) for line in prep_lines]
    if ctx.goals:
        preparation.append(f"Bring one recent situation connected to the goal "
                           f"\"{short(ctx.goals[0])}\" to discuss.")
    elif ctx.topic:
        preparation.append(f"Note two or three questions about \"{short(ctx.topic)}\".")
    preparation.extend(f"Address the reviewer's note: {note}" for note in feedback.notes)
    preparation = preparation[:MAX_PREPARATION]

    citations: list[dict[str, str]] = []
    main_item = max(items, key=lambda it: it.minutes)
    cite(citations, main_item.line.passage, main_item.line.text)
    if prep_lines:
        cite(citations, prep_lines[0].passage, prep_lines[0].text)
    return ({"title": title, "phase": ctx.phase, "duration_minutes": total,
             "items": agenda_items, "preparation": preparation}, citations)
