"""Validating raw records: each row on its own, then the rules that span rows."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, Protocol

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
    """A row that passed every rule. `columns` are the fields its file gives (unknown
    columns included): a re-import changes only those on a stored participant."""

    row: int
    participant: Participant
    columns: frozenset[str]


class Validation(NamedTuple):
    """Rows that passed every rule, and every problem found. `fatal` problems (a missing
    required column) leave no row importable, even when invalid rows are to be skipped."""

    valid: list[ValidRow]
    errors: list[RowError]
    fatal: bool = False


class KnownPerson(Protocol):
    """What validation needs to know of a participant already stored."""

    @property
    def name(self) -> str: ...

    @property
    def organization(self) -> str | None: ...

    @property
    def manager_id(self) -> str | None: ...


def unknown_columns(parsed: ParsedFile) -> list[str]:
    """Columns (JSON keys) no participant field takes, as the file spells them, in file
    order: they are kept as extra fields, and the report says so."""
    keys = parsed.header if parsed.header is not None else list(parsed.labels)
    return [parsed.labels.get(k, k) for k in keys if k not in KNOWN_FIELDS]


def validate_file(parsed: ParsedFile, *, existing: Mapping[str, KnownPerson],
                  host_organization: str | None = None,
                  tick: Callable[[int], None] | None = None) -> Validation:
    """Validate every record of `parsed` against the rules and the participants already
    stored (`existing`: stored id → what is known of them). Ids are unique in a program
    across organisations; a blank organisation counts as `host_organization`."""
    errors = [RowError(*problem) for problem in parsed.record_errors]
    header_columns = frozenset(parsed.header) if parsed.header is not None else None
    if parsed.header is not None:
        missing = [c for c in REQUIRED if c not in parsed.header]
        if missing:
            found = ", ".join(parsed.header) or "none"
            return Validation([], errors + [
                RowError(1, c, f"required column '{c}' is missing (columns found: {found})")
                for c in missing
            ], fatal=True)
    valid: list[ValidRow] = []
    first: dict[str, RawRecord] = {}
    clashes: dict[str, int] = {}  # ids whose row is another organisation's person → row
    for index, record in enumerate(parsed.records):
        participant, problems = validate_record(record)
        errors.extend(problems)
        # Duplicates are judged on the raw id, so a repeat of an invalid row is still caught.
        raw_id = _raw_id(record)
        if raw_id is not None and raw_id in first:
            errors.append(RowError(record.row, "id",
                                   _duplicate(raw_id, first[raw_id], record, host_organization)))
            continue
        if raw_id is not None:
            first[raw_id] = record
            known = existing.get(raw_id)
            clash = None if known is None else _stored_clash(raw_id, known, record,
                                                             host_organization)
            if clash is not None:
                errors.append(RowError(record.row, "id", clash))
                clashes[raw_id] = record.row
                continue
        if participant is not None:
            columns = header_columns if header_columns is not None else frozenset(record.data)
            valid.append(ValidRow(record.row, participant, columns))
        if tick is not None and index % 500 == 499:
            tick(500)
    if tick is not None:
        tick(len(parsed.records) % 500)
    valid, clash_errors = _managed_by_clashes(valid, clashes)
    errors.extend(clash_errors)
    invalid_ids = _ids_of_invalid_rows(parsed.records, {v.row for v in valid})
    managers = {pid: person.manager_id for pid, person in existing.items()}
    valid, line_errors = _check_reporting_lines(valid, managers, invalid_ids)
    errors.extend(line_errors)
    errors.sort(key=lambda e: (e.row, e.field))
    return Validation(valid, errors)


def _text(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


def _same_organization(a: Any, b: Any, host: str | None) -> bool:
    """Blank means the host; two organisations we cannot name are not told apart."""
    first, second = (_text(o) or _text(host) for o in (a, b))
    return not first or not second or first.casefold() == second.casefold()


def _who(name: Any, organization: Any, host: str | None) -> str:
    org = _text(organization) or _text(host)
    return f"{_text(name) or '(no name)'}" + (f" of {org}" if org else "")


def _prefix_hint(pid: str, organization: Any) -> str:
    words = "".join(c if c.isalnum() else " " for c in _text(organization)).split()
    prefix = ("".join(w[0] for w in words[:4]) if len(words) > 1
              else (words[0][:3] if words else "P")).upper()
    return (f"ids must be unique in the program across organisations — prefix the partner's "
            f"ids (e.g. {prefix}-{pid}) and import again")


def _duplicate(pid: str, first: RawRecord, record: RawRecord, host: str | None) -> str:
    org, first_org = record.data.get("organization"), first.data.get("organization")
    who = _who(first.data.get("name"), first_org, host)
    if _same_organization(org, first_org, host):
        return f"duplicate id '{pid}' (first on row {first.row}: {who}); list each person once"
    return (f"duplicate id '{pid}': {pid} is already {who} (first on row {first.row}); "
            + _prefix_hint(pid, org))


def _stored_clash(pid: str, known: KnownPerson, record: RawRecord,
                  host: str | None) -> str | None:
    """A message when `record` gives a stored id to someone of another organisation. A
    file without an organization column does not change anyone's organisation."""
    if "organization" not in record.data:
        return None
    org = record.data.get("organization")
    if _same_organization(org, known.organization or "", host):
        return None
    return (f"{pid} is already {_who(known.name, known.organization, host)} (stored in this "
            f"program), but this row is {_who(record.data.get('name'), org, host)}; "
            + _prefix_hint(pid, org))


def _managed_by_clashes(valid: list[ValidRow], clashes: Mapping[str, int]
                        ) -> tuple[list[ValidRow], list[RowError]]:
    """Rows whose manager is a row refused for an id clash: the stored person of that id is
    someone else, so linking them would file them under the wrong manager."""
    if not clashes:
        return valid, []
    kept: list[ValidRow] = []
    errors: list[RowError] = []
    for item in valid:
        manager = item.participant.manager_id
        if manager is not None and manager in clashes and "manager_id" in item.columns:
            errors.append(RowError(item.row, "manager_id", f"manager '{manager}' is on row "
                                   f"{clashes[manager]}, which has errors; fix that row first"))
        else:
            kept.append(item)
    return kept, errors


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
    """Self-management and cycles across file and store, and managers whose own row has
    errors. A row of a file without a manager_id column keeps its stored manager. A manager
    nobody in the file or the program is, is fine: the import keeps them as an organisation
    record (never matched, but walked by the reporting-line rule).

    Dropping a bad row can strand the people it manages, so this repeats until nothing more
    is dropped (each round removes at least one row, so it ends)."""
    errors: list[RowError] = []
    while True:
        row_of = {v.participant.id: v.row for v in valid}
        managers: dict[str, str | None] = {
            pid: manager for pid, manager in existing.items() if pid not in row_of
        }
        managers.update({v.participant.id: v.participant.manager_id
                         if "manager_id" in v.columns else existing.get(v.participant.id)
                         for v in valid})
        bad: dict[str, str] = {}
        for problem in reporting_problems(managers):
            if problem.participant_id in row_of and problem.participant_id not in bad:
                bad[problem.participant_id] = problem.message
        for pid in row_of:
            manager = managers.get(pid)
            if (pid not in bad and manager is not None and manager in invalid_ids
                    and manager not in managers):
                bad[pid] = (f"manager '{manager}' is on row {invalid_ids[manager]}, "
                            "which has errors; fix that row first")
        if not bad:
            return valid, errors
        errors.extend(RowError(row_of[pid], "manager_id", message)
                      for pid, message in bad.items())
        invalid_ids = {**invalid_ids, **{pid: row_of[pid] for pid in bad}}
        valid = [v for v in valid if v.participant.id not in bad]
