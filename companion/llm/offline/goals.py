"""Offline drafts of SMART-ER goals, built from the mentee's own words: their intention as a
clean first-person statement, their deadline and measures kept, a measure that fits the goal's
verb where they gave none, checkpoints spaced to suit the phase, and a readjustment that never
passes the program's end. Words too thin for an honest goal get a worksheet of questions
instead. Grounded in the smart-er-goals.md passages given."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from companion.llm.offline.goal_dates import (
    Target,
    Window,
    checkpoints,
    choose_target,
    completion_dates,
    default_target,
    moved,
    window,
)
from companion.llm.offline.goal_text import GoalText, read_goal
from companion.llm.offline.goal_themes import (
    Theme,
    own_measures,
    reason_measures,
    slots,
    theme_for,
)
from companion.llm.offline.text import Context, Feedback, Passage, cite, stems

SOURCE = "smart-er-goals.md"
MAX_GOALS = 3
MAX_CHARS = 590  # under the content's 600-character limit for any text
#: What each cited section of the guideline grounds, and the words its excerpt should carry.
_CITE_ORDER = [("smart-er standard", ("time-bound", "measurable")),
               ("measurable", ("observable", "number")),
               ("time-bound", ("inside the program", "date")),
               ("evaluated", ("checkpoint",)),
               ("readjusted", ("revisit", "readjust"))]


# --- what a reviewer asked for ----------------------------------------------------------------
_ONE = re.compile(r"\b(?:only|just)\s+(?:one|1|the first)\b|\bone goal\b|\bsingle goal\b", re.I)
_FEWER = re.compile(r"\bfewer\b|\btoo many\b|\bshorter\b", re.I)
_AMBITIOUS = re.compile(r"more ambitious|\bstretch|too easy|raise the (?:bar|target)|aim higher|"
                        r"\bbolder\b|not ambitious", re.I)
_LATER = re.compile(r"\blater (?:date|deadline|target)|more time|push (?:\w+ )?(?:date|deadline)s? "
                    r"back|too soon|too tight|move (?:\w+ )?(?:date|deadline)s? later", re.I)
_EARLIER = re.compile(r"\bearlier (?:date|deadline|target)|\bsooner\b|bring (?:\w+ )?(?:date|"
                      r"deadline)s? forward|move (?:\w+ )?(?:date|deadline)s? earlier", re.I)
_FOCUS = re.compile(r"\b(?:focus (?:only |more |just )?on|concentrate on|only (?:the )?goal "
                    r"(?:about|on)|just (?:the )?(?:one|goal) (?:about|on))\s+(?P<what>[^.;!?]+)",
                    re.I)


@dataclass
class Asks:
    """A reviewer's note (and the drafting plan) read for goals."""

    count: int | None = None
    fewer: bool = False
    ambitious: bool = False
    later: bool = False
    earlier: bool = False
    focus: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)  # the plan's free-text focus
    exclude: list[str] = field(default_factory=list)
    unfollowed: list[str] = field(default_factory=list)


def read_asks(feedback: Feedback, plan: dict[str, Any]) -> Asks:
    asks = Asks()
    raw = plan.get("note")
    note: dict[str, Any] = raw if isinstance(raw, dict) else {}
    if isinstance(note.get("count"), int) and note["count"] > 0:
        asks.count = int(note["count"])
    asks.fewer = bool(note.get("shorter"))
    asks.hints = [str(f) for f in note.get("focus") or [] if str(f).strip()]
    asks.exclude = [str(e) for e in note.get("exclude") or [] if str(e).strip()]
    asks.unfollowed = [str(u) for u in note.get("unfollowed") or [] if str(u).strip()]
    for text in feedback.notes:
        if _ONE.search(text):
            asks.count = 1
        asks.fewer |= bool(_FEWER.search(text))
        asks.ambitious |= bool(_AMBITIOUS.search(text))
        asks.later |= bool(_LATER.search(text))
        asks.earlier |= bool(_EARLIER.search(text))
        asks.focus += [m["what"].split(",")[0].strip() for m in _FOCUS.finditer(text)]
    if asks.later and asks.earlier:
        asks.later = asks.earlier = False
        asks.unfollowed.append("the note asks for both a later and an earlier date, so the "
                               "dates are unchanged")
    return asks


def _matches(text: str, words: str) -> int:
    return len(stems(text) & stems(words))


def _select(texts: list[str], asks: Asks, topic: str | None, notes: list[str]) -> list[str]:
    """The goal texts to draft, in order, after the reviewer's focus, exclusions and count."""
    chosen = list(texts)
    if topic and chosen:
        chosen.sort(key=lambda t: -_matches(t, topic))  # stable: the topic's goal first
    for what in asks.exclude:
        kept = [t for t in chosen if not _matches(t, what)]
        if kept and len(kept) < len(chosen):
            chosen = kept
    for what in asks.focus:
        hits = [t for t in chosen if _matches(t, what)]
        if hits:
            chosen = hits + [t for t in chosen if t not in hits]
            chosen = hits if asks.count is None else chosen
        else:
            notes.append(f"None of the goals is about \"{what}\", so a worksheet to shape "
                         "that goal comes first.")
            chosen = [what] + chosen
    for hint in asks.hints:
        hits = [t for t in chosen if _matches(t, hint) >= 2]
        chosen = hits + [t for t in chosen if t not in hits]
    if not chosen and topic:
        chosen = [topic]
    limit = asks.count or MAX_GOALS
    if asks.fewer and asks.count is None:
        limit = max(1, min(len(chosen), MAX_GOALS) - 1)
    if asks.count and asks.count > MAX_GOALS:
        notes.append(f"The note asks for {asks.count} goals; the SMART-ER guideline keeps two "
                     f"or three, so at most {MAX_GOALS} are drafted.")
    return chosen[:min(limit, MAX_GOALS)]


# --- one goal ---------------------------------------------------------------------------------
def _fit(parts: list[str], limit: int = MAX_CHARS) -> str:
    """Whole sentences from `parts`, in order, while they fit `limit` characters."""
    out = ""
    for part in (p.strip() for p in parts if p and p.strip()):
        candidate = f"{out} {part}".strip()
        if len(candidate) <= limit:
            out = candidate
    return out


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!")) else ".")


@dataclass
class Who:
    """Whose goals these are and how the draft speaks."""

    voice: str
    record: dict[str, Any]
    program: str


def _role(who: Who) -> str:
    title, dept = who.record.get("title"), who.record.get("department")
    role = f"my role as {title}" if title else "my role"
    return role + (f" in {dept}" if dept else "")


def _statement(goal: GoalText, day: date, target: Target) -> str:
    core = goal.core_lower
    if target.own and goal.deadline:
        phrase = goal.deadline.phrase
        when = f"({day})" if re.match(r"^by\b", phrase, re.I) else f"(by {day})"
        return _sentence(f"{phrase[:1].upper()}{phrase[1:]} {when}, I will {core}")
    if target.early and goal.deadline:
        return _sentence(f"By {day}, I will {core}, with {target.early} "
                         f"({goal.deadline.phrase}) as my first milestone")
    if target.milestone and goal.deadline and goal.deadline.day is None:
        return _sentence(f"By {day} (or {goal.deadline.phrase}, if that comes first), "
                         f"I will {core}")
    if goal.deadline and goal.deadline.day and goal.deadline.day > day:
        return _sentence(f"By {day}, I will {core}, as the step inside the program towards "
                         f"my longer horizon ({goal.deadline.phrase})")
    return _sentence(f"By {day}, I will {core}")


def _smart_goal(goal: GoalText, w: Window, index: int, asks: Asks, strict: bool,
                who: Who, notes: list[str]) -> dict[str, Any] | None:
    fallback = default_target(w, strict, stagger=index)
    if fallback is None:
        return None
    target = choose_target(w, goal.deadline, fallback)
    day = target.day
    if asks.later or asks.earlier:
        shifted = moved(w, day, later=asks.later)
        if shifted is None:
            way = "later" if asks.later else "earlier"
            limit = (f"the latest date that leaves time to review it together before the "
                     f"program ends on {w.end}" if asks.later
                     else "six weeks from today, the least a goal with checkpoints needs")
            notes.append(f"Goal {index + 1} cannot move {way}: {day} is already {limit}.")
        else:
            day = shifted
            target = Target(shifted, target.remark, target.milestone, target.early, own=False)
    points = checkpoints(w, day, target.early)
    theme = theme_for(goal)
    s = slots(goal, day.isoformat(), theme)
    evaluated = _evaluated(theme, s.fill, points, w, target, goal)
    review = points[1] if len(points) > 2 else points[0]
    stretch = f"Stretch, as the reviewer asked: {s.fill(theme.stretch)}." if asks.ambitious else ""
    return {
        "statement": _statement(goal, day, target),
        "specific": _fit([s.fill(theme.specific)]
                         + [_sentence(r) for r in goal.rest[:1]] + [stretch]),
        "measurable": _fit(own_measures(goal.measures, skip_people="{whom}" in theme.measure)
                           + [s.fill(theme.measure)]
                           + reason_measures(goal.reasons) + [stretch]),
        "achievable": _fit([s.fill(theme.achievable), target.remark or ""]),
        "relevant": _relevant(goal, who),
        "time_bound": day.isoformat(),
        "evaluated": evaluated,
        "readjusted": _readjusted(theme, s.fill, review, day, w),
    }


def _evaluated(theme: Theme, fill: Any, points: list[date], w: Window, target: Target,
               goal: GoalText) -> list[dict[str, str]]:
    first, middle, last = (fill(c) for c in theme.checks)
    texts = [first, middle, last] if len(points) == 3 else [first, last][-len(points):]
    out = []
    for point, text in zip(points, texts, strict=True):
        if target.early and point == target.early and goal.deadline:
            text = (f"My own date ({goal.deadline.phrase}): how did it go, and what do I change "
                    "for the rest of the goal?")
        elif point == w.mid:
            text = f"Mid-program check-in: {text[:1].lower()}{text[1:]}"
        out.append({"date": point.isoformat(), "check": text})
    return out


def _relevant(goal: GoalText, who: Who) -> str:
    why = [r for r in goal.reasons if not r.startswith("without")]
    parts = [f"It is a goal I brought to {who.program} in my own words"
             + (f", for my own reason: {why[0]}." if why else ".")]
    parts.append(f"It builds what {_role(who)} needs from me now, and it is something I do, "
                 "not something others decide for me.")
    return _fit(parts)


def _readjusted(theme: Theme, fill: Any, review: date, day: date, w: Window) -> str:
    trigger = fill(theme.trigger).removeprefix("if ")
    latest = w.latest
    if latest > day:
        limit = f"moving the target no later than {latest}, inside the program"
    else:
        limit = (f"keeping the date, because the program ends on {w.end}: I adjust the scope "
                 "instead")
    return _fit([f"At the {review} checkpoint, and at any checkpoint where progress is under "
                 f"half of what I expected, I review {fill(theme.evidence)} with my mentor.",
                 f"If {trigger}, I will {fill(theme.change)}, {limit}."])


def _consolidation(goal: GoalText, w: Window, target: date, points: list[date],
                   who: Who) -> dict[str, Any]:
    theme = theme_for(goal)
    s = slots(goal, target.isoformat(), theme)
    if theme.name == "delegation":
        statement = f"By {target}, I will hand over {s.obj} for good to {s.whom}, so it runs " \
                    "without me after the program."
    else:
        statement = f"By {target}, I will sustain what I have built on this goal " \
                    f"({goal.core_lower}) and write down how I keep it going after the program."
    return {
        "statement": statement if len(statement) <= MAX_CHARS else
        f"By {target}, I will sustain what I have built on this goal and write down how I "
        "keep it going after the program.",
        "specific": _fit([f"Consolidate rather than start something new: keep doing what works "
                          f"for this goal ({goal.core_lower}) where it now happens, and agree "
                          "with my mentor what carries on after the closing session."]),
        "measurable": _fit([_sentence(s.fill(theme.sustain)),
                            "Counted against the baseline I wrote down at the start."]),
        "achievable": "It builds on work already under way, so it needs no new time, only about "
                      "an hour before each checkpoint to look at the evidence.",
        "relevant": _fit([f"The completion phase of {who.program} is for consolidating and "
                          "reflecting, not for new ambitious goals; this keeps my goal alive "
                          f"after the program ends on {w.end}."]),
        "time_bound": target.isoformat(),
        "evaluated": [
            {"date": points[0].isoformat(),
             "check": "Is it still happening without my mentor's prompting, and what have I "
                      "written down about what helps?"},
            {"date": points[1].isoformat(),
             "check": "What do I keep, what do I hand on, and what did I learn — ready for the "
                      "closing session?"}],
        "readjusted": f"At the {points[0]} checkpoint, if it has slipped, I narrow it to the one "
                      "habit that matters most rather than move the date, which stays inside "
                      f"the program (it ends on {w.end}).",
    }


# --- worksheets -------------------------------------------------------------------------------
def worksheet(words: str, day: date | None, voice: str) -> dict[str, Any]:
    """Questions that turn thin words into a SMART-ER goal, in the requester's voice."""
    by = f"by {day}" if day else "by the end of the program"
    if voice == "mentor":
        questions = [
            f"What would your mentee like people to see them doing differently {by}, and in "
            "which meetings or situations?",
            "Who would notice the change first: colleagues, their team, stakeholders?",
            "What could your mentee count, or ask those people, to see progress, and where are "
            "they today?",
            f"Which real event {by} (a review, a board meeting, a project milestone) could "
            "your mentee's goal lead up to?",
            "Why does it matter to your mentee, and to their organisation, now?"]
    else:
        questions = [
            f"What would people see you doing differently {by}, and in which meetings or "
            "situations?",
            "Who would notice first: which colleagues, team members or stakeholders?",
            "What could you count, or ask those people, to know you are making progress, and "
            "where are you today?",
            f"Which real event {by} (a review, a board meeting, a project milestone) could this "
            "goal lead up to?",
            "Why does this matter to you and your organisation now?"]
    return {"goal": words, "questions": questions}


# --- the draft --------------------------------------------------------------------------------
def _goal_texts(raw: Any) -> list[str]:
    if isinstance(raw, str):
        raw = re.split(r"\n\s*\n|;;", raw)
    return [" ".join(str(g).split()) for g in raw or [] if str(g).strip()]


def draft_goals(ctx: Context, feedback: Feedback) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """SMART-ER goals (or worksheets) from the mentee's own goals, and the guideline passages
    they follow. A mentor gets goals to propose to their mentee, from the goals the mentee
    shares, or a worksheet to work through together."""
    voice = ctx.voice
    mentor = voice == "mentor"
    person = (ctx.partner or {}) if mentor else ctx.requester
    who = Who(voice, person, str(ctx.program.get("name") or "the program"))
    notes: list[str] = []
    asks = read_asks(feedback, ctx.plan)
    notes += [f"Not followed: {u}." for u in asks.unfollowed]
    w = window(ctx.program, ctx.today, ctx.phase)
    if w is None or w.end <= ctx.today:
        return {"goals": [], "note": "No SMART-ER goals drafted: no date is left inside the "
                                     f"program after {ctx.today.isoformat()}."}, []
    texts = _goal_texts(person.get("goals"))
    if mentor:
        notes.insert(0, "Goals to propose to your mentee, drafted from the goals they share "
                        "with you; the statements stay in their first person because the goals "
                        "are theirs — agree them together." if texts else
                     "Your mentee's goals are not shared with you in this program, so this is "
                     "a worksheet of questions to help your mentee shape a goal in your next "
                     "session.")
    chosen = _select(texts, asks, ctx.topic, notes)
    content: dict[str, Any] = {"goals": [], "worksheets": []}
    completion = ctx.phase == "completion" or (
        w.development_end is not None and ctx.today > w.development_end)
    dates = completion_dates(w) if completion else None
    if completion:
        if dates is None:
            # too little time for a goal with checkpoints: a worksheet for the closing session
            # rather than a failed draft the reviewer never sees
            left = (w.end - ctx.today).days
            notes.append(f"No new goals drafted: only {left} days of the program remain (it "
                         f"ends on {w.end}), too few for a goal with checkpoints; this is a "
                         "worksheet to review your goals in the closing session instead.")
            content = {"goals": [], "worksheets": [closing_worksheet(texts, w.end, voice)]}
            content["note"] = " ".join(dict.fromkeys(notes))
            return content, _citations(ctx.passages)
        if asks.ambitious:
            notes.append("Not followed: more ambitious goals — in the completion phase the "
                         "guideline asks for consolidation, not new stretch goals.")
    # a failed date check moves default dates earlier; a note asking for a date is not one
    strict = "dates" in feedback.checks and not (asks.later or asks.earlier)
    day = default_target(w, strict) if not completion else (dates[0] if dates else None)
    for index, text in enumerate(chosen or [ctx.topic or ""]):
        goal = read_goal(text, ctx.today) if text else None
        if goal is None or goal.thin:
            words = goal.words if goal else ("A goal your mentee brings to the program" if mentor
                                             else "A development goal for this program")
            if goal:
                notes.append(f"\"{goal.words}\" is too thin for an honest SMART-ER goal "
                             f"({goal.thin}), so a worksheet of questions comes instead.")
            content["worksheets"].append(worksheet(words, day, voice))
            continue
        if dates is not None:
            target, points = dates
            content["goals"].append(_consolidation(goal, w, target, points, who))
            continue
        drafted = _smart_goal(goal, w, index, asks, strict, who, notes)
        if drafted is None:
            return {"goals": [], "note": "No SMART-ER goals drafted: no date is left inside the "
                                         f"program after {ctx.today.isoformat()} with room for "
                                         "checkpoints."}, []
        content["goals"].append(drafted)
    if not content["worksheets"]:
        del content["worksheets"]
    citations = _citations(ctx.passages)
    if not citations:
        notes.append("No SMART-ER guideline passage was among the retrieved passages; check "
                     "these goals against the SMART-ER guideline by hand.")
    if notes:
        content["note"] = " ".join(dict.fromkeys(notes))
    return content, citations


def _citations(passages: list[Passage]) -> list[dict[str, str]]:
    guide = [p for p in passages if str(p.get("source", "")).endswith(SOURCE)]
    citations: list[dict[str, str]] = []
    for key, words in _CITE_ORDER:
        for passage in guide:
            if key in str(passage.get("heading", "")).lower().replace("smart-er goals >", ""):
                cite(citations, passage, _excerpt(passage, words))
                break
    if not citations and guide:
        cite(citations, guide[0], _excerpt(guide[0], ("smart-er",)))
    return citations


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


def closing_worksheet(texts: list[str], end: Any, voice: str) -> dict[str, Any]:
    """Questions to close the program's goals with, when no new goal fits in the time left."""
    you, your = ("your mentee", "their") if voice == "mentor" else ("you", "your")
    goal = ("Closing the goals of this program" if not texts else
            f"Closing the goals of this program, starting with: {read_goal(texts[0], end).core}")
    return {"goal": goal[:590], "questions": [
        f"What evidence shows which of {your} goals {you} reached?",
        f"Which goal would {you} carry forward beyond {end}?",
        f"What helped {you} most in working on {your} goals?",
        f"Who will {you} ask for support to keep going after the program?",
    ]}
