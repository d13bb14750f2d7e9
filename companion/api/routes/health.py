"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from companion import __version__
from companion.api.deps import DatabaseDep, SettingsDep
from companion.api.outputs import HealthOut, ReadyOut
from companion.services.readiness import OK, readiness

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthOut, summary="Liveness: the process answers")
def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@router.get("/ready", response_model=ReadyOut,
            responses={503: {"model": ReadyOut, "description": "A component is not ok"}},
            summary="Readiness: the database (migrated) and the vector store answer",
            description="`checks` has each component's status (`ok` or `unavailable: …`); "
            "503 when any is not ok. Each has a few seconds to answer.")
def ready(db: DatabaseDep, settings: SettingsDep) -> JSONResponse:
    components = readiness(db, settings)
    ok = all(status == OK for status in components.values())
    down = [name for name, status in components.items() if status != OK]
    body: dict[str, Any] = {"status": "ok" if ok else "unavailable", "checks": {**components,
                                                                 "model": settings.model}}
    if down:
        body["unavailable"] = down
    return JSONResponse(body, status_code=200 if ok else 503)
