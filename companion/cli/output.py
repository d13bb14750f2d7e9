"""How the CLI shows things: rich tables and progress bars for people, JSON for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

import orjson
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichBar
from rich.table import Table
from rich.text import Text

from companion.progress import Tick

out = Console(soft_wrap=False)
err = Console(stderr=True)


def esc(value: object) -> str:
    """User text made safe to embed in a rich markup string."""
    return escape(str(value))


class OutputFormat(StrEnum):
    """--format: a table for people, JSON for scripts."""

    table = "table"
    json = "json"


def print_json(data: Any) -> None:
    """JSON on stdout, nothing else (rich would wrap long lines). orjson writes it ~10× faster
    than the json module's indenting encoder (1.3 s for a 10k-mentee suggestion run); what it
    cannot encode (integers beyond 64 bits) falls back to json."""
    try:
        encoded = orjson.dumps(data, default=str,
                               option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        encoded = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode()
    if hasattr(sys.stdout, "buffer"):
        sys.stdout.flush()  # keep the order with anything written as text before
        sys.stdout.buffer.write(encoded + b"\n")
    else:  # a text-only stream (pytest's capsys, StringIO)
        sys.stdout.write(encoded.decode() + "\n")
    sys.stdout.flush()


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]],
          *, caption: str | None = None) -> None:
    """A rich table on stdout."""
    # Text, not str: names and goals are people's own words and must never be read as markup.
    shown = Table(title=None if title is None else Text(title), caption=caption,
                  title_justify="left", header_style="bold",
                  show_header=any(columns))  # key/value tables pass blank column names
    for column in columns:
        shown.add_column(column, overflow="fold")
    for row in rows:
        shown.add_row(*(Text("" if v is None else str(v)) for v in row))
    out.print(shown)


class BarProgress:
    """A rich progress bar per stage on stderr (nothing when stderr is not a terminal)."""

    @contextmanager
    def stage(self, description: str, total: int | None) -> Iterator[Tick]:
        with RichBar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                     TimeElapsedColumn(), TimeRemainingColumn(), console=err,
                     transient=False, disable=not err.is_terminal) as bar:
            task = bar.add_task(description, total=total)
            yield lambda n: bar.advance(task, n)
