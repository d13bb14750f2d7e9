"""The injectable clock: the system clock tells the real time in UTC; the test clock stands
still until it is moved, so a whole program can be simulated day by day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from companion.domain.clock import Clock, FixedClock, SystemClock, clock_or_system

T0 = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


def test_system_clock_is_aware_utc_and_moves() -> None:
    clock = SystemClock()
    before = datetime.now(UTC)
    now = clock.now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert before <= now <= datetime.now(UTC)
    assert clock.today() == now.date()


def test_fixed_clock_stands_still_until_moved() -> None:
    clock = FixedClock(T0)
    assert clock.now() == clock.now() == T0
    assert clock.advance(days=30) == T0 + timedelta(days=30)
    assert clock.now() == T0 + timedelta(days=30)
    assert clock.today() == date(2027, 2, 10)
    clock.set(datetime(2028, 1, 1, tzinfo=UTC))
    assert clock.today() == date(2028, 1, 1)


def test_fixed_clock_can_step_on_every_reading() -> None:
    clock = FixedClock(T0, step=timedelta(seconds=1))
    assert [clock.now() for _ in range(3)] == [T0 + timedelta(seconds=s) for s in range(3)]


def test_fixed_clock_normalises_offsets_to_utc() -> None:
    clock = FixedClock(datetime(2027, 1, 11, 10, 0, tzinfo=timezone(timedelta(hours=1))))
    assert clock.now() == T0 and clock.now().tzinfo is UTC


@pytest.mark.parametrize("bad", [datetime(2027, 1, 11, 9, 0)])
def test_naive_times_are_refused(bad: datetime) -> None:
    with pytest.raises(ValueError, match="time zone"):
        FixedClock(bad)
    with pytest.raises(ValueError, match="time zone"):
        FixedClock(T0).set(bad)


def test_going_back_in_time_is_refused() -> None:
    clock = FixedClock(T0)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(days=-1)


def test_clock_or_system() -> None:
    fixed = FixedClock(T0)
    assert clock_or_system(fixed) is fixed
    assert isinstance(clock_or_system(None), SystemClock)
    assert isinstance(fixed, Clock) and isinstance(SystemClock(), Clock)
