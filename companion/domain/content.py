"""Draft content by kind: the exact shapes of docs/architecture.md, with bounds on every text
and list.

The bounds are there so that a runaway model output fails the schema instead of reaching a
reviewer; the guideline rules (SMART-ER, agenda minutes, ...) live in `companion.drafting.checks`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    StringConstraints,
    ValidationError,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from companion.domain.enums import DraftKind, Phase

#: Longest text in any field of a draft, in characters.
MAX_TEXT = 600
#: Longest title or name (agenda title, framework name, step stage), in characters.
MAX_TITLE = 160
#: Inclusive (least, most) number of entries in each list. A goals draft counts its goals and
#: its worksheets together: at least one of either, at most five in all.
GOALS_COUNT = (1, 5)
WORKSHEET_QUESTIONS_COUNT = (3, 6)
CHECKPOINTS_COUNT = (0, 6)
AGENDA_ITEMS_COUNT = (1, 12)
PREPARATION_COUNT = (0, 10)
QUESTIONS_COUNT = (3, 12)
STEPS_COUNT = (2, 10)
PROMPTS_COUNT = (1, 8)
PITFALLS_COUNT = (0, 8)
#: Longest session an agenda may plan, in minutes.
MAX_MINUTES = 480

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _calendar_date(value: Any) -> Any:
    # Only YYYY-MM-DD: pydantic's lax mode would also take timestamps and datetimes, which a
    # model never means as a goal date.
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PydanticCustomError(
        "not_a_date", "not a date (expected YYYY-MM-DD, got {value})", {"value": repr(value)}
    )


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]
Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE)
]
CalendarDate = Annotated[date, BeforeValidator(_calendar_date)]
Minutes = Annotated[int, Field(strict=True, ge=0, le=MAX_MINUTES)]


class _Content(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class Checkpoint(_Content):
    """A dated moment to evaluate a goal."""

    date: CalendarDate
    """When the check happens (YYYY-MM-DD)."""
    check: Text
    """What will be checked, phrased as a question or a test against the measure."""


class SmartErGoal(_Content):
    """One goal written to the SMART-ER standard (knowledge/smart-er-goals.md)."""

    statement: Text
    """One sentence describing the change the mentee wants to make."""
    specific: Text
    """The behaviour or result, in which situations, with whom."""
    measurable: Text
    """A number or an observable indicator that shows progress."""
    achievable: Text
    """Why this is realistic given the mentee's role, time and influence."""
    relevant: Text
    """Why it matters to the mentee's development and their organisation."""
    time_bound: CalendarDate
    """The date inside the program by which it should be done (YYYY-MM-DD)."""
    evaluated: list[Checkpoint] = Field(max_length=CHECKPOINTS_COUNT[1])
    """Dated checkpoints, in order."""
    readjusted: Text
    """When and how the goal will be revisited, and what would trigger a change."""


class Worksheet(_Content):
    """Questions to answer when the mentee's words are too thin for an honest SMART-ER goal
    ("leadership", "network more"): answered, they make the goal."""

    goal: Text
    """The mentee's own words for the goal."""
    questions: list[Text] = Field(min_length=WORKSHEET_QUESTIONS_COUNT[0],
                                  max_length=WORKSHEET_QUESTIONS_COUNT[1])
    """What to answer to make it SMART-ER, e.g. "What would people see you doing differently
    by 2027-06-30?"."""


class GoalsContent(_Content):
    """Content of a `goals` draft: goals, and worksheets for goals not yet ready to write."""

    goals: list[SmartErGoal] = Field(default_factory=list, max_length=GOALS_COUNT[1])
    """The goals, usually two or three; none when the draft holds only worksheets."""
    worksheets: list[Worksheet] = Field(default_factory=list, max_length=GOALS_COUNT[1])
    """Worksheets for goals too thin to write yet (optional)."""

    @model_validator(mode="after")
    def _goals_or_worksheets(self) -> GoalsContent:
        if len(self.goals) + len(self.worksheets) < GOALS_COUNT[0]:
            raise PydanticCustomError(
                "no_goals", "too few entries (0, at least {least}): a goal, or a worksheet for "
                "a goal too thin to write yet",
                {"least": GOALS_COUNT[0], "field": "goals"})
        if len(self.goals) + len(self.worksheets) > GOALS_COUNT[1]:
            raise PydanticCustomError(
                "too_many_goals", "too many entries (goals and worksheets together, at most "
                "{most})", {"most": GOALS_COUNT[1], "field": "goals"})
        return self

    @model_serializer(mode="wrap")
    def _without_empty_worksheets(self, handler: SerializerFunctionWrapHandler,
                                  info: SerializationInfo) -> dict[str, Any]:
        # Goals-only drafts keep the documented shape: {"goals": [...]}.
        data: dict[str, Any] = handler(self)
        if not data.get("worksheets"):
            data.pop("worksheets", None)
        return data


class AgendaItem(_Content):
    """One block of a session agenda."""

    topic: Title
    """What the block is about."""
    minutes: Minutes
    """How long it takes."""
    purpose: Text
    """Why it is on the agenda."""


class AgendaContent(_Content):
    """Content of an `agenda` draft."""

    title: Title
    """The session's title."""
    phase: Phase
    """The program phase the session belongs to."""
    duration_minutes: Minutes
    """The session's length; the items' minutes add up to it."""
    items: list[AgendaItem] = Field(
        min_length=AGENDA_ITEMS_COUNT[0], max_length=AGENDA_ITEMS_COUNT[1]
    )
    """The agenda in order."""
    preparation: list[Text] = Field(max_length=PREPARATION_COUNT[1])
    """What to prepare beforehand."""


class Question(_Content):
    """One reflection question."""

    text: Text
    """The question itself."""
    purpose: Text
    """What the question is meant to open up."""


class QuestionsContent(_Content):
    """Content of a `questions` draft."""

    questions: list[Question] = Field(
        min_length=QUESTIONS_COUNT[0], max_length=QUESTIONS_COUNT[1]
    )
    """The questions, in the order to ask them."""


class Step(_Content):
    """One stage of a conversation framework."""

    stage: Title
    """The stage's name."""
    prompts: list[Text] = Field(min_length=PROMPTS_COUNT[0], max_length=PROMPTS_COUNT[1])
    """What the mentor might say or ask at this stage."""


class FrameworkContent(_Content):
    """Content of a `framework` draft."""

    name: Title
    """The framework's name."""
    situation: Text
    """The conversation it is for."""
    steps: list[Step] = Field(min_length=STEPS_COUNT[0], max_length=STEPS_COUNT[1])
    """The stages in order."""
    pitfalls: list[Text] = Field(max_length=PITFALLS_COUNT[1])
    """Mistakes to avoid."""


CONTENT_MODELS: dict[DraftKind, type[BaseModel]] = {
    DraftKind.goals: GoalsContent,
    DraftKind.agenda: AgendaContent,
    DraftKind.questions: QuestionsContent,
    DraftKind.framework: FrameworkContent,
}


class ContentError(ValueError):
    """Draft content does not fit its kind's shape; `problems` holds one 'path: reason' each."""

    def __init__(self, kind: str, problems: list[str]) -> None:
        self.kind = kind
        self.problems = problems
        super().__init__(f"{kind} content is invalid: " + "; ".join(problems))


def parse_content(kind: DraftKind | str, data: Any) -> BaseModel:
    """`data` validated as the content of a `kind` draft; raises ContentError naming each field."""
    try:
        draft_kind = DraftKind(kind)
    except ValueError:
        raise ContentError(str(kind), [f"unknown draft kind '{kind}'"]) from None
    if not isinstance(data, dict):
        raise ContentError(draft_kind.value, [f"content: expected a JSON object, got "
                                              f"{type(data).__name__}"])
    try:
        return CONTENT_MODELS[draft_kind].model_validate(data)
    except ValidationError as exc:
        raise ContentError(draft_kind.value, _problems(exc)) from None


def _problems(exc: ValidationError) -> list[str]:
    problems = []
    for error in exc.errors(include_url=False):
        path = (".".join(str(part) for part in error["loc"])
                or str((error.get("ctx") or {}).get("field") or "content"))
        problems.append(f"{path}: {_reason(error)}")
    return problems


def _reason(error: Any) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "not_a_date":
        return str(error["msg"])
    if kind == "missing":
        return "missing"
    if kind == "extra_forbidden":
        return "unexpected field"
    if kind == "string_too_long":
        return f"too long ({len(error['input'])} characters, at most {ctx['max_length']})"
    if kind == "string_too_short":
        return "empty"
    if kind == "too_short":
        return f"too few entries ({ctx.get('actual_length')}, at least {ctx['min_length']})"
    if kind == "too_long":
        return f"too many entries ({ctx.get('actual_length')}, at most {ctx['max_length']})"
    message = str(error["msg"])
    message = message[:1].lower() + message[1:]
    if isinstance(error.get("input"), str | int | float | bool | None):
        return f"{message} (got {error['input']!r:.80})"
    return message
