"""Offline drafts of session agendas, from the session-templates.md passages given.

The template is the plan's (the situation first — "we haven't met for two months" is a
re-engagement session — then the phase), at the length the guideline gives it (a 90-minute
kickoff stays 90 minutes). In a regular session the main topic is worked through the stages of
the conversation framework that fits it, so the agenda says what the pair will actually do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from companion.llm.offline.situation import (
    Directives,
    clean_phrase,
    directives,
    excluded,
    followed_lists,
    gerund,
    rationale_note,
    subject,
)
from companion.llm.offline.text import (
    Context,
    Feedback,
    Line,
    Section,
    bullet_text,
    cite,
    sections,
    stems,
)

SOURCE = "session-templates.md"
FRAMEWORKS = "conversation-frameworks.md"
AGENDA_LINE = re.compile(r"^- \*\*(?P<topic>.+?)\*\* \((?P<minutes>\d+) min\) — (?P<purpose>.+)$")
_DURATION = re.compile(r"^Duration:\s*(\d+)", re.I)
_PHASE_DEFAULT = {"launch": "kickoff", "development": "regular session",
                  "completion": "closing"}
_NAME_PHASE = {"kickoff": "launch", "goal-setting": "launch", "regular": "development",
               "mid-program": "development", "re-engagement": "development",
               "closing": "completion"}
_TOPIC_HINTS = [
    (re.compile(r"haven'?t met|not met|laps|re-?engag|restart", re.I), "re-engagement"),
    (re.compile(r"check-?in|\bmid\b|mid-?program|half-?way", re.I), "mid-program"),
    (re.compile(r"goal[- ]setting|set(ting)? goals", re.I), "goal-setting"),
    (re.compile(r"kick-?off|first (session|meeting)", re.I), "kickoff"),
    (re.compile(r"clos|final session|last session|wrap", re.I), "closing"),
]
MIN_ITEM_MINUTES = 5
MAX_ACTIONS = 5
MAX_CHECKPOINTS = 3
#: Characters of carried-over actions or checkpoints one item's purpose takes at most.
CARRY_CHARS = 220
#: The item that looks back at the last session's actions (else the opening one gets them).
_REVIEWS_ACTIONS = re.compile(r"actions since|since last time|check-?in since|reconnect|"
                              r"opening|check-?in", re.I)
MAX_PREPARATION = 8
MAX_STAGES = 4
#: A template the guidelines give more than this many minutes is a long session.
LONG_SESSION = 60
_ABOUT_GOALS = re.compile(r"development areas|goal", re.I)
#: Items a shortened agenda keeps whatever else goes.
_ESSENTIAL = re.compile(r"main topic|goal|agreement|commitment|actions|review", re.I)


@dataclass
class Item:
    topic: str
    minutes: int
    purpose: str
    line: Line | None


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


def _duration_of(section: Section) -> int | None:
    for lines in section.lines.values():
        for line in lines:
            match = _DURATION.match(line.text)
            if match:
                return int(match[1])
    return None


def choose_template(ctx: Context) -> tuple[Section | None, str]:
    """The plan's template; without a plan, the topic's wording, then the phase."""
    candidates = [s for s in sections(ctx.passages, SOURCE) if _items(s)]
    planned = str((ctx.plan.get("template") or {}).get("name") or "").strip().lower()
    for section in candidates:
        if section.name.strip().lower() == planned:
            return section, str(ctx.plan["template"].get("reason") or "")
    topic = ctx.topic or ""
    wanted = [hint for pattern, hint in _TOPIC_HINTS if pattern.search(topic)]
    if not wanted and ctx.session.get("lapsed"):  # the data says the sessions lapsed
        wanted = ["re-engagement"]

    def score(section: Section) -> int:
        name = section.name.lower()
        points = 10 if _phase_of(section) == ctx.phase else 0
        points += 12 if any(hint in name for hint in wanted) else 0
        points += 4 if _PHASE_DEFAULT.get(ctx.phase, "~") in name else 0
        return points

    if not candidates:
        return None, ""
    best = max(candidates, key=score)  # ties: retrieval's order
    return best, "the template for the situation and the phase"


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


def _fives(minutes: list[int], total: int) -> list[int]:
    """`minutes` rounded to multiples of five where that still adds up to `total`."""
    if total % 5 or any(m < 5 for m in minutes):
        return minutes
    rounded = [max(5, 5 * round(m / 5)) for m in minutes]
    while sum(rounded) > total:
        rounded[rounded.index(max(rounded))] -= 5
    while sum(rounded) < total:
        rounded[rounded.index(max(rounded))] += 5
    return rounded if min(rounded) >= 5 else minutes


def _framework(ctx: Context) -> Section | None:
    name = str((ctx.plan.get("framework") or {}).get("name") or "").strip().lower()
    if not name:
        return None
    return next((s for s in sections(ctx.passages, FRAMEWORKS)
                 if s.name.strip().lower() == name and s.subsections("stage:")), None)


def _main_index(items: list[Item]) -> int:
    for i, item in enumerate(items):
        if "main topic" in item.topic.lower():
            return i
    return max(range(len(items)), key=lambda i: (items[i].minutes, -i))


def _adds_to(topic: str, template: Section) -> bool:
    """Whether the topic says more than the template's own name ("mid-program check-in")."""
    return bool(stems(topic) - stems(template.name + " session agenda meeting program"))


def _shorten(items: list[Item], rules: Directives) -> list[Item]:
    if rules.count and rules.count < len(items):
        keep = sorted(range(len(items)), key=lambda i: (-bool(_ESSENTIAL.search(items[i].topic)),
                                                        -items[i].minutes, i))[:rules.count]
        rules.followed.append(f"{rules.count} items as asked")
        return [items[i] for i in sorted(keep)]
    if rules.shorter and len(items) > 3:
        drop = min((i for i in range(len(items)) if not _ESSENTIAL.search(items[i].topic)),
                   key=lambda i: items[i].minutes, default=None)
        if drop is not None:
            rules.followed.append(f"fewer items: '{items[drop].topic}' folded into the others")
            return [it for i, it in enumerate(items) if i != drop]
    return items


def draft_agenda(ctx: Context, feedback: Feedback) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """An agenda that fills the session exactly, built on the situation, and its citations."""
    rules = directives(ctx, feedback)
    session = int(ctx.program.get("session_minutes") or 60)
    template, why = choose_template(ctx)
    about = subject(ctx)
    phrase = clean_phrase(about, 60)
    if template is None:
        return ({"title": f"Session agenda: {phrase}" if phrase else "Session agenda",
                 "phase": ctx.phase, "duration_minutes": session, "items": [],
                 "preparation": [],
                 "note": "No session template was among the retrieved guideline passages, so "
                         "no agenda items are proposed; search the session templates and try "
                         "again."}, [])
    planned_minutes = (ctx.plan.get("template") or {}).get("minutes")
    guideline = int(planned_minutes) if planned_minutes else _duration_of(template)
    # the long sessions (kickoff, mid-program, closing: more than an hour in the guidelines)
    # keep their length; any other template fills the program's usual session
    total = max(session, guideline) if guideline and guideline > LONG_SESSION else session
    covered = bool((ctx.plan.get("template") or {}).get("covers_request"))
    focus = phrase if ctx.topic and not covered and _adds_to(ctx.topic, template) else ""
    if not ctx.topic and ctx.goals and "regular" in template.name.lower():
        focus = clean_phrase(ctx.goals[0], 60)  # a working session works on their own goal
    if rules.focus:
        focus = clean_phrase(rules.focus[0], 60) or focus
        rules.followed.append(f"the main item is about {focus}")
    items = [it for it in _items(template) if not (rules.exclude and excluded(
        it.topic + " " + it.purpose, rules) and not _ESSENTIAL.search(it.topic))]
    if rules.exclude:
        rules.followed.append("left out " + ", ".join(rules.exclude))
    items = _shorten(items, rules)
    minimum = MIN_ITEM_MINUTES if "minutes" in feedback.checks else 1
    while len(items) > 1 and len(items) * minimum > total:
        items.remove(min(reversed(items), key=lambda it: it.minutes))
    minutes = _fives(rescale([it.minutes for it in items], total, minimum), total)
    for item, m in zip(items, minutes, strict=True):
        item.minutes = m

    citations: list[dict[str, str]] = []
    main = _main_index(items)
    framework = _framework(ctx) if focus else None
    compact = rules.shorter or bool(rules.count)
    if framework is not None and not compact and "main topic" in items[main].topic.lower() \
            and items[main].minutes >= 2 * MIN_ITEM_MINUTES:
        items[main:main + 1] = _stages(items[main], framework, focus, citations)
    elif focus:
        items[main].purpose += f" This time: {focus}."
        if "main topic" in items[main].topic.lower():
            items[main].topic = f"Main topic: {focus}"
    if not focus and ctx.goals:  # the blocks about goals start from this person's own
        goals = "; ".join(p for p in (gerund(clean_phrase(g, 60)) for g in ctx.goals[:2]) if p)
        for item in items:
            if _ABOUT_GOALS.search(item.topic) and goals:
                item.purpose += f" Your goals: {goals}."
                break
    carried = _carry_over(ctx, items)
    agenda_items = [{"topic": it.topic, "minutes": it.minutes, "purpose": it.purpose}
                    for it in items]

    title = template.name + (f": {focus}" if focus else "")
    preparation = _preparation(ctx, template, focus)
    first = max((it for it in items if it.line is not None), key=lambda it: it.minutes,
                default=None)
    if first is not None and first.line is not None:
        cite(citations, first.line.passage, first.line.text)
    prep_lines = template.bullets("preparation")
    if prep_lines:
        cite(citations, prep_lines[0].passage, prep_lines[0].text)
    content: dict[str, Any] = {"title": title, "phase": ctx.phase, "duration_minutes": total,
                               "items": agenda_items, "preparation": preparation}
    content["rationale"] = {"template": {"name": template.name, "reason": why,
                                         "minutes": total},
                            "framework": framework.name if framework else None,
                            "voice": ctx.voice}
    content["rationale"].update(followed_lists(rules))
    if carried:
        content["rationale"]["session"] = carried
    note = rationale_note(rules)
    if note:
        content["note"] = note
    return content, citations


def _carry_over(ctx: Context, items: list[Item]) -> dict[str, Any]:
    """The pair's last session into this one: its action items in the item that reviews
    actions (or the opening one), the goal checkpoints due soon in the goals item. Returns
    what was carried, for the rationale."""
    session = ctx.session
    actions = [clean_phrase(str(a), 80) for a in session.get("previous_action_items") or []]
    actions = [a for a in actions if a][:MAX_ACTIONS]
    due = [d for d in session.get("checkpoints_due") or [] if isinstance(d, dict)
           and d.get("check")][:MAX_CHECKPOINTS]
    carried: dict[str, Any] = {}
    if not items:
        return carried
    if actions:
        target = next((it for it in items if _REVIEWS_ACTIONS.search(it.topic)), items[0])
        target.purpose += " Actions agreed last session: " + _joined(actions) + "."
        carried["previous_action_items"] = actions
    if due:
        goals = next((it for it in items if _ABOUT_GOALS.search(it.topic)), None)
        if goals is not None:
            goals.purpose += " Checkpoints due: " + _joined([
                f"{clean_phrase(str(d['check']), 80)} (by {d.get('due_on')})" for d in due]) + "."
            carried["checkpoints_due"] = [str(d["check"]) for d in due]
    if session.get("lapsed"):
        carried["days_since_last_session"] = session.get("days_since_last_session")
    return carried


def _joined(parts: list[str], limit: int = CARRY_CHARS) -> str:
    """`parts` joined with semicolons, as many whole ones as fit in `limit` characters (an
    item's purpose has a length limit)."""
    kept: list[str] = []
    for part in parts:
        if kept and len("; ".join([*kept, part])) > limit:
            break
        kept.append(part)
    return "; ".join(kept)


def _stages(main: Item, framework: Section, focus: str,
            citations: list[dict[str, str]]) -> list[Item]:
    """The main topic as the framework's first stages, each with its opening prompt."""
    stages = [(heading.split(":", 1)[1].strip(), [x for x in lines if x.text.startswith("- ")])
              for heading, lines in framework.subsections("stage:")]
    stages = [(name, prompts) for name, prompts in stages if prompts]
    count = max(1, min(MAX_STAGES, len(stages), main.minutes // MIN_ITEM_MINUTES))
    stages = stages[:count]
    minutes = _fives(rescale([1] * count, main.minutes, MIN_ITEM_MINUTES), main.minutes)
    items = []
    for index, ((name, prompts), m) in enumerate(zip(stages, minutes, strict=True)):
        prompt = bullet_text(prompts[0])
        purpose = f"{prompt}"
        if index == 0:
            purpose = f"Main topic, {focus}, worked through the {framework.name}. {prompt}"
        items.append(Item(f"{name}" if index else f"Main topic — {name}", m, purpose, None))
        cite(citations, prompts[0].passage, prompt)
    return items


def _preparation(ctx: Context, template: Section, focus: str) -> list[str]:
    """The template's preparation for the reader (a mentee's and both people's lines, or a
    mentor's and both), and one line for this session's own topic."""
    mine = "mentor" if ctx.voice == "mentor" else "mentee"
    lines = []
    for line in template.bullets("preparation"):
        text = bullet_text(line)
        who = text.split(":", 1)[0].strip().lower() if ":" in text[:12] else "both"
        if who in (mine, "both"):
            lines.append(text)
    goal = clean_phrase(ctx.goals[0], 80) if ctx.goals and not focus else ""
    if goal and mine == "mentee":
        lines.append(f"Mentee: bring your goal to {goal}, and one recent situation where it "
                     "showed up.")
    if focus and mine == "mentee":
        lines.append(f"Mentee: write down one recent, concrete example of {focus} to work on "
                     "in the main topic.")
    elif focus:
        lines.append(f"Mentor: think of two open questions that help your mentee explore "
                     f"{focus} without steering them to your own answer.")
    return lines[:MAX_PREPARATION]
