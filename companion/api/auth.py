"""Bearer-token authentication: who a request speaks for, and the record of every denial.

Who may see and do what is decided in `companion.services.access` (the same rules for the CLI,
the API and the web app). Every denial — 401, 403 and the 404s that hide something — is
written to the audit log here.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from companion.api.deps import DatabaseDep, SettingsDep
from companion.errors import AccessDenied, forbidden, hidden
from companion.services.access import WITHHELD, Access, participant_json
from companion.services.audit import current_audit_scope
from companion.services.denials import record_denial
from companion.services.tokens import Principal, authenticate, recently_verified

if TYPE_CHECKING:
    from companion.store import Database

log = logging.getLogger("companion.api.auth")
_bearer = HTTPBearer(auto_error=False, description="A token from `companion token create`.")


# The access policy and its errors live in the services layer (one place for the CLI, the API
# and the web app); the API only authenticates and records denials.
Denied = AccessDenied
not_found = hidden


def log_denial(db: Database, request: Request, exc: Denied) -> None:
    """Audit a denied request: every time for an authenticated caller (evidence of what a
    known token probed), at most once a minute per client address and reason without a valid
    token, with the count of the others (`companion.services.denials`). The entity id is the
    request line cut to the column's 128 characters, stored as sent (the CLI's table shows
    control characters escaped)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    record_denial(db, actor=principal.actor if principal else "anonymous",
                  anonymous=principal is None,
                  client=request.client.host if request.client else None,
                  entity_id=f"{request.method} {request.url.path[:256]}"[:128],
                  program=exc.program,
                  detail={"status": exc.status, "reason": exc.reason[:500],
                          "token": principal.token_id if principal else None})


async def principal_dep(request: Request, db: DatabaseDep, settings: SettingsDep,
                        credentials: Annotated[HTTPAuthorizationCredentials | None,
                                               Depends(_bearer)]) -> Principal:
    """Async, so a token verified moments ago costs no thread hand-off; the database is read
    in the thread pool (COMPANION_TOKEN_CACHE_SECONDS says how long "moments" is)."""
    challenge = {"WWW-Authenticate": 'Bearer realm="companion"'}
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Denied(401, "missing bearer token: send 'Authorization: Bearer <token>' with a "
                     "token from `companion token create`", reason="no token",
                     headers=challenge)
    token = credentials.credentials.strip()
    principal = recently_verified(db, token) or await run_in_threadpool(
        authenticate, db, token, cache_seconds=settings.token_cache_seconds)
    if principal is None:
        raise Denied(401, "the bearer token is unknown, revoked or expired",
                     reason="bad token", headers=challenge)
    request.state.principal = principal
    scope = current_audit_scope()
    if scope is not None:  # every audited action of this request records the token
        scope.token_id = principal.token_id
    return principal


PrincipalDep = Annotated[Principal, Depends(principal_dep)]


__all__ = ["WITHHELD", "Access", "Denied", "PrincipalDep", "forbidden", "log_denial",
           "not_found", "participant_json", "principal_dep"]
