"""The usefulness dataset (`evals/usefulness/cases.yaml`): the drafting dataset's programs and
people, and cases labelled with what a good mentor would have written — the framework that
fits the situation, the competencies the questions should come from, the deadline and measures
the mentee already named, the session template, what a reviewer's note asked for, and what
must never reach a draft. Checked on load, so a wrong label fails with its file, id and field.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from companion.domain import DraftKind, Participant, Phase, Program
from companion.drafting.context import phase_for
from companion.evals.datasets import DatasetError, cases_of, read_data, validate
from companion.evals.drafting_cases import Entry, Expectations, ProgramSpec, expectation
from companion.evals.graders import Expectation

_STRICT = ConfigDict(extra="forbid")


class OwnWords(BaseModel):
    """A goal the mentee wrote with its own deadline and measure: the draft must keep both."""

    model_config = _STRICT

    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM the mentee's deadline "
                       "falls in; the goal's time_bound must not be later than this month.")
    event: str | None = Field(None, description="The event the deadline is tied to ('promotion "
                              "panel'); naming it counts when the date comes before it.")
    measure: list[Entry] = Field(min_length=1, description="The mentee's measure words, each "
                                 "a text, {any: [...]} or {regex: ...}, searched in the goals' "
                                 "measurable and specific texts.")

    def measures(self) -> list[Expectation]:
        return [expectation(e) for e in self.measure]


class Redraft(BaseModel):
    """A reviewer rejects the first draft with `note`; the new version is graded on `follow`."""

    model_config = _STRICT

    note: str = Field(min_length=3)
    followable: bool = Field(True, description="False when the note cannot be followed (it "
                             "asks for something the rules forbid): then saying so, or not "
                             "doing it, is following it well.")
    exclude: list[str] = Field(default_factory=list, description="Section or theme names the "
                               "new version must not carry (names, purposes, stages).")
    exclude_theme: str | None = Field(None, description="The excluded theme in words, compared "
                                      "with each item by embedding similarity.")
    framework: list[str] = Field(default_factory=list, description="Acceptable framework "
                                 "names after the note.")
    max_items: int | None = Field(None, ge=1, description="Most questions / agenda items / "
                                  "framework steps the new version may have.")
    fewer_items: bool = Field(False, description="The new version has fewer items than the "
                              "first.")
    focus: list[Entry] = Field(default_factory=list, description="Words the new version must "
                               "carry outside any verbatim copy of the note.")
    must_not: list[Entry] = Field(default_factory=list, description="Signs the new version "
                                  "did the impossible thing the note asked for.")

    @field_validator("focus", "must_not")
    @classmethod
    def _entries(cls, value: list[Entry]) -> list[Entry]:
        for entry in value:
            expectation(entry)
        return value

    @model_validator(mode="after")
    def _some_rule(self) -> Redraft:
        if not (self.exclude or self.framework or self.max_items or self.fewer_items
                or self.focus or self.must_not):
            raise ValueError("a redraft needs a rule: exclude, framework, max_items, "
                             "fewer_items, focus or must_not")
        return self


class Safety(BaseModel):
    """What must not pass from the request into the draft."""

    model_config = _STRICT

    canaries: list[str] = Field(default_factory=list, description="Texts from an instruction "
                                "planted in the topic or goal; they must not become content.")
    health: list[str] = Field(default_factory=list, description="Health details from the "
                              "request that must not appear in the draft.")
    names: list[str] = Field(default_factory=list, description="Another participant's name "
                             "in the request: absent from the draft, which still reaches "
                             "review.")


class UsefulnessCase(Expectations):
    """One request and the labels its draft's usefulness is graded on."""

    model_config = _STRICT

    id: str
    tags: list[str] = Field(min_length=1)
    program: str
    participant: str
    partner: str | None = None
    kind: DraftKind
    topic: str | None = None
    today: date
    phase: Phase
    framework: list[str] = Field(default_factory=list, description="Acceptable framework "
                                 "names (the first is the best fit).")
    consistency: str | None = Field(None, description="Cases sharing this label describe one "
                                    "situation in different words: one framework for all.")
    competencies: list[str] = Field(default_factory=list, description="Question-bank "
                                    "competencies the questions should come from.")
    voice: Literal["mentor"] | None = Field(None, description="'mentor': questions the mentor "
                                            "asks the mentee, in the second person.")
    own_words: OwnWords | None = None
    vague: bool = Field(False, description="The goal is too vague to draft a SMART-ER goal "
                        "from: expect a worksheet or a note, not an invented goal.")
    min_checkpoint_gap: int | None = Field(None, ge=1, description="Least days between a new "
                                           "goal's checkpoints (completion phase).")
    template: str | None = Field(None, description="The session template the agenda should "
                                 "follow.")
    template_duration: bool = Field(False, description="duration_minutes must equal the "
                                    "template's Duration in knowledge/session-templates.md.")
    redraft: Redraft | None = None
    safety: Safety | None = None



class UsefulnessDataset(BaseModel):
    """The whole file."""

    model_config = _STRICT

    id: str
    description: str = ""
    frameworks: list[str] = Field(min_length=1, description="Every framework name a label may "
                                  "use (the guideline's sections).")
    topic_bound: float = Field(gt=0, lt=1, description="Least cosine similarity between a "
                               "question and its case's topic for it to count as on topic.")
    exclude_bound: float = Field(gt=0, lt=1, description="Cosine similarity to an excluded "
                                 "theme at which an item counts as being about it.")
    unrelated_topics: list[str] = Field(min_length=3, description="Topics no case is about; a "
                                        "question closer to one of them than to its own "
                                        "topic is off topic.")
    programs: list[ProgramSpec] = Field(min_length=1)
    cases: list[dict[str, Any]]


class Loaded(BaseModel):
    """The validated dataset."""

    dataset: UsefulnessDataset
    cases: list[UsefulnessCase]

    def spec(self, name: str) -> ProgramSpec:
        return next(p for p in self.dataset.programs if p.name == name)


def load(path: Path) -> Loaded:
    """Read and check `path`."""
    data = read_data(path)
    cases_of(data, path)
    dataset = validate(UsefulnessDataset, data, path)
    programs: dict[str, tuple[ProgramSpec, Program, dict[str, Participant]]] = {}
    for number, spec in enumerate(dataset.programs):
        where = f"programs.{number}"
        try:
            program = spec.program()
        except ValueError as exc:
            raise DatasetError(path, str(exc), field=where) from None
        people = {}
        for index, record in enumerate(spec.participants):
            person = validate(Participant, record, path, prefix=f"{where}.participants.{index}")
            people[person.id] = person
        programs[spec.name] = (spec, program, people)
    cases = [validate(UsefulnessCase, raw, path, case=raw["id"]) for raw in data["cases"]]
    for case in cases:
        _check(path, case, programs, set(dataset.frameworks))
    return Loaded(dataset=dataset, cases=cases)


def _check(path: Path, case: UsefulnessCase,
           programs: dict[str, tuple[ProgramSpec, Program, dict[str, Participant]]],
           frameworks: set[str]) -> None:
    def fail(field: str, message: str) -> DatasetError:
        return DatasetError(path, message, case=case.id, field=field)

    if case.program not in programs:
        raise fail("program", f"no program '{case.program}' in the file")
    spec, program, people = programs[case.program]
    if case.participant not in people:
        raise fail("participant", f"'{case.participant}' is not in {case.program}")
    pairs = {(a, b) for a, b in spec.pairings} | {(b, a) for a, b in spec.pairings}
    if case.partner is not None and (case.participant, case.partner) not in pairs:
        raise fail("partner", f"'{case.partner}' is not an approved partner of "
                              f"'{case.participant}'")
    if phase_for(program, case.today) is not case.phase:
        raise fail("phase", f"{case.today} falls in the {phase_for(program, case.today).value} "
                            f"phase of {case.program}, not {case.phase.value}")
    if case.kind is DraftKind.framework and not case.topic:
        raise fail("topic", "a framework needs a topic")
    named = [*case.framework, *(case.redraft.framework if case.redraft else [])]
    unknown = [n for n in named if n not in frameworks]
    if unknown:
        raise fail("framework", f"'{unknown[0]}' is not in the dataset's frameworks list")
    kinds = {"framework": DraftKind.framework, "consistency": DraftKind.framework,
             "competencies": DraftKind.questions, "voice": DraftKind.questions,
             "own_words": DraftKind.goals, "vague": DraftKind.goals,
             "min_checkpoint_gap": DraftKind.goals, "template": DraftKind.agenda,
             "template_duration": DraftKind.agenda}
    for label, kind in kinds.items():
        if getattr(case, label) and case.kind is not kind:
            raise fail(label, f"applies to {kind.value} cases, not {case.kind.value}")
    if case.template_duration and not case.template:
        raise fail("template_duration", "needs the case's template")
    if case.voice == "mentor" and people[case.participant].role.value == "mentee":
        raise fail("voice", f"'{case.participant}' is a mentee; mentor voice needs a mentor")
