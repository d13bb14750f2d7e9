"""Draft content models: the docs/architecture.md shapes, and errors that name the bad field."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from pydantic import BaseModel

from companion.domain import DraftKind, Phase
from companion.domain.content import (
    CONTENT_MODELS,
    AgendaContent,
    ContentError,
    FrameworkContent,
    GoalsContent,
    QuestionsContent,
    parse_content,
)


def goals() -> dict[str, Any]:
    return {"goals": [{
        "statement": "Hand over three recurring responsibilities to my team.",
        "specific": "Transfer ownership of the weekly client report, sprint planning and "
                    "supplier check-ins to two team members.",
        "measurable": "Three responsibilities handed over; my operational hours fall from 12 to 6.",
        "achievable": "Both team members have asked for more responsibility.",
        "relevant": "My manager's feedback says I am a bottleneck.",
        "time_bound": "2027-06-30",
        "evaluated": [{"date": "2027-04-12", "check": "Are the first two handovers done?"},
                      {"date": "2027-06-28", "check": "Are my hours at or below 6 a week?"}],
        "readjusted": "At the mid-program check-in; if quality drops, narrow to two tasks.",
    }]}


def agenda() -> dict[str, Any]:
    return {"title": "Regular session: delegation", "phase": "development",
            "duration_minutes": 60,
            "items": [{"topic": "Check-in", "minutes": 10, "purpose": "Review actions."},
                      {"topic": "Main topic", "minutes": 50, "purpose": "Work on delegation."}],
            "preparation": ["Send a short agenda two days before."]}


def questions() -> dict[str, Any]:
    return {"questions": [{"text": f"What could you hand over, part {n}?",
                           "purpose": "Open up delegation."} for n in range(1, 4)]}


def framework() -> dict[str, Any]:
    return {"name": "Feedback conversation", "situation": "Giving feedback on missed deadlines.",
            "steps": [{"stage": "Situation", "prompts": ["When did it happen?"]},
                      {"stage": "Impact", "prompts": ["What was the effect on the team?"]}],
            "pitfalls": ["Talking more than listening."]}


VALID: dict[DraftKind, Callable[[], dict[str, Any]]] = {
    DraftKind.goals: goals, DraftKind.agenda: agenda, DraftKind.questions: questions,
    DraftKind.framework: framework,
}


def test_every_kind_has_a_model() -> None:
    assert set(CONTENT_MODELS) == set(DraftKind)


@pytest.mark.parametrize(("kind", "model"), [
    (DraftKind.goals, GoalsContent), (DraftKind.agenda, AgendaContent),
    (DraftKind.questions, QuestionsContent), (DraftKind.framework, FrameworkContent),
])
def test_valid_content_parses_into_its_model(kind: DraftKind, model: type[BaseModel]) -> None:
    parsed = parse_content(kind.value, VALID[kind]())
    assert isinstance(parsed, model)
    assert parsed.model_dump(mode="json") == VALID[kind]()


def test_dates_and_phases_become_typed_values() -> None:
    parsed = parse_content("goals", goals())
    assert isinstance(parsed, GoalsContent)
    assert parsed.goals[0].time_bound == date(2027, 6, 30)
    assert parsed.goals[0].evaluated[1].date == date(2027, 6, 28)
    parsed_agenda = parse_content(DraftKind.agenda, agenda())
    assert isinstance(parsed_agenda, AgendaContent) and parsed_agenda.phase is Phase.development


def test_texts_are_stripped() -> None:
    data = questions()
    data["questions"][0]["text"] = "   What could you hand over?  \n"
    parsed = parse_content("questions", data)
    assert isinstance(parsed, QuestionsContent)
    assert parsed.questions[0].text == "What could you hand over?"


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation that sets (or, for ..., deletes) the value at a dotted path."""
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is ...:
            del node[last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return mutate


@pytest.mark.parametrize(("kind", "mutate", "expected"), [
    ("goals", _set("goals.0.time_bound", "next June"), "goals.0.time_bound: not a date"),
    ("goals", _set("goals.0.time_bound", "2027-02-30"), "goals.0.time_bound: not a date"),
    ("goals", _set("goals.0.time_bound", "30/06/2027"), "goals.0.time_bound: not a date"),
    ("goals", _set("goals.0.time_bound", 1814400000), "goals.0.time_bound: not a date"),
    ("goals", _set("goals.0.time_bound", ...), "goals.0.time_bound: missing"),
    ("goals", _set("goals.0.evaluated.1.date", "June"), "goals.0.evaluated.1.date: not a date"),
    ("goals", _set("goals.0.evaluated.0.check", "  "), "goals.0.evaluated.0.check: empty"),
    ("goals", _set("goals.0.readjusted", ...), "goals.0.readjusted: missing"),
    ("goals", _set("goals.0.owner", "me"), "goals.0.owner: unexpected field"),
    ("goals", _set("goals.0.specific", "x" * 601),
     "goals.0.specific: too long (601 characters, at most 600)"),
    ("goals", _set("goals", []), "goals: too few entries (0, at least 1)"),
    ("goals", lambda d: d["goals"].extend(copy.deepcopy(d["goals"]) * 5),
     "goals: too many entries (6, at most 5)"),
    ("goals", _set("goals.0.evaluated", [{"date": "2027-04-01", "check": "c"}] * 7),
     "goals.0.evaluated: too many entries"),
    ("agenda", _set("phase", "middle"), "phase: input should be 'launch', 'development' or "
                                        "'completion' (got 'middle')"),
    ("agenda", _set("items.0.minutes", "10"), "items.0.minutes: input should be a valid integer"),
    ("agenda", _set("items.1.minutes", True), "items.1.minutes: input should be a valid integer"),
    ("agenda", _set("items.1.minutes", -5), "items.1.minutes: input should be greater than"),
    ("agenda", _set("duration_minutes", 60.5), "duration_minutes: input should be a valid integer"),
    ("agenda", _set("title", "t" * 161), "title: too long (161 characters, at most 160)"),
    ("agenda", _set("items", []), "items: too few entries"),
    ("agenda", _set("preparation", "Bring notes."), "preparation: input should be a valid list"),
    ("agenda", _set("preparation.0", 3), "preparation.0: input should be a valid string"),
    ("questions", lambda d: d["questions"].pop(), "questions: too few entries (2, at least 3)"),
    ("questions", lambda d: d["questions"].extend(d["questions"] * 4),
     "questions: too many entries (15, at most 12)"),
    ("questions", _set("questions.2.purpose", ...), "questions.2.purpose: missing"),
    ("framework", _set("name", ...), "name: missing"),
    ("framework", _set("steps.1.prompts", []), "steps.1.prompts: too few entries"),
    ("framework", _set("steps", [{"stage": "Only", "prompts": ["One?"]}]),
     "steps: too few entries (1, at least 2)"),
    ("framework", _set("pitfalls.0", ""), "pitfalls.0: empty"),
])
def test_schema_errors_name_the_field(kind: str, mutate: Callable[[dict[str, Any]], object],
                                      expected: str) -> None:
    data = VALID[DraftKind(kind)]()
    mutate(data)
    with pytest.raises(ContentError) as caught:
        parse_content(kind, data)
    assert expected in str(caught.value)
    assert any(p.startswith(expected.split(":")[0] + ":") for p in caught.value.problems)


def test_every_bad_field_is_named_in_one_error() -> None:
    data = goals()
    data["goals"][0]["time_bound"] = "soon"
    data["goals"][0]["evaluated"][0]["date"] = "later"
    del data["goals"][0]["relevant"]
    with pytest.raises(ContentError) as caught:
        parse_content("goals", data)
    assert caught.value.problems == [
        "goals.0.relevant: missing",
        "goals.0.time_bound: not a date (expected YYYY-MM-DD, got 'soon')",
        "goals.0.evaluated.0.date: not a date (expected YYYY-MM-DD, got 'later')",
    ]
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).startswith("goals content is invalid: ")


@pytest.mark.parametrize(("kind", "data", "expected"), [
    ("goals", ["not", "an", "object"], "content: expected a JSON object, got list"),
    ("goals", "text", "content: expected a JSON object, got str"),
    ("memo", {}, "unknown draft kind 'memo'"),
])
def test_content_that_is_not_an_object_or_kind(kind: str, data: Any, expected: str) -> None:
    with pytest.raises(ContentError, match=expected):
        parse_content(kind, data)


@pytest.mark.parametrize("model", list(CONTENT_MODELS.values()))
def test_every_field_is_documented(model: type[BaseModel]) -> None:
    models = [model]
    while models:
        current = models.pop()
        for name, field in current.model_fields.items():
            assert field.description, f"{current.__name__}.{name} has no docstring"
            for arg in getattr(field.annotation, "__args__", ()):
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    models.append(arg)


def _worksheet(questions: int = 3) -> dict[str, Any]:
    return {"goal": "network more",
            "questions": [f"What would people see you doing differently ({n})?"
                          for n in range(questions)]}


def test_goals_content_takes_worksheets_instead_of_goals() -> None:
    parsed = parse_content("goals", {"goals": [], "worksheets": [_worksheet()]})
    assert isinstance(parsed, GoalsContent)
    assert parsed.goals == [] and parsed.worksheets[0].goal == "network more"
    both = parse_content("goals", {**goals(), "worksheets": [_worksheet(6)]})
    assert isinstance(both, GoalsContent) and len(both.goals) == 1


@pytest.mark.parametrize(("data", "expected"), [
    ({"goals": []}, "goals: too few entries (0, at least 1): a goal, or a worksheet"),
    ({}, "goals: too few entries (0, at least 1)"),
    ({"goals": [], "worksheets": [_worksheet(2)]}, "worksheets.0.questions: too few entries"),
    ({"goals": [], "worksheets": [_worksheet(7)]}, "worksheets.0.questions: too many entries"),
    ({"goals": [], "worksheets": [{"goal": "", "questions": _worksheet()["questions"]}]},
     "worksheets.0.goal: empty"),
])
def test_bad_worksheets_name_the_field(data: dict[str, Any], expected: str) -> None:
    with pytest.raises(ContentError) as caught:
        parse_content("goals", data)
    assert expected in str(caught.value)


def test_goals_and_worksheets_count_together() -> None:
    data = goals()
    data["goals"] = data["goals"] * 3
    data["worksheets"] = [_worksheet()] * 3
    with pytest.raises(ContentError) as caught:
        parse_content("goals", data)
    assert "goals: too many entries (goals and worksheets together, at most 5)" in \
        str(caught.value)
