"""Reading the request the way a person wrote it: a clean phrase of it (never cut mid-word),
who the other person in it is, whose voice the draft speaks in, and the plan's directives."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from companion.llm.offline.text import Context, Feedback, stems

_LEAD = re.compile(r"^(?:i (?:want|would like|'d like|need|hope|am trying|plan) to|help me(?: to)?|"
                   r"how (?:can|do|should) i|how to|to|about|preparing for|prepare for|"
                   r"advice on|tips for)\s+", re.I)
_COUNTERPART = re.compile(
    r"\b(?:my|our|the|a|an)\s+((?:new |senior |line |direct |former |regional |two |"
    r"five |six )?(?:boss|manager|director|ceo|cfo|vp|head of \w+|team lead|lead|"
    r"engineer|analysts?|report|team member|peer|colleague|client|customer|stakeholders?|"
    r"mentee|team|deputy|supervisor|board|panel|leadership team|nurses?|team leads))\b", re.I)


def clean_phrase(text: str, limit: int = 70) -> str:
    """`text` as a short phrase that reads whole: lead-ins dropped, cut at a clause boundary
    (comma, dash, 'because', 'so that', 'when', 'and') rather than mid-sentence, no ellipsis.
    '' when nothing short enough remains."""
    text = " ".join(str(text).split()).strip().rstrip(".?!;:")
    text = _LEAD.sub("", text)
    if len(text) <= limit:
        return _lower_first(text)
    for pattern in (r"\s[—–-]\s|[,;:(]", r"\s(?:because|so that|so|since|as|when|while|"
                    r"instead of|without|before|after|and|but|which|who)\s"):
        parts = re.split(pattern, text)
        head = parts[0].strip()
        if 12 <= len(head) <= limit:
            return _lower_first(head)
    words = text.split()
    head = ""
    for word in words:  # the last resort: whole words, and only if it reads as a phrase
        if len(head) + len(word) + 1 > limit:
            break
        head = f"{head} {word}".strip()
    head = re.sub(r"\s+(?:the|a|an|my|our|to|of|for|with|and|or|in|on|at|by)$", "", head,
                  flags=re.I)
    return _lower_first(head)


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and not text[1].isupper() and \
            not re.match(r"^(I|I'm|I've)\b", text):
        return text[0].lower() + text[1:]
    return text


def counterpart(text: str | None, voice: str) -> str | None:
    """The other person the situation is about, as the reader would say it ("your boss",
    "the senior engineer"), or None."""
    if not text:
        return None
    match = _COUNTERPART.search(text)
    if not match:
        return None
    who = match[1].lower()
    owner = match[0].split()[0].lower()
    if voice == "mentor" and who == "mentee":
        return "your mentee"
    return f"your {who}" if owner in ("my", "our") else f"the {who}"


def subject(ctx: Context) -> str:
    """What the draft is about: the topic, else the first goal (for a mentor with no topic:
    their mentee's first shared goal)."""
    if ctx.topic:
        return ctx.topic
    if ctx.goals:
        return ctx.goals[0]
    partner_goals = (ctx.partner or {}).get("goals") or []
    if isinstance(partner_goals, str):
        partner_goals = [partner_goals]
    return str(partner_goals[0]) if partner_goals else ""


_GENERIC = stems("what i learned learning after before the our this last next session meeting "
                 "mentor mentee reflect reflection prepare preparing questions agenda notes "
                 "capture today takeaways")


def theme(ctx: Context) -> str:
    """What the content should be about: the topic, and the goals too when the topic only
    names the occasion ("what I learned after the session")."""
    topic = ctx.topic or ""
    if len(stems(topic) - _GENERIC) >= 1:
        return topic
    goals = ctx.goals or [str(g) for g in ((ctx.partner or {}).get("goals") or [])]
    return " ".join([topic, *goals[:2]]).strip()


def overlap(a: str, b: str) -> int:
    return len(stems(a) & stems(b))


@dataclass
class Directives:
    """The plan's reading of the reviewer's note, with the offline drafter's own reading
    (`read_feedback`) as the fallback when no plan came."""

    exclude: list[str] = field(default_factory=list)
    focus: list[str] = field(default_factory=list)
    framework: str | None = None
    count: int | None = None
    shorter: bool = False
    longer: bool = False
    unfollowed: list[str] = field(default_factory=list)
    followed: list[str] = field(default_factory=list)   # filled in by the drafters

    @property
    def any(self) -> bool:
        return bool(self.exclude or self.focus or self.framework or self.count or
                    self.shorter or self.longer or self.unfollowed)


def directives(ctx: Context, feedback: Feedback) -> Directives:
    note: dict[str, Any] = ctx.plan.get("note") or {}
    found = Directives(
        exclude=[str(x) for x in note.get("exclude") or []],
        focus=[str(x) for x in note.get("focus") or []],
        framework=note.get("framework") or None, count=note.get("count") or None,
        shorter=bool(note.get("shorter")), longer=bool(note.get("longer")),
        unfollowed=[str(x) for x in note.get("unfollowed") or []])
    if not note and feedback.notes:  # no plan: the words of the note are its focus
        found.focus = list(feedback.notes)
        found.shorter = "fewer" in feedback.checks
    if "fewer" in feedback.checks:
        found.shorter = True
    return found


def excluded(text: str, rules: Directives) -> bool:
    """Whether `text` is about a theme the reviewer asked to leave out."""
    return any(overlap(text, theme) >= max(1, min(2, len(stems(theme)))) for theme in
               rules.exclude)


def rationale_note(rules: Directives) -> str | None:
    """The remark for the reviewer: what of the note was done, and what could not be."""
    parts = []
    if rules.followed:
        parts.append("Following the reviewer's note: " + "; ".join(rules.followed) + ".")
    if rules.unfollowed:
        parts.append("Not done: " + "; ".join(rules.unfollowed) + ".")
    return " ".join(parts) or None
