"""Programs, participants and participant import."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse

from companion.api.auth import PrincipalDep, forbidden, not_found
from companion.api.common import AccessDep, partners_of, people_of
from companion.api.deps import DatabaseDep, SettingsDep
from companion.api.errors import problem
from companion.api.schemas import ImportResult, Participants, ProgramCreate
from companion.domain import AccessRole, Program, Role
from companion.errors import BadInputError
from companion.services import matching
from companion.services.participants import import_participants_bytes
from companion.services.programs import build_program, create_program, list_programs

router = APIRouter(tags=["programs"])
ParticipantId = Annotated[str, PathParam(min_length=1, max_length=64)]
_EXTENSIONS = {"text/csv": ".csv", "application/csv": ".csv",
               "text/tab-separated-values": ".tsv", "application/json": ".json",
               "application/x-ndjson": ".jsonl", "application/jsonl": ".jsonl",
               "application/jsonlines": ".jsonl"}


def program_json(program: Program) -> dict[str, Any]:
    data = program.model_dump(mode="json")
    data["end_date"] = program.end_date.isoformat()
    return data


@router.get("/programs", summary="Programs the caller can see")
def programs(principal: PrincipalDep, db: DatabaseDep) -> dict[str, Any]:
    found = [p for p in list_programs(db)
             if principal.role is AccessRole.admin or p.name == principal.program]
    return {"programs": [program_json(p) for p in found]}


@router.post("/programs", status_code=201, summary="Create a program (admin)")
def create(body: ProgramCreate, principal: PrincipalDep, db: DatabaseDep) -> dict[str, Any]:
    if principal.role is not AccessRole.admin:
        raise forbidden("only an admin can create programs")
    program = build_program(body.name, type=body.type, start=body.start_date,
                            months=body.months, host_organization=body.host_organization,
                            partner_organizations=body.partner_organizations)
    return program_json(create_program(db, program, actor=principal.actor))


@router.get("/programs/{program}", summary="One program: type, calendar, phases, policies")
def program(access: AccessDep) -> dict[str, Any]:
    data = program_json(access.program)
    if not access.coordinator:
        for key in ("matching_weights", "ai_readable_fields", "default_capacity"):
            data.pop(key, None)
    return data


@router.get("/programs/{program}/participants", response_model=Participants,
            summary="Participants the caller may see (coordinators: everyone; others: "
                    "themselves and their partners)")
def participants(access: AccessDep, db: DatabaseDep,
                 role: Annotated[Role | None, Query()] = None,
                 limit: Annotated[int, Query(ge=1, le=20000)] = 1000,
                 offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    partners = frozenset() if access.coordinator else partners_of(
        db, access.program.name, access.me).people
    # a participant sees themselves and their partners: read just those
    people = people_of(db, access.program.name,
                       None if access.coordinator else [access.me, *sorted(partners)])
    shown = []
    for person in people.values():
        if role is not None and person.role is not role:
            continue
        view = access.participant_view(person, partners)
        if view is not None:
            shown.append(view)
    return {"program": access.program.name, "total": len(shown),
            "participants": shown[offset:offset + limit]}


@router.get("/programs/{program}/participants/{participant_id}",
            summary="One participant: the whole record or the shareable fields")
def participant(access: AccessDep, participant_id: ParticipantId,
                db: DatabaseDep) -> dict[str, Any]:
    person = people_of(db, access.program.name, [participant_id]).get(participant_id)
    partners = frozenset() if access.coordinator else partners_of(
        db, access.program.name, access.me).people
    view = access.participant_view(person, partners) if person else None
    if view is None:
        raise not_found(f"participant '{participant_id}' in {access.program.name}",
                        reason="participant not visible to the caller",
                        program=access.program.name)
    return view


@router.post(
    "/programs/{program}/participants/import", response_model=ImportResult,
    summary="Import participants from an uploaded CSV, TSV, JSON or JSONL file",
    description="Send the file as the request body (`Content-Type: text/csv`, "
    "`application/json` or `application/x-ndjson`) or as multipart form field `file`. The "
    "import is atomic: with invalid rows nothing is imported and the answer is 422 with every "
    "error's row and field, unless `skip_invalid=true`. A re-import changes only the columns "
    "the file has; unknown columns are kept as extra fields and listed in `unknown_columns` "
    "and `warnings`.",
    responses={422: {"description": "Invalid rows (nothing imported)"},
               409: {"description": "Another import created or changed the same people at "
                                    "the same time (nothing imported; run it again)"},
               413: {"description": "File larger than COMPANION_MAX_UPLOAD_BYTES"}},
    openapi_extra={"requestBody": {"content": {
        "text/csv": {"schema": {"type": "string"},
                     "example": "id,name,role,goals\nm-1,Ada Park,mentee,Lead my first team\n"},
        "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"}}}}}}})
async def import_(access: AccessDep, request: Request, db: DatabaseDep,
                  settings: SettingsDep,
                  skip_invalid: Annotated[bool, Query()] = False,
                  filename: Annotated[str | None, Query(max_length=200)] = None
                  ) -> JSONResponse:
    access.require_host_coordinator("import participants")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        data, name = await _multipart_file(request)
    else:
        data = await request.body()
        name = filename or "upload" + _EXTENSIONS.get(content_type, "")
    if not data:
        raise BadInputError("the upload is empty: send the file as the request body or as "
                            "form field 'file'", field="file")
    if not name.lower().endswith((".csv", ".tsv", ".json", ".jsonl", ".ndjson")):
        raise BadInputError("cannot tell the file's format: send Content-Type text/csv, "
                            "application/json or application/x-ndjson, or a filename ending "
                            ".csv, .tsv, .json or .jsonl", field="content-type")
    from starlette.concurrency import run_in_threadpool

    report = await run_in_threadpool(
        import_participants_bytes, db, access.program.name, data, name=name,
        skip_invalid=skip_invalid, actor=access.principal.actor)
    body = report.model_dump(mode="json")
    if report.imported:
        return JSONResponse(body, status_code=200)
    first = report.errors[0] if report.errors else {}
    detail = (f"{len(report.errors)} invalid row(s), nothing imported; first: row "
              f"{first.get('row')}, {first.get('field')}: {first.get('message')}")
    return problem(422, "Invalid import", detail, **{k: v for k, v in body.items()
                                                      if k not in ("title", "detail")})


async def _multipart_file(request: Request) -> tuple[bytes, str]:
    try:
        form = await request.form()
    except Exception as exc:  # malformed multipart bodies
        raise BadInputError(f"could not read the multipart body: {exc}", field="file") from None
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise BadInputError("multipart upload needs a file in form field 'file'", field="file")
    data = await upload.read()
    return data, upload.filename or "upload.csv"


@router.get("/programs/{program}/report",
            summary="Program health: coverage, score distribution, breakdowns")
def report(access: AccessDep, db: DatabaseDep) -> dict[str, Any]:
    access.require_host_coordinator("read the program report")
    return matching.report(db, access.program.name).json()
