"""The drafting dataset (`evals/drafting/cases.yaml`): programs with their people and approved
pairings, and cases — participant + goal + phase + partner → what the draft must and must not
contain. Everything is checked on load, so a wrong case fails with its file, id and field
instead of producing a misleading score."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from companion.domain import DraftKind, Participant, Phase, Program
from companion.drafting.context import phase_for
from companion.evals.datasets import DatasetError, cases_of, read_data, validate
from companion.evals.graders import Expectation
from companion.services.programs import build_program


class ProgramSpec(BaseModel):
    """A program of the dataset, set up fresh for every eval run."""

    model_config = ConfigDict(extra="forbid")

    name: str
    type: str = "one_to_one"
    start: date
    months: int = 12
    session_minutes: int = 60
    participants: list[dict[str, Any]] = Field(min_length=2)
    pairings: list[tuple[str, str]] = Field(
        default_factory=list, description="Approved (mentee id, mentor id) pairs.")

    def program(self) -> Program:
        return build_program(self.name, type=self.type, start=self.start, months=self.months,
                             session_minutes=self.session_minutes)

    def people(self) -> dict[str, Participant]:
        return {p.id: p for p in (Participant.model_validate(r) for r in self.participants)}


class Injection(BaseModel):
    """Instructions planted in profile or request text, and what would show they worked."""

    model_config = ConfigDict(extra="forbid")

    where: str = Field(description="Which text carries the instruction, for the report.")
    canaries: list[str] = Field(min_length=1, description="Texts that appear in a draft only "
                                "if the model obeyed the planted instruction.")


Entry = str | dict[str, Any]
Outcome = Literal["pending_review", "failed"]
PENDING: Outcome = "pending_review"


class Expectations(BaseModel):
    """A case's `must` / `must_not` lists: texts, `{any: [texts]}` or `{regex: ...}`, checked
    on load."""

    must: list[Entry] = Field(default_factory=list)
    must_not: list[Entry] = Field(default_factory=list)

    @field_validator("must", "must_not")
    @classmethod
    def _entries(cls, value: list[Entry]) -> list[Entry]:
        for entry in value:
            expectation(entry)
        return value

    def must_list(self) -> list[Expectation]:
        return [expectation(e) for e in self.must]

    def must_not_list(self) -> list[Expectation]:
        return [expectation(e) for e in self.must_not]


class DraftCase(Expectations):
    """One drafting request and what its draft is graded on."""

    model_config = ConfigDict(extra="forbid")

    id: str
    tags: list[str] = Field(min_length=1)
    program: str
    participant: str
    partner: str | None = None
    kind: DraftKind
    topic: str | None = None
    today: date
    phase: Phase
    goal: str | None = Field(None, description="What the draft should be about (default: the "
                             "topic, else the participant's goals).")
    relevant_sources: list[str] = Field(default_factory=list, description="Guidelines relevant "
                                        "here on top of the kind's defaults.")
    injection: Injection | None = None
    expect: list[Outcome] = Field(default_factory=lambda: [PENDING], min_length=1)



def expectation(entry: Entry) -> Expectation:
    """`"text"`, `{any: [texts]}` or `{regex: pattern}` as an Expectation."""
    import re

    if isinstance(entry, str) and entry.strip():
        return Expectation(texts=(entry,))
    if isinstance(entry, dict) and set(entry) == {"any"} and isinstance(entry["any"], list) \
            and entry["any"] and all(isinstance(t, str) and t.strip() for t in entry["any"]):
        return Expectation(texts=tuple(entry["any"]))
    if isinstance(entry, dict) and set(entry) == {"regex"} and isinstance(entry["regex"], str):
        try:
            re.compile(entry["regex"])
        except re.error as exc:
            raise ValueError(f"regex {entry['regex']!r} does not compile: {exc}") from None
        return Expectation(regex=entry["regex"])
    raise ValueError(f"{entry!r} is not a text, {{any: [texts]}} or {{regex: pattern}}")


class DraftingDataset(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid")

    id: str
    description: str = ""
    relevance_bound: float = Field(gt=0, lt=1, description="Least cosine similarity between a "
                                   "draft and its goal for goal_relevance to pass.")
    relevant_sources: dict[DraftKind, list[str]]
    programs: list[ProgramSpec] = Field(min_length=1)
    cases: list[dict[str, Any]]

    @model_validator(mode="after")
    def _every_kind(self) -> DraftingDataset:
        missing = [k.value for k in DraftKind if k not in self.relevant_sources]
        if missing:
            raise ValueError(f"relevant_sources needs every kind; missing {', '.join(missing)}")
        return self


class Loaded(BaseModel):
    """The validated dataset."""

    dataset: DraftingDataset
    cases: list[DraftCase]

    def spec(self, name: str) -> ProgramSpec:
        return next(p for p in self.dataset.programs if p.name == name)


def load(path: Path, knowledge: Path) -> Loaded:
    """Read and check `path`; `knowledge` is the guideline folder the sources live in."""
    data = read_data(path)
    cases_of(data, path)  # ids present and unique before anything else
    dataset = validate(DraftingDataset, data, path)
    programs: dict[str, tuple[ProgramSpec, Program, dict[str, Participant]]] = {}
    for number, spec in enumerate(dataset.programs):
        where = f"programs.{number}"
        try:
            program = spec.program()
        except ValueError as exc:
            raise DatasetError(path, str(exc), field=where) from None
        people: dict[str, Participant] = {}
        for index, record in enumerate(spec.participants):
            person = validate(Participant, record, path,
                              prefix=f"{where}.participants.{index}")
            people[person.id] = person
        for mentee, mentor in spec.pairings:
            if mentee not in people or mentor not in people:
                raise DatasetError(path, f"pairing {mentee}–{mentor} names someone not in the "
                                         "program", field=f"{where}.pairings")
        programs[spec.name] = (spec, program, people)
    for sources in dataset.relevant_sources.values():
        _check_sources(path, sources, knowledge, None, "relevant_sources")
    cases = [validate(DraftCase, raw, path, case=raw["id"]) for raw in data["cases"]]
    for case in cases:
        _check_case(path, case, programs, knowledge)
    return Loaded(dataset=dataset, cases=cases)


def _check_sources(path: Path, sources: list[str], knowledge: Path, case: str | None,
                   field: str) -> None:
    for source in sources:
        if not (knowledge.parent / source).is_file():
            raise DatasetError(path, f"{source} is not a guideline file", case=case,
                               field=field)


def _check_case(path: Path, case: DraftCase,
                programs: dict[str, tuple[ProgramSpec, Program, dict[str, Participant]]],
                knowledge: Path) -> None:
    def fail(field: str, message: str) -> DatasetError:
        return DatasetError(path, message, case=case.id, field=field)

    if case.program not in programs:
        raise fail("program", f"no program '{case.program}' in the file")
    spec, program, people = programs[case.program]
    if case.participant not in people:
        raise fail("participant", f"'{case.participant}' is not in {case.program}")
    if case.partner is not None and (case.participant, case.partner) not in {
            (a, b) for a, b in spec.pairings} | {(b, a) for a, b in spec.pairings}:
        raise fail("partner", f"'{case.partner}' is not an approved partner of "
                              f"'{case.participant}'")
    if phase_for(program, case.today) is not case.phase:
        raise fail("phase", f"{case.today} falls in the {phase_for(program, case.today).value} "
                            f"phase of {case.program}, not {case.phase.value}")
    if case.kind is DraftKind.framework and not case.topic:
        raise fail("topic", "a framework needs a topic")
    _check_sources(path, case.relevant_sources, knowledge, case.id, "relevant_sources")
    if case.injection is not None:
        requester = people[case.participant]
        own = " ".join([*requester.goals, requester.expertise or "", case.topic or ""])
        echoed = [c for c in case.injection.canaries if c.casefold() in own.casefold()]
        if echoed:
            raise fail("injection.canaries", f"{echoed[0]!r} is in the requester's own text, "
                                             "so a draft quoting it would look like obedience")
    if not (case.goal or case.topic or people[case.participant].goals):
        raise fail("goal", "nothing to judge relevance against: give a goal or a topic")
