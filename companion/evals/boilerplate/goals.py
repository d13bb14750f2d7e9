"""Boilerplate drafts of SMART-ER goals: one per requester goal (at most three), dated inside the
program, grounded in the smart-er-goals.md passages given."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from companion.domain.program import add_months
from companion.evals.boilerplate.text import Context, Feedback, Passage, cite, short

SOURCE = "smart-er-goals.md"
MAX_GOALS = 3
#: What each cited section of the guideline grounds, and the words its excerpt should carry.
_CITE_ORDER = [("smart-er standard", ("time-bound", "measurable")),
               ("measurable", ("observable", "number")),
               ("time-bound", ("inside the program", "date")),
               ("evaluated", ("checkpoint",)),
               ("readjusted", ("revisit", "readjust"))]
_LEAD_IN = re.compile(r"^(i (want|would like|'d like|need|hope) to|help me( to)?|to)\s+", re.I)


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def development_end(program: dict[str, Any]) -> date | None:
    """Last day of the development phase: from the program's phases when given, else the
    default calendar (completion is the last ~15% of the program, at least a month)."""
    for window in program.get("phases") or []:
        if isinstance(window, dict) and window.get("phase") == "development":
            return _day(window.get("end"))
    start, end = _day(program.get("start_date")), _day(program.get("end_date"))
    if start is None or end is None:
        return None
    months = max(1, round(((end - start).days + 1) / 30.4375))
    edge = max(1, round(months * 0.15))
    return add_months(start, months - edge) - timedelta(days=1)


def target_date(ctx: Context, strict: bool) -> date | None:
    """The time-bound date: the end of development, else two weeks before the program ends,
    else its last day — the first that leaves three weeks after today. `strict` (a date check
    failed) moves each option two weeks earlier for a safety margin. Never after the end."""
    end = _day(ctx.program.get("end_date"))
    if end is None or end <= ctx.today + timedelta(days=2):
        return None
    dev_end = development_end(ctx.program)
    options = [d for d in (dev_end, end - timedelta(days=14), end) if d is not None]
    if strict:
        options = [d - timedelta(days=14) for d in options]
    for day in options:
        if ctx.today + timedelta(days=21) <= day <= end:
            return day
    return end if end > ctx.today + timedelta(days=2) else None


def checkpoints(today: date, target: date, count: int = 3) -> list[date]:
    """`count` dates spread evenly strictly between `today` and `target`, ascending."""
    span = (target - today).days
    days = sorted({round(span * (i + 1) / (count + 1)) for i in range(count)})
    return [today + timedelta(days=d) for d in days if 0 < d < span]


def _phrase(goal: str) -> str:
    text = _LEAD_IN.sub("", goal.strip()).rstrip(" .;")
    return text[:1].upper() + text[1:] if text else goal


def _goal(ctx: Context, goal: str, target: date, feedback: Feedback) -> dict[str, Any]:
    phrase, tag = _phrase(goal), short(goal, 60)
    role = ctx.requester.get("title") or ctx.requester.get("role") or "my role"
    dept = ctx.requester.get("department")
    where = f"my work as {role}" + (f" in {dept}" if dept else "")
    dates = checkpoints(ctx.today, target)
    checks = ["Is the baseline written down and are the first situations logged?",
              "Am I averaging 4 logged instances a month, and what have colleagues said "
              "so far?",
              f"Is \"{tag}\" on track for {target.isoformat()}, or does it need readjusting?"]
    evaluated = [{"date": d.isoformat(), "check": c}
                 for d, c in zip(dates, checks[-len(dates):], strict=True)] if dates else []
    review = dates[len(dates) // 2] if dates else target
    specific = (f"Work on \"{short(phrase, 90)}\" in the situations where it shows up in {where} "
                "— the meetings, projects and relationships it affects — starting with the one "
                "I agree with my mentor.")
    if feedback.notes:
        specific += f" Reflecting the reviewer's note: {short(feedback.note_text, 160)}."
    return {
        "statement": f"{short(phrase, 120)} by {target.isoformat()}, with the change visible "
                     "to the people I work with.",
        "specific": specific,
        "measurable": "At least 4 logged instances a month, counted in a simple tally from "
                      "today's written baseline, and at least 3 of 5 colleagues asked at the "
                      "start, middle and end confirm they see the change.",
        "achievable": f"It is within my own role and influence: about 4 hours a month until "
                      f"{target.isoformat()}, with my mentor helping me plan and review each "
                      "step.",
        "relevant": f"It is one of the development goals I brought to "
                    f"{ctx.program.get('name') or 'the program'}, and it builds a leadership "
                    "capability my role needs now.",
        "time_bound": target.isoformat(),
        "evaluated": evaluated,
        "readjusted": f"At the {review.isoformat()} checkpoint, I review the tally and the "
                      "colleagues' feedback with my mentor and revise the scope or adjust the "
                      f"target date (no later than {ctx.program.get('end_date')}) if my role or "
                      "priorities have changed.",
    }


def _excerpt(passage: Passage, words: tuple[str, ...]) -> str:
    """A bullet line or a sentence of `passage` that carries one of `words` (in that order of
    preference); the first sentence when none does. Always an exact substring."""
    units: list[str] = []
    for line in str(passage["text"]).splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("- "):
            units.append(line)
        else:
            units.extend(m.group().strip() for m in re.finditer(r"[^.?!]+(?:[.?!]+|$)", line)
                         if m.group().strip())
    ranked = sorted(units, key=lambda unit: not unit.startswith("- "))  # bullets first
    for word in words:
        for unit in ranked:
            if word in unit.lower():
                return unit
    return units[0] if units else ""


def draft_goals(ctx: Context, feedback: Feedback) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """SMART-ER goals for the requester's own goals, and the guideline passages they follow."""
    goals = ctx.goals[:MAX_GOALS] or ([ctx.topic] if ctx.topic else [])
    target = target_date(ctx, strict="dates" in feedback.checks)
    if not goals or target is None:
        reason = ("the requester has no goals or topic to work from" if not goals else
                  f"no date is left inside the program after {ctx.today.isoformat()}")
        return {"goals": [], "note": f"No SMART-ER goals drafted: {reason}."}, []
    content: dict[str, Any] = {"goals": [_goal(ctx, g, target, feedback) for g in goals]}
    guide = [p for p in ctx.passages if str(p.get("source", "")).endswith(SOURCE)]
    citations: list[dict[str, str]] = []
    for key, words in _CITE_ORDER:
        for passage in guide:
            if key in str(passage.get("heading", "")).lower().replace("smart-er goals >", ""):
                cite(citations, passage, _excerpt(passage, words))
                break
    if not citations and guide:
        cite(citations, guide[0], _excerpt(guide[0], ("smart-er",)))
    if not citations:
        content["note"] = ("No SMART-ER guideline passage was among the retrieved passages; "
                           "check these goals against the SMART-ER guideline by hand.")
    return content, citations
