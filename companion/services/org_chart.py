"""The organisation chart beyond a program's participants: who the managers outside the
program are and whom they report to, so the reporting-line rule walks the line all the way
up (a mentee's manager's manager — a skip-level — is never their mentor)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from companion.domain.reporting import reporting_problems
from companion.importing.readers import (
    FileReadError,
    ParsedFile,
    read_participant_bytes,
    read_participant_file,
)
from companion.importing.validate import RowError
from companion.services.reporting_checks import (
    ReportingCheck,
    check_reporting_lines,
    would_break,
)
from companion.store import (
    AuditLog,
    Database,
    OrgPerson,
    OrgTree,
    ParticipantRepository,
    ProgramRepository,
    whole_tree,
)

MAX_ID, MAX_NAME = 64, 120


class OrgChartReport(BaseModel):
    """What an organisation-chart import did."""

    program: str
    source: str
    imported: bool = Field(description="False when errors stopped it (nothing written).")
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    participants: int = Field(0, description="Rows of people who are participants: their "
                              "line comes from the participant import, so they are skipped.")
    errors: list[dict[str, Any]] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    reporting_conflicts: list[dict[str, Any]] = Field(
        default_factory=list, description="Live pairings the reporting lines now forbid "
        "(pairing_id, mentee_id, mentor_id, status, why); with dry_run: those the import "
        "would flag.")
    dry_run: bool = Field(False, description="Nothing was written: the counts and "
                          "reporting_conflicts say what the import would do.")


class OrgRecordView(BaseModel):
    id: str
    name: str | None
    manager_id: str | None


def import_org_chart(db: Database, program: str, path: Path, *, actor: str = "cli",
                     dry_run: bool = False) -> OrgChartReport:
    """Import `id, name, manager_id` rows (any file the participant import reads; other
    columns are ignored) as organisation records of `program`. All rows or none. With
    `dry_run` nothing is written and the report says what the import would do."""
    try:
        parsed = read_participant_file(path)
    except FileReadError as exc:
        return OrgChartReport(program=program, source=path.name, imported=False,
                              dry_run=dry_run, errors=[
                                  RowError(exc.row, exc.field or "file", str(exc)).as_dict()])
    return _import(db, program, parsed, source=path.name, actor=actor, dry_run=dry_run)


def import_org_chart_bytes(db: Database, program: str, data: bytes, *, name: str,
                           actor: str, dry_run: bool = False) -> OrgChartReport:
    """Import an uploaded organisation chart (see `import_org_chart`)."""
    try:
        parsed = read_participant_bytes(data, name=name)
    except FileReadError as exc:
        return OrgChartReport(program=program, source=name, imported=False, dry_run=dry_run,
                              errors=[RowError(exc.row, exc.field or "file", str(exc)).as_dict()])
    return _import(db, program, parsed, source=name, actor=actor, dry_run=dry_run)


def _import(db: Database, program: str, parsed: ParsedFile, *, source: str, actor: str,
            dry_run: bool = False) -> OrgChartReport:
    people, errors = _records(parsed)
    with db.session() as session:
        row = ProgramRepository(session).row(program)
        participants = {pid: manager for pid, (_, manager) in
                        ParticipantRepository(session, row.id).hashes_and_managers().items()}
        tree = OrgTree(session, row.id)
        outside = [p for p in people.values() if p.id not in participants]
        if not errors:
            lines = whole_tree(participants, {**tree.managers(),
                                              **{p.id: p.manager_id for p in outside}})
            row_of = {p.id: r for r, p in people.items()}
            errors += [RowError(row_of[problem.participant_id], "manager_id", problem.message)
                       for problem in reporting_problems(lines)
                       if problem.participant_id in row_of
                       and problem.participant_id not in participants]
        if errors:
            return OrgChartReport(program=program, source=source, imported=False,
                                  dry_run=dry_run, errors=[e.as_dict() for e in sorted(errors)])
        if dry_run:
            broken = would_break(session, row, org={p.id: p.manager_id for p in outside})
            created, updated, unchanged = _counts(tree.list(), outside)
            return OrgChartReport(program=program, source=source, imported=False,
                                  dry_run=True, created=created, updated=updated,
                                  unchanged=unchanged, participants=len(people) - len(outside),
                                  reporting_conflicts=[b.as_dict() for b in broken])
        created, updated, unchanged = tree.upsert(outside)
        check: ReportingCheck = check_reporting_lines(session, row, actor=actor)
        AuditLog(session).append(actor, "org_chart.import", "program", program,
                                 program=program, detail={
                                     "source": source, "created": created, "updated": updated,
                                     "unchanged": unchanged,
                                     "broken_pairings": [b.pairing_id for b in check.broken]})
    skipped = len(people) - len(outside)
    return OrgChartReport(program=program, source=source, imported=True, created=created,
                          updated=updated, unchanged=unchanged, participants=skipped,
                          warnings=check.warnings(),
                          reporting_conflicts=[b.as_dict() for b in check.broken])


def _counts(stored: list[OrgPerson], people: list[OrgPerson]) -> tuple[int, int, int]:
    """(created, updated, unchanged) `OrgTree.upsert` would answer for `people`."""
    before = {p.id: (p.name, p.manager_id) for p in stored}
    created = sum(p.id not in before for p in people)
    unchanged = sum(before.get(p.id) == (p.name, p.manager_id) for p in people)
    return created, len(people) - created - unchanged, unchanged


def _records(parsed: ParsedFile) -> tuple[dict[int, OrgPerson], list[RowError]]:
    errors = [RowError(*e) for e in parsed.record_errors]
    if parsed.header is not None and "id" not in parsed.header:
        found = ", ".join(parsed.header) or "none"
        return {}, errors + [RowError(1, "id", f"required column 'id' is missing (columns "
                                              f"found: {found})")]
    people: dict[int, OrgPerson] = {}
    seen: dict[str, int] = {}
    for record in parsed.records:
        pid, name, manager = (_text(record.data.get(k)) for k in ("id", "name", "manager_id"))
        problems = []
        if not pid:
            problems.append(RowError(record.row, "id", "id is required"))
        elif pid in seen:
            problems.append(RowError(record.row, "id", f"duplicate id '{pid}' (first on row "
                                                       f"{seen[pid]}); list each person once"))
        for field, value, limit in (("id", pid, MAX_ID), ("manager_id", manager, MAX_ID),
                                    ("name", name, MAX_NAME)):
            if value and len(value) > limit:
                problems.append(RowError(record.row, field, f"{field} is longer than {limit} "
                                                            "characters"))
        if pid and manager == pid:
            problems.append(RowError(record.row, "manager_id",
                                     f"'{pid}' is listed as their own manager"))
        if problems:
            errors += problems
            continue
        assert pid is not None
        seen[pid] = record.row
        people[record.row] = OrgPerson(pid, name, manager)
    return people, errors


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    text = " ".join(str(value).split())
    return text or None


def org_records(db: Database, program: str) -> list[OrgRecordView]:
    """A program's organisation records (people outside it that its reporting lines name)."""
    with db.session() as session:
        row = ProgramRepository(session).row(program)
        return [OrgRecordView(id=p.id, name=p.name, manager_id=p.manager_id)
                for p in OrgTree(session, row.id).list()]
