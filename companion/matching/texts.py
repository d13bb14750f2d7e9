"""What gets embedded: each mentee goal on its own, each mentor's expertise as phrases."""

from __future__ import annotations

import re

from companion.domain import Participant

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9\"'(])")
MIN_PHRASE_WORDS = 6
MAX_PHRASES = 6


def goal_texts(person: Participant) -> list[str]:
    """A mentee's goals, one text each (several goals are matched goal by goal)."""
    return list(person.goals)


def expertise_phrases(person: Participant) -> list[str]:
    """A mentor's expertise split into phrases (so a reason can quote the one that matched),
    plus the skills as one phrase. Short sentences are merged into their neighbour; a mentor
    with no expertise text is described by title and department."""
    phrases: list[str] = []
    for sentence in _SENTENCE_END.split(person.expertise or ""):
        sentence = sentence.strip()
        if not sentence:
            continue
        if phrases and len(phrases[-1].split()) < MIN_PHRASE_WORDS:
            phrases[-1] = f"{phrases[-1]} {sentence}"
        else:
            phrases.append(sentence)
    if len(phrases) > MAX_PHRASES:  # keep the matrix bounded for very long profiles
        head, tail = phrases[:MAX_PHRASES - 1], phrases[MAX_PHRASES - 1:]
        phrases = [*head, " ".join(tail)]
    if person.skills:
        phrases.append("Skills: " + ", ".join(person.skills))
    if not phrases:
        described = " in ".join(filter(None, [person.title, person.department]))
        phrases.append(described or person.name)
    return phrases


def shorten(text: str, limit: int = 110) -> str:
    """A quotable excerpt: whole words, an ellipsis when cut."""
    if len(text) > 2 * limit:
        # Long text: the excerpt comes from its start. Whitespace-normalising a prefix gives a
        # prefix of the normalised text, so when that is already longer than `limit` the rest
        # need not be normalised (goals run to ~300 characters; reasons quote 20,000 of them).
        head = " ".join(text[:2 * limit].split())
        if len(head) > limit:
            return _cut(head, limit)
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return _cut(text, limit)


def _cut(text: str, limit: int) -> str:
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return f"{cut}…"
