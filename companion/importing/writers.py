"""Writing a table for people who open it in a spreadsheet: CSV (UTF-8 with a BOM, so Excel
reads the accents) or XLSX. The one place that writes spreadsheets (openpyxl stays in
`companion.importing`). Cells a spreadsheet would run as a formula are quoted."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from companion.errors import BadInputError

FORMATS = ("csv", "xlsx")


def safe_cell(value: Any) -> Any:
    """`value`, with text that starts like a formula (=, +, -, @) prefixed by a quote."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def table_bytes(fmt: str, headers: Sequence[str], rows: Sequence[Sequence[Any]],
                *, sheet: str = "Export") -> bytes:
    """The table as a CSV or XLSX file's bytes."""
    if fmt not in FORMATS:
        raise BadInputError(f"cannot write '{fmt}': use {' or '.join(FORMATS)}", field="to")
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(headers)
        for row in rows:
            writer.writerow([_text(safe_cell(v)) for v in row])
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    page = book.create_sheet(sheet[:31])
    page.append(list(headers))
    for row in rows:
        page.append([_xlsx(safe_cell(v)) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _xlsx(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # spreadsheets hold no zone: UTC, said in the header
    return value
