"""Offline drafts of reflection questions, from the question-bank.md passages given.

The competencies are the plan's (chosen by meaning in the drafting layer: the best one, and
the next only when it is nearly as close — never padding with off-topic sections); without a
plan, those sharing the rarest words with the situation. A mentee gets the bank's first-person
questions to reflect on before (or, for a session just held, after) a session; a mentor gets
questions to ask their mentee — the bank's own mentor questions when given, else the mentee's
questions turned into the second person."""

from __future__ import annotations

import re
from typing import Any

from companion.llm.offline.situation import (
    Directives,
    anchored,
    clean_phrase,
    directives,
    excluded,
    followed_lists,
    gerund,
    overlap,
    rationale_note,
    theme,
)
from companion.llm.offline.text import (
    Context,
    Feedback,
    Line,
    Section,
    bullet_text,
    cite,
    rarity,
    sections,
    stems,
)

SOURCE = "question-bank.md"
DEFAULT_COUNT = 6
SHORT_COUNT = 4
LONG_COUNT = 8
LEAST, MOST = 3, 12  # the content shape's bounds
_AFTER = re.compile(r"\b(?:after|since|following) (?:the|our|this|today'?s|last) (?:mentoring )?"
                    r"(?:session|meeting with my mentor)|debrief (?:the|our|this) session", re.I)
MENTOR_SUB = "questions for the mentor"


def _lines(section: Section, sub: str) -> list[Line]:
    return [line for line in section.bullets(sub) if line.text.rstrip().endswith("?")]


def _you(question: str) -> str:
    """A first-person reflection question asked of someone else ("my" → "your")."""
    swaps = [(r"\bI am\b", "you are"), (r"\bI'm\b", "you're"), (r"\bI've\b", "you've"),
             (r"\bI was\b", "you were"), (r"\bam I\b", "are you"), (r"\bwas I\b", "were you"),
             (r"\bI\b", "you"), (r"\bmy\b", "your"), (r"\bMy\b", "Your"), (r"\bme\b", "you"),
             (r"\bmyself\b", "yourself"), (r"\bmine\b", "yours")]
    for pattern, repl in swaps:
        question = re.sub(pattern, repl, question)
    return question[:1].upper() + question[1:]


def _questions(section: Section, ctx: Context, side: str) -> tuple[str, list[Line], bool]:
    """(how they are used, the lines, whether they need turning into the second person)."""
    if ctx.voice == "mentor":
        own = _lines(section, MENTOR_SUB)
        if own:
            return "to ask your mentee", own, False
        lines = _lines(section, "before a session") or _lines(section, "after a session")
        return "to ask your mentee", lines, True
    for when in (side, "after" if side == "before" else "before"):
        lines = _lines(section, f"{when} a session")
        if lines:
            moment = ("to reflect on before the session" if when == "before" else
                      "to capture what you learned after the session")
            return moment, lines, False
    return "", [], False


def _ranked(ctx: Context, found: list[Section], rules: Directives) -> list[tuple[Section, str]]:
    """(competency, why) in the order to use them."""
    by_name = {s.name.strip().lower(): s for s in found}
    planned = [(by_name[str(c.get("name", "")).strip().lower()], str(c.get("reason", "")))
               for c in ctx.plan.get("sections") or []
               if str(c.get("name", "")).strip().lower() in by_name]
    if planned:
        return [(s, why) for s, why in planned if not excluded(s.name, rules)] or planned[:1]
    # No plan: for the reviewer's focus, then the topic (or each goal when the topic only
    # names the occasion), the competency sharing the rarest words with it.
    candidates = [s for s in found if not excluded(s.name, rules)] or found
    texts = [stems(s.name + " " + " ".join(line.text for lines in s.lines.values()
                                          for line in lines)) for s in candidates]
    weight = rarity(texts)
    queries = [*rules.focus, *([ctx.topic] if ctx.topic and theme(ctx) == ctx.topic else
                               ctx.goals[:2] or [theme(ctx)])]
    chosen: list[tuple[Section, str]] = []
    for query in queries:
        words = stems(query)
        scores = {i: sum(weight[w] for w in words & texts[i]) +
                  sum(3 * weight.get(w, 0) for w in words & stems(candidates[i].name))
                  for i in range(len(candidates))}
        best = max((i for i in scores if scores[i] > 0 and
                    all(candidates[i] is not c for c, _ in chosen)),
                   key=lambda i: scores[i], default=None)
        if best is not None and len(chosen) < 2:
            chosen.append((candidates[best], "it shares the most words with the situation"))
    return chosen or [(candidates[0], "the first competency retrieved")]


def draft_questions(ctx: Context,
                    feedback: Feedback) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Open questions from the competencies that fit the situation, in the reader's voice."""
    rules = directives(ctx, feedback)
    side = str(ctx.plan.get("side") or ("after" if _AFTER.search(ctx.topic or "")
                                        else "before"))
    found = [s for s in sections(ctx.passages, SOURCE) if any(
        _lines(s, sub) for sub in ("before a session", "after a session", MENTOR_SUB))]
    if not found:
        return ({"questions": [], "note": "No question-bank passage was among the retrieved "
                 "guideline passages, so no questions are proposed; search the question bank "
                 "and try again."}, [])
    count = DEFAULT_COUNT
    if rules.count:
        count = max(LEAST, min(MOST, rules.count))
        if count == rules.count:
            rules.followed.append(f"{count} questions as asked")
        else:
            rules.unfollowed.append(f"{rules.count} questions: a draft holds {LEAST} to {MOST}")
    elif rules.shorter:
        count = SHORT_COUNT
        rules.followed.append(f"shorter: {count} questions")
    elif rules.longer:
        count = LONG_COUNT
        rules.followed.append(f"longer: {count} questions")
    about = " ".join([theme(ctx), *rules.focus])
    chosen: list[tuple[Section, str, str, Line, bool]] = []
    ranked = _ranked(ctx, found, rules)
    shares = _shares(count, len(ranked))
    planned = {str(c.get("name", "")).strip().lower(): [str(q) for q in c.get("questions") or []]
               for c in ctx.plan.get("sections") or []}
    for (section, why), share in zip(ranked, shares, strict=False):
        moment, lines, turn = _questions(section, ctx, side)
        lines = [line for line in lines if not excluded(line.text, rules)]
        closest = planned.get(section.name.strip().lower()) or []
        texts = [bullet_text(line) for line in lines]
        if closest and rules.exclude:  # the plan left out questions about excluded themes
            lines = [line for line, text in zip(lines, texts, strict=True) if text in closest]
            texts = [bullet_text(line) for line in lines]
        if closest:  # the plan's order: closest in meaning to the situation first
            order = sorted(range(len(lines)), key=lambda i: (
                closest.index(texts[i]) if texts[i] in closest else len(closest), i))
        else:
            order = sorted(range(len(lines)), key=lambda i: (-overlap(lines[i].text, about), i))
        for i in order[:share]:
            chosen.append((section, moment, why, lines[i], turn))
    if len(chosen) < min(count, LEAST):  # too few in the chosen sections: the next best
        for section in found:
            moment, lines, turn = _questions(section, ctx, side)
            for line in lines:
                if len(chosen) >= LEAST:
                    break
                if all(line is not c[3] for c in chosen) and not excluded(line.text, rules):
                    chosen.append((section, moment, "to complete the set", line, turn))
    if rules.exclude:
        rules.followed.append("nothing about " + ", ".join(rules.exclude))
    if rules.focus:
        rules.followed.append("centred on " + ", ".join(clean_phrase(f, 60) or f
                                                        for f in rules.focus))
    questions: list[dict[str, str]] = []
    citations: list[dict[str, str]] = []
    situation = clean_phrase(ctx.topic or "", 80) if ctx.topic and theme(ctx) == ctx.topic \
        else ""
    if rules.focus:  # the reviewer's focus is what the questions are about now
        situation = clean_phrase(rules.focus[0], 80) or situation
    goals = [] if situation else [gerund(clean_phrase(g, 80)) for g in _goals(ctx)]
    introduced: set[str] = set()
    for number, (section, moment, why, line, turn) in enumerate(chosen):
        text = bullet_text(line)
        asked = _you(text) if turn else text
        # the first two thirds of the set are asked about the situation itself, in its words
        # (with no topic: about the goal the question's competency serves)
        about = situation or (goals[0] if len(goals) == 1 else
                              _goal_for(section.name, text, goals))
        # the first question about a situation names it whole, later ones by its key words
        lead = number if about in introduced else 0
        tied = anchored(asked, about, ctx.voice, lead) \
            if number < (2 * len(chosen) + 2) // 3 else None
        if tied:
            introduced.add(about)
        questions.append({"text": tied or asked,
                          "purpose": f"{section.name} — {moment}; {_plain(why)}."})
        cite(citations, line.passage, text)
    content: dict[str, Any] = {"questions": questions}
    content["rationale"] = {
        "sections": [{"name": s.name, "reason": why} for s, why in ranked],
        "side": side, "voice": ctx.voice}
    content["rationale"].update(followed_lists(rules))
    note = rationale_note(rules)
    if len(questions) < LEAST:
        note = (note + " " if note else "") + (f"Only {len(questions)} fitting questions were "
                                               "among the retrieved passages.")
    if note:
        content["note"] = note
    return content, citations


def _shares(count: int, sections_count: int) -> list[int]:
    """How many questions each chosen competency gives: most from the best one."""
    if sections_count <= 1:
        return [count]
    if sections_count == 2:
        first = (count * 2 + 2) // 3
        return [first, count - first]
    first = (count + 1) // 2
    second = (count - first + 1) // 2
    return [first, second, count - first - second]


def _plain(why: str) -> str:
    """A reason without its figures ("(similarity 0.52)"): the reader needs the why."""
    return re.sub(r"\s*\([^)]*\)", "", why).strip() or why


def _goals(ctx: Context) -> list[str]:
    if ctx.goals:
        return ctx.goals
    shared = (ctx.partner or {}).get("goals") or []
    return [str(g) for g in ([shared] if isinstance(shared, str) else shared)]


def _goal_for(competency: str, question: str, goals: list[str]) -> str:
    """The goal a competency's question serves: one sharing a word with the competency's
    name, or two with the question."""
    def fit(goal: str) -> int:
        return 2 * overlap(goal, competency) + overlap(goal, question)

    best = max(goals, key=fit, default="")
    return best if best and fit(best) >= 2 else ""
