"""Importing and listing participants."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from companion.domain import Participant, Role
from companion.importing.readers import (
    FileReadError,
    ParsedFile,
    read_participant_bytes,
    read_participant_file,
)
from companion.importing.validate import RowError, validate_file
from companion.services.progress import NoProgress, Progress
from companion.store import AuditLog, Database, ParticipantRepository, ProgramRepository


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

    @property
    def ok(self) -> bool:
        return self.imported and not self.errors


def import_participants_file(db: Database, program: str, path: Path, *, skip_invalid: bool,
                             actor: str = "cli", progress: Progress | None = None
                             ) -> ImportReport:
    """Import a CSV/JSON/JSONL file. File-level problems come back as row-0 errors."""
    try:
        parsed = read_participant_file(path)
    except FileReadError as exc:
        return _file_error(program, str(path), exc)
    return import_parsed(db, program, parsed, source=path.name, skip_invalid=skip_invalid,
                         actor=actor, progress=progress)


def import_participants_bytes(db: Database, program: str, data: bytes, *, name: str,
                              skip_invalid: bool, actor: str) -> ImportReport:
    """Import an uploaded file's contents."""
    try:
        parsed = read_participant_bytes(data, name=name)
    except FileReadError as exc:
        return _file_error(program, name, exc)
    return import_parsed(db, program, parsed, source=name, skip_invalid=skip_invalid,
                         actor=actor)


def _file_error(program: str, source: str, exc: FileReadError) -> ImportReport:
    error = RowError(exc.row, exc.field or "file", str(exc))
    return ImportReport(program=program, source=source, imported=False,
                        errors=[error.as_dict()])


def import_parsed(db: Database, program: str, parsed: ParsedFile, *, source: str,
                  skip_invalid: bool, actor: str, progress: Progress | None = None
                  ) -> ImportReport:
    """Validate every row, then write all valid rows in one transaction — or none of them.

    Without `skip_invalid`, a single invalid row means nothing is written."""
    progress = progress or NoProgress()
    with db.session() as session:
        program_row = ProgramRepository(session).row(program)
        repo = ParticipantRepository(session, program_row.id)
        stored = repo.hashes_and_managers()
        with progress.stage("Validating rows", len(parsed.records)) as tick:
            validation = validate_file(
                parsed, existing_managers={pid: m for pid, (_, m) in stored.items()}, tick=tick)
        errors = [e.as_dict() for e in validation.errors]
        if errors and (not skip_invalid or validation.fatal):
            return ImportReport(program=program, source=source, imported=False, errors=errors)
        created: list[Participant] = []
        updated: list[Participant] = []
        unchanged = 0
        hashes: dict[str, str] = {}
        for item in validation.valid:
            participant = item.participant
            hashes[participant.id] = digest = participant.content_hash()
            if participant.id not in stored:
                created.append(participant)
            elif stored[participant.id][0] != digest:
                updated.append(participant)
            else:
                unchanged += 1
        with progress.stage("Writing participants", len(created) + len(updated)) as tick:
            repo.upsert(created, updated, hashes=hashes)
            tick(len(created) + len(updated))
        skipped = len({e["row"] for e in errors})
        AuditLog(session).append(actor, "participants.import", "program", program,
                                 program=program, detail={
                                     "source": source, "created": len(created),
                                     "updated": len(updated), "unchanged": unchanged,
                                     "skipped": skipped,
                                 })
    return ImportReport(program=program, source=source, imported=True, created=len(created),
                        updated=len(updated), unchanged=unchanged, skipped=skipped,
                        errors=errors)


def list_participants(db: Database, program: str, *, role: Role | None = None
                      ) -> list[Participant]:
    """Everyone in a program (optionally only those who can take `role`)."""
    with db.session() as session:
        program_row = ProgramRepository(session).row(program)
        return ParticipantRepository(session, program_row.id).list(role)
