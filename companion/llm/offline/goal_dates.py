"""Dates for SMART-ER goals: the program window, the goal's target (the mentee's own date when
it fits, clamped into the program and said so when it does not), and checkpoints spaced to suit
the phase — launch and development: two or three, at least three weeks apart, one at the
mid-program check-in when it falls between; completion: at most two, two weeks apart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from companion.domain.program import add_months
from companion.llm.offline.goal_text import Deadline

GAP = 21             # days between checkpoints in launch and development
COMPLETION_GAP = 14  # days between checkpoints in the completion phase
MIN_SPAN = 28        # days a goal needs from today to its target for two checkpoints
FAIR_SPAN = 42       # days a default target should leave after today
COMPLETION_MIN = 28  # days left in the program under which no goal is drafted in completion
DAY = timedelta(days=1)


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


@dataclass(frozen=True)
class Window:
    """The program as the goals see it from today."""

    today: date
    start: date
    end: date
    development_end: date | None
    phase: str
    development_start: date | None = None

    @property
    def mid(self) -> date:
        """The mid-program check-in: half-way through the development phase (through the
        program when its phases are unknown)."""
        first = self.development_start or self.start
        last = self.development_end or self.end
        return first + timedelta(days=(last - first).days // 2)

    @property
    def latest(self) -> date:
        """The latest target a goal may move to when readjusted: two weeks before the end, so
        that it is reviewed together, and never after the program ends."""
        return max(self.end - timedelta(days=14), min(self.end, self.today + timedelta(days=1)))

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def window(ctx_program: dict[str, Any], today: date, phase: str) -> Window | None:
    start, end = _day(ctx_program.get("start_date")), _day(ctx_program.get("end_date"))
    if end is None:
        return None
    start = start or min(today, end)
    first, last = development(ctx_program)
    return Window(today, start, end, last, phase, first)


def development(program: dict[str, Any]) -> tuple[date | None, date | None]:
    """First and last day of the development phase: from the program's phases when given,
    else the default calendar (launch and completion are ~15% of the program each, at least
    a month)."""
    for phase in program.get("phases") or []:
        if isinstance(phase, dict) and phase.get("phase") == "development":
            return _day(phase.get("start")), _day(phase.get("end"))
    start, end = _day(program.get("start_date")), _day(program.get("end_date"))
    if start is None or end is None:
        return None, None
    months = max(1, round(((end - start).days + 1) / 30.4375))
    edge = max(1, round(months * 0.15))
    return add_months(start, edge), add_months(start, months - edge) - DAY


def default_target(w: Window, strict: bool = False, stagger: int = 0) -> date | None:
    """The end of development, else two weeks before the program ends, else its last day —
    the first that leaves six (at worst four) weeks after today. `strict` (a date check
    failed) moves each option two weeks earlier; `stagger` moves it `stagger` × 4 weeks earlier
    when that still leaves six weeks, so that goals do not all fall due in the same week."""
    options = [d for d in (w.development_end, w.end - timedelta(days=14), w.end) if d]
    if strict:
        options = [d - timedelta(days=14) for d in options]
    floor = max(w.today, w.start)
    for span in (FAIR_SPAN, MIN_SPAN):
        for day in options:
            if floor + timedelta(days=span) <= day <= w.end:
                staggered = day - timedelta(days=28 * stagger)
                return staggered if staggered >= floor + timedelta(days=FAIR_SPAN) else day
    return None


@dataclass(frozen=True)
class Target:
    """A goal's time-bound date and what the draft should say about how it was chosen."""

    day: date
    remark: str | None = None
    """An honest word on the mentee's own date when it could not be used as it was."""
    milestone: str | None = None
    """The event the mentee named, kept as the goal's milestone."""
    early: date | None = None
    """The mentee's own date when too close for a target: it becomes the first checkpoint."""
    own: bool = False
    """Whether the day is the mentee's own date."""


def choose_target(w: Window, deadline: Deadline | None, fallback: date) -> Target:
    """The mentee's date when it fits inside the program with room for checkpoints, else
    `fallback`, with a remark saying why."""
    if deadline is None:
        return Target(fallback)
    if deadline.day is None:
        return Target(fallback, f"{deadline.event} has no date yet, so the goal is dated "
                                f"{fallback}; move it to just before {deadline.event} once its "
                                "date is known.", milestone=deadline.event)
    day, phrase = deadline.day, deadline.phrase
    if day > w.end:
        what = "span" if deadline.horizon else "date"
        # Month and year, not YYYY-MM-DD: a date outside the program is never written as one.
        return Target(fallback, f"The {what} I named ({phrase}, to {day:%B %Y}) runs past the "
                                f"program's end on {w.end}; this goal covers what I can do "
                                f"inside the program, by {fallback}, and I keep the longer "
                                "horizon in view after it.", milestone=deadline.event)
    floor = max(w.today, w.start)
    if day < floor + timedelta(days=MIN_SPAN):
        early = day if day > floor else None
        why = "is too close for a goal with checkpoints" if early else "has already passed"
        return Target(fallback, f"My own date ({phrase}, {day}) {why}, so "
                                + (f"{day} is my first checkpoint and " if early else "")
                                + f"the goal runs to {fallback}.", milestone=deadline.event,
                      early=early)
    return Target(day, milestone=deadline.event, own=True)


def checkpoints(w: Window, target: date, early: date | None = None) -> list[date]:
    """Two or three dates, ascending, at least three weeks apart, between today and `target`
    (the last on it): the first four to eight weeks out (or the mentee's own near date), one at
    the mid-program check-in when it falls between, else half-way."""
    floor = max(w.today, w.start - DAY)
    span = (target - floor).days
    if span < MIN_SPAN:
        return [target] if span > 0 else []
    first = early if early and (target - early).days >= GAP else \
        floor + timedelta(days=min(56, max(GAP, span // 3)))
    if (target - first).days < GAP:
        first = target - timedelta(days=GAP)
    points = [first]
    room = (target - first).days
    if room >= 2 * GAP:
        middle = w.mid if first + timedelta(days=GAP) <= w.mid <= target - timedelta(days=GAP) \
            else first + timedelta(days=room // 2)
        points.append(middle)
    points.append(target)
    return points


def completion_dates(w: Window) -> tuple[date, list[date]] | None:
    """A consolidation goal's target (a week before the end) and at most two checkpoints two
    weeks apart; None when under four weeks of the program remain."""
    if (w.end - w.today).days < COMPLETION_MIN:
        return None
    target = w.end - timedelta(days=7)
    span = (target - w.today).days
    first = w.today + timedelta(days=span // 2) if span >= 2 * COMPLETION_GAP \
        else target - timedelta(days=COMPLETION_GAP)
    return target, [first, target]


def moved(w: Window, target: date, later: bool) -> date | None:
    """`target` five weeks later (never past `w.latest`) or four weeks earlier (still six weeks
    after today); None when it cannot move that way."""
    if later:
        day = min(target + timedelta(days=35), w.latest)
        return day if day > target else None
    day = target - timedelta(days=28)
    return day if day >= max(w.today, w.start) + timedelta(days=FAIR_SPAN) else None
