"""Small helpers shared by the API tests (the world itself lives in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import httpx

from companion.domain import AuditEvent
from companion.store import AuditLog, ParticipantRepository, ProgramRepository
from tests.api.conftest import World

P = "/api/v1"
#: RFC 7240: wait (up to 30 s) for a requested draft to be written; 201 with it then
WAIT = {"Prefer": "wait=30"}


def call(world: World, who: str | None, method: str, path: str, *,
         headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
    """`method P+path` as `who` (a role of the world, or None for no token)."""
    return world.client.request(method, P + path,
                                headers={**world.headers(who), **(headers or {})}, **kwargs)


def get(world: World, who: str | None, path: str, **kwargs: Any) -> httpx.Response:
    return call(world, who, "GET", path, **kwargs)


def post(world: World, who: str | None, path: str, **kwargs: Any) -> httpx.Response:
    return call(world, who, "POST", path, **kwargs)


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text[:500])
    return response.json()


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """A problem+json answer with `status` and a `detail`; returns its body."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/problem+json"), \
        response.headers["content-type"]
    body: dict[str, Any] = response.json()
    assert body["status"] == status and isinstance(body["detail"], str) and body["detail"]
    return body


def error_fields(body: dict[str, Any]) -> list[str]:
    return [str(e.get("field")) for e in body.get("errors") or []]


def audit(world: World, action: str | None = None, **match: Any) -> list[AuditEvent]:
    """Audit events (newest first), optionally only `action` with matching attributes."""
    with world.db.session() as session:
        events = AuditLog(session).list(limit=10_000)
    return [e for e in events if (action is None or e.action == action)
            and all(getattr(e, k) == v for k, v in match.items())]


def participant_ids(world: World, program: str = "Pilot") -> set[str]:
    with world.db.session() as session:
        row = ProgramRepository(session).row(program)
        return {p.id for p in ParticipantRepository(session, row.id).list()}


def each(cases: Iterable[Any], check: Callable[..., None]) -> None:
    """`check(*case)` for every case on one world (a world per case would be slow), with
    every failing case reported at once."""
    failures = []
    for case in cases:
        args = case if isinstance(case, tuple) else (case,)
        try:
            check(*args)
        except AssertionError as exc:
            failures.append(f"{str(args)[:150]}: {str(exc)[:400]}")
    assert not failures, f"{len(failures)} failing case(s):\n" + "\n".join(failures)


def request_draft(world: World, who: str, body: dict[str, Any], *, program: str = "Pilot",
                  headers: dict[str, str] | None = None, status: int = 201) -> Any:
    """Request a draft and wait for it to be written (the API answers 202 at once without
    `Prefer: wait`); the written draft's JSON."""
    return ok(post(world, who, f"/programs/{program}/drafts", json=body,
                   headers={**WAIT, **(headers or {})}), status)
