"""Guideline files to passages: front matter, heading-aware chunks, stable ids."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from companion.domain.passages import Passage
from companion.errors import BadInputError
from companion.retrieval.chunking import SPLIT_WORDS, chunk_text, slugify
from tests.retrieval.conftest import KNOWLEDGE, guideline

FILES = sorted(KNOWLEDGE.glob("*.md"))
AGENDA_LINE = re.compile(r"^- \*\*(?P<topic>.+?)\*\* \((?P<minutes>\d+) min\) — (?P<purpose>.+)$")


def _words(text: str) -> list[str]:
    return [w for w in text.split() if w != "###"]


def _chunks(path: Path) -> list[Passage]:
    return chunk_text(path.read_text(encoding="utf-8"), f"knowledge/{path.name}")


def test_ids_are_unique_across_the_knowledge_base_and_stable() -> None:
    first = [p.id for path in FILES for p in _chunks(path)]
    again = [p.id for path in FILES for p in _chunks(path)]

    assert len(first) == len(set(first))
    assert first == again
    assert all(re.fullmatch(r"knowledge/[a-z0-9-]+\.md#[a-z0-9-]+(~\d+)?", i) for i in first)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_file_keeps_its_front_matter_on_each_passage(path: Path) -> None:
    passages = _chunks(path)

    assert passages
    title = passages[0].title
    assert all(p.title == title and p.source == f"knowledge/{path.name}" for p in passages)
    assert all(p.heading == title or p.heading.startswith(f"{title} > ") for p in passages)
    assert all(p.topics and p.audience and p.kind for p in passages)
    # Nothing lost: every word of the body is in one passage's text, or is a heading.
    body = path.read_text(encoding="utf-8").split("---\n", 2)[2]
    in_body = _words("\n".join(line for line in body.splitlines()
                               if not re.match(r"#{1,2} ", line)))
    sub_headings = [p.heading.rsplit(" > ", 1)[1] for p in passages if p.heading.count(" > ") == 2]
    assert sorted(in_body) == sorted(_words("\n".join([p.text for p in passages] + sub_headings)))


def test_session_template_agendas_are_kept_line_for_line() -> None:
    path = KNOWLEDGE / "session-templates.md"
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if AGENDA_LINE.match(line)]
    passages = _chunks(path)
    found = [line for p in passages for line in p.text.splitlines() if AGENDA_LINE.match(line)]

    assert len(lines) >= 25
    assert found == lines
    closing = next(p for p in passages if p.heading == "Session templates > Closing session")
    assert closing.phase == "completion"  # from its own "Phase:" line; the file says "all"
    assert "Duration: 90 minutes" in closing.text
    assert "- **Mutual feedback** (20 min) — " in closing.text


def test_a_long_section_is_split_into_its_subsections() -> None:
    filler = " ".join(["word"] * 150)
    text = guideline(title="Guide", body="# Guide\n\n## Long section\n\nIntro.\n\n" + "".join(
        f"### Part {n}\n\n{filler}\n\n" for n in range(1, 4)))
    passages = chunk_text(text, "knowledge/guide.md")
    headings = [p.heading for p in passages]

    assert ["Guide > Long section > Part 1", "Guide > Long section > Part 2",
            "Guide > Long section > Part 3"] == [h for h in headings if "Part" in h]
    assert all(len(p.text.split()) <= SPLIT_WORDS for p in passages)


def test_frameworks_and_templates_stay_whole() -> None:
    passages = _chunks(KNOWLEDGE / "conversation-frameworks.md")
    feedback = next(p for p in passages
                    if p.heading == "Conversation frameworks > Feedback conversation")
    assert feedback.text.count("### Stage: ") >= 3 and "### Pitfalls" in feedback.text
    assert not any(p.heading.startswith("Conversation frameworks > Feedback conversation >")
                   for p in passages)


def test_a_short_section_stays_whole_with_its_subsections() -> None:
    text = guideline(body="# Rituals\n\n## Retros\n\nIntro.\n\n### Format\n\n- **Look back** "
                     "(10 min) — what happened.\n\n### Owner\n\nThe lead.\n")
    (passage,) = chunk_text(text, "team/rituals.md")

    assert passage.heading == "Team rituals > Retros"
    assert passage.text == ("Intro.\n\n### Format\n\n- **Look back** (10 min) — what "
                            "happened.\n\n### Owner\n\nThe lead.")


def test_a_very_long_section_is_cut_between_paragraphs_into_numbered_parts() -> None:
    paragraphs = [f"Paragraph {i} " + "word " * 90 for i in range(8)]  # ~740 words
    text = guideline(body="# Team rituals\n\n## Everything\n\n" + "\n\n".join(paragraphs))

    passages = chunk_text(text, "team/rituals.md")

    assert [p.id for p in passages] == ["team/rituals.md#team-rituals-everything",
                                        "team/rituals.md#team-rituals-everything~2",
                                        "team/rituals.md#team-rituals-everything~3"]
    assert {p.heading for p in passages} == {"Team rituals > Everything"}
    assert "\n\n".join(p.text for p in passages) == "\n\n".join(x.strip() for x in paragraphs)
    assert all(len(p.text.split()) <= SPLIT_WORDS for p in passages)


def test_repeated_headings_get_distinct_ids_and_the_intro_is_a_passage() -> None:
    text = guideline(body="# Team rituals\n\nWhy rituals.\n\n## Notes\n\nOne.\n\n## Notes\n\n"
                     "Two.\n\n## Empty\n\n```\n## not a heading\n```\n")
    passages = chunk_text(text, "team/rituals.md")

    assert [(p.id, p.text) for p in passages] == [
        ("team/rituals.md#team-rituals", "Why rituals."),
        ("team/rituals.md#team-rituals-notes", "One."),
        ("team/rituals.md#team-rituals-notes-2", "Two."),
        ("team/rituals.md#team-rituals-empty", "```\n## not a heading\n```")]


@pytest.mark.parametrize(("front", "expected"), [
    ({"topics": "[a, b]", "audience": "mentor, mentee", "phase": "launch", "kind": "template"},
     (["a", "b"], ["mentor", "mentee"], "launch", "template")),
    ({}, ([], [], "all", "guide")),
])
def test_front_matter_fields_and_defaults(front: dict[str, str], expected: tuple) -> None:
    (passage,) = chunk_text(guideline(**front), "team/rituals.md")

    assert (passage.topics, passage.audience, passage.phase, passage.kind) == expected
    assert passage.title == "Team rituals"


@pytest.mark.parametrize(("text", "problem"), [
    ("# Team rituals\n\n## Stand-ups\n\nShort.\n", "no front matter"),
    ("---\ntitle: Team rituals\n\n# Team rituals\n", "not closed"),
    ("---\ntitle: [unclosed\n---\n\n# T\n\n## S\n\nx\n", "not valid YAML at line"),
    ("---\n- just\n- a list\n---\n\n# T\n\n## S\n\nx\n", "key: value"),
    ("---\ntopics: [a]\n---\n\n# T\n\n## S\n\nx\n", "no 'title'"),
    ("---\ntitle: '  '\n---\n\n# T\n\n## S\n\nx\n", "no 'title'"),
    ("---\ntitle: T\nphase: someday\n---\n\n# T\n\n## S\n\nx\n", "'phase' is 'someday'"),
    ("---\ntitle: T\nkind: poem\n---\n\n# T\n\n## S\n\nx\n", "'kind' is 'poem'"),
    ("---\ntitle: T\ntopics: {a: 1}\n---\n\n# T\n\n## S\n\nx\n", "'topics' must be a list"),
    ("---\ntitle: T\n---\n\n# T\n\n", "no text to retrieve"),
])
def test_bad_files_get_an_error_naming_the_file(text: str, problem: str) -> None:
    with pytest.raises(BadInputError) as error:
        chunk_text(text, "team/broken.md")

    assert str(error.value).startswith("team/broken.md: ")
    assert problem in str(error.value)


@pytest.mark.parametrize(("heading", "slug"), [
    ("Session templates > Regular session > Agenda", "session-templates-regular-session-agenda"),
    ("Café & “quotes” > Stage: Impact", "cafe-quotes-stage-impact"),
    ("???", "section"),
])
def test_slugify(heading: str, slug: str) -> None:
    assert slugify(heading) == slug
