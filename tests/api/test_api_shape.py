"""The API's shape for browser front ends (issue 15): every operation's success answer has a
schema in /openapi.json (files name their media type), every error answer is the Problem
schema, and every problem has a stable `type` URI that answers what it means."""

from __future__ import annotations

from typing import Any

import pytest

from companion.api.errors import PROBLEM_TYPES
from tests.api.conftest import World
from tests.api.helpers import P, assert_problem, call, get, ok, post

PROBLEM_REF = "#/components/schemas/Problem"
#: Error answers that are deliberately not problems: readiness says which component is down.
NOT_PROBLEMS = {("get", "/api/v1/ready", "503")}
JSON = ("application/json", "application/problem+json")


def _untyped(schema: dict[str, Any] | None, components: dict[str, Any]) -> bool:
    """No schema, `{}`, or an object that names none of its keys."""
    if not schema:
        return True
    if "$ref" in schema:
        target = components[schema["$ref"].rsplit("/", 1)[-1]]
        return not target.get("properties")
    if "anyOf" in schema:
        return all(_untyped(s, components) for s in schema["anyOf"])
    return schema.get("type") == "object" and not schema.get("properties")


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, operation) for path, operations in document["paths"].items()
            for method, operation in operations.items()]


def test_every_answer_in_the_openapi_document_is_typed(world: World) -> None:
    document = ok(world.client.get(f"{P}/openapi.json"))
    components = document["components"]["schemas"]
    assert "properties" in components["Problem"]
    faults: list[str] = []
    operations = _operations(document)
    assert len(operations) > 50
    for method, path, operation in operations:
        responses = operation["responses"]
        assert any(code.startswith("2") for code in responses), (method, path)
        for code, response in responses.items():
            where = f"{method.upper()} {path} {code}"
            content = response.get("content") or {}
            if code.startswith("2"):
                if code == "204":
                    continue
                if not content:
                    faults.append(f"{where}: no content")
                for media, entry in content.items():
                    schema = entry.get("schema")
                    if media in JSON and _untyped(schema, components):
                        faults.append(f"{where}: {media} without a typed schema")
                    elif media not in JSON and not schema:
                        faults.append(f"{where}: {media} without a schema")
            elif code[0] in "45" and (method, path, code) not in NOT_PROBLEMS:
                refs = {media: (entry.get("schema") or {}).get("$ref")
                        for media, entry in content.items()}
                if refs != {"application/problem+json": PROBLEM_REF}:
                    faults.append(f"{where}: not the Problem schema ({refs})")
    assert not faults, "\n".join(faults)


def test_the_walker_catches_an_untyped_answer() -> None:
    components = {"Thing": {"type": "object", "properties": {"id": {"type": "string"}}},
                  "Empty": {"type": "object"}}
    assert _untyped(None, components) and _untyped({}, components)
    assert _untyped({"type": "object", "additionalProperties": True}, components)
    assert _untyped({"$ref": "#/components/schemas/Empty"}, components)
    assert not _untyped({"$ref": "#/components/schemas/Thing"}, components)


def test_calendar_files_declare_their_media_type(world: World) -> None:
    document = ok(world.client.get(f"{P}/openapi.json"))
    for path in ("/calendar/{secret}.ics", "/api/v1/sessions/{session_id}/ics"):
        content = document["paths"][path]["get"]["responses"]["200"]["content"]
        assert list(content) == ["text/calendar"]


def test_each_problem_type_is_served_at_its_uri(world: World) -> None:
    listed = ok(world.client.get("/problems"))["problem_types"]
    assert {t["type"] for t in listed} == {t.uri for t in PROBLEM_TYPES.values()}
    for kind in PROBLEM_TYPES.values():
        body = ok(world.client.get(kind.uri))
        assert body["type"] == kind.uri and body["status"] == kind.status and body["when"]
        page = world.client.get(kind.uri, headers={"Accept": "text/html"})
        assert page.headers["content-type"].startswith("text/html")
        assert kind.title in page.text
    missing = assert_problem(world.client.get("/problems/no-such-thing"), 404)
    assert missing["type"] == "/problems/not-found"


def _type(response: Any, status: int) -> str:
    problem = assert_problem(response, status)
    assert problem["request_id"] and problem["title"]
    return str(problem["type"]).removeprefix("/problems/")


def test_stale_versions_have_their_own_type(world: World) -> None:
    pairing = ok(get(world, "coord", "/pairings/pr-pending"))
    stale = post(world, "coord", "/pairings/pr-pending/review",
                 json={"decision": "approve", "version": pairing["version"] + 5})
    assert _type(stale, 409) == "stale-version"
    ok(post(world, "coord", "/pairings/pr-pending/review",
            json={"decision": "approve", "version": pairing["version"]}))
    # deciding a pairing that is no longer pending is a conflict, not a stale version
    again = post(world, "coord", "/pairings/pr-pending/review",
                 json={"decision": "approve", "version": pairing["version"] + 1})
    assert _type(again, 409) == "conflict"
    draft = world.drafts["pending"]
    stale_draft = post(world, "e1", f"/drafts/{draft}/review",
                       json={"decision": "approve", "version": 7})
    assert _type(stale_draft, 409) == "stale-version"


@pytest.mark.parametrize(("case", "status", "kind"), [
    ("no token", 401, "unauthorized"),
    ("a mentee asks for the report", 403, "forbidden"),
    ("an unknown draft", 404, "not-found"),
    ("PUT /me", 405, "method-not-allowed"),
    ("an invalid query parameter", 422, "invalid-request"),
    ("an invalid body", 422, "invalid-request"),
    ("a decision without a version", 428, "precondition-required"),
    ("a body too large", 413, "payload-too-large"),
    ("a participant file in an unknown format", 422, "invalid-request"),
    ("invalid participant rows", 422, "invalid-import"),
    ("an If-Match that is not an ETag", 422, "invalid-request"),
])
def test_every_error_path_has_a_type(world: World, case: str, status: int, kind: str) -> None:
    responses = {
        "no token": lambda: get(world, None, "/me"),
        "a mentee asks for the report": lambda: get(world, "e1", "/programs/Pilot/report"),
        "an unknown draft": lambda: get(world, "e1", "/drafts/dr-nothing"),
        "PUT /me": lambda: call(world, "e1", "PUT", "/me"),
        "an invalid query parameter": lambda: get(world, "coord",
                                                  "/programs/Pilot/pairings?limit=0"),
        "an invalid body": lambda: post(world, "admin", "/programs", json={"name": ""}),
        "a decision without a version": lambda: post(
            world, "coord", "/pairings/pr-pending/review", json={"decision": "approve"}),
        "a body too large": lambda: post(world, "admin", "/programs",
                                         content=b"x" * 3_000_000,
                                         headers={"Content-Type": "application/json"}),
        "a participant file in an unknown format": lambda: post(
            world, "coord", "/programs/Pilot/participants/import", content=b"id,name",
            headers={"Content-Type": "application/octet-stream"}),
        "invalid participant rows": lambda: post(
            world, "coord", "/programs/Pilot/participants/import",
            content=b"id,name,role\nx1,,nobody\n", headers={"Content-Type": "text/csv"}),
        "an If-Match that is not an ETag": lambda: post(
            world, "coord", "/pairings/pr-pending/review", json={"decision": "approve"},
            headers={"If-Match": "yesterday"}),
    }
    assert _type(responses[case](), status) == kind
    assert kind in PROBLEM_TYPES


def test_too_many_requests_have_a_type_and_retry_after(world: World,
                                                       monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    from companion.config import get_settings

    monkeypatch.setenv("COMPANION_DRAFTS_PER_HOUR", "1")
    get_settings.cache_clear()
    try:
        for _ in range(3):
            response = post(world, "e3", "/programs/Pilot/drafts", json={"kind": "questions"})
            if response.status_code == 429:
                break
        assert _type(response, 429) == "rate-limited"
        assert int(response.headers["Retry-After"]) > 0
    finally:
        monkeypatch.delenv("COMPANION_DRAFTS_PER_HOUR")
        get_settings.cache_clear()


def test_an_unexpected_error_is_an_internal_error_problem(world: World,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    from companion.services import people_views

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(people_views, "programs_page", boom)
    problem = assert_problem(get(world, "admin", "/programs"), 500)
    assert problem["type"] == "/problems/internal-error" and "a bug" not in problem["detail"]
