"""Validating raw records: each row on its own, then the rules that span rows."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from pydantic import ValidationError

from companion.domain.participant import Participant
from companion.domain.reporting import reporting_problems
from companion.importing.readers import ParsedFile, RawRecord

REQUIRED = ("id", "name", "role")
KNOWN_FIELDS = frozenset(Participant.model_fields) - {"extra"}


class RowError(NamedTuple):
    """One problem: the row a person looks for, the field to fix, and what is wrong."""

    row: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


class ValidRow(NamedTuple):
    row: int
    participant: Participant


class Validation(NamedTuple):
    """Rows that passed every rule, and every problem found. `fatal` problems (a missing
    required column) leave no row importable, even when invalid rows are to be skipped."""

    valid: list[ValidRow]
    errors: list[RowError]
    fatal: bool = False


def validate_file(parsed: ParsedFile, *, existing_managers: Mapping[str, str | None],
                  tick: Callable[[int], None] | None = None) -> Validation:
    """Validate every record of `parsed` against the rules and the participants already stored
    (`existing_managers`: stored id → manager id)."""
    errors = [RowError(*problem) for problem in parsed.record_errors]
    if parsed.header is not None:
        missing = [c for c in REQUIRED if c not in parsed.header]
        if missing:
            found = ", ".join(parsed.header) or "none"
            return Validation([], errors + [
                RowError(1, c, f"required column '{c}' is missing (columns found: {found})")
                for c in missing
            ], fatal=True)
    valid: list[ValidRow] = []
    first_row: dict[str, int] = {}
    for index, record in enumerate(parsed.records):
        participant, problems = validate_record(record)
        errors.extend(problems)
        # Duplicates are judged on the raw id, so a repeat of an invalid row is still caught.
        raw_id = _raw_id(record)
        if raw_id is not None and raw_id in first_row:
            errors.append(RowError(record.row, "id", f"duplicate id '{raw_id}' "
                                   f"(first on row {first_row[raw_id]})"))
            continue
        if raw_id is not None:
            first_row[raw_id] = record.row
        if participant is not None:
            valid.append(ValidRow(record.row, participant))
        if tick is not None and index % 500 == 499:
            tick(500)
    if tick is not None:
        tick(len(parsed.records) % 500)
    invalid_ids = _ids_of_invalid_rows(parsed.records, {v.row for v in valid})
    valid, line_errors = _check_reporting_lines(valid, existing_managers, invalid_ids)
    errors.extend(line_errors)
    errors.sort(key=lambda e: (e.row, e.field))
    return Validation(valid, errors)


def validate_record(record: RawRecord) -> tuple[Participant | None, list[RowError]]:
    """One record on its own: a Participant, or the errors naming each bad field."""
    data: dict[str, Any] = {}
    extra: dict[str, str] = {}
    for key, value in record.data.items():
        if key in KNOWN_FIELDS:
            data[key] = value
        elif value not in (None, ""):
            extra[key] = value if isinstance(value, str) else json.dumps(value)
    problems = [RowError(record.row, f, f"{f} is required")
                for f in REQUIRED if _blank(data.get(f))]
    # No database stores NUL characters (PostgreSQL refuses the whole import on one).
    problems += [RowError(record.row, key, f"{key} contains a NUL character (\\x00), which "
                          "is never valid text")
                 for key, value in record.data.items() if "\x00" in str(value)]
    raw_id, raw_manager = data.get("id"), data.get("manager_id")
    if not _blank(raw_id) and not _blank(raw_manager) and str(raw_id).strip() == str(
            raw_manager).strip():
        problems.append(RowError(record.row, "manager_id",
                                 f"'{str(raw_id).strip()}' is listed as their own manager"))
    for field in REQUIRED:
        if _blank(data.get(field)):
            data.pop(field, None)
    data["extra"] = extra
    try:
        participant = Participant.model_validate(data)
    except ValidationError as exc:
        reported = {p.field for p in problems}
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else _model_error_field(err)
            if field in reported:
                continue
            reported.add(field)
            problems.append(RowError(record.row, field, _message(err)))
        return None, problems
    if problems:
        return None, problems
    return participant, []


def _model_error_field(err: Any) -> str:
    # Whole-record rules name the field they are about in their message.
    return "manager_id" if "own manager" in str(err["msg"]) else "(record)"


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _message(err: Any) -> str:
    message = str(err["msg"])
    if message.startswith("Value error, "):
        return message.removeprefix("Value error, ")
    if err["type"] == "missing":
        return f"{err['loc'][0]} is required"
    if err["type"] in ("string_type", "int_type", "bool_type", "list_type"):
        return f"{message} (got {json.dumps(err.get('input'))})"
    return message


def _raw_id(record: RawRecord) -> str | None:
    raw = record.data.get("id")
    if isinstance(raw, str | int) and not isinstance(raw, bool) and str(raw).strip():
        return str(raw).strip()
    return None


def _ids_of_invalid_rows(records: list[RawRecord], valid_rows: set[int]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for record in records:
        if record.row not in valid_rows:
            raw = record.data.get("id")
            if isinstance(raw, str | int) and str(raw).strip():
                ids.setdefault(str(raw).strip(), record.row)
    return ids


def _check_reporting_lines(
    valid: list[ValidRow], existing: Mapping[str, str | None], invalid_ids: Mapping[str, int]
) -> tuple[list[ValidRow], list[RowError]]:
    """Self-management, unknown managers and cycles across file and store.

    Dropping a bad row can strand the people it manages, so this repeats until nothing more
    is dropped (each round removes at least one row, so it ends)."""
    errors: list[RowError] = []
    while True:
        row_of = {v.participant.id: v.row for v in valid}
        managers: dict[str, str | None] = {
            pid: manager for pid, manager in existing.items() if pid not in row_of
        }
        managers.update({v.participant.id: v.participant.manager_id for v in valid})
        bad: dict[str, str] = {}
        for problem in reporting_problems(managers):
            if problem.participant_id in row_of and problem.participant_id not in bad:
                bad[problem.participant_id] = problem.message
        if not bad:
            return valid, errors
        for pid, message in bad.items():
            manager = managers.get(pid)
            if manager is not None and manager in invalid_ids and "not a participant" in message:
                message = (f"manager '{manager}' is on row {invalid_ids[manager]}, "
                           "which has errors; fix that row first")
            errors.append(RowError(row_of[pid], "manager_id", message))
        invalid_ids = {**invalid_ids, **{pid: row_of[pid] for pid in bad}}
        valid = [v for v in valid if v.participant.id not in bad]
