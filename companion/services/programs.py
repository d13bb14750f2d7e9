"""Creating and reading programs."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationError

from companion.domain import Program, ProgramType
from companion.errors import BadInputError
from companion.store import AuditLog, Database, ProgramRepository


def build_program(name: str, *, type: ProgramType | str = ProgramType.one_to_one,
                  start: date | None = None, months: int = 12, **options: Any) -> Program:
    """A validated Program; a field-naming BadInputError for bad values."""
    try:
        return Program(name=name, type=ProgramType(type), start_date=start or date.today(),
                       months=months, **options)
    except ValueError as exc:
        if isinstance(exc, ValidationError):
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "program"
            message = str(first["msg"]).removeprefix("Value error, ")
            raise BadInputError(f"{field}: {message}", field=field) from None
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
