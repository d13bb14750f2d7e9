"""Reading participant files (CSV, JSON, JSONL) into numbered raw records.

Row numbers are what a person looks for: for CSV the line a spreadsheet shows (header = 1,
first record = 2), for JSON and JSONL the 1-based record number.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from companion.errors import BadInputError

SUPPORTED = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".jsonl": "jsonl",
             ".ndjson": "jsonl"}
_BINARY_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive (an Excel .xlsx workbook?)",
    b"\xd0\xcf\x11\xe0": "an old Excel/Office file",
    b"%PDF": "a PDF document",
}


class RawRecord(NamedTuple):
    """One record as read from the file, before validation."""

    row: int
    data: dict[str, Any]


class FileReadError(BadInputError):
    """The file as a whole cannot be read; `row` says where, when known."""

    def __init__(self, message: str, *, row: int = 0, field: str = "file") -> None:
        super().__init__(message, field=field)
        self.row = row


class ParsedFile(NamedTuple):
    """Records plus the CSV header (None for JSON, where every record has its own keys)."""

    kind: str
    header: list[str] | None
    records: list[RawRecord]
    record_errors: list[tuple[int, str, str]]  # (row, field, message) for unreadable records
    #: Each record key as the file wrote it ('Development Goals' for `development_goals`),
    #: in the order first seen: what reports name, so a person finds the column.
    labels: Mapping[str, str] = MappingProxyType({})


def read_participant_file(path: Path, *, kind: str | None = None) -> ParsedFile:
    """Read `path`; the type comes from its suffix unless `kind` is given."""
    if not path.exists():
        raise FileReadError(f"file not found: {path}")
    if path.is_dir():
        raise FileReadError(f"{path} is a folder, not a file")
    return read_participant_bytes(path.read_bytes(), name=path.name, kind=kind)


def read_participant_bytes(data: bytes, *, name: str, kind: str | None = None) -> ParsedFile:
    """Read file contents (also used for HTTP uploads)."""
    suffix = Path(name).suffix.lower()
    kind = kind or SUPPORTED.get(suffix)
    if kind is None:
        shown = suffix or "(no extension)"
        raise FileReadError(
            f"unsupported file type {shown} for '{name}': use .csv (UTF-8), .json or .jsonl; "
            "from a spreadsheet, save as 'CSV UTF-8'"
        )
    for signature, what in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise FileReadError(f"'{name}' is {what}, not {kind.upper()} text; "
                                "export it as CSV UTF-8 and import that")
    if b"\x00" in data[:4096]:
        raise FileReadError(f"'{name}' contains binary data, not {kind.upper()} text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileReadError(
            f"'{name}' is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save it as 'CSV UTF-8' or convert it to UTF-8"
        ) from None
    if not text.strip():
        raise FileReadError(f"'{name}' is empty: expected a header and participant rows"
                            if kind in ("csv", "tsv") else f"'{name}' is empty")
    if kind in ("csv", "tsv"):
        return _read_csv(text, delimiter="\t" if kind == "tsv" else ",", name=name, kind=kind)
    if kind == "json":
        return _read_json(text, name=name)
    return _read_jsonl(text, name=name)


#: Other spellings people use in spreadsheet headers, mapped to the record field.
ALIASES = {
    "time_zone": "timezone", "tz": "timezone", "e_mail": "email", "mail": "email",
    "organisation": "organization", "org": "organization", "company": "organization",
    "dept": "department", "job_title": "title", "manager": "manager_id",
    "line_manager_id": "manager_id", "language": "languages", "skill": "skills",
    "goal": "goals", "mentoring_format": "format", "max_mentees": "capacity",
}


def normalise_key(key: str) -> str:
    """'Manager ID ' → 'manager_id', 'Time Zone' → 'timezone': headers onto record fields."""
    key = "_".join(key.strip().lower().replace("-", " ").split())
    return ALIASES.get(key, key)


def _read_csv(text: str, *, delimiter: str, name: str, kind: str) -> ParsedFile:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header_row = next(reader)
    except csv.Error as exc:
        raise FileReadError(f"cannot read the header of '{name}': {exc}", row=1) from None
    header = [h.strip() for h in header_row]
    if not any(header):
        raise FileReadError(f"the first line of '{name}' should be the column header", row=1)
    keys = [normalise_key(h) for h in header]
    seen: dict[str, int] = {}
    for index, key in enumerate(keys):
        if not key:
            raise FileReadError(f"column {index + 1} of the header has no name", row=1,
                                field=f"column {index + 1}")
        if key in seen:
            raise FileReadError(
                f"column '{header[index]}' appears twice in the header "
                f"(columns {seen[key] + 1} and {index + 1})", row=1, field=header[index])
        seen[key] = index
    records: list[RawRecord] = []
    problems: list[tuple[int, str, str]] = []
    row = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            row += 1
            raise FileReadError(f"'{name}' is not valid CSV near row {row}: {exc}",
                                row=row) from None
        row += 1
        if not any(v.strip() for v in values):
            continue  # a blank line; spreadsheets keep its number, so we count it
        if len(values) > len(keys):
            extra = [v for v in values[len(keys):] if v.strip()]
            if extra:
                problems.append((row, "(row)", f"{len(values)} values but the header has "
                                 f"{len(keys)} columns — a stray delimiter or unquoted comma?"))
                continue
        records.append(RawRecord(row, {k: (values[i] if i < len(values) else "")
                                       for i, k in enumerate(keys)}))
    if not records and not problems:
        raise FileReadError(f"'{name}' has a header but no participant rows", row=1)
    return ParsedFile(kind, keys, records, problems, dict(zip(keys, header, strict=True)))


def _read_json(text: str, *, name: str) -> ParsedFile:
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
    return _objects(document, kind="json")


def _read_jsonl(text: str, *, name: str) -> ParsedFile:
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
    parsed = _objects(items, kind="jsonl", skip={row for row, _, _ in problems})
    return parsed._replace(record_errors=problems + parsed.record_errors)


def _objects(items: list[Any], *, kind: str, skip: set[int] | None = None) -> ParsedFile:
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
            name = normalise_key(str(key))
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
