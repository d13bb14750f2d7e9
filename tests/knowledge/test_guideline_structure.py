"""The guideline structure the offline drafter and retrieval rely on, and the house style of
the questions: every template's agenda adds up, every framework and competency has all its
parts, and no bullet question stacks two questions into one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
AGENDA_ITEM = re.compile(r"^- \*\*(?P<topic>.+?)\*\* \((?P<minutes>\d+) min\) — (?P<purpose>.+)$")
#: Two questions joined into one bullet: "What happened, and what did you learn?"
STACKED = re.compile(r",\s+(and|or|but)\s+(what|how|why|who|whom|which|when|where)\b", re.I)

FRAMEWORKS = {
    "GROW", "Feedback conversation", "Career conversation", "Difficult-conversation rehearsal",
    "Stakeholder-mapping conversation", "Decision-making conversation", "Leading through change",
    "Reflecting on a setback", "Negotiation preparation", "Presentation rehearsal",
    "Leading former peers", "Leading a remote team", "Returning from leave",
    "Supporting a mentee under strain",
}
SECOND_PERSON = re.compile(r"\byou(r|rs|rself)?\b", re.I)
FIRST_PERSON = re.compile(r"\b(I|my|myself)\b")
COMPETENCY_PARTS = ("Before a session", "After a session", "Questions for the mentor to ask")
NEW_COMPETENCIES = {"Negotiation", "Presenting with impact", "Leading remote and hybrid teams",
                    "Leading former peers", "Returning from leave"}


def _body(name: str) -> str:
    text = (KNOWLEDGE / name).read_text(encoding="utf-8")
    return text.split("---\n", 2)[2]


def _sections(body: str, level: str) -> dict[str, str]:
    parts = re.split(rf"^{level} (.+)$", body, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def _bullets(text: str) -> list[str]:
    return [line[2:].strip() for line in text.splitlines() if line.startswith("- ")]


def _paragraph(text: str) -> str:
    return " ".join(line for line in text.splitlines() if line.strip())


FRAMEWORK_SECTIONS = _sections(_body("conversation-frameworks.md"), "##")
COMPETENCIES = _sections(_body("question-bank.md"), "##")
TEMPLATES = _sections(_body("session-templates.md"), "##")


def _framework_prompts() -> list[tuple[str, str]]:
    return [(f"{name} > {stage}", prompt)
            for name, text in FRAMEWORK_SECTIONS.items()
            for stage, body in _sections(text, "###").items() if stage.startswith("Stage: ")
            for prompt in _bullets(body)]


def _bank_questions() -> list[tuple[str, str]]:
    return [(f"{name} > {part}", question)
            for name, text in COMPETENCIES.items()
            for part, body in _sections(text, "###").items()
            for question in _bullets(body)]


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_agenda_adds_up_to_its_duration(name: str) -> None:
    text = TEMPLATES[name]
    assert re.search(r"^Phase: (launch|development|completion)$", text, re.M), name
    duration = re.search(r"^Duration: (\d+) minutes$", text, re.M)
    assert duration, f"{name}: no 'Duration: N minutes' line"
    parts = _sections(text, "###")
    assert {"Agenda", "Preparation", "Notes for the mentor"} <= set(parts), name
    lines = [line for line in parts["Agenda"].splitlines() if line.startswith("- ")]
    items = [AGENDA_ITEM.match(line) for line in lines]
    assert items and all(items), f"{name}: an agenda line is not '- **Topic** (N min) — purpose'"
    assert sum(int(m["minutes"]) for m in items if m) == int(duration[1]), name


def test_the_frameworks_are_the_named_set() -> None:
    assert set(FRAMEWORK_SECTIONS) == FRAMEWORKS


@pytest.mark.parametrize("name", sorted(FRAMEWORKS))
def test_every_framework_has_all_its_parts(name: str) -> None:
    parts = _sections(FRAMEWORK_SECTIONS[name], "###")
    stages = [k for k in parts if k.startswith("Stage: ")]
    assert list(parts)[0] == "When to use", name
    assert 3 <= len(stages) <= 5, (name, stages)
    for stage in stages:
        prompts = _bullets(parts[stage])
        assert 4 <= len(prompts) <= 6, (name, stage, len(prompts))
        assert all(p.endswith("?") for p in prompts), (name, stage)
    assert len(_bullets(parts["Pitfalls"])) >= 3, name
    assert len(_paragraph(parts["When to use"]).split()) >= 40, f"{name}: 'When to use' is thin"
    mentor = _paragraph(parts.get("For the mentor", ""))
    assert len(mentor.split()) >= 40 and re.search(r"\byou(r)?\b", mentor, re.I), \
        f"{name}: 'For the mentor' should be a paragraph addressed to the mentor"


def test_supporting_a_mentee_under_strain_keeps_the_mentor_in_role() -> None:
    parts = _sections(FRAMEWORK_SECTIONS["Supporting a mentee under strain"], "###")
    pitfalls = " ".join(_bullets(parts["Pitfalls"])).lower()
    assert "counsel" in pitfalls and "diagnos" in pitfalls
    whole = FRAMEWORK_SECTIONS["Supporting a mentee under strain"].lower()
    for signpost in ("employee assistance programme", "gp", "occupational health", "coordinator"):
        assert signpost in whole, signpost


def test_every_competency_has_its_three_parts() -> None:
    assert NEW_COMPETENCIES <= set(COMPETENCIES)
    for name, text in COMPETENCIES.items():
        parts = _sections(text, "###")
        assert list(parts) == list(COMPETENCY_PARTS), name
        for part in COMPETENCY_PARTS[:2]:
            questions = _bullets(parts[part])
            assert len(questions) >= 5 and all(q.endswith("?") for q in questions), (name, part)
            assert not any(SECOND_PERSON.search(q) for q in questions), \
                f"{name} > {part}: the mentee reflects in the first person, not to 'you'"
        asked = _bullets(parts["Questions for the mentor to ask"])
        assert len(asked) == 5 and all(q.endswith("?") for q in asked), name
        assert not any(FIRST_PERSON.search(q) for q in asked), name
        assert sum(bool(SECOND_PERSON.search(q)) for q in asked) >= 3, \
            f"{name}: the mentor's questions are put to the mentee as 'you'"


@pytest.mark.parametrize("where,question", _framework_prompts() + _bank_questions(),
                         ids=lambda v: v if len(v) < 60 else v[:60])
def test_no_bullet_stacks_two_questions(where: str, question: str) -> None:
    assert question.count("?") <= 1, f"{where}: {question}"
    assert not STACKED.search(question), f"{where}: two questions in one: {question}"
