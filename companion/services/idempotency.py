"""Idempotency keys for requests that create things: a client that retries a draft request
with the same `Idempotency-Key` gets the same draft, never a second one."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from companion.errors import BadInputError, ConflictError
from companion.store import Database
from companion.store.tables import IdempotencyRow, utcnow

MAX_KEY = 200
MAX_PRINCIPAL = 64


def request_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _scope(principal: str) -> str:
    """The principal as stored: as given when it fits the column (64), else its hash."""
    if len(principal) <= MAX_PRINCIPAL:
        return principal
    return "sha256:" + hashlib.sha256(principal.encode()).hexdigest()[:MAX_PRINCIPAL - 7]


def scope_of(principal: str) -> str:
    """The principal as stored in the keys table."""
    return _scope(principal)


def check_key(key: str) -> None:
    key = key.strip()
    if not key or len(key) > MAX_KEY:
        raise BadInputError(f"Idempotency-Key must be 1–{MAX_KEY} characters",
                            field="Idempotency-Key")


def lookup(db: Database, principal: str, key: str, payload: dict[str, Any]) -> str | None:
    """The resource an earlier request with this key made, or None. The same key with a
    different request is a client mistake (422)."""
    check_key(key)
    with db.session() as session:
        row = session.scalar(select(IdempotencyRow).where(
            IdempotencyRow.principal == _scope(principal), IdempotencyRow.key == key.strip()))
        if row is None:
            return None
        if row.request_hash != request_hash(payload):
            raise BadInputError("this Idempotency-Key was used for a different request; use "
                                "a new key for a new request", field="Idempotency-Key")
        return row.resource_id


def claim(db: Database, principal: str, key: str, payload: dict[str, Any],
          resource_id: str) -> str | None:
    """Claim `key` for a new resource `resource_id`. Returns None when the claim is new (go
    ahead and create it), or the id of the resource an earlier request with this key made.

    The same key with a different request is a client mistake (422); a key whose first request
    has not finished is a conflict (409)."""
    key = key.strip()
    if not key or len(key) > MAX_KEY:
        raise BadInputError(f"Idempotency-Key must be 1–{MAX_KEY} characters",
                            field="Idempotency-Key")
    digest = request_hash(payload)
    principal = _scope(principal)
    try:
        with db.session() as session:
            session.add(IdempotencyRow(principal=principal, key=key, request_hash=digest,
                                       resource_id=resource_id, created_at=utcnow()))
        return None
    except IntegrityError:
        pass
    with db.session() as session:
        row = session.scalar(select(IdempotencyRow).where(
            IdempotencyRow.principal == principal, IdempotencyRow.key == key))
        if row is None:  # released in between: the caller may retry
            raise ConflictError("a request with this Idempotency-Key was just abandoned; "
                                "send it again")
        if row.request_hash != digest:
            raise BadInputError("this Idempotency-Key was used for a different request; use "
                                "a new key for a new request", field="Idempotency-Key")
        assert row.resource_id is not None
        return row.resource_id


def release(db: Database, principal: str, key: str) -> None:
    """Forget a claim whose request failed before creating anything, so a retry can run."""
    principal = _scope(principal)
    with db.session() as session:
        session.execute(delete(IdempotencyRow).where(
            IdempotencyRow.principal == principal, IdempotencyRow.key == key.strip()))


#: A decision claim older than this belongs to a run that died; it no longer blocks.
STALE_CLAIM = timedelta(minutes=10)


def claim_decision(db: Database, resource: str, version: int) -> bool:
    """Claim the right to decide `resource` at `version`, across every worker process (the
    database's unique constraint arbitrates). False when someone else holds the claim: their
    decision is landing, so this one is stale."""
    scope, key = "decision", f"{resource}@{version}"
    for _ in range(2):
        try:
            with db.session() as session:
                session.add(IdempotencyRow(principal=scope, key=key, request_hash="-",
                                           resource_id=resource, created_at=utcnow()))
            return True
        except IntegrityError:
            with db.session() as session:
                row = session.scalar(select(IdempotencyRow).where(
                    IdempotencyRow.principal == scope, IdempotencyRow.key == key))
                if row is not None and utcnow() - row.created_at < STALE_CLAIM:
                    return False
                session.execute(delete(IdempotencyRow).where(
                    IdempotencyRow.principal == scope, IdempotencyRow.key == key))
    return False


def release_decision(db: Database, resource: str, version: int) -> None:
    """Drop a claim whose decision failed without landing, so it can be made again."""
    release(db, "decision", f"{resource}@{version}")
