"""How the CLI shows things: rich tables and progress bars for people, JSON for scripts."""

from __future__ import annotations

import json
import re
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


#: Characters a terminal acts on instead of showing: C0 controls but tab and newline (ESC
#: starts the sequences that clear the screen, move the cursor or retitle the window), DEL, C1
#: controls (U+009B is a one-character CSI), and the bidirectional overrides that reorder what
#: is shown.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL_OR_NEWLINE = re.compile(f"{_CONTROL.pattern}|[\n\t]")


def visible(value: object, *, newlines: bool = True) -> str:
    """`value` as text whose control characters are shown escaped (ESC as `\\x1b`) instead of
    reaching the terminal; `newlines=False` escapes line breaks and tabs too, for one-line
    cells whose text came from a request (audit entities)."""
    pattern = _CONTROL if newlines else _CONTROL_OR_NEWLINE
    return pattern.sub(_escaped, str(value))


def _escaped(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def esc(value: object) -> str:
    """User text made safe to embed in a rich markup string (markup and control characters
    neutralised)."""
    return escape(visible(value))


#: What JSON leaves raw of `_CONTROL` (it escapes C0 itself): C1 controls and the direction
#: marks and overrides, as UTF-8. They only occur inside strings, so `\u` escapes keep the
#: document equal.
_RAW_IN_JSON = re.compile(rb"\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]")


def _json_escaped(found: re.Match[bytes]) -> bytes:
    return b"\\u%04x" % ord(found.group().decode())


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
    if _RAW_IN_JSON.search(encoded):  # rare: one scan at C speed when there is none
        encoded = _RAW_IN_JSON.sub(_json_escaped, encoded)
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
    shown = Table(title=None if title is None else Text(visible(title)), caption=caption,
                  title_justify="left", header_style="bold",
                  show_header=any(columns))  # key/value tables pass blank column names
    for column in columns:
        shown.add_column(column, overflow="fold")
    for row in rows:
        # rich passes ESC and most other control characters through to the terminal
        shown.add_row(*(Text("" if v is None else visible(v)) for v in row))
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
