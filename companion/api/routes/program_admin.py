"""Editing and deleting a program (admin, or the host organisation's coordinators)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from companion.api.auth import PrincipalDep
from companion.api.common import ProgramName
from companion.api.deps import DatabaseDep
from companion.api.schemas import Body
from companion.services.people_views import program_json
from companion.services.program_admin import delete_program_as, edit_program_as

router = APIRouter(tags=["programs"])


class ProgramEdit(Body):
    """The settings to change; omitted keys stay as they are. New dates recompute phases."""

    name: str | None = Field(None, min_length=1, max_length=100)
    start_date: date | None = None
    months: int | None = Field(None, ge=3, le=36)
    session_minutes: int | None = Field(None, ge=15, le=240)
    cadence_weeks: int | None = Field(None, ge=1, le=12)
    host_organization: str | None = Field(None, max_length=120)
    default_capacity: int | None = Field(None, ge=1, le=20)


def _shown(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


@router.patch("/programs/{program}", summary="Change a program's name, dates or rhythm")
def edit(program: ProgramName, body: ProgramEdit, principal: PrincipalDep,
         db: DatabaseDep) -> dict[str, Any]:
    result = edit_program_as(db, principal, program, body.model_dump(exclude_unset=True))
    return {**program_json(result.program), "renamed_from": result.renamed_from,
            "changed": {k: [_shown(b), _shown(a)] for k, (b, a) in result.changed.items()},
            "warnings": result.warnings}


@router.delete("/programs/{program}",
               summary="Delete a program with everything in it (needs ?confirm=true)")
def delete(program: ProgramName, principal: PrincipalDep, db: DatabaseDep,
           confirm: Annotated[bool, Query(description="true deletes; without it, a 422 "
                                          "says what would be deleted")] = False
           ) -> dict[str, Any]:
    result = delete_program_as(db, principal, program, confirmed=confirm)
    return {"deleted": result.program, **result.holdings._asdict()}
