"""Programs, participants and participant import."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse

from companion.api.auth import PrincipalDep
from companion.api.common import EmbedderDep, ProgramName
from companion.api.deps import DatabaseDep, SettingsDep
from companion.api.errors import problem
from companion.api.outputs import (
    ParticipantOut,
    ProgramCreatedOut,
    ProgramOut,
    ProgramsOut,
    ReportOut,
)
from companion.api.paging import PageRequest, link_next, page_params
from companion.api.schemas import ImportResult, Participants, ProgramCreate
from companion.domain import Role
from companion.errors import BadInputError
from companion.services import people_views as views
from companion.services import preparation
from companion.services.participants import (
    ImportMapping,
    import_participants_bytes,
    mapping_from_text,
)
from companion.services.programs import build_program

router = APIRouter(tags=["programs"])
ParticipantId = Annotated[str, PathParam(min_length=1, max_length=64)]
ProgramsPage = Annotated[PageRequest, Depends(page_params(100, 1000))]
ParticipantsPage = Annotated[PageRequest, Depends(page_params(1000, 20000))]
_EXTENSIONS = {"text/csv": ".csv", "application/csv": ".csv",
               "text/tab-separated-values": ".tsv", "application/json": ".json",
               "application/x-ndjson": ".jsonl", "application/jsonl": ".jsonl",
               "application/jsonlines": ".jsonl",
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx"}
_SUFFIXES = (".csv", ".tsv", ".xlsx", ".xlsm", ".json", ".jsonl", ".ndjson")


@router.get("/programs", summary="Programs the caller can see", response_model=ProgramsOut)
def programs(principal: PrincipalDep, db: DatabaseDep, page: ProgramsPage, request: Request,
             response: Response) -> dict[str, Any]:
    found = views.programs_page(db, principal, page)
    link_next(request, response, found)
    return {"programs": found.items, **found.meta()}


@router.post("/programs", status_code=201, response_model=ProgramCreatedOut,
             summary="Create a program (admin)")
def create(body: ProgramCreate, principal: PrincipalDep, db: DatabaseDep) -> dict[str, Any]:
    return views.create_program_as(db, principal, build_program(
        body.name, type=body.type, start=body.start_date, months=body.months,
        host_organization=body.host_organization,
        partner_organizations=body.partner_organizations))


@router.get("/programs/{program}", response_model=ProgramOut,
            summary="One program: type, calendar, phases, policies")
def program(program: ProgramName, principal: PrincipalDep, db: DatabaseDep) -> dict[str, Any]:
    return views.program_as(db, principal, program)


@router.get("/programs/{program}/participants", response_model=Participants,
            summary="Participants the caller may see (coordinators: everyone; others: "
                    "themselves and their partners)")
def participants(program: ProgramName, principal: PrincipalDep, db: DatabaseDep,
                 page: ParticipantsPage, request: Request, response: Response,
                 role: Annotated[Role | None, Query()] = None) -> dict[str, Any]:
    found = views.participants_as(db, principal, program, role=role, page=page)
    link_next(request, response, found.page)
    return found.json()


@router.get("/programs/{program}/participants/{participant_id}", response_model=ParticipantOut,
            summary="One participant: the whole record or the shareable fields")
def participant(program: ProgramName, participant_id: ParticipantId, principal: PrincipalDep,
                db: DatabaseDep) -> dict[str, Any]:
    return views.participant_as(db, principal, program, participant_id)


@router.post(
    "/programs/{program}/participants/import", response_model=ImportResult,
    summary="Import participants from an uploaded CSV, TSV, XLSX, JSON or JSONL file",
    description="Send the file as the request body (`Content-Type: text/csv`, "
    "`application/json`, `application/x-ndjson` or the .xlsx type) or as multipart form "
    "field `file`; a multipart upload may add a `map` part (file or text, YAML or JSON: "
    "`{\"columns\": {\"their header\": \"field\"}, \"levels\": {\"grade\": 1-8}}`). "
    "Common HR headers in English, German and French are recognised; CSV may be comma, "
    "semicolon or tab separated, in UTF-8, UTF-16 or Windows-1252. The import is atomic: "
    "with invalid rows nothing is imported and the answer is 422 with every error's row and "
    "field, unless `skip_invalid=true`. `dry_run=true` writes nothing and answers what would "
    "be created, updated and unchanged (`changes`) and which live pairings the new reporting "
    "lines would flag (`reporting_conflicts`, as a real import reports them). A re-import "
    "changes only the columns the file has; unknown columns are kept as extra fields and "
    "listed in `unknown_columns` and `warnings`; `columns` says which field each column "
    "fills.",
    responses={422: {"description": "Invalid rows (nothing imported)"},
               409: {"description": "Another import created or changed the same people at "
                                    "the same time (nothing imported; run it again)"},
               413: {"description": "File larger than COMPANION_MAX_UPLOAD_BYTES"}},
    openapi_extra={"requestBody": {"content": {
        "text/csv": {"schema": {"type": "string"},
                     "example": "id,name,role,goals\nm-1,Ada Park,mentee,Lead my first team\n"},
        "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"},
            "map": {"type": "string", "format": "binary"}}}}}}})
async def import_(program: ProgramName, principal: PrincipalDep, request: Request,
                  db: DatabaseDep, settings: SettingsDep, embedder: EmbedderDep,
                  skip_invalid: Annotated[bool, Query()] = False,
                  dry_run: Annotated[bool, Query()] = False,
                  filename: Annotated[str | None, Query(max_length=200)] = None
                  ) -> JSONResponse:
    views.require_importer(db, principal, program)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    mapping = ImportMapping()
    if content_type == "multipart/form-data":
        data, name, mapping = await _multipart_file(request)
    else:
        data = await request.body()
        name = filename or "upload" + _EXTENSIONS.get(content_type, "")
    if not data:
        raise BadInputError("the upload is empty: send the file as the request body or as "
                            "form field 'file'", field="file")
    if not name.lower().endswith(_SUFFIXES):
        raise BadInputError("cannot tell the file's format: send Content-Type text/csv, "
                            "application/json, application/x-ndjson or the .xlsx type, or a "
                            "filename ending .csv, .tsv, .xlsx, .json or .jsonl",
                            field="content-type")
    from starlette.concurrency import run_in_threadpool

    report = await run_in_threadpool(
        import_participants_bytes, db, program, data, name=name,
        skip_invalid=skip_invalid, actor=principal.actor, mapping=mapping, dry_run=dry_run)
    body = report.model_dump(mode="json")
    if not report.blocked:
        if report.imported and not dry_run:
            # read the new profiles in the background: the suggestions and the assignment
            # that usually follow find them read, or under way
            await run_in_threadpool(preparation.start_as, db, principal, program, embedder)
        return JSONResponse(body, status_code=200)
    first = report.errors[0] if report.errors else {}
    detail = (f"{len(report.errors)} invalid row(s), nothing imported; first: row "
              f"{first.get('row')}, {first.get('field')}: {first.get('message')}")
    return problem(422, "Invalid import", detail, kind="invalid-import",
                   **{k: v for k, v in body.items() if k not in ("title", "detail")})


async def _multipart_file(request: Request) -> tuple[bytes, str, ImportMapping]:
    try:
        form = await request.form()
    except Exception as exc:  # malformed multipart bodies
        raise BadInputError(f"could not read the multipart body: {exc}", field="file") from None
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise BadInputError("multipart upload needs a file in form field 'file'", field="file")
    data = await upload.read()
    return data, upload.filename or "upload.csv", await _mapping_part(form.get("map"))


async def _mapping_part(part: Any) -> ImportMapping:
    """The optional `map` part: a file or a text field, YAML or JSON."""
    if part is None:
        return ImportMapping()
    if isinstance(part, str):
        text, name = part, "map"
    else:
        raw = await part.read()
        name = part.filename or "map"
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadInputError(f"the mapping {name} is not UTF-8 text", field="map") from None
    if not text.strip():
        return ImportMapping()
    return mapping_from_text(text, name=name)


@router.get("/programs/{program}/report", response_model=ReportOut,
            summary="Program health: coverage, score distribution, breakdowns")
def report(program: ProgramName, principal: PrincipalDep, db: DatabaseDep) -> dict[str, Any]:
    return views.report_as(db, principal, program).json()
