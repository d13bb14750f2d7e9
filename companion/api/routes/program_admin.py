"""Editing and deleting a program (admin, or the host organisation's coordinators)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from companion.api.auth import PrincipalDep
from companion.api.common import ProgramName
from companion.api.deps import DatabaseDep
from companion.api.errors import problem
from companion.api.outputs import (
    OrgChartOut,
    ProgramDeletedOut,
    ProgramEditedOut,
)
from companion.api.schemas import Body
from companion.errors import BadInputError
from companion.services.org_chart import OrgChartReport
from companion.services.people_views import program_json
from companion.services.program_admin import (
    delete_program_as,
    edit_program_as,
    import_org_chart_as,
    org_chart_as,
)

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


@router.patch("/programs/{program}", response_model=ProgramEditedOut,
              summary="Change a program's name, dates or rhythm")
def edit(program: ProgramName, body: ProgramEdit, principal: PrincipalDep,
         db: DatabaseDep) -> dict[str, Any]:
    result = edit_program_as(db, principal, program, body.model_dump(exclude_unset=True))
    return {**program_json(result.program), "renamed_from": result.renamed_from,
            "changed": {k: [_shown(b), _shown(a)] for k, (b, a) in result.changed.items()},
            "warnings": result.warnings}


@router.delete("/programs/{program}", response_model=ProgramDeletedOut,
               summary="Delete a program with everything in it (needs ?confirm=true)")
def delete(program: ProgramName, principal: PrincipalDep, db: DatabaseDep,
           confirm: Annotated[bool, Query(description="true deletes; without it, a 422 "
                                          "says what would be deleted")] = False
           ) -> dict[str, Any]:
    result = delete_program_as(db, principal, program, confirmed=confirm)
    return {"deleted": result.program, **result.holdings._asdict()}


_CHART_TYPES = {"text/csv": "org.csv", "application/csv": "org.csv",
                "text/tab-separated-values": "org.tsv", "application/json": "org.json",
                "application/x-ndjson": "org.jsonl"}


@router.get("/programs/{program}/org-chart", response_model=OrgChartOut,
            summary="People outside the program its reporting lines name, and live pairings "
                    "the reporting tree forbids (host coordinators)")
def org_chart(program: ProgramName, principal: PrincipalDep, db: DatabaseDep
              ) -> dict[str, Any]:
    people, broken = org_chart_as(db, principal, program)
    return {"program": program, "org_people": [p.model_dump() for p in people],
            "reporting_conflicts": [b.as_dict() for b in broken]}


@router.post("/programs/{program}/org-chart/import", response_model=OrgChartReport,
             summary="Import id, name, manager_id rows of people outside the program "
                     "(CSV or JSON body; all rows or none)",
             description="`dry_run=true` writes nothing and answers what the import would "
                         "do, with the live pairings it would flag (`reporting_conflicts`).",
             responses={422: {"description": "Invalid rows (nothing imported)"}})
async def import_org_chart(program: ProgramName, principal: PrincipalDep, request: Request,
                           db: DatabaseDep, dry_run: Annotated[bool, Query()] = False
                           ) -> JSONResponse:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    filename = _CHART_TYPES.get(content_type)
    if filename is None:
        raise BadInputError("send the organisation chart as text/csv, "
                            "text/tab-separated-values, application/json or "
                            "application/x-ndjson", field="content-type")
    data = await request.body()
    from starlette.concurrency import run_in_threadpool

    report = await run_in_threadpool(import_org_chart_as, db, principal, program, data,
                                     filename=filename, dry_run=dry_run)
    body = report.model_dump(mode="json")
    if report.imported or (report.dry_run and not report.errors):
        return JSONResponse(body)
    first = report.errors[0] if report.errors else {}
    return problem(422, "Invalid organisation chart",
                   f"{len(report.errors)} invalid row(s), nothing imported; first: row "
                   f"{first.get('row')}, {first.get('field')}: {first.get('message')}",
                   kind="invalid-import", **{k: v for k, v in body.items() if k != "program"})
