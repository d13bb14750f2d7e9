"""The progress port: how long work (embedding, ingesting, importing) reports that it advances.

It sits at the bottom of the layers so engines (matching, retrieval, importing) can take a
`Progress` without knowing who shows it; the faces provide the implementations that show
something (the CLI's rich bars in `companion.cli.output.BarProgress`)."""

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
