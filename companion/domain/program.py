"""Programs: type, calendar (phases, cadence), matching weights and what the AI may read."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from companion.domain.enums import Phase, ProgramType

#: Profile fields the drafting agent may read unless a program says otherwise. E-mail, manager
#: and location are left out on purpose: a draft never needs them.
DEFAULT_AI_READABLE_FIELDS: tuple[str, ...] = (
    "name", "role", "organization", "department", "title", "level", "timezone",
    "languages", "expertise", "goals", "skills", "format",
)
#: Fields a partner (the other side of a pairing, or another organisation) may see.
DEFAULT_SHAREABLE_FIELDS: tuple[str, ...] = (
    "name", "role", "organization", "department", "title", "timezone", "languages",
    "expertise", "skills", "format",
)
PROFILE_FIELDS: frozenset[str] = frozenset({
    "id", "name", "role", "email", "organization", "department", "title", "level",
    "manager_id", "location", "timezone", "languages", "capacity", "expertise", "goals",
    "skills", "format", "prefer_cross_department",
})


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, clamped to the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class MatchingWeights(BaseModel):
    """Weights of the named score components; they need not sum to 1 (scores are normalised)."""

    model_config = ConfigDict(extra="forbid")

    semantic: float = Field(0.55, ge=0, description="Fit of mentee goals to mentor expertise.")
    level: float = Field(0.12, ge=0, description="Seniority gap suited to the program type.")
    cross_department: float = Field(0.05, ge=0, description="Different departments, if wanted.")
    cross_organization: float = Field(0.05, ge=0, description="Different organisations.")
    timezone: float = Field(0.1, ge=0, description="Overlap of working hours.")
    language: float = Field(0.05, ge=0, description="A shared language.")
    load: float = Field(0.08, ge=0, description="Spare mentor capacity.")


class PhaseWindow(BaseModel):
    """One phase of a program with its first and last day."""

    model_config = ConfigDict(extra="forbid")

    phase: Phase
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> PhaseWindow:
        if self.end < self.start:
            raise ValueError(
                f"phase {self.phase} ends ({self.end}) before it starts ({self.start})")
        return self


def default_phases(start: date, months: int) -> list[PhaseWindow]:
    """Launch and completion take ~15% of the program each (at least a month); the rest is
    development."""
    edge = max(1, round(months * 0.15))
    launch_end = add_months(start, edge)
    completion_start = add_months(start, months - edge)
    end = add_months(start, months)
    day = timedelta(days=1)
    return [
        PhaseWindow(phase=Phase.launch, start=start, end=launch_end - day),
        PhaseWindow(phase=Phase.development, start=launch_end, end=completion_start - day),
        PhaseWindow(phase=Phase.completion, start=completion_start, end=end - day),
    ]


class Program(BaseModel):
    """A mentoring program and its rules."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="Unique name, used on the CLI.")
    type: ProgramType = Field(ProgramType.one_to_one, description="How the program pairs people.")
    start_date: date = Field(description="First day of the launch phase.")
    months: int = Field(12, ge=3, le=36, description="Length of the program in months.")
    cadence_weeks: int = Field(4, ge=1, le=12, description="Weeks between regular sessions.")
    session_minutes: int = Field(60, ge=15, le=240, description="Length of a regular session.")
    checkin_first_days: int = Field(30, ge=1, le=365, description="Days after a pairing's "
                                    "approval that the first pulse check-in is due.")
    checkin_every_days: int = Field(60, ge=7, le=365, description="Days between later pulse "
                                    "check-ins.")
    nudge_days: list[int] = Field(default_factory=lambda: [7, 14, 21], description="Nudge the "
                                  "pair when they have not met for this many days past the "
                                  "cadence (ascending).")
    coordinator_queue_days: int = Field(28, ge=1, le=365, description="Days past the cadence "
                                        "without a session before the pairing joins the "
                                        "coordinators' queue.")
    trial_sessions: int = Field(2, ge=0, le=12, description="Sessions of the trial period, "
                                "after which either side may leave with a no-fault exit.")
    host_organization: str | None = Field(None, max_length=120, description="Running organisation.")
    partner_organizations: list[str] = Field(
        default_factory=list, description="Partner organisations in a shared program."
    )
    require_shared_language: bool = Field(True, description="Pairs must share a language.")
    default_capacity: int = Field(2, ge=1, le=20, description="Mentees per mentor when unset.")
    matching_weights: MatchingWeights = Field(default_factory=MatchingWeights)
    ai_readable_fields: list[str] = Field(
        default_factory=lambda: list(DEFAULT_AI_READABLE_FIELDS),
        description="Profile fields the drafting agent may read.",
    )
    shareable_fields: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SHAREABLE_FIELDS),
        description="Profile fields a partner or another organisation may see.",
    )
    phases: list[PhaseWindow] = Field(default_factory=list, description="Computed when empty.")

    @field_validator("name")
    @classmethod
    def _clean_name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("program name is empty")
        return value

    @field_validator("nudge_days")
    @classmethod
    def _ascending_days(cls, value: list[int]) -> list[int]:
        if any(d < 1 or d > 365 for d in value) or value != sorted(set(value)):
            raise ValueError("nudge_days must be distinct days from 1 to 365, ascending")
        return value

    @field_validator("ai_readable_fields", "shareable_fields")
    @classmethod
    def _known_fields(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - PROFILE_FIELDS)
        if unknown:
            raise ValueError(f"unknown profile field(s): {', '.join(unknown)}")
        return value

    @model_validator(mode="after")
    def _fill_phases(self) -> Program:
        if not self.phases:
            self.phases = default_phases(self.start_date, self.months)
            return self
        order = [w.phase for w in self.phases]
        if order != [Phase.launch, Phase.development, Phase.completion]:
            raise ValueError("phases must be launch, development, completion, in that order")
        if self.phases[0].start != self.start_date:
            raise ValueError("the launch phase must start on the program's start date")
        for before, after in zip(self.phases, self.phases[1:], strict=False):
            if after.start != before.end + timedelta(days=1):
                raise ValueError(f"{after.phase} must start the day after {before.phase} ends")
        return self

    @property
    def end_date(self) -> date:
        """The last day of the program."""
        return self.phases[-1].end

    def phase_on(self, day: date) -> Phase | None:
        """The phase running on `day`, or None before the start and after the end."""
        for window in self.phases:
            if window.start <= day <= window.end:
                return window.phase
        return None

    def contains(self, day: date) -> bool:
        """Whether `day` falls inside the program."""
        return self.start_date <= day <= self.end_date
