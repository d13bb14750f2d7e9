"""Progress reporting for long work, independent of how it is shown (rich bar, nothing)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

Tick = Callable[[int], None]


class Progress(Protocol):
    """Something that can show a stage of work advancing."""

    def stage(self, description: str, total: int | None) -> AbstractContextManager[Tick]:
        """A context manager yielding `tick(n)` for a stage of `total` units."""
        ...


class NoProgress:
    """Shows nothing (HTTP requests, tests, scripts)."""

    @contextmanager
    def stage(self, description: str, total: int | None) -> Iterator[Tick]:
        yield lambda _n: None
