"""Boilerplate drafts of reflection questions, from the question-bank.md passages given."""

from __future__ import annotations

import re
from typing import Any

from companion.evals.boilerplate.text import (
    Context,
    Feedback,
    Line,
    Section,
    bullet_text,
    cite,
    rarity,
    sections,
    short,
    stems,
)

SOURCE = "question-bank.md"
_AFTER = re.compile(r"\bafter\b|follow[- ]?up|debrief|captur|looking back|what i learned|"
                    r"\bsince (the|our) (last )?session", re.I)
#: Questions taken from the best, second and third competency (6–8 in all).
QUOTAS = {"default": (3, 2, 2), "fewer": (3, 2, 1), "more": (4, 2, 2)}


def _side(ctx: Context, feedback: Feedback) -> str:
    wording = " ".join(filter(None, [ctx.topic, feedback.note_text]))
    return "after" if _AFTER.search(wording) else "before"


def _questions(section: Section, side: str) -> tuple[str, list[Line]]:
    """The competency's questions for `side`, or the other side's if only those were given."""
    for when in (side, "after" if side == "before" else "before"):
        lines = [line for line in section.bullets(f"{when} a session")
                 if line.text.rstrip().endswith("?")]
        if lines:
            return when, lines
    return side, []


def draft_questions(ctx: Context,
                    feedback: Feedback) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """6–8 open questions from the competencies that best match the goals and topic."""
    side = _side(ctx, feedback)
    competencies = [(s, *_questions(s, side)) for s in sections(ctx.passages, SOURCE)]
    competencies = [c for c in competencies if c[2]]
    if not competencies:
        return ({"questions": [], "note": "No question-bank passage was among the retrieved "
                 "guideline passages, so no questions are proposed; search the question bank "
                 "and try again."}, [])

    names = [stems(c[0].name) for c in competencies]
    bodies = [stems(" ".join(line.text for line in c[2])) for c in competencies]
    weight = rarity([n | b for n, b in zip(names, bodies, strict=True)])

    def score(query: set[str], item: tuple[Section, str, list[Line]]) -> float:
        index = competencies.index(item)
        return sum(3 * weight[w] for w in query & names[index]) + \
            sum(weight[w] for w in query & bodies[index])

    # Each of the note, the topic and the goals (in that order) gets its best competency.
    queries = [stems(text) for text in [feedback.note_text, ctx.topic or "", *ctx.goals]]
    quota = QUOTAS["fewer" if "fewer" in feedback.checks else
                   "more" if "more" in feedback.checks else "default"]
    ranked: list[tuple[Section, str, list[Line]]] = []
    for query in [q for q in queries if q]:
        fits = [c for c in competencies if c not in ranked and score(query, c) > 0]
        if fits and len(ranked) < len(quota):
            ranked.append(max(fits, key=lambda c: score(query, c)))  # ties: retrieval order
    wanted = set().union(*queries)
    ranked += sorted((c for c in competencies if c not in ranked),
                     key=lambda c: score(wanted, c), reverse=True)
    target = sum(quota)
    chosen: dict[int, list[Line]] = {}
    for index, (_, _, lines) in enumerate(ranked[: len(quota)]):
        chosen[index] = _best(lines, wanted, quota[index])
    for index, (_, _, lines) in enumerate(ranked):  # too few competencies: fill from the best
        missing = target - sum(len(v) for v in chosen.values())
        if missing <= 0:
            break
        spare = [line for line in lines if line not in chosen.get(index, [])]
        chosen.setdefault(index, []).extend(_best(spare, wanted, missing))

    questions: list[dict[str, str]] = []
    citations: list[dict[str, str]] = []
    for index in sorted(chosen):
        section, when, lines = ranked[index]
        picked = [line for line in lines if line in chosen[index]]  # keep the bank's order
        why = _why(ctx, section, feedback)
        for line in picked:
            moment = "to reflect on before the session" if when == "before" else \
                "to capture learning after the session"
            questions.append({"text": bullet_text(line),
                              "purpose": f"{section.name} — {moment}: {why}"})
        for line in picked:
            cite(citations, line.passage, bullet_text(line))
    content: dict[str, Any] = {"questions": questions}
    if len(questions) < 6:
        content["note"] = (f"Only {len(questions)} fitting questions were among the retrieved "
                           "passages.")
    return content, citations


def _best(lines: list[Line], words: set[str], count: int) -> list[Line]:
    ranked = sorted(lines, key=lambda line: len(words & stems(line.text)), reverse=True)
    return ranked[:count]


def _why(ctx: Context, section: Section, feedback: Feedback) -> str:
    name = stems(section.name)
    if name & stems(feedback.note_text):
        return f"the reviewer asked for this (\"{short(feedback.note_text, 70)}\")."
    for goal in ctx.goals:
        if name & stems(goal):
            return f"it builds on your goal \"{short(goal, 70)}\"."
    if ctx.topic:
        return f"it supports the topic \"{short(ctx.topic, 70)}\"."
    if ctx.goals:
        return f"it helps you prepare to work on \"{short(ctx.goals[0], 70)}\"."
    return "a general reflection for your next session."
