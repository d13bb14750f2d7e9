"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from companion import __version__
from companion.api.deps import DatabaseDep, SettingsDep
from companion.store.db import head_revision

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness: the process answers")
def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@router.get("/ready", summary="Readiness: the database answers and is migrated")
def ready(db: DatabaseDep, settings: SettingsDep) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        db.upgrade()
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok" if db.current_revision() == head_revision() else "not migrated"
    except Exception as exc:  # readiness reports, it does not raise
        checks["database"] = f"unavailable: {type(exc).__name__}"
    checks["model"] = settings.model
    ok = checks["database"] == "ok"
    return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks},
                        status_code=200 if ok else 503)
