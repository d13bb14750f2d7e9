"""The clock: where every date computation of the mentoring relationship gets "now".

Services that need the time (sessions in the past, health, nudges, check-in schedules, the
calendar) take `clock: Clock | None = None` and call `clock_or_system(clock)`; tests pass a
`FixedClock` and move it, so a twelve-month program runs in a test in milliseconds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """Tells the time: always timezone-aware, always UTC."""

    def now(self) -> datetime:
        """The current instant in UTC."""
        ...

    def today(self) -> date:
        """The current UTC date."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().date()

    def __repr__(self) -> str:
        return "SystemClock()"


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{at.isoformat()} has no time zone: give the clock an aware "
                         "datetime (e.g. datetime(..., tzinfo=UTC))")
    return at.astimezone(UTC)


class FixedClock:
    """A clock for tests and simulations: it stands still at `at` until `advance` or `set`
    moves it (forward only); with `step`, every reading moves it on by `step`, so readings
    in a row are distinct and ordered."""

    def __init__(self, at: datetime, *, step: timedelta = timedelta(0)) -> None:
        if step < timedelta(0):
            raise ValueError("a clock's step cannot go backwards")
        self._at = _utc(at)
        self._step = step

    def now(self) -> datetime:
        at = self._at
        self._at = at + self._step
        return at

    def today(self) -> date:
        return self._at.date()

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        """Move forward by `delta` or by `timedelta(**parts)` (days=, hours=, ...); returns
        the new time."""
        delta = (delta or timedelta(0)) + timedelta(**parts)
        if delta < timedelta(0):
            raise ValueError("a clock cannot go backwards; build a new FixedClock instead")
        self._at += delta
        return self._at

    def set(self, at: datetime) -> None:
        """Jump to `at` (any instant, aware)."""
        self._at = _utc(at)

    def __repr__(self) -> str:
        return f"FixedClock({self._at.isoformat()})"


SYSTEM_CLOCK: Clock = SystemClock()


def clock_or_system(clock: Clock | None) -> Clock:
    """`clock`, or the system clock when None (the default of every service)."""
    return SYSTEM_CLOCK if clock is None else clock
