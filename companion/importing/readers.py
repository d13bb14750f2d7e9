"""Reading participant files (CSV, TSV, Excel .xlsx, JSON, JSONL) into numbered raw records.

Row numbers are what a person looks for: for CSV the line a spreadsheet shows (header = 1,
first record = 2), for .xlsx the sheet's own row number, for JSON and JSONL the 1-based record
number. Headers become record fields through `headers.py` (and a mapping file's `columns`);
bytes become text through `sources.py`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from companion.importing.headers import field_for, fold, name_part, surname_beside_first
from companion.importing.sources import (
    FileReadError,
    decode_text,
    sheet_rows,
    sniff_delimiter,
)

__all__ = ["SUPPORTED", "FileReadError", "ParsedFile", "RawRecord", "normalise_key",
           "read_participant_bytes", "read_participant_file", "read_workbook"]

SUPPORTED = {".csv": "csv", ".tsv": "tsv", ".xlsx": "xlsx", ".xlsm": "xlsx",
             ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_BINARY_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive (an Excel .xlsx workbook?)",
    b"\xd0\xcf\x11\xe0": "an old Excel/Office file",
    b"%PDF": "a PDF document",
}


class RawRecord(NamedTuple):
    """One record as read from the file, before validation."""

    row: int
    data: dict[str, Any]


class ParsedFile(NamedTuple):
    """Records plus the header (None for JSON, where every record has its own keys)."""

    kind: str
    header: list[str] | None
    records: list[RawRecord]
    record_errors: list[tuple[int, str, str]]  # (row, field, message) for unreadable records
    #: Each record key as the file wrote it ('Development Goals' for `goals`),
    #: in the order first seen: what reports name, so a person finds the column.
    labels: Mapping[str, str] = MappingProxyType({})
    #: How the text was read ('UTF-8', 'UTF-16', 'Windows-1252'); None for workbooks.
    encoding: str | None = None
    #: The CSV delimiter found (',', ';' or tab); None for other kinds.
    delimiter: str | None = None


def read_participant_file(path: Path, *, kind: str | None = None,
                          columns: Mapping[str, str] | None = None) -> ParsedFile:
    """Read `path`; the type comes from its suffix unless `kind` is given."""
    if not path.exists():
        raise FileReadError(f"file not found: {path}")
    if path.is_dir():
        raise FileReadError(f"{path} is a folder, not a file")
    return read_participant_bytes(path.read_bytes(), name=path.name, kind=kind,
                                  columns=columns)


def read_workbook(data: bytes, *, name: str,
                  columns: Mapping[str, str] | None = None) -> ParsedFile:
    """The first sheet of an .xlsx workbook; row numbers are the sheet's."""
    header_line, header, rows = sheet_rows(data, name=name)
    return _table(header, header_line, rows, name=name, kind="xlsx", columns=columns,
                  what="a value outside the header's columns?")


def read_participant_bytes(data: bytes, *, name: str, kind: str | None = None,
                           columns: Mapping[str, str] | None = None) -> ParsedFile:
    """Read file contents (also used for HTTP uploads). `columns` maps the file's own
    headers to fields, ahead of the headers recognised out of the box."""
    suffix = Path(name).suffix.lower()
    kind = kind or SUPPORTED.get(suffix)
    if kind is None:
        shown = suffix or "(no extension)"
        raise FileReadError(
            f"unsupported file type {shown} for '{name}': use .csv, .tsv, .xlsx, .json or "
            ".jsonl"
        )
    if kind == "xlsx":
        if not data:
            raise FileReadError(f"'{name}' is empty")
        return read_workbook(data, name=name, columns=columns)
    for signature, what in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise FileReadError(f"'{name}' is {what}, not {kind.upper()} text; "
                                + ("give it the .xlsx extension" if signature == b"PK\x03\x04"
                                   else "save it as .xlsx or CSV") + " and import that")
    text, encoding = decode_text(data, name=name)
    if not text.strip():
        raise FileReadError(f"'{name}' is empty: expected a header and participant rows"
                            if kind in ("csv", "tsv") else f"'{name}' is empty")
    if kind in ("csv", "tsv"):
        delimiter = sniff_delimiter(text, default="\t" if kind == "tsv" else ",")
        return _read_csv(text, delimiter=delimiter, name=name, kind=kind,
                         columns=columns)._replace(encoding=encoding)
    parsed = _read_json(text, name=name, columns=columns) if kind == "json" else \
        _read_jsonl(text, name=name, columns=columns)
    return parsed._replace(encoding=encoding)


def normalise_key(key: str, columns: Mapping[str, str] | None = None) -> str:
    """'Manager ID ' → 'manager_id', 'Employee ID' → 'id': a header onto its record field
    (or, for a column no field takes, onto its extra-field key)."""
    return field_for(key, columns)


def _read_csv(text: str, *, delimiter: str, name: str, kind: str,
              columns: Mapping[str, str] | None = None) -> ParsedFile:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header_row = next(reader)
    except csv.Error as exc:
        raise FileReadError(f"cannot read the header of '{name}': {exc}", row=1) from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        row = 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise FileReadError(f"'{name}' is not valid CSV near row {row + 1}: {exc}",
                                    row=row + 1) from None
            row += 1
            yield row, values

    parsed = _table(header_row, 1, rows(), name=name, kind=kind, columns=columns,
                    what="a stray delimiter or unquoted comma?")
    return parsed._replace(delimiter=delimiter)


def _table(header_row: list[str], header_line: int, rows: Iterable[tuple[int, list[str]]], *,
           name: str, kind: str, columns: Mapping[str, str] | None, what: str) -> ParsedFile:
    """Records from a header and numbered rows of cell texts (CSV lines, sheet rows)."""
    header = [h.strip() for h in header_row]
    while header and not header[-1]:  # spreadsheets often carry empty trailing columns
        header.pop()
    if not any(header):
        raise FileReadError(f"the first line of '{name}' should be the column header",
                            row=header_line)
    keys = [normalise_key(h, columns) if h else "" for h in header]
    parts = _name_parts(header, keys, columns)
    if parts is not None and keys[parts[1]] == "name":
        keys[parts[1]] = "(surname)"  # 'Name' beside 'Vorname' is the surname; joined below
    seen: dict[str, int] = {}
    for index, key in enumerate(keys):
        if not key:
            raise FileReadError(f"column {index + 1} of the header has no name",
                                row=header_line, field=f"column {index + 1}")
        if key in seen:
            first = header[seen[key]]
            if first.casefold() == header[index].casefold():
                message = (f"column '{header[index]}' appears twice in the header "
                           f"(columns {seen[key] + 1} and {index + 1})")
            else:
                message = (f"columns '{first}' ({seen[key] + 1}) and '{header[index]}' "
                           f"({index + 1}) both mean {key}; keep one, or map one of them "
                           "to another field in a mapping file")
            raise FileReadError(message, row=header_line, field=header[index])
        seen[key] = index
    records: list[RawRecord] = []
    problems: list[tuple[int, str, str]] = []
    for row, values in rows:
        if not any(v.strip() for v in values):
            continue  # a blank line; spreadsheets keep its number, so we count it
        if len(values) > len(keys):
            extra = [v for v in values[len(keys):] if v.strip()]
            if extra:
                problems.append((row, "(row)", f"{len(values)} values but the header has "
                                 f"{len(keys)} columns — {what}"))
                continue
        records.append(RawRecord(row, {k: (values[i] if i < len(values) else "")
                                       for i, k in enumerate(keys)}))
    if not records and not problems:
        raise FileReadError(f"'{name}' has a header but no participant rows", row=header_line)
    labels = dict(zip(keys, header, strict=True))
    if parts is not None:
        keys, records, labels = _join_name(keys, records, labels, parts)
    return ParsedFile(kind, keys, records, problems, labels)


def _name_parts(header: list[str], keys: list[str], columns: Mapping[str, str] | None
                ) -> tuple[int, int] | None:
    """The (first, last) name columns to join into `name`: when the file has both and no
    full-name column (a 'Name' or 'Nom' beside a first-name column is the surname)."""
    first = [i for i, h in enumerate(header) if keys[i] != "name" and name_part(h) == "first"]
    if len(first) != 1:
        return None
    last = [i for i, h in enumerate(header) if keys[i] != "name" and name_part(h) == "last"]
    named = [i for i, k in enumerate(keys) if k == "name"]
    mapped = {fold(h) for h in (columns or {})}
    if not last and len(named) == 1 and surname_beside_first(header[named[0]]) \
            and fold(header[named[0]]) not in mapped:
        last = named
    elif named:
        return None
    return (first[0], last[0]) if len(last) == 1 else None


def _join_name(keys: list[str], records: list[RawRecord], labels: dict[str, str],
               parts: tuple[int, int]) -> tuple[list[str], list[RawRecord], dict[str, str]]:
    first, last = keys[parts[0]], keys[parts[1]]
    joined: list[RawRecord] = []
    for record in records:
        data = {k: v for k, v in record.data.items() if k not in (first, last)}
        data["name"] = " ".join(str(record.data.get(k) or "").strip() for k in (first, last)
                                if str(record.data.get(k) or "").strip())
        joined.append(RawRecord(record.row, data))
    label = f"{labels[first]} + {labels[last]}"
    keys = [("name" if k == first else k) for k in keys if k != last]
    labels = {("name" if k == first else k): (label if k == first else v)
              for k, v in labels.items() if k != last}
    return keys, joined, labels


def _read_json(text: str, *, name: str, columns: Mapping[str, str] | None = None
               ) -> ParsedFile:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileReadError(
            f"'{name}' is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    if isinstance(document, dict) and isinstance(document.get("participants"), list):
        document = document["participants"]
    if not isinstance(document, list):
        raise FileReadError(f"'{name}' should hold a list of participant objects "
                            "(or an object with a 'participants' list)")
    if not document:
        raise FileReadError(f"'{name}' holds no participants")
    return _objects(document, kind="json", columns=columns)


def _read_jsonl(text: str, *, name: str, columns: Mapping[str, str] | None = None
                ) -> ParsedFile:
    items: list[Any] = []
    problems: list[tuple[int, str, str]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError as exc:
            items.append(None)
            problems.append((len(items), "(record)", f"invalid JSON: {exc.msg} at column "
                             f"{exc.colno}"))
    parsed = _objects(items, kind="jsonl", skip={row for row, _, _ in problems},
                      columns=columns)
    return parsed._replace(record_errors=problems + parsed.record_errors)


def _objects(items: list[Any], *, kind: str, skip: set[int] | None = None,
             columns: Mapping[str, str] | None = None) -> ParsedFile:
    records: list[RawRecord] = []
    problems: list[tuple[int, str, str]] = []
    labels: dict[str, str] = {}
    for number, item in enumerate(items, 1):
        if skip and number in skip:
            continue
        if not isinstance(item, dict):
            problems.append((number, "(record)",
                             f"expected an object with participant fields, got {_kind(item)}"))
            continue
        fields: dict[str, Any] = {}
        original: dict[str, str] = {}
        for key, value in item.items():
            name = normalise_key(str(key), columns)
            if name in fields:
                problems.append((number, str(key), f"keys '{original[name]}' and '{key}' both "
                                 f"mean '{name}', so the field appears twice; keep one"))
            fields[name] = value
            original.setdefault(name, str(key))
            labels.setdefault(name, str(key))
        if any(row == number for row, _, _ in problems):
            continue
        records.append(RawRecord(number, fields))
    return ParsedFile(kind, None, records, problems, labels)


def _kind(value: Any) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number",
            bool: "true/false", type(None): "null"}.get(type(value), type(value).__name__)
