"""Idempotency keys for requests that create things: a client that retries a draft request
with the same `Idempotency-Key` gets the same draft, never a second one."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from companion.errors import BadInputError
from companion.store import Database, DuplicateRowError, IdempotencyKeys
from companion.store.tables import utcnow

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
    different request is a client mistake (422). (The key itself is recorded in the same
    transaction as the resource it names: `IdempotencyKeys.add`.)"""
    check_key(key)
    with db.session() as session:
        found = IdempotencyKeys(session).get(_scope(principal), key.strip())
    if found is None:
        return None
    digest, resource = found
    if digest != request_hash(payload):
        raise BadInputError("this Idempotency-Key was used for a different request; use "
                            "a new key for a new request", field="Idempotency-Key")
    return resource


#: A decision claim older than this belongs to a run that died; it no longer blocks.
STALE_CLAIM = timedelta(minutes=10)
_DECISION = "decision"


def claim_decision(db: Database, resource: str, version: int) -> bool:
    """Claim the right to decide `resource` at `version`, across every worker process (the
    database's unique constraint arbitrates). False when someone else holds the claim: their
    decision is landing, so this one is stale."""
    key = f"{resource}@{version}"
    for _ in range(2):
        try:
            with db.session() as session:
                IdempotencyKeys(session).add(_DECISION, key, "-", resource)
            return True
        except DuplicateRowError:
            with db.session() as session:
                keys = IdempotencyKeys(session)
                made = keys.created_at(_DECISION, key)
                if made is not None and utcnow() - made < STALE_CLAIM:
                    return False
                keys.delete(_DECISION, key)
    return False


def release_decision(db: Database, resource: str, version: int) -> None:
    """Drop a claim whose decision failed without landing, so it can be made again."""
    with db.session() as session:
        IdempotencyKeys(session).delete(_DECISION, f"{resource}@{version}")
