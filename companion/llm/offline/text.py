"""What the offline drafter reads: the agent's context block, its feedback, and the structure
of the guideline passages it was given (sections, sub-sections, bullet lines).

Retrieval may hand over a whole `##` section (with its `###` sub-headings in the text) or
smaller chunks whose heading path names the sub-section ("Session templates > Kickoff session >
Agenda"); both read the same here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

CONTEXT_BLOCK = re.compile(r"```json context[ \t]*\n(.*?)\n[ \t]*```", re.S)
_WORD = re.compile(r"[a-z][a-z'-]+")
_STOP = frozenset("""about after again also and any are because been before being better both
but can could did does doing each from have having here how into its just like make more most
much need needs other our over same should some such than that the their them then there these
they this those through under until very want wants was well were what when where which while
who why will with would your yours able get getting help work working really something
someone thing things session sessions mentor mentee today next time week month""".split())

Passage = dict[str, Any]


def stems(text: str) -> set[str]:
    """Crude stems for word-overlap matching: lower-case words of 4+ letters, stop words out,
    cut to 5 letters so 'delegate'/'delegation' and 'present'/'presence' meet."""
    words = (w.strip("'-") for w in _WORD.findall(text.lower()))
    return {w.rstrip("s")[:5] if len(w) > 4 else w for w in words
            if len(w) >= 4 and w not in _STOP}


def rarity(documents: list[set[str]]) -> dict[str, float]:
    """1 / (how many documents carry the stem): 'team' is everywhere, 'delegate' is not."""
    counts: dict[str, int] = {}
    for words in documents:
        for word in words:
            counts[word] = counts.get(word, 0) + 1
    return {word: 1 / count for word, count in counts.items()}


def short(text: str, limit: int = 80) -> str:
    """`text` on one line, cut at a word boundary to at most `limit` characters."""
    text = " ".join(text.split()).strip().rstrip(".;:,")
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(".;:,") + "…"


def first_sentence(line: str) -> str:
    """The first sentence of `line` (a substring of it, so still an exact excerpt)."""
    match = re.search(r"[.?!](\s|$)", line)
    return line[: match.start() + 1] if match else line


# --- the agent's context ---------------------------------------------------------------------
@dataclass
class Context:
    """The parsed ```json context block."""

    kind: str
    topic: str | None
    phase: str
    today: date
    program: dict[str, Any]
    requester: dict[str, Any]
    partner: dict[str, Any] | None
    passages: list[Passage]
    feedback: list[str]
    #: the drafting layer's plan (framework, competencies, template, voice, the reviewer's
    #: note read as directives); {} when the agent sent none
    plan: dict[str, Any] = field(default_factory=dict)
    #: the pair's meetings so far (an agenda's: days since the last session, `lapsed`, the
    #: last session's action items, goal checkpoints due); {} when there is no pairing
    session: dict[str, Any] = field(default_factory=dict)

    @property
    def voice(self) -> str:
        """Whom the draft speaks to: "mentor" or "mentee"."""
        voice = self.plan.get("voice")
        if voice in ("mentor", "mentee"):
            return str(voice)
        return "mentor" if self.requester.get("role") == "mentor" else "mentee"

    @property
    def goals(self) -> list[str]:
        raw = self.requester.get("goals") or []
        if isinstance(raw, str):
            raw = re.split(r"\n\s*\n|;;", raw)
        return [" ".join(str(g).split()) for g in raw if str(g).strip()]


class ContextError(ValueError):
    """The messages carry no usable context block."""


def parse_context(messages: list[dict[str, Any]]) -> Context:
    """The context block at the end of the last user message."""
    users = [m for m in messages if m.get("role") == "user"]
    text = _text(users[-1].get("content")) if users else ""
    blocks = CONTEXT_BLOCK.findall(text)
    if not blocks:
        raise ContextError("the last user message has no ```json context block")
    try:
        data = json.loads(blocks[-1])
    except json.JSONDecodeError as exc:
        raise ContextError(f"the context block is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ContextError("the context block is not a JSON object")
    try:
        today = date.fromisoformat(str(data.get("today")))
    except ValueError as exc:
        raise ContextError(f"context 'today' is not a YYYY-MM-DD date: {exc}") from exc
    passages = [p for p in data.get("passages") or [] if isinstance(p, dict)
                and isinstance(p.get("text"), str)]
    return Context(
        kind=str(data.get("kind") or ""), topic=(str(data["topic"]).strip() or None)
        if data.get("topic") else None, phase=str(data.get("phase") or "development"),
        today=today, program=dict(data.get("program") or {}),
        requester=dict(data.get("requester") or {}), partner=data.get("partner") or None,
        passages=passages, feedback=[str(f) for f in data.get("feedback") or [] if str(f).strip()],
        plan=dict(data.get("plan") or {}) if isinstance(data.get("plan"), dict) else {},
        session=dict(data["session"]) if isinstance(data.get("session"), dict) else {},
    )


def _text(content: Any) -> str:
    if isinstance(content, list):  # OpenAI content parts
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return str(content or "")


# --- feedback --------------------------------------------------------------------------------
_CHECKS = {
    "minutes": re.compile(r"minute|duration|\bsums?\b|add up", re.I),
    "dates": re.compile(r"\bdates?\b|time[_ -]?bound|checkpoint|evaluated|after today|"
                        r"program end|inside the program", re.I),
    "citations": re.compile(r"citation|\bcite|excerpt|grounded|passage", re.I),
    "fewer": re.compile(r"too many|at most|fewer|shorter", re.I),
    "more": re.compile(r"too few|at least|more questions|not enough", re.I),
}
_REVIEWER = re.compile(r"^\s*(reviewer|review|note|comment)[^:]{0,40}:\s*", re.I)
#: How the agent reports a failed check: "- agenda_minutes: items add up to ...".
_MACHINE = re.compile(r"^\s*(-\s*[a-z][a-z_]*\s*:|[a-z]+_[a-z_]+\s*:|check\b)", re.I)


@dataclass
class Feedback:
    """Failed checks (what to fix) and a reviewer's free-text notes (what to reflect)."""

    checks: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.checks or self.notes)

    @property
    def note_text(self) -> str:
        return " ".join(self.notes)


def read_feedback(items: list[str]) -> Feedback:
    """Every line is scanned for what to fix (minutes, dates, citations, counts). A line marked
    as a reviewer's ("Reviewer feedback on the previous draft: ...") or written as free text is
    also a note to reflect in the draft; a failed check ("- smart_er: ...") never is."""
    result = Feedback()
    for item in items:
        result.checks |= {name for name, pattern in _CHECKS.items() if pattern.search(item)}
        reviewer = _REVIEWER.match(item)
        if reviewer or not _MACHINE.match(item):
            note = item[reviewer.end():] if reviewer else item
            if note.strip().lower() not in {"", "none", "null"}:
                result.notes.append(short(note, 200))
    return result


# --- passages as sections --------------------------------------------------------------------
@dataclass
class Line:
    """One line of guideline text and the passage it came from."""

    text: str
    passage: Passage


@dataclass
class Section:
    """A `##` section of one guideline file, put back together from its passages."""

    name: str
    passages: list[Passage] = field(default_factory=list)
    lines: dict[str, list[Line]] = field(default_factory=dict)  # sub-section -> lines

    def sub(self, name: str) -> list[Line]:
        """Lines of the first sub-section whose name starts with `name` (case-insensitive)."""
        for key, lines in self.lines.items():
            if key.lower().startswith(name.lower()):
                return lines
        return []

    def bullets(self, sub: str) -> list[Line]:
        return [line for line in self.sub(sub) if line.text.startswith("- ")]

    def subsections(self, prefix: str) -> list[tuple[str, list[Line]]]:
        return [(k, v) for k, v in self.lines.items() if k.lower().startswith(prefix.lower())]


def sections(passages: list[Passage], source: str) -> list[Section]:
    """The sections of guideline file `source` (e.g. 'session-templates.md') among
    `passages`, in the order retrieval ranked them."""
    found: dict[str, Section] = {}
    for passage in passages:
        if not str(passage.get("source", "")).endswith(source):
            continue
        path = [p.strip() for p in str(passage.get("heading", "")).split(">") if p.strip()]
        if len(path) > 1 and _norm(path[0]) == _norm(source.removesuffix(".md")):
            path = path[1:]  # the file's title leads the heading path
        name = path[0] if path else ""
        sub = path[1] if len(path) > 1 else ""
        for raw in str(passage["text"]).splitlines():
            text = raw.strip()
            heading = re.match(r"^(#{2,4})\s+(.+)$", text)
            if heading and heading[1] == "##":
                name, sub = heading[2].strip(), ""
                continue
            if heading:
                sub = heading[2].strip()
                continue
            section = found.setdefault(name, Section(name))
            if not section.passages or section.passages[-1] is not passage:
                section.passages.append(passage)
            if text:
                section.lines.setdefault(sub, []).append(Line(text, passage))
    return list(found.values())


def _norm(text: str) -> str:
    return " ".join(re.split(r"[^a-z0-9]+", text.lower())).strip()


def citation(passage: Passage, excerpt: str) -> dict[str, str] | None:
    """A citation of `passage`, or None if `excerpt` is not an exact substring of its text."""
    excerpt = excerpt.strip()
    if not excerpt or excerpt not in str(passage.get("text", "")):
        return None
    return {"passage_id": str(passage.get("id", "")), "source": str(passage.get("source", "")),
            "heading": str(passage.get("heading", "")), "excerpt": excerpt}


def cite(citations: list[dict[str, str]], passage: Passage, excerpt: str) -> None:
    """Add a citation of `passage` unless it is already cited or the excerpt is not exact."""
    if any(c["passage_id"] == str(passage.get("id", "")) for c in citations):
        return
    found = citation(passage, excerpt)
    if found:
        citations.append(found)


def bullet_text(line: Line) -> str:
    """A bullet line without its '- ' marker."""
    return line.text[2:].strip() if line.text.startswith("- ") else line.text
