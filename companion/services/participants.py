"""Importing and listing participants."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel, Field

from companion.domain import Participant, Role
from companion.domain.participant import IMPORT_FIELDS, changed_fields, merge_import
from companion.errors import ConflictError
from companion.importing.headers import fold
from companion.importing.levels import LevelProblem, apply_levels
from companion.importing.mapping import ImportMapping, load_mapping, parse_mapping
from companion.importing.readers import (
    FileReadError,
    ParsedFile,
    read_participant_bytes,
    read_participant_file,
)
from companion.importing.sources import delimiter_name
from companion.importing.validate import (
    KNOWN_FIELDS,
    RowError,
    Validation,
    ValidRow,
    unknown_columns,
    validate_file,
)
from companion.services.progress import NoProgress, Progress
from companion.services.reporting_checks import check_reporting_lines, would_break
from companion.store import AuditLog, Database, ParticipantRepository, ProgramRepository
from companion.store.repositories import ParticipantsChangedConcurrently, StoredSummary


class ImportReport(BaseModel):
    """What an import did (the `import participants` JSON shape)."""

    program: str
    source: str
    imported: bool = Field(description="False when errors stopped the import (nothing written).")
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = Field(0, description="Invalid rows left out (the import was told to skip them).")
    errors: list[dict[str, Any]] = Field(default_factory=list)
    unknown_columns: list[str] = Field(
        default_factory=list, description="Columns no field takes, as the file names them: "
        "kept as extra fields on each participant, not used for matching.")
    warnings: list[str] = Field(default_factory=list,
                                description="Things worth knowing that did not stop the import.")
    reporting_conflicts: list[dict[str, Any]] = Field(
        default_factory=list, description="Live pairings the reporting lines now forbid "
        "(pairing_id, mentee_id, mentor_id, status, why): flagged, never kept as valid. "
        "With dry_run: the pairings the import would flag (nothing is flagged yet).")
    dry_run: bool = Field(False, description="Nothing was written: the counts, `changes` and "
                          "errors say what the import would do.")
    blocked: bool = Field(False, description="Errors stop the import (with dry_run: would "
                          "stop it); nothing was written.")
    columns: list[dict[str, Any]] = Field(
        default_factory=list, description="Each column as the file names it, the field it "
        "fills (`field` null: kept as an extra field) and `how`: 'as named', 'recognised' "
        "(a common HR header) or 'mapped' (by the mapping file).")
    encoding: str | None = Field(None, description="How the text was read (UTF-8, UTF-16, "
                                 "Windows-1252); null for workbooks and unreadable files.")
    delimiter: str | None = Field(None, description="comma, semicolon or tab (CSV only).")
    changes: dict[str, Any] | None = Field(
        None, description="Dry runs only: the ids to be created, updated (with the fields "
        "that change) and left unchanged.")

    @property
    def ok(self) -> bool:
        return self.imported and not self.errors


def read_mapping(path: Path) -> ImportMapping:
    """A mapping file (YAML or JSON) checked; a MappingError names the key at fault."""
    return load_mapping(path)


def mapping_from_text(text: str, *, name: str) -> ImportMapping:
    """A mapping sent as text (an upload's `map` part)."""
    return parse_mapping(text, name=name)


def import_participants_file(db: Database, program: str, path: Path, *, skip_invalid: bool,
                             actor: str = "cli", progress: Progress | None = None,
                             mapping: ImportMapping | None = None, dry_run: bool = False
                             ) -> ImportReport:
    """Import a CSV/TSV/XLSX/JSON/JSONL file. File-level problems come back as row-0
    errors (row 1 for the header)."""
    mapping = mapping or ImportMapping()
    try:
        parsed = read_participant_file(path, columns=mapping.columns)
    except FileReadError as exc:
        return _file_error(program, str(path), exc, dry_run=dry_run)
    return import_parsed(db, program, parsed, source=path.name, skip_invalid=skip_invalid,
                         actor=actor, progress=progress, mapping=mapping, dry_run=dry_run)


def import_participants_bytes(db: Database, program: str, data: bytes, *, name: str,
                              skip_invalid: bool, actor: str,
                              mapping: ImportMapping | None = None, dry_run: bool = False
                              ) -> ImportReport:
    """Import an uploaded file's contents."""
    mapping = mapping or ImportMapping()
    try:
        parsed = read_participant_bytes(data, name=name, columns=mapping.columns)
    except FileReadError as exc:
        return _file_error(program, name, exc, dry_run=dry_run)
    return import_parsed(db, program, parsed, source=name, skip_invalid=skip_invalid,
                         actor=actor, mapping=mapping, dry_run=dry_run)


def _file_error(program: str, source: str, exc: FileReadError, *, dry_run: bool
                ) -> ImportReport:
    error = RowError(exc.row, exc.field or "file", str(exc))
    return ImportReport(program=program, source=source, imported=False, blocked=True,
                        dry_run=dry_run, errors=[error.as_dict()])


def import_parsed(db: Database, program: str, parsed: ParsedFile, *, source: str,
                  skip_invalid: bool, actor: str, progress: Progress | None = None,
                  mapping: ImportMapping | None = None, dry_run: bool = False
                  ) -> ImportReport:
    """Validate every row, then write all valid rows in one transaction — or none of them.

    Without `skip_invalid`, a single invalid row means nothing is written. A stored person
    changes only in the columns the file has. Unknown columns are kept as extra fields and
    reported. Grade texts become levels through `mapping.levels` (or the number inside
    them). With `dry_run` nothing is written and the report lists what would change.
    Another import creating or changing the same people at the same moment is a
    ConflictError, with nothing of this one written."""
    progress = progress or NoProgress()
    mapping = mapping or ImportMapping()
    parsed, level_problems = apply_levels(parsed, mapping)
    unknown = unknown_columns(parsed)
    notes = _warnings(unknown) + _unused_mapping(parsed, mapping, source)
    about = _about(parsed, mapping)
    try:
        with db.session() as session:
            programs = ProgramRepository(session)
            program_row = programs.row(program)
            repo = ParticipantRepository(session, program_row.id)
            stored = repo.import_index()
            with progress.stage("Validating rows", len(parsed.records)) as tick:
                validation = validate_file(
                    parsed, existing=stored, tick=tick,
                    host_organization=programs.get(program).host_organization)
            errors = [e.as_dict() for e in _explain_levels(validation, level_problems)]
            if errors and (not skip_invalid or validation.fatal):
                return ImportReport(program=program, source=source, imported=False,
                                    blocked=True, dry_run=dry_run, errors=errors,
                                    unknown_columns=unknown, warnings=notes, **about)
            plan = _plan(validation.valid, stored, repo)
            skipped = len({e["row"] for e in errors})
            if dry_run:
                # The same rule the import applies (services/reporting_checks.py), on the
                # lines the file would leave: the coordinator sees a reorg's casualties first.
                broken = would_break(session, program_row, participants={
                    p.id: p.manager_id for p in [*plan.created, *plan.updated]})
                return ImportReport(
                    program=program, source=source, imported=False, dry_run=True,
                    created=len(plan.created), updated=len(plan.updated),
                    unchanged=len(plan.unchanged), skipped=skipped, errors=errors,
                    unknown_columns=unknown, warnings=notes, changes=_changes(plan), **about,
                    reporting_conflicts=[b.as_dict() for b in broken])
            with progress.stage("Writing participants", len(plan.created) + len(plan.updated)
                                ) as tick:
                repo.upsert(plan.created, plan.updated, hashes=plan.hashes,
                            expected={p.id: stored[p.id].content_hash for p in plan.updated})
                tick(len(plan.created) + len(plan.updated))
            detail: dict[str, Any] = {
                "source": source, "created": len(plan.created), "updated": len(plan.updated),
                "unchanged": len(plan.unchanged), "skipped": skipped}
            # Which fields changed, per updated id: field names only (no values), so the
            # row stays small even for a 10k-row re-import.
            if plan.changes:
                detail["changed_fields"] = plan.changes
            if unknown:
                detail["unknown_columns"] = unknown
            AuditLog(session).append(actor, "participants.import", "program", program,
                                     program=program, detail=detail)
            # The reporting tree (services/reporting_checks.py): managers outside the
            # program become organisation records; live pairings new lines break are flagged.
            lines = check_reporting_lines(session, program_row, actor=actor)
            notes = notes + lines.warnings()
    except ParticipantsChangedConcurrently as exc:
        raise _concurrent_import(db, program, source, exc) from exc
    return ImportReport(program=program, source=source, imported=True,
                        created=len(plan.created), updated=len(plan.updated),
                        unchanged=len(plan.unchanged), skipped=skipped, errors=errors,
                        unknown_columns=unknown, warnings=notes, **about,
                        reporting_conflicts=[b.as_dict() for b in lines.broken])


def _about(parsed: ParsedFile, mapping: ImportMapping) -> dict[str, Any]:
    """How the file was read: its columns and the fields they fill (and how: 'as named',
    'recognised' from HR names, 'mapped' by the mapping file), encoding, delimiter."""
    keys = parsed.header if parsed.header is not None else list(parsed.labels)
    mapped = {fold(header) for header in mapping.columns}

    def column(key: str) -> dict[str, Any]:
        label = parsed.labels.get(key, key)
        if key not in KNOWN_FIELDS:
            how = "mapped" if fold(label) in mapped else None
            return {"column": label, "field": None, "how": how}
        how = ("mapped" if fold(label) in mapped else
               "as named" if fold(label) == fold(key) else "recognised")
        return {"column": label, "field": key, "how": how}

    return {"columns": [column(k) for k in keys],
            "encoding": parsed.encoding,
            "delimiter": delimiter_name(parsed.delimiter) if parsed.delimiter else None}


def _explain_levels(validation: Validation, problems: list[LevelProblem]) -> list[RowError]:
    """Validation's errors, with a grade text's generic 'not a whole number' replaced by
    what to do about it, and a level out of range pointed at the mapping's levels (an
    organisation's own grades often run past 8)."""
    clearer = {p.row: p.message for p in problems}
    explained: list[RowError] = []
    for error in validation.errors:
        if error.field == "level" and error.row in clearer:
            error = RowError(error.row, error.field, clearer[error.row])
        elif error.field == "level" and "out of range" in error.message:
            error = RowError(error.row, error.field, error.message + "; if these are your "
                             "organisation's own grades, map them to 1–8 in the mapping "
                             "file's levels")
        explained.append(error)
    return explained


def _unused_mapping(parsed: ParsedFile, mapping: ImportMapping, source: str) -> list[str]:
    """A warning for mapping columns the file does not have (a typo, or another export)."""
    if not mapping.columns:
        return []
    present = {fold(label) for label in parsed.labels.values()}
    missing = [c for c in mapping.columns if fold(c) not in present]
    if not missing:
        return []
    return [f"the mapping names column(s) {', '.join(repr(c) for c in missing)}, which "
            f"{source} does not have"]


def _changes(plan: _Plan) -> dict[str, Any]:
    return {"created": [p.id for p in plan.created],
            "updated": [{"id": p.id, "fields": plan.changes.get(p.id, [])}
                        for p in plan.updated],
            "unchanged": plan.unchanged}


class _Plan(NamedTuple):
    created: list[Participant]
    updated: list[Participant]
    unchanged: list[str]  # ids
    hashes: dict[str, str]
    changes: dict[str, list[str]]  # id → fields changed, for each updated participant


def _plan(valid: list[ValidRow], stored: Mapping[str, StoredSummary],
          repo: ParticipantRepository) -> _Plan:
    """Sort valid rows into created, updated and unchanged. A row whose content hash equals
    the stored one changes nothing (this is the common case, and reads nothing more); any
    other row of a stored person is laid over that person's stored record."""
    created: list[Participant] = []
    differing: list[ValidRow] = []
    unchanged: list[str] = []
    hashes: dict[str, str] = {}
    for item in valid:
        participant = item.participant
        hashes[participant.id] = digest = participant.content_hash()
        if participant.id not in stored:
            created.append(participant)
        elif stored[participant.id].content_hash == digest:
            unchanged.append(participant.id)
        else:
            differing.append(item)
    current = repo.by_ids(item.participant.id for item in differing)
    updated: list[Participant] = []
    changes: dict[str, list[str]] = {}
    for item in differing:
        before = current[item.participant.id]
        after = merge_import(before, item.participant, item.columns)
        fields = changed_fields(before, after)
        if not fields:
            unchanged.append(after.id)
            continue
        if after is not item.participant:  # else the row as it is: its hash is known
            hashes[after.id] = after.content_hash()
        updated.append(after)
        changes[after.id] = fields
    return _Plan(created, updated, unchanged, hashes, changes)


def _warnings(unknown: list[str]) -> list[str]:
    if not unknown:
        return []
    names = ", ".join(f"'{c}'" for c in unknown)
    return [f"{len(unknown)} column(s) not recognised: {names}. They are kept as extra fields "
            "on each participant but matching does not use them; recognised columns: "
            + ", ".join(IMPORT_FIELDS) + "."]


def _concurrent_import(db: Database, program: str, source: str,
                       exc: ParticipantsChangedConcurrently) -> ConflictError:
    """The clash in words, naming the ids (read after this import's rollback)."""
    pids = exc.pids
    if exc.created:
        with db.session() as session:
            repo = ParticipantRepository(session, ProgramRepository(session).row(program).id)
            pids = sorted(set(pids) & repo.import_index().keys()) or pids
    shown = ", ".join(pids[:10]) + (f" and {len(pids) - 10} more" if len(pids) > 10 else "")
    if exc.created:
        return ConflictError(
            f"another import created {shown} in {program} at the same time as this one; "
            f"nothing from {source} was imported. Run the import again: those people will "
            "then be updated instead of created.")
    return ConflictError(
        f"another import changed {shown} in {program} at the same time as this one; nothing "
        f"from {source} was imported. Run the import again to apply it on top of that change.")


def list_participants(db: Database, program: str, *, role: Role | None = None
                      ) -> list[Participant]:
    """Everyone in a program (optionally only those who can take `role`)."""
    with db.session() as session:
        program_row = ProgramRepository(session).row(program)
        return ParticipantRepository(session, program_row.id).list(role)
