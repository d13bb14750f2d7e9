"""Guideline files to passages: front matter, then heading-aware chunks.

A file is YAML front matter (`title` required; `topics`, `phase`, `audience`, `kind`
optional) followed by Markdown: `# Title`, an optional introduction, then `##` sections that may
hold `###` sub-sections. Each `##` section becomes one passage; a long one (more than
`SPLIT_WORDS` words) becomes one passage per `###` sub-section instead (plus one for the text
before its first `###`), and any passage still too long is cut between paragraphs into parts.
The text is kept verbatim — bullets, bold, numbering — so the drafter can parse agenda lines.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import yaml

from companion.domain.passages import Passage
from companion.errors import BadInputError

#: Bump when chunking changes: stored files are then re-chunked on the next ingest.
CHUNKER_VERSION = "2"
#: A `##` section longer than this is split into its `###` sub-sections; any passage longer
#: than this is split between paragraphs.
SPLIT_WORDS = 350
#: Session templates and conversation frameworks are used whole (a framework's stages, a
#: template's agenda, preparation and notes belong together), so their sections are split
#: only beyond this length.
WHOLE_KINDS = ("template", "framework")
WHOLE_WORDS = 1200

PHASES = ("launch", "development", "completion", "all")
KINDS = ("guide", "template", "framework", "question_bank")

_HEADING = re.compile(r"^(#{1,3})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^[ \t]*(```|~~~)")
_CLOSING = re.compile(r"^---[ \t]*$", re.M)
# A session template names its own phase ("Phase: completion") under a file marked "all".
_SECTION_PHASE = re.compile(r"^Phase:[ \t]*(launch|development|completion)[ \t]*$", re.M)


def content_hash(data: bytes) -> str:
    """What decides whether a stored file is up to date: its bytes and the chunker version."""
    return hashlib.sha256(CHUNKER_VERSION.encode() + b"\0" + data).hexdigest()[:32]


def embedding_text(passage: Passage) -> str:
    """What gets embedded: the heading path gives a short section its context."""
    return f"{passage.heading}\n\n{passage.text}"


def slugify(text: str) -> str:
    """`Session templates > Regular session` -> `session-templates-regular-session`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "section"


def _names_list(value: Any, key: str, source: str) -> list[str]:
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str | int | float) for i in items):
        raise BadInputError(f"{source}: front matter '{key}' must be a list of words, "
                            f"e.g. {key}: [feedback, goals]", field=key)
    names = [str(i).strip() for i in items if str(i).strip()]
    if any("," in n for n in names):
        raise BadInputError(f"{source}: front matter '{key}' items must not contain commas",
                            field=key)
    return names


def _choice(front: dict[str, Any], key: str, allowed: tuple[str, ...], default: str,
            source: str) -> str:
    value = front.get(key, default)
    if value not in allowed:
        raise BadInputError(f"{source}: front matter '{key}' is {value!r}; use one of "
                            f"{', '.join(allowed)}", field=key)
    return str(value)


def parse_front_matter(text: str, source: str) -> tuple[dict[str, Any], str]:
    """The validated front matter (title, topics, phase, audience, kind) and the body."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    how = ("a guideline file starts with a '---' line, YAML with at least 'title: ...', "
           "and a closing '---' line")
    if not text.startswith("---\n"):
        raise BadInputError(f"{source}: no front matter; {how}", field="front_matter")
    closing = _CLOSING.search(text, 4)
    if closing is None:
        raise BadInputError(f"{source}: front matter is not closed; {how}",
                            field="front_matter")
    try:
        front = yaml.safe_load(text[4:closing.start()])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise BadInputError(f"{source}: front matter is not valid YAML{where}: {problem}",
                            field="front_matter") from exc
    if not isinstance(front, dict):
        raise BadInputError(f"{source}: front matter must be key: value lines; {how}",
                            field="front_matter")
    title = front.get("title")
    if not isinstance(title, str) or not title.strip():
        raise BadInputError(f"{source}: front matter has no 'title'; add e.g. "
                            "'title: Mentor guide'", field="title")
    meta = {
        "title": title.strip(),
        "topics": _names_list(front.get("topics"), "topics", source),
        "phase": _choice(front, "phase", PHASES, "all", source),
        "audience": _names_list(front.get("audience"), "audience", source),
        "kind": _choice(front, "kind", KINDS, "guide", source),
    }
    return meta, text[closing.end():].lstrip("\n")


@dataclass
class _Section:
    heading: str
    lines: list[str] = field(default_factory=list)
    subsections: list[_Section] = field(default_factory=list)


def _outline(body: str) -> tuple[str | None, list[str], list[_Section]]:
    """The `#` title, the introduction's lines and the `##` sections (with their `###`)."""
    title: str | None = None
    intro: list[str] = []
    sections: list[_Section] = []
    in_fence = False
    for line in body.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        level = len(match[1]) if match else 0
        if match and level == 1 and title is None and not sections and not "".join(intro).strip():
            title = match[2]
            continue
        if level == 2 and match:
            sections.append(_Section(match[2]))
            continue
        if not sections:
            intro.append(line)
            continue
        section = sections[-1]
        if level == 3 and match:
            section.subsections.append(_Section(match[2]))
        (section.subsections[-1] if section.subsections else section).lines.append(line)
    return title, intro, sections


def _words(text: str) -> int:
    return len(text.split())


def _parts(text: str, limit: int = SPLIT_WORDS) -> list[str]:
    """`text` cut between paragraphs into about equal parts of at most ~`limit` words
    (a single longer paragraph stays whole)."""
    total = _words(text)
    if total <= limit:
        return [text]
    paragraphs = [p.strip() for p in re.split(r"\n[ \t]*\n", text) if p.strip()]
    target = total / math.ceil(total / limit)
    parts: list[list[str]] = [[]]
    size = 0
    for paragraph in paragraphs:
        words = _words(paragraph)
        if parts[-1] and size + words / 2 > target:
            parts.append([])
            size = 0
        parts[-1].append(paragraph)
        size += words
    return ["\n\n".join(p) for p in parts]


def _pieces(title: str, intro: list[str], sections: list[_Section], limit: int = SPLIT_WORDS
            ) -> list[tuple[str, str, str | None]]:
    """(heading path, text, section phase) for every non-empty chunk, in file order."""
    pieces: list[tuple[str, str, str | None]] = [(title, "\n".join(intro).strip(), None)]
    for section in sections:
        path = f"{title} > {section.heading}"
        own = "\n".join(section.lines).strip()
        whole = "\n".join(section.lines + [line for sub in section.subsections
                                           for line in sub.lines]).strip()
        phase_line = _SECTION_PHASE.search(own)
        phase = phase_line[1] if phase_line else None
        if section.subsections and _words(whole) > limit:
            pieces.append((path, own, phase))
            pieces.extend((f"{path} > {sub.heading}", "\n".join(sub.lines[1:]).strip(), phase)
                          for sub in section.subsections)
        else:
            pieces.append((path, whole, phase))
    return [p for p in pieces if p[1]]


def chunk_text(text: str, source: str) -> list[Passage]:
    """The passages of one guideline file's text; `source` is its stable name, e.g.
    `knowledge/mentor-guide.md`. Raises BadInputError naming `source` when the front matter
    is missing or wrong, or the file has no text to retrieve."""
    meta, body = parse_front_matter(text, source)
    _heading, intro, sections = _outline(body)
    passages: list[Passage] = []
    seen: set[str] = set()
    limit = WHOLE_WORDS if meta["kind"] in WHOLE_KINDS else SPLIT_WORDS
    for heading, chunk, phase in _pieces(meta["title"], intro, sections, limit):
        slug = base = slugify(heading)
        n = 1
        while f"{source}#{slug}" in seen:  # two sections with the same heading path
            n += 1
            slug = f"{base}-{n}"
        seen.add(f"{source}#{slug}")
        for number, part in enumerate(_parts(chunk, limit), 1):
            passages.append(Passage(
                id=f"{source}#{slug}" + (f"~{number}" if number > 1 else ""), source=source,
                heading=heading, text=part, title=meta["title"], topics=meta["topics"],
                phase=phase or meta["phase"], audience=meta["audience"], kind=meta["kind"]))
    if not passages:
        raise BadInputError(f"{source}: no text to retrieve after the front matter; add a "
                            "'# Title' and '## Section' headings with text", field="body")
    return passages
