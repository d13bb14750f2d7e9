"""Creating, reading, editing and deleting programs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from companion.domain import PairingStatus, Program, ProgramType
from companion.errors import BadInputError
from companion.services.tokens import forget_verified
from companion.store import (
    AuditLog,
    Database,
    PairingRepository,
    ProgramHoldings,
    ProgramRecords,
    ProgramRepository,
)

#: What `edit_program` may change, as the Program fields they set.
EDITABLE = ("name", "start_date", "months", "session_minutes", "cadence_weeks",
            "host_organization", "default_capacity")


def build_program(name: str, *, type: ProgramType | str = ProgramType.one_to_one,
                  start: date | None = None, months: int = 12, **options: Any) -> Program:
    """A validated Program; a field-naming BadInputError for bad values."""
    try:
        return Program(name=name, type=ProgramType(type), start_date=start or date.today(),
                       months=months, **options)
    except ValueError as exc:
        if isinstance(exc, ValidationError):
            raise _field_error(exc) from None
        raise BadInputError(f"type: unknown program type '{type}': use "
                            f"{', '.join(t.value for t in ProgramType)}", field="type") from None


def create_program(db: Database, program: Program, *, actor: str = "cli") -> Program:
    """Store a new program (ConflictError if the name is taken) and audit it."""
    with db.session() as session:
        ProgramRepository(session).create(program)
        AuditLog(session).append(actor, "program.create", "program", program.name,
                                 program=program.name,
                                 detail={"type": program.type.value,
                                         "start_date": program.start_date.isoformat(),
                                         "months": program.months})
    return program


def get_program(db: Database, name: str) -> Program:
    with db.session() as session:
        return ProgramRepository(session).get(name)


def list_programs(db: Database) -> list[Program]:
    with db.session() as session:
        return ProgramRepository(session).list()


def _field_error(exc: ValidationError) -> BadInputError:
    first = exc.errors()[0]
    name = ".".join(str(p) for p in first["loc"]) or "program"
    message = str(first["msg"]).removeprefix("Value error, ")
    return BadInputError(f"{name}: {message}", field=name)


def start_warnings(program: Program, today: date | None = None) -> list[str]:
    """A start date in the past is allowed (a program entered after it began) but is
    usually a typo: say so, with what it means for the phases."""
    today = today or date.today()
    if program.start_date >= today:
        return []
    days = (today - program.start_date).days
    phase = program.phase_on(today)
    where = (f"it is in its {phase} phase today" if phase is not None
             else f"it ended on {program.end_date}")
    return [f"start date {program.start_date} is in the past ({days} day(s) ago): {where}. "
            "If that is a typo, edit the program's start date."]


@dataclass(frozen=True)
class ProgramEdited:
    """An edit: the program after it, each changed field as (before, after), and what is
    worth knowing (a start in the past, drafts or pairings the new dates leave outside)."""

    program: Program
    renamed_from: str | None
    changed: dict[str, tuple[Any, Any]]
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ProgramDeleted:
    """A deleted program and what went with it."""

    program: str
    holdings: ProgramHoldings


def edit_program(db: Database, name: str, changes: dict[str, Any], *, actor: str = "cli",
                 today: date | None = None) -> ProgramEdited:
    """Change some of a program's settings (`EDITABLE`); new dates recompute the phases.
    Drafts whose deadlines or checkpoints fall outside the new dates, and live pairings of a
    program the new dates end before today, come back as warnings: they stay as they are
    for a coordinator to look at."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise BadInputError(f"{unknown[0]}: cannot be edited; editable: {', '.join(EDITABLE)}",
                            field=unknown[0])
    given = {k: v for k, v in changes.items() if v is not None}
    if not given:
        raise BadInputError("nothing to change: give at least one setting to change ("
                            + ", ".join(EDITABLE) + ")", field="changes")
    today = today or date.today()
    with db.session() as session:
        programs = ProgramRepository(session)
        row = programs.row(name)
        before = programs.get(name)
        data = before.model_dump()
        data.update(given)
        dates_changed = (data["start_date"], data["months"]) != (before.start_date, before.months)
        if dates_changed:
            data["phases"] = []  # recomputed for the new dates
        try:
            after = Program.model_validate(data)
        except ValidationError as exc:
            raise _field_error(exc) from None
        changed = {k: (getattr(before, k), getattr(after, k)) for k in EDITABLE
                   if getattr(before, k) != getattr(after, k)}
        if not changed:
            return ProgramEdited(before, None, {}, ["nothing changed: the program already "
                                                    "has these settings"])
        records = ProgramRecords(session)
        warnings = start_warnings(after, today) if "start_date" in changed else []
        if dates_changed:
            warnings += _outside_dates(records.dated_drafts(row), after)
            live = PairingRepository(session, row).list(
                (PairingStatus.pending, PairingStatus.approved, PairingStatus.active))
            if live and after.end_date < today <= before.end_date:
                warnings.append(f"with these dates the program ended on {after.end_date}, "
                                f"but {len(live)} pairing(s) are still pending, approved or "
                                "active: end them or choose later dates")
        records.update(row, after)
        renamed = before.name if after.name != before.name else None
        AuditLog(session).append(
            actor, "program.edit", "program", after.name, program=after.name,
            detail={"changed": {k: [_plain(b), _plain(a)] for k, (b, a) in changed.items()},
                    **({"renamed_from": renamed} if renamed else {}),
                    **({"warnings": warnings} if warnings else {})})
    if renamed:  # the program's tokens now name it by its new name
        forget_verified()
    return ProgramEdited(after, renamed, changed, warnings)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _outside_dates(drafts: list[Any], program: Program) -> list[str]:
    found = []
    for draft in drafts:
        outside = [d for d in draft.dates if not program.contains(d)]
        if outside:
            shown = ", ".join(d.isoformat() for d in outside[:3])
            found.append(f"draft {draft.draft_id} ({draft.kind} of {draft.participant_id}, "
                         f"{draft.status}) names {shown}, outside the program's new dates "
                         f"{program.start_date} → {program.end_date}: review its deadlines")
    return found


def program_holdings(db: Database, name: str) -> ProgramHoldings:
    """What deleting the program would delete."""
    with db.session() as session:
        return ProgramRecords(session).holdings(ProgramRepository(session).row(name))


def describe_holdings(name: str, holdings: ProgramHoldings) -> str:
    return (f"program '{name}' holds {holdings.participants} participant(s), "
            f"{holdings.pairings} pairing(s), {holdings.drafts} draft(s) and "
            f"{holdings.org_people} organisation record(s)")


def delete_program(db: Database, name: str, *, confirmed: bool, actor: str = "cli"
                   ) -> ProgramDeleted:
    """Delete a program with everything it holds (its tokens and sign-in sessions stop
    working). Without `confirmed` nothing is deleted: a BadInputError says what would be."""
    with db.session() as session:
        row = ProgramRepository(session).row(name)
        records = ProgramRecords(session)
        holdings = records.holdings(row)
        if not confirmed:
            raise BadInputError(
                f"not deleted: {describe_holdings(name, holdings)}, all of which would be "
                "deleted for good. Confirm to delete it.",
                field="confirm")
        records.delete(row)
        AuditLog(session).append(actor, "program.delete", "program", name, program=name,
                                 detail=holdings._asdict())
    return ProgramDeleted(name, holdings)
