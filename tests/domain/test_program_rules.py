"""Programs: phases, dates and field policies."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from companion.domain import Phase, PhaseWindow, Program
from companion.domain.program import add_months, default_phases


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2027, 1, 31), 1, date(2027, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2027, 11, 15), 3, date(2028, 2, 15)),
    (date(2027, 5, 1), -5, date(2026, 12, 1)),
    (date(2027, 5, 1), 0, date(2027, 5, 1)),
])
def test_add_months_clamps_to_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize(("months", "launch_months"), [(6, 1), (12, 2), (18, 3), (3, 1)])
def test_default_phases_cover_the_program_without_gaps(months: int, launch_months: int) -> None:
    start = date(2027, 1, 11)
    phases = default_phases(start, months)
    assert [w.phase for w in phases] == [Phase.launch, Phase.development, Phase.completion]
    assert phases[0].start == start
    assert phases[0].end == add_months(start, launch_months) - timedelta(days=1)
    assert phases[-1].end == add_months(start, months) - timedelta(days=1)
    for before, after in zip(phases, phases[1:], strict=False):
        assert (after.start - before.end).days == 1


@pytest.mark.parametrize(("day", "phase"), [
    (date(2027, 1, 10), None),
    (date(2027, 1, 11), Phase.launch),
    (date(2027, 3, 10), Phase.launch),
    (date(2027, 3, 11), Phase.development),
    (date(2027, 11, 10), Phase.development),
    (date(2027, 11, 11), Phase.completion),
    (date(2028, 1, 10), Phase.completion),
    (date(2028, 1, 11), None),
])
def test_phase_on_a_day(day: date, phase: Phase | None) -> None:
    program = Program(name="P", start_date=date(2027, 1, 11), months=12)
    assert program.phase_on(day) == phase
    assert program.contains(day) is (phase is not None)


def test_explicit_phases_must_be_ordered_and_contiguous() -> None:
    start = date(2027, 1, 1)
    good = [PhaseWindow(phase=Phase.launch, start=start, end=date(2027, 1, 31)),
            PhaseWindow(phase=Phase.development, start=date(2027, 2, 1), end=date(2027, 5, 31)),
            PhaseWindow(phase=Phase.completion, start=date(2027, 6, 1), end=date(2027, 6, 30))]
    assert Program(name="P", start_date=start, months=6, phases=good).end_date == date(2027, 6, 30)
    with pytest.raises(ValidationError, match="in that order"):
        Program(name="P", start_date=start, months=6, phases=list(reversed(good)))
    gap = [good[0], good[1].model_copy(update={"start": date(2027, 2, 3)}), good[2]]
    with pytest.raises(ValidationError, match="must start the day after"):
        Program(name="P", start_date=start, months=6, phases=gap)
    with pytest.raises(ValidationError, match="ends .* before it starts"):
        PhaseWindow(phase=Phase.launch, start=date(2027, 2, 1), end=date(2027, 1, 1))


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "   ", "empty"),
    ("months", 2, "greater than or equal to 3"),
    ("months", 40, "less than or equal to 36"),
    ("ai_readable_fields", ["name", "salary"], "unknown profile field"),
    ("type", "tandem", "Input should be"),
])
def test_program_rejects_bad_values(field: str, value: object, message: str) -> None:
    data = {"name": "P", "start_date": date(2027, 1, 1), field: value}
    with pytest.raises(ValidationError, match=message):
        Program(**data)


def test_ai_may_not_read_email_or_manager_by_default() -> None:
    program = Program(name="P", start_date=date(2027, 1, 1))
    assert "email" not in program.ai_readable_fields
    assert "manager_id" not in program.ai_readable_fields
    assert "goals" in program.ai_readable_fields
