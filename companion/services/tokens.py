"""API bearer tokens: issue, list, revoke, authenticate.

A token is shown once, when it is created; the database keeps only its SHA-256. Each token
speaks for one participant id in one role, optionally bound to a program (mentees, mentors and
coordinators are; admins need not be) and, for a partner organisation's coordinator, to that
organisation."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from companion.domain import AccessRole, Role
from companion.errors import BadInputError, NotFoundError
from companion.store import (
    AuditLog,
    Database,
    ParticipantRepository,
    ProgramRepository,
    TokenRepository,
)
from companion.store.tables import TokenRow, utcnow

PREFIX = "cmp_"
DEFAULT_DAYS = 30
MAX_DAYS = 366
#: Longest actor name the audit log (and decided_by, created_by) stores.
ACTOR_MAX = 64
#: Which participant roles may hold which token roles.
_HOLDERS = {AccessRole.mentee: (Role.mentee, Role.both),
            AccessRole.mentor: (Role.mentor, Role.both)}


@dataclass(frozen=True)
class Principal:
    """Who a request speaks for."""

    token_id: str
    participant_id: str
    role: AccessRole
    program: str | None
    organization: str | None

    @property
    def actor(self) -> str:
        """The name the audit log records: `role:participant`, shortened to fit the audit
        log's actor column (64 characters) with the token id keeping it unique."""
        actor = f"{self.role.value}:{self.participant_id}"
        if len(actor) > ACTOR_MAX:
            actor = f"{actor[:ACTOR_MAX - len(self.token_id) - 1]}~{self.token_id}"
        return actor


@dataclass(frozen=True)
class IssuedToken:
    token: str
    id: str
    participant_id: str
    role: AccessRole
    program: str | None
    organization: str | None
    expires_at: datetime

    def json(self) -> dict[str, Any]:
        return {"token": self.token, "id": self.id, "participant_id": self.participant_id,
                "role": self.role.value, "program": self.program,
                "organization": self.organization,
                "expires_at": self.expires_at.isoformat(timespec="seconds")}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Holder:
    """Who a credential (an API token, a sign-in link, a browser session) speaks for."""

    participant_id: str
    role: AccessRole
    program: str | None
    organization: str | None


def check_holder(session: Any, *, participant_id: str, role: AccessRole | str,
                 program: str | None = None, organization: str | None = None,
                 what: str = "token") -> Holder:
    """Mentee and mentor credentials must name a participant of the program with that role;
    a coordinator's must name a program; an admin's is bound to no organisation."""
    try:
        role = AccessRole(role)
    except ValueError:
        raise BadInputError(f"unknown role '{role}': use "
                            f"{', '.join(r.value for r in AccessRole)}", field="role") from None
    participant_id = (participant_id or "").strip()
    if not participant_id or len(participant_id) > 64:
        raise BadInputError("participant id must be 1–64 characters", field="participant")
    program = (program or "").strip() or None
    organization = (organization or "").strip() or None
    programs = ProgramRepository(session)
    if role is not AccessRole.admin and program is None:
        programs_with = [name for name in programs.names() if _has_participant(
            session, programs.row(name).id, participant_id)]
        if len(programs_with) != 1:
            raise BadInputError(
                f"a {role.value} {what} needs a program"
                + (f" ('{participant_id}' is in {len(programs_with)} programs)"
                   if programs_with else ""), field="program")
        program = programs_with[0]
    if program is not None:
        row = programs.row(program)  # NotFoundError names a missing program
        if role in _HOLDERS:
            try:
                person = ParticipantRepository(session, row.id).get(participant_id)
            except NotFoundError:
                raise NotFoundError(f"no participant '{participant_id}' in {program}: a "
                                    f"{role.value} {what} speaks for a participant of the "
                                    "program") from None
            if person.role not in _HOLDERS[role]:
                raise BadInputError(f"'{participant_id}' is a {person.role.value} in "
                                    f"{program}, not a {role.value}", field="role")
            organization = organization or person.organization
    if organization is not None and role is AccessRole.admin:
        raise BadInputError(f"an admin {what} is not bound to an organisation",
                            field="organization")
    return Holder(participant_id, role, program, organization)


def create_token(db: Database, *, participant_id: str, role: AccessRole | str,
                 program: str | None = None, organization: str | None = None,
                 days: int = DEFAULT_DAYS, created_by: str = "cli",
                 label: str | None = None) -> IssuedToken:
    """Issue a token for a holder `check_holder` accepts."""
    if not 1 <= days <= MAX_DAYS:
        raise BadInputError(f"days must be between 1 and {MAX_DAYS}, not {days}", field="days")
    with db.session() as session:
        holder = check_holder(session, participant_id=participant_id, role=role,
                              program=program, organization=organization)
        secret = secrets.token_urlsafe(32)
        token_id = secrets.token_hex(6)
        token = f"{PREFIX}{token_id}_{secret}"
        expires = utcnow() + timedelta(days=days)
        TokenRepository(session).add(TokenRow(
            id=token_id, secret_hash=_hash(token), participant_id=holder.participant_id,
            role=holder.role.value, program=holder.program, organization=holder.organization,
            label=label, created_by=created_by, created_at=utcnow(), expires_at=expires))
        AuditLog(session).append(created_by, "token.create", "token", token_id,
                                 program=holder.program, detail={
                                     "participant_id": holder.participant_id,
                                     "role": holder.role.value,
                                     "organization": holder.organization,
                                     "expires_at": expires.isoformat(timespec="seconds")})
    return IssuedToken(token, token_id, holder.participant_id, holder.role, holder.program,
                       holder.organization, expires)


def _has_participant(session: Any, program_id: int, participant_id: str) -> bool:
    try:
        ParticipantRepository(session, program_id).get(participant_id)
    except NotFoundError:
        return False
    return True


@dataclass(frozen=True)
class _Verified:
    principal: Principal
    expires_at: datetime  # the token's own expiry
    until: float  # time.monotonic() after which the database is asked again


#: Tokens verified recently, by (database URL, hash of the token): an API worker serving
#: many requests with one token reads it once every `token_cache_seconds`, not per request.
_verified: dict[tuple[str, str], _Verified] = {}
_verified_lock = threading.Lock()
_VERIFIED_MAX = 10_000
_clock = time.monotonic


def recently_verified(db: Database, token: str) -> Principal | None:
    """The principal of `token` if this process verified it within the caching window and
    it has not expired since (no I/O); None means: ask `authenticate`."""
    if not _verified:
        return None
    hit = _verified.get((db.url, _hash(token)))
    if hit is None or hit.until <= _clock() or hit.expires_at <= utcnow():
        return None
    return hit.principal


def authenticate(db: Database, token: str, *, cache_seconds: float = 0.0
                 ) -> Principal | None:
    """The principal of a valid token, or None (unknown, revoked or expired).

    With `cache_seconds` > 0 a valid token is remembered for that long (see
    `recently_verified`); revoking it in this process forgets it at once."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    digest = _hash(token)
    with db.session() as session:
        row = TokenRepository(session).by_secret_hash(digest)
        if row is None:
            return None
        principal = Principal(row.id, row.participant_id, AccessRole(row.role), row.program,
                              row.organization)
        expires_at = row.expires_at
    if cache_seconds > 0:
        with _verified_lock:
            if len(_verified) >= _VERIFIED_MAX:
                _verified.clear()
            _verified[(db.url, digest)] = _Verified(principal, expires_at,
                                                    _clock() + cache_seconds)
    return principal


def forget_verified(token_id: str | None = None) -> None:
    """Drop a token (or, with None, every token) from this process's verified tokens."""
    with _verified_lock:
        for key in [k for k, v in _verified.items()
                    if token_id is None or v.principal.token_id == token_id]:
            del _verified[key]


@dataclass(frozen=True)
class TokenRecord:
    """A token as anyone may see it: never its secret."""

    id: str
    participant_id: str
    role: str
    program: str | None
    organization: str | None
    status: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    def json(self) -> dict[str, Any]:
        def at(value: datetime | None) -> str | None:
            return value.isoformat(timespec="seconds") if value else None

        return {"id": self.id, "participant_id": self.participant_id, "role": self.role,
                "program": self.program, "organization": self.organization,
                "status": self.status, "created_at": at(self.created_at),
                "expires_at": at(self.expires_at), "revoked_at": at(self.revoked_at),
                "last_used_at": at(self.last_used_at)}


def _record(row: TokenRow) -> TokenRecord:
    now = utcnow()
    state = ("revoked" if row.revoked_at is not None
             else "expired" if row.expires_at <= now else "active")
    return TokenRecord(row.id, row.participant_id, row.role, row.program, row.organization,
                       state, row.created_at, row.expires_at, row.revoked_at,
                       row.last_used_at)


def revoke_token(db: Database, token_id: str, *, by: str) -> TokenRecord:
    with db.session() as session:
        repo = TokenRepository(session)
        row = repo.get(token_id)
        if row is None:
            raise NotFoundError(f"no token '{token_id}'")
        forget_verified(token_id)
        if repo.revoke(token_id):
            AuditLog(session).append(by, "token.revoke", "token", token_id,
                                     program=row.program,
                                     detail={"participant_id": row.participant_id})
        row = repo.get(token_id)
        assert row is not None
    forget_verified(token_id)  # again after the commit: a request may have cached it meanwhile
    return _record(row)


def list_tokens(db: Database, *, program: str | None = None,
                participant_id: str | None = None) -> list[TokenRecord]:
    with db.session() as session:
        return [_record(r) for r in TokenRepository(session).list(
            program=program, participant_id=participant_id)]


def get_token(db: Database, token_id: str) -> TokenRecord:
    with db.session() as session:
        row = TokenRepository(session).get(token_id)
        if row is None:
            raise NotFoundError(f"no token '{token_id}'")
        return _record(row)
