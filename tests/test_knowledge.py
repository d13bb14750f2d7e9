"""The program guidelines keep the structure retrieval and the offline drafter rely on."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
FILES = sorted(KNOWLEDGE.glob("*.md"))
AGENDA_ITEM = re.compile(r"^- \*\*(?P<topic>.+?)\*\* \((?P<minutes>\d+) min\) — (?P<purpose>.+)$")


def _split(path: Path) -> tuple[dict[str, Any], str]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n"), f"{path.name}: no front matter"
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


def _sections(body: str, level: str) -> dict[str, str]:
    parts = re.split(rf"^{level} (.+)$", body, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_the_knowledge_base_is_substantial() -> None:
    words = sum(len(p.read_text(encoding="utf-8").split()) for p in FILES)
    assert len(FILES) >= 12
    assert words >= 15_000


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_front_matter(path: Path) -> None:
    front, body = _split(path)
    assert set(front) >= {"title", "topics", "phase", "audience", "kind"}
    assert front["phase"] in {"launch", "development", "completion", "all"}
    assert set(front["audience"]) <= {"mentee", "mentor", "coordinator"}
    assert front["kind"] in {"guide", "template", "framework", "question_bank"}
    assert body.lstrip().startswith(f"# {front['title']}")
    assert _sections(body, "##"), f"{path.name} has no ## sections to retrieve"


def test_session_templates_add_up() -> None:
    _, body = _split(KNOWLEDGE / "session-templates.md")
    templates = _sections(body, "##")
    assert {"Kickoff session", "Regular session", "Mid-program check-in",
            "Closing session"} <= set(templates)
    for name, text in templates.items():
        phase = re.search(r"^Phase: (\w+)$", text, re.M)
        duration = re.search(r"^Duration: (\d+) minutes$", text, re.M)
        assert phase and duration, name
        agenda = _sections(text, "###")["Agenda"]
        items = [AGENDA_ITEM.match(line) for line in agenda.splitlines() if line.startswith("- ")]
        assert items and all(items), f"{name}: agenda line not in the '- **Topic** (N min) — ' form"
        assert sum(int(m["minutes"]) for m in items if m) == int(duration[1]), name


def test_question_bank_has_questions_per_competency() -> None:
    _, body = _split(KNOWLEDGE / "question-bank.md")
    competencies = _sections(body, "##")
    assert len(competencies) >= 10
    for name, text in competencies.items():
        subsections = _sections(text, "###")
        for when in ("Before a session", "After a session"):
            questions = [line[2:] for line in subsections[when].splitlines()
                         if line.startswith("- ")]
            assert len(questions) >= 5, (name, when)
            assert all(q.rstrip().endswith("?") for q in questions), (name, when)


def test_frameworks_have_stages_and_pitfalls() -> None:
    _, body = _split(KNOWLEDGE / "conversation-frameworks.md")
    frameworks = _sections(body, "##")
    assert {"GROW", "Feedback conversation", "Career conversation",
            "Difficult-conversation rehearsal"} <= set(frameworks)
    for name, text in frameworks.items():
        parts = _sections(text, "###")
        stages = [k for k in parts if k.startswith("Stage: ")]
        assert "When to use" in parts and "Pitfalls" in parts, name
        assert len(stages) >= 3, name
