"""Every 4xx is problem+json with a `detail`; validation errors name the field (a body field
by name, a parameter with its location: `query.top`, `path.draft_id`, `header.If-Match`);
junk — malformed JSON, wrong types, huge numbers, unicode oddities, NUL characters — is a 4xx,
never a 500, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient

from companion.api.app import create_app
from companion.api.common import embedder_dep
from companion.config import get_settings
from companion.domain import Pairing
from companion.embeddings import HashingEmbedder
from companion.services import drafts
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.services.tokens import create_token
from companion.store import PairingRepository, ProgramRepository, get_database, reset_databases
from tests import factories
from tests.api.conftest import World
from tests.api.helpers import WAIT, P, assert_problem, call, each, error_fields, get, ok, post


def _raw(world: World, who: str, method: str, path: str, data: bytes,
         content_type: str = "application/json") -> httpx.Response:
    return call(world, who, method, path, content=data, headers={"Content-Type": content_type})


BODY_ERRORS: list[tuple[str, str, Any, str]] = [
    ("e1", "/programs/Pilot/drafts", {"kind": "agenda", "bogus": 1}, "bogus"),
    ("e1", "/programs/Pilot/drafts", {"kind": "agenda", "content": {}}, "content"),
    ("e1", "/programs/Pilot/drafts", {"kind": "poem"}, "kind"),
    ("e1", "/programs/Pilot/drafts", {}, "kind"),
    ("e1", "/programs/Pilot/drafts", {"kind": "agenda", "topic": 42}, "topic"),
    ("e1", "/programs/Pilot/drafts", {"kind": "agenda", "topic": "x" * 501}, "topic"),
    ("e1", "/programs/Pilot/drafts", {"kind": "agenda", "participant_id": ""},
     "participant_id"),
    ("e1", "/programs/Pilot/drafts", {"kind": "agenda", "partner_id": "e3"}, "partner_id"),
    ("m1", "/programs/Pilot/drafts", {"kind": "framework"}, "topic"),
    ("coord", "/pairings/pr-pending/review", {"decision": "maybe", "version": 1}, "decision"),
    ("coord", "/pairings/pr-pending/review", {"version": 1}, "decision"),
    ("coord", "/pairings/pr-pending/review", {"decision": "approve", "version": 1,
                                              "by": "someone"}, "by"),
    ("coord", "/pairings/pr-pending/review", {"decision": "reject", "version": 1}, "note"),
    ("coord", "/pairings/pr-pending/review", {"decision": "swap", "version": 1}, "mentor_id"),
    ("e1", "/drafts/{pending}/review", {"decision": "edit", "version": 1}, "content"),
    ("e1", "/drafts/{pending}/review", {"decision": "edit", "version": 1,
                                        "content": {"title": 3}}, "content"),
    ("admin", "/programs", {"name": "X", "months": 10**40}, "months"),
    ("admin", "/programs", {"name": "X", "start_date": "2027-13-45"}, "start_date"),
    ("admin", "/programs", {"name": "X", "type": "solo"}, "type"),
    ("admin", "/programs", {"name": "   "}, "name"),
    ("admin", "/tokens", {"participant_id": "x", "role": "root"}, "role"),
    ("admin", "/tokens", {"participant_id": "x", "role": "admin", "days": 10**20}, "days"),
    ("coord", "/programs/Pilot/exclusions", {"mentee_id": "e3", "mentor_id": "m2"},
     "reason"),
    ("coord", "/programs/Pilot/assignments", {"objective": "fastest"}, "objective"),
]


def test_body_errors_name_the_field(world: World) -> None:
    def check(who: str, path: str, body: Any, field: str) -> None:
        response = post(world, who, path.format(pending=world.drafts["pending"]), json=body)
        problem = assert_problem(response, 422)
        assert field in error_fields(problem), problem

    each(BODY_ERRORS, check)
    assert ok(get(world, "coord", "/pairings/pr-pending"))["status"] == "pending"


PARAMETER_ERRORS = [
    ("coord", "/programs/Pilot/suggestions?top=0", "query.top"),
    ("coord", "/programs/Pilot/suggestions?top=abc", "query.top"),
    ("coord", "/programs/Pilot/suggestions?top=" + "9" * 400, "query.top"),
    ("coord", "/programs/Pilot/suggestions?mentee_id=", "query.mentee_id"),
    ("coord", "/programs/Pilot/participants?role=wizard", "query.role"),
    ("coord", "/programs/Pilot/participants?limit=-1", "query.limit"),
    ("coord", "/programs/Pilot/pairings?status=maybe", "query.status"),
    ("e1", "/drafts?status=nope", "query.status"),
    ("admin", "/audit?limit=1e3", "query.limit"),
    ("e1", "/knowledge/search?q=", "query.q"),
    ("e1", "/knowledge/search", "query.q"),
    ("e1", "/knowledge/search?q=x&top=" + "1" * 30, "query.top"),
    ("coord", "/programs/Pilot/participants/import?skip_invalid=perhaps", "query.skip_invalid"),
    ("e1", "/drafts/" + "x" * 40, "path.draft_id"),
    ("coord", "/programs/" + "p" * 101, "path.program"),
]


def test_query_and_path_errors_name_the_parameter(world: World) -> None:
    def check(who: str, path: str, field: str) -> None:
        method = "POST" if path.split("?")[0].endswith("/import") else "GET"
        response = call(world, who, method, path, content=b"id,name,role\n",
                        headers={"Content-Type": "text/csv"})
        problem = assert_problem(response, 422)
        assert error_fields(problem) == [field], problem

    each(PARAMETER_ERRORS, check)


def test_header_errors_name_the_header(world: World) -> None:
    response = post(world, "e1", "/programs/Pilot/drafts", json={"kind": "agenda"},
                    headers={"Idempotency-Key": "k" * 300})
    assert error_fields(assert_problem(response, 422)) == ["header.Idempotency-Key"]
    response = post(world, "coord", "/pairings/pr-pending/review", json={"decision": "approve"},
                    headers={"If-Match": '"' + "1" * 80 + '"'})
    assert error_fields(assert_problem(response, 422)) == ["header.If-Match"]


def test_every_error_is_listed_not_only_the_first(world: World) -> None:
    response = post(world, "admin", "/programs",
                    json={"name": "", "months": 99, "type": "solo", "extra": 1})
    fields = set(error_fields(assert_problem(response, 422)))
    assert fields == {"name", "months", "type", "extra"}


MALFORMED = [  # truncated, unquoted, empty, binary, null, array, string, number, trailing,
    # deeply nested, infinity, nan, lone surrogate, nul, nul id, bad escape, duplicate keys,
    # operator, list
    b'{"kind": "agenda",', b"{kind: agenda}", b"", b"\xff\xfe\x00", b"null", b"[]",
    b'"agenda"', b"42", b'{"kind": "agenda"} trailing', b"[" * 100_000 + b"]" * 100_000,
    b'{"kind": "agenda", "topic": 1e999}', b'{"kind": "agenda", "topic": NaN}',
    b'{"kind": "agenda", "topic": "\\ud800"}', b'{"kind": "agenda", "topic": "\\u0000"}',
    b'{"kind": "agenda", "participant_id": "e1\\u0000"}',
    b'{"kind": "agenda", "topic": "' + b"\\" * 5 + b'"}',
    b'{"kind": "agenda", "kind": "goals", "kind": 1}',
    b'{"kind": {"$ne": null}}', b'{"kind": ["agenda"]}',
]


def test_malformed_json_is_a_4xx_problem(world: World) -> None:
    def check(data: bytes) -> None:
        response = _raw(world, "e1", "POST", "/programs/Pilot/drafts", data)
        assert 400 <= response.status_code < 500, response.text[:300]
        assert_problem(response, response.status_code)

    each(MALFORMED, check)
    assert len(drafts.list_drafts(world.db, participant_id="e1")) == 2  # nothing made


def test_malformed_json_names_the_body_and_where_it_broke(world: World) -> None:
    problem = assert_problem(_raw(world, "e1", "POST", "/programs/Pilot/drafts",
                                  b'{"kind": "agenda",'), 422)
    assert problem["errors"][0]["field"] == "body"
    assert "not valid JSON at character" in problem["errors"][0]["message"]


JUNK = ["\u202e\u2066evil\u2069", "🙂" * 100, "ｆｕｌｌ ｗｉｄｔｈ", "\u0301\u0301\u0301",
        "e\u0301", "\ufeff", "\x7f\x1b[31m", "' OR 1=1 --", "<script>alert(1)</script>",
        "%00", "../..", "\U0010ffff", "a" * 10_000]


def test_unicode_and_injection_junk_is_never_a_500(world: World) -> None:
    """One world for all the junk (drafting it all would be slow: three go to the drafter)."""
    for n, text in enumerate(JUNK):
        segment = quote(text, safe="")
        calls = [
            ("e1", "GET", f"/programs/Pilot/participants/{segment}", {}),
            ("e1", "GET", f"/drafts/{segment}", {}),
            ("coord", "GET", f"/pairings/{segment}", {}),
            ("coord", "GET", "/programs/Pilot/suggestions", {"params": {"mentee_id": text}}),
            ("admin", "GET", "/drafts", {"params": {"participant_id": text, "program": text}}),
            ("admin", "POST", "/programs", {"json": {"name": text}}),
            ("e1", "GET", "/knowledge/search", {"params": {"q": text}}),
            ("admin", "DELETE", f"/tokens/{segment}", {}),
            ("coord", "POST", "/pairings/pr-pending/review",
             {"json": {"decision": "reject", "note": text}, "headers": {"If-Match": '"9"'}}),
        ]
        if n < 3:
            calls.append(("e1", "POST", "/programs/Pilot/drafts",
                          {"json": {"kind": "questions", "topic": text}}))
        for who, method, path, kwargs in calls:
            response = call(world, who, method, path, **kwargs)
            assert response.status_code < 500, (path, text[:40], response.text[:300])
            if response.status_code >= 400:
                assert_problem(response, response.status_code)


def test_nul_in_the_path_or_query_is_422_naming_it(world: World) -> None:
    def check(path: str, field: str) -> None:
        problem = assert_problem(get(world, "admin", path), 422)
        assert "NUL" in problem["detail"] and error_fields(problem) == [field]

    each([("/pairings/a%00b", "path.pairing_id"), ("/drafts/a%00b", "path.draft_id"),
          ("/programs/a%00b", "path.program"),
          ("/drafts?participant_id=a%00b", "query.participant_id"),
          ("/audit?entity_id=%00", "query.entity_id"),
          ("/programs/Pilot/suggestions?mentee_id=%00", "query.mentee_id"),
          ("/programs/Pilot/participants/%00", "path.participant_id")], check)


def test_nul_in_a_body_is_422_naming_the_field(world: World) -> None:
    cases = [("admin", "/programs", {"name": "a\u0000b"}, "name"),
             ("admin", "/tokens", {"participant_id": "a\u0000", "role": "admin"},
              "participant_id"),
             ("e1", f"/drafts/{world.drafts['pending']}/review",
              {"decision": "edit", "version": 1, "content": {"items": [{"t": "\u0000"}]}},
              "content")]
    for who, path, body, field in cases:
        problem = assert_problem(post(world, who, path, json=body), 422)
        assert error_fields(problem) == [field]


def test_errors_of_every_kind_are_problem_json(world: World) -> None:
    statuses = {
        401: get(world, None, "/me"),
        403: get(world, "e1", "/programs/Pilot/report"),
        404: get(world, "e1", "/drafts/dr-nothing"),
        405: call(world, "e1", "PUT", "/me"),
        409: post(world, "admin", "/programs", json={"name": "Pilot"}),
        415: None,
        422: post(world, "e1", "/programs/Pilot/drafts", json={"kind": "x"}),
        428: post(world, "coord", "/pairings/pr-pending/review", json={"decision": "approve"}),
    }
    types = {401: "unauthorized", 403: "forbidden", 404: "not-found",
             405: "method-not-allowed", 409: "conflict", 422: "invalid-request",
             428: "precondition-required"}
    for status, response in statuses.items():
        if response is None:
            continue
        problem = assert_problem(response, status)
        assert problem["type"] == f"/problems/{types[status]}" and problem["title"]
    unknown = world.client.get("/api/v1/nowhere")
    assert_problem(unknown, 404)


# -- on PostgreSQL ------------------------------------------------------------------------
@pytest.fixture
def pg_client(postgres_url: str, monkeypatch: pytest.MonkeyPatch,
              hashing_embedder: HashingEmbedder) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """An app on a fresh PostgreSQL database: Pilot with e1 and m1 (unpaired), and tokens
    for admin, a coordinator of Pilot and e1."""
    monkeypatch.setenv("COMPANION_DATABASE_URL", postgres_url)
    get_settings.cache_clear()
    reset_databases()
    db = get_database(get_settings())
    create_program(db, build_program("Pilot", months=12))
    home = get_settings().ensure_home()
    report = import_participants_file(db, "Pilot", factories.write_csv(
        home / "people.csv", [factories.mentee("e1"), factories.mentor("m1")]),
        skip_invalid=False)
    assert report.imported, report.errors
    tokens = {who: create_token(db, participant_id=pid, role=role, program=program).token
              for who, (pid, role, program) in {
                  "admin": ("root", "admin", None),
                  "coord": ("c1", "coordinator", "Pilot"),
                  "e1": ("e1", "mentee", "Pilot")}.items()}
    app = create_app()
    app.dependency_overrides[embedder_dep] = lambda: hashing_embedder
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, tokens
    reset_databases()


@pytest.mark.postgres
def test_junk_is_never_a_500_on_postgresql(pg_client: tuple[TestClient, dict[str, str]]
                                           ) -> None:
    client, tokens = pg_client
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    for path in ("/pairings/a%00b", "/drafts/a%00b", "/programs/a%00b",
                 "/drafts?participant_id=a%00b", "/audit?entity_id=a%00b",
                 "/programs/Pilot/participants/%00", "/drafts/\u202e", "/pairings/🙂"):
        response = client.get(P + path, headers=admin)
        assert 400 <= response.status_code < 500, (path, response.text[:300])
    for path, body in (("/programs", {"name": "a\u0000b"}),
                       ("/tokens", {"participant_id": "a\u0000b", "role": "admin"}),
                       ("/programs/Pilot/exclusions",
                        {"mentee_id": "e1", "mentor_id": "m1", "reason": "x\u0000"})):
        response = client.post(P + path, json=body, headers=admin)
        assert response.status_code == 422, (path, response.text[:300])
    response = client.delete(f"{P}/tokens/a%00b", headers=admin)
    assert response.status_code == 422
    records = json.dumps([{"id": "n\u00001", "name": "N", "role": "mentee"}])
    response = client.post(f"{P}/programs/Pilot/participants/import", content=records,
                            headers={**admin, "Content-Type": "application/json"})
    assert response.status_code == 422, response.text[:300]


@pytest.mark.postgres
def test_tokens_and_idempotency_over_http_on_postgresql(
        pg_client: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = pg_client
    e1 = {"Authorization": f"Bearer {tokens['e1']}"}
    me = client.get(f"{P}/me", headers=e1)
    assert ok(me)["participant_id"] == "e1"
    url = f"{P}/programs/Pilot/drafts"
    first = client.post(url, json={"kind": "questions"},
                        headers={**e1, **WAIT, "Idempotency-Key": "k"})
    made = ok(first, 201)
    again = client.post(url, json={"kind": "questions"}, headers={**e1, "Idempotency-Key": "k"})
    assert ok(again)["id"] == made["id"] and again.headers["idempotency-replayed"] == "true"
    other = client.post(url, json={"kind": "agenda"}, headers={**e1, "Idempotency-Key": "k"})
    assert error_fields(assert_problem(other, 422)) == ["Idempotency-Key"]
    listed = ok(client.get(f"{P}/drafts", headers=e1))["drafts"]
    assert [d["id"] for d in listed] == [made["id"]]
    token_id = ok(me)["token_id"]
    ok(client.delete(f"{P}/tokens/{token_id}", headers=e1))
    assert_problem(client.get(f"{P}/me", headers=e1), 401)


@pytest.mark.postgres
def test_long_participant_ids_fit_the_database_on_postgresql(
        pg_client: tuple[TestClient, dict[str, str]]) -> None:
    """Token labels and participant ids may be 64 characters: the audit actor
    ("coordinator:<id>", also decided_by and created_by) and the idempotency scope must still
    fit their columns — on PostgreSQL an overlong value was a 500."""
    client, _ = pg_client
    db = get_database(get_settings())
    with db.session() as session:
        PairingRepository(session, ProgramRepository(session).row("Pilot")).add(Pairing(
            id="pr-1", program="Pilot", mentee_id="e1", mentor_id="m1", score=0.5))

    def bearer(pid: str, role: str, **kwargs: Any) -> dict[str, str]:
        issued = create_token(db, participant_id=pid, role=role, **kwargs)
        return {"Authorization": f"Bearer {issued.token}"}

    coord = bearer("c" * 64, "coordinator", program="Pilot")
    admin = bearer("a" * 64, "admin")
    partner = bearer("x" * 64, "coordinator", program="Pilot", organization="Elsewhere")
    issued = client.post(f"{P}/tokens", json={"participant_id": "e1", "role": "mentee",
                                               "program": "Pilot"}, headers=admin)
    assert ok(issued, 201)["participant_id"] == "e1"
    approved = client.post(f"{P}/pairings/pr-1/review", headers=coord,
                           json={"decision": "approve", "version": 1})
    assert ok(approved)["pairing"]["decided_by"].startswith("coordinator:ccc")
    assert_problem(client.get(f"{P}/programs/Pilot/report", headers=partner), 403)
    url = f"{P}/programs/Pilot/drafts"
    body = {"kind": "questions", "participant_id": "e1"}
    made = ok(client.post(url, json=body, headers={**admin, **WAIT, "Idempotency-Key": "k"}),
              201)
    again = client.post(url, json=body, headers={**admin, "Idempotency-Key": "k"})
    assert ok(again)["id"] == made["id"]
    events = ok(client.get(f"{P}/audit?limit=50", headers=admin))["events"]
    assert all(len(e["actor"]) <= 64 for e in events)
    assert "pairing.approve" in {
        e["action"] for e in events if e["actor"].startswith("coordinator:ccc")}
    assert "token.create" in {e["action"] for e in events if e["actor"].startswith("admin:aaa")}
    assert any(e["action"] == "access.denied" and e["actor"].startswith("coordinator:xxx")
               for e in events)
