"""What the guidelines offer a draft: the conversation frameworks, the question-bank
competencies and the session templates of `knowledge/`, each with the text that says when it
fits. The planner ranks these options against a request; the drafter then works from the
chosen options' passages.

Read from the Markdown files themselves (the structure `knowledge/` documents: `## Name`, then
`### When to use`, `### Stage: …`, `### Before a session`, `Phase:` and `Duration:` lines), so
an organisation's own guidelines with the same structure are offered too.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

FRAMEWORKS = "conversation-frameworks.md"
QUESTION_BANK = "question-bank.md"
TEMPLATES = "session-templates.md"

_FRONT = re.compile(r"\A---\s*\n.*?\n---\s*\n", re.S)
_DURATION = re.compile(r"^Duration:\s*(\d+)\s*minutes?", re.M | re.I)
_PHASE = re.compile(r"^Phase:\s*(launch|development|completion)\b", re.M | re.I)


@dataclass(frozen=True)
class Option:
    """One framework, competency or session template."""

    kind: str                      # "framework" | "competency" | "template"
    name: str
    description: str               # what is embedded: the name and when it fits
    phase: str | None = None       # a template's phase
    minutes: int | None = None     # a template's duration
    for_mentor: bool = False       # a framework written for the mentor's own situation
    #: (part, text) pieces matched one by one: a framework's name, each sentence and quoted
    #: example of its "When to use"; a competency's name and each question, by sub-section
    #: ("before a session", "after a session", "questions for the mentor to ask")
    phrases: tuple[tuple[str, str], ...] = ()


@dataclass
class Catalogue:
    """Every option of one knowledge folder, by kind."""

    options: list[Option] = field(default_factory=list)
    #: vectors of `options[i].description`, per embedder name (filled by the planner)
    vectors: dict[str, object] = field(default_factory=dict)

    def of(self, kind: str) -> list[Option]:
        return [o for o in self.options if o.kind == kind]

    def named(self, kind: str, name: str) -> Option | None:
        wanted = _norm(name)
        return next((o for o in self.of(kind) if _norm(o.name) == wanted), None)


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _sections(text: str) -> list[tuple[str, dict[str, str]]]:
    """`## Name` sections of a file: (name, {sub-heading lower-cased: its text}); the text
    before the first `###` is under ""."""
    text = _FRONT.sub("", text)
    found: list[tuple[str, dict[str, str]]] = []
    current: dict[str, str] | None = None
    sub = ""
    for line in text.splitlines():
        if line.startswith("## "):
            current = {}
            found.append((line[3:].strip(), current))
            sub = ""
        elif line.startswith("### ") and current is not None:
            sub = line[4:].strip().lower()
        elif current is not None:
            current[sub] = (current.get(sub, "") + "\n" + line).strip()
    return found


def _first_lines(text: str, limit: int = 6) -> str:
    return " ".join(_bullets(text)[:limit])


def _bullets(text: str) -> list[str]:
    return [line[2:].strip() for line in text.splitlines() if line.startswith("- ")]


def _sentences(text: str) -> list[str]:
    """The sentences of a paragraph, and the situations it quotes ("saying no to your
    manager") as pieces of their own."""
    quoted = re.findall(r"[\"“]([^\"”]{8,120})[\"”]", text)
    plain = re.sub(r"[\"“][^\"”]*[\"”]", " ", text)
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|;|—|: ", plain)
                 if len(re.findall(r"[A-Za-z]{2,}", s)) >= 3]
    return quoted + sentences


def parse_catalogue(folder: Path) -> Catalogue:
    """The options of the guideline files in `folder` (missing files offer nothing)."""
    options: list[Option] = []
    path = folder / FRAMEWORKS
    if path.is_file():
        for name, subs in _sections(path.read_text(encoding="utf-8")):
            if not any(k.startswith("stage:") for k in subs):
                continue
            when = subs.get("when to use", "")
            mentor = bool(re.search(r"\b(for|as) the mentor\b|mentee seems|your mentee",
                                    f"{name} {when}", re.I)) and "mentee" in name.lower()
            phrases = (("name", name), *(("when", x) for x in _sentences(when)))
            options.append(Option("framework", name, f"{name}. {when}".strip(),
                                  for_mentor=mentor, phrases=phrases))
    path = folder / QUESTION_BANK
    if path.is_file():
        for name, subs in _sections(path.read_text(encoding="utf-8")):
            questions = _first_lines(subs.get("before a session", ""), 6)
            if not questions:
                continue
            pieces: list[tuple[str, str]] = [("name", name)]
            for sub in ("before a session", "after a session",
                        "questions for the mentor to ask"):
                pieces += [(sub, q) for q in _bullets(subs.get(sub, "")) if q.endswith("?")]
            options.append(Option("competency", name, f"{name}. {questions}",
                                  phrases=tuple(pieces)))
    path = folder / TEMPLATES
    if path.is_file():
        for name, subs in _sections(path.read_text(encoding="utf-8")):
            if "agenda" not in subs:
                continue
            intro = subs.get("", "")
            minutes = _DURATION.search(intro)
            phase = _PHASE.search(intro)
            body = " ".join(line for line in intro.splitlines()
                            if not re.match(r"^(Phase|Duration):", line))
            options.append(Option("template", name, f"{name}. {body}".strip(),
                                  phase=phase[1].lower() if phase else None,
                                  minutes=int(minutes[1]) if minutes else None,
                                  phrases=(("name", name), *(("intro", x)
                                                             for x in _sentences(body)))))
    return Catalogue(options)


_cache: dict[tuple[str, tuple[tuple[str, float], ...]], Catalogue] = {}
_lock = threading.Lock()


def load_catalogue(folder: Path) -> Catalogue:
    """`parse_catalogue(folder)`, cached until one of its files changes."""
    stamp = tuple(sorted((p.name, p.stat().st_mtime) for p in folder.glob("*.md")))
    key = (str(folder.resolve()), stamp)
    with _lock:
        found = _cache.get(key)
        if found is None:
            found = parse_catalogue(folder)
            _cache.clear()
            _cache[key] = found
        return found
