"""Bearer-token authentication and the access rules of the API.

Who sees what:

* **admin** — everything.
* **coordinator** (bound to one program) — sees and decides within that program. A coordinator
  whose token names an organisation other than the program's host is a *partner organisation's
  coordinator*: they see their own organisation's people in full, everyone else's shareable
  fields only, and the pairings and suggestions of their own organisation's people.
* **mentee / mentor** (bound to one program) — their own profile, their approved partners'
  shareable fields, their own drafts, approved artifacts of their pairings.

Nothing reveals whether something the caller may not see exists: it is 404, exactly as if it
did not. A caller who may see a thing but not do an action on it gets 403. Every denial — 401,
403 and the 404s that hide something — is written to the audit log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from companion.api.deps import DatabaseDep
from companion.domain import (
    AccessRole,
    Draft,
    DraftStatus,
    Pairing,
    PairingStatus,
    Participant,
    Program,
)
from companion.services.tokens import Principal, authenticate
from companion.store import AuditLog, Database

log = logging.getLogger("companion.api.auth")
PARTNERED = (PairingStatus.approved, PairingStatus.active)
_bearer = HTTPBearer(auto_error=False, description="A token from `companion token create`.")


class Denied(Exception):
    """An access decision against the caller; the API answers it as problem+json and logs
    it in the audit log."""

    def __init__(self, status: int, detail: str, *, reason: str | None = None,
                 program: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.reason = reason or detail
        self.program = program
        self.headers = headers or {}


def not_found(what: str, *, reason: str, program: str | None = None) -> Denied:
    """A 404 that hides something the caller may not see (same text as a real miss)."""
    return Denied(404, f"no {what}", reason=reason, program=program)


def forbidden(detail: str, *, program: str | None = None) -> Denied:
    return Denied(403, detail, program=program)


def log_denial(db: Database, request: Request, exc: Denied) -> None:
    principal: Principal | None = getattr(request.state, "principal", None)
    actor = principal.actor if principal else "anonymous"
    try:
        with db.session() as session:
            AuditLog(session).append(actor, "access.denied", "request",
                                     f"{request.method} {request.url.path}"[:128],
                                     program=exc.program, detail={
                                         "status": exc.status, "reason": exc.reason[:500],
                                         "token": principal.token_id if principal else None})
    except Exception:  # the denial itself must still be answered
        log.exception("could not log a denied request")


def principal_dep(request: Request, db: DatabaseDep,
                  credentials: Annotated[HTTPAuthorizationCredentials | None,
                                         Depends(_bearer)]) -> Principal:
    challenge = {"WWW-Authenticate": 'Bearer realm="companion"'}
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Denied(401, "missing bearer token: send 'Authorization: Bearer <token>' with a "
                     "token from `companion token create`", reason="no token",
                     headers=challenge)
    principal = authenticate(db, credentials.credentials.strip())
    if principal is None:
        raise Denied(401, "the bearer token is unknown, revoked or expired",
                     reason="bad token", headers=challenge)
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(principal_dep)]


@dataclass(frozen=True)
class Access:
    """The rules for one principal within one program."""

    principal: Principal
    program: Program

    # -- who is this, here ------------------------------------------------------------
    @property
    def admin(self) -> bool:
        return self.principal.role is AccessRole.admin

    @property
    def coordinator(self) -> bool:
        """Admin or a coordinator of this program (host or partner)."""
        return self.admin or self.principal.role is AccessRole.coordinator

    @property
    def partner_coordinator(self) -> bool:
        org = self.principal.organization
        return (self.principal.role is AccessRole.coordinator and org is not None
                and org != self.program.host_organization)

    @property
    def host_coordinator(self) -> bool:
        return self.coordinator and not self.partner_coordinator

    @property
    def me(self) -> str:
        return self.principal.participant_id

    def own_org(self, person: Participant | None) -> bool:
        return person is not None and person.organization == self.principal.organization

    def require_coordinator(self, action: str) -> None:
        if not self.coordinator:
            raise forbidden(f"only the program's coordinators can {action}",
                            program=self.program.name)

    def require_host_coordinator(self, action: str) -> None:
        self.require_coordinator(action)
        if self.partner_coordinator:
            raise forbidden(f"only the host organisation's coordinators can {action}; a "
                            "partner organisation's coordinator reviews its own people's "
                            "pairings", program=self.program.name)

    # -- people ---------------------------------------------------------------------------
    def participant_view(self, person: Participant, partners: set[str]) -> dict[str, Any] | None:
        """What this principal may see of `person`: the whole record, the shareable fields,
        or nothing (None)."""
        if self.host_coordinator or person.id == self.me and not self.coordinator:
            return participant_json(person)
        if self.partner_coordinator:
            return participant_json(person) if self.own_org(person) else self.shareable(person)
        if person.id in partners:
            return self.shareable(person)
        return None

    def shareable(self, person: Participant) -> dict[str, Any]:
        record = participant_json(person)
        keep = set(self.program.shareable_fields) | {"id"}
        return {k: v for k, v in record.items() if k in keep}

    # -- pairings -------------------------------------------------------------------------
    def sees_pairing(self, pairing: Pairing, people: dict[str, Participant]) -> bool:
        if self.host_coordinator:
            return True
        if self.partner_coordinator:
            return self.own_org(people.get(pairing.mentee_id)) or self.own_org(
                people.get(pairing.mentor_id))
        return self.me in (pairing.mentee_id, pairing.mentor_id) and pairing.status in PARTNERED

    def pairing_view(self, pairing: Pairing, people: dict[str, Participant]) -> dict[str, Any]:
        data = pairing.model_dump(mode="json")
        if self.partner_coordinator and not self.own_org(people.get(pairing.mentee_id)):
            data["reasons"] = [WITHHELD]
        if not self.coordinator:
            # participants see that they are paired and with whom, not the engine's workings
            for key in ("score", "components", "reasons", "note", "decided_by"):
                data.pop(key, None)
        return data

    # -- drafts ---------------------------------------------------------------------------
    def sees_draft(self, draft: Draft, partners: set[str],
                   owner: Participant | None = None) -> bool:
        """`owner` is the participant the draft is for (needed for partner coordinators)."""
        if self.admin or self.is_reviewer(draft):
            return True
        if draft.status is not DraftStatus.approved:
            return False  # nothing a model wrote is shown before a human approves it
        if self.partner_coordinator:
            return self.own_org(owner)
        if self.coordinator:
            return True
        return draft.participant_id == self.me or draft.participant_id in partners

    @property
    def reviewer_name(self) -> str:
        """Who this principal is as a draft's reviewer: a mentee or mentor by their participant
        id (the CLI's `--by ID` too), a coordinator or admin by their audit name, so that a
        coordinator's label can never pass for a participant."""
        if self.principal.role in (AccessRole.mentee, AccessRole.mentor):
            return self.me
        return self.principal.actor

    def is_reviewer(self, draft: Draft) -> bool:
        return (draft.reviewer_id == self.reviewer_name
                and self.principal.program == draft.program) or self.admin


WITHHELD = ("reasons withheld: they quote another organisation's private profile fields")


def participant_json(person: Participant) -> dict[str, Any]:
    return person.model_dump(mode="json", exclude_none=True)
