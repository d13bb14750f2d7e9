"""Participant import over HTTP (CSV body, JSON body, multipart `file`): atomic, every error
with row and field, `skip_invalid`; and the body size limits (declared and chunked)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from companion.api.app import create_app
from companion.api.common import embedder_dep
from companion.api.limits import JSON_BODY_LIMIT, BodySizeLimit
from companion.config import get_settings
from tests.api.conftest import World
from tests.api.helpers import P, assert_problem, audit, error_fields, ok, participant_ids, post

URL = "/programs/Pilot/participants/import"
PEOPLE = {"m1", "m2", "e1", "e2", "e3"}
GOOD_CSV = ("id,name,role,goals,organization\n"
            "n1,Nina New,mentee,Grow as a leader,Acme\n"
            "n2,Noah New,mentor,,Acme\n")
BAD_CSV = ("id,name,role,goals\n"
           "n1,Nina New,mentee,Grow as a leader\n"
           "n2,,mentee,Lead\n"          # row 3: no name
           "n3,Nora New,wizard,Lead\n")  # row 4: unknown role


def _import(world: World, content: bytes | str, content_type: str | None = "text/csv",
            query: str = "", who: str = "coord", **kwargs: Any) -> httpx.Response:
    headers = {} if content_type is None else {"Content-Type": content_type}
    data = content.encode() if isinstance(content, str) else content
    return post(world, who, URL + query, content=data, headers=headers, **kwargs)


def _check_import(body: dict[str, Any], created: int) -> None:
    assert {"created", "updated", "unchanged", "errors"} <= body.keys()
    assert body["created"] == created and body["errors"] == []


def test_csv_body(world: World) -> None:
    body = ok(_import(world, GOOD_CSV))
    _check_import(body, 2)
    assert participant_ids(world) == PEOPLE | {"n1", "n2"}
    again = ok(_import(world, GOOD_CSV))
    assert (again["created"], again["unchanged"]) == (0, 2)
    assert audit(world, "participants.import")


def test_csv_with_charset_and_a_bom(world: World) -> None:
    data = "\ufeff".encode() + GOOD_CSV.encode()
    _check_import(ok(_import(world, data, "text/csv; charset=utf-8")), 2)
    assert participant_ids(world) == PEOPLE | {"n1", "n2"}  # the BOM is not part of "id"


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8"])
def test_json_body(world: World, content_type: str) -> None:
    records = [{"id": "j1", "name": "Jo Json", "role": "mentee", "goals": "Lead"},
               {"id": "j2", "name": "Jay Json", "role": "mentor", "capacity": 2}]
    _check_import(ok(_import(world, json.dumps(records), content_type)), 2)
    assert {"j1", "j2"} <= participant_ids(world)


def test_jsonl_body(world: World) -> None:
    lines = "\n".join(json.dumps({"id": f"l{i}", "name": f"L {i}", "role": "mentee"})
                      for i in range(3))
    _check_import(ok(_import(world, lines, "application/x-ndjson")), 3)
    assert participant_ids(world) == PEOPLE | {"l0", "l1", "l2"}


def test_multipart_file_field(world: World) -> None:
    response = post(world, "coord", URL, files={"file": ("people.csv", GOOD_CSV, "text/csv")})
    _check_import(ok(response), 2)
    assert participant_ids(world) == PEOPLE | {"n1", "n2"}
    records = json.dumps([{"id": "j9", "name": "Jo", "role": "mentee"}])
    response = post(world, "coord", URL, files={"file": ("people.json", records,
                                                         "application/octet-stream")})
    _check_import(ok(response), 1)
    assert participant_ids(world) == PEOPLE | {"n1", "n2", "j9"}


def test_multipart_without_the_file_field_is_422(world: World) -> None:
    response = post(world, "coord", URL, files={"upload": ("people.csv", GOOD_CSV)})
    assert error_fields(assert_problem(response, 422)) == ["file"]
    response = post(world, "coord", URL, data={"file": "just text"},
                    files={"other": ("x.csv", "a")})
    assert error_fields(assert_problem(response, 422)) == ["file"]
    garbage = _import(world, b"--x\r\nnot really", "multipart/form-data; boundary=x")
    assert_problem(garbage, 422)
    assert participant_ids(world) == PEOPLE


def test_invalid_rows_are_422_with_every_error_and_nothing_imported(world: World) -> None:
    response = _import(world, BAD_CSV)
    problem = assert_problem(response, 422)
    errors = problem["errors"]
    assert all({"row", "field", "message"} <= e.keys() for e in errors)
    assert {(e["row"], e["field"]) for e in errors} >= {(3, "name"), (4, "role")}
    assert 2 not in {e["row"] for e in errors}
    assert problem["created"] == 0 and "nothing imported" in problem["detail"]
    assert participant_ids(world) == PEOPLE


def test_json_rows_are_numbered_by_record(world: World) -> None:
    records = [{"id": "j1", "name": "Ok", "role": "mentee"},
               {"id": "j2", "name": "Bad", "role": "mentee", "level": 99}]
    problem = assert_problem(_import(world, json.dumps(records), "application/json"), 422)
    assert [(e["row"], e["field"]) for e in problem["errors"]] == [(2, "level")]
    assert participant_ids(world) == PEOPLE


def test_skip_invalid_imports_the_rest(world: World) -> None:
    body = ok(_import(world, BAD_CSV, query="?skip_invalid=true"))
    assert body["created"] == 1 and len(body["errors"]) >= 2
    assert participant_ids(world) == PEOPLE | {"n1"}


@pytest.mark.parametrize("content_type", ["text/csv", "application/json", None])
def test_an_empty_body_is_422(world: World, content_type: str | None) -> None:
    problem = assert_problem(_import(world, b"", content_type), 422)
    assert problem["detail"]
    assert participant_ids(world) == PEOPLE


def test_an_unknown_content_type_without_filename_is_422(world: World) -> None:
    for content_type in ("application/octet-stream", "text/plain", None):
        problem = assert_problem(_import(world, GOOD_CSV, content_type), 422)
        assert error_fields(problem) == ["content-type"]
    # with a filename the format is known
    response = _import(world, GOOD_CSV, "application/octet-stream", "?filename=people.csv")
    _check_import(ok(response), 2)


@pytest.mark.parametrize("content", [b"\xff\xfe\x00garbage\x00", b"id,name\n",
                                     b"{not json", b"[1, 2, 3]", b'{"id": "x"}',
                                     "id,name,role\n\u0000,\u202e,mentee\n".encode()])
def test_junk_files_are_422_never_500(world: World, content: bytes) -> None:
    content_type = "application/json" if content[:1] in (b"{", b"[") else "text/csv"
    assert_problem(_import(world, content, content_type), 422)
    assert participant_ids(world) == PEOPLE


def test_only_the_host_coordinator_imports(world: World) -> None:
    assert_problem(_import(world, GOOD_CSV, who="partner"), 403)
    assert_problem(_import(world, GOOD_CSV, who="e1"), 403)
    assert participant_ids(world) == PEOPLE


# -- size limits --------------------------------------------------------------------------
@pytest.fixture
def small_limit(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """An app whose upload limit is 200 bytes (the world's database)."""
    monkeypatch.setenv("COMPANION_MAX_UPLOAD_BYTES", "200")
    get_settings.cache_clear()
    app = create_app()
    app.dependency_overrides = dict(world.client.app.dependency_overrides)  # type: ignore[attr-defined]
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    get_settings.cache_clear()


def _chunks(data: bytes, size: int = 64) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


def test_an_upload_above_the_limit_is_413(world: World, small_limit: TestClient) -> None:
    headers = {**world.headers("coord"), "Content-Type": "text/csv"}
    big = (GOOD_CSV + "".join(f"x{i},Name {i},mentee,Goal\n" for i in range(20))).encode()
    assert len(big) > 200
    response = small_limit.post(P + URL, content=big, headers=headers)
    problem = assert_problem(response, 413)
    assert "200" in problem["detail"]
    assert participant_ids(world) == PEOPLE
    # under the limit it works
    _check_import(ok(small_limit.post(P + URL, content=GOOD_CSV.encode(), headers=headers)), 2)


def test_a_chunked_upload_above_the_limit_is_413(world: World, small_limit: TestClient
                                                  ) -> None:
    headers = {**world.headers("coord"), "Content-Type": "text/csv"}
    big = (GOOD_CSV + "".join(f"x{i},Name {i},mentee,Goal\n" for i in range(20))).encode()
    request = small_limit.build_request("POST", P + URL, content=_chunks(big),
                                        headers=headers)
    assert "content-length" not in request.headers
    assert request.headers["transfer-encoding"] == "chunked"
    assert_problem(small_limit.send(request), 413)
    assert participant_ids(world) == PEOPLE


def test_a_chunked_multipart_upload_above_the_limit_is_413(world: World,
                                                           small_limit: TestClient) -> None:
    big = (GOOD_CSV + "".join(f"x{i},Name {i},mentee,Goal\n" for i in range(20))).encode()
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"p.csv\"\r\nContent-Type: text/csv\r\n\r\n").encode() + big + \
        f"\r\n--{boundary}--\r\n".encode()
    headers = {**world.headers("coord"),
               "Content-Type": f"multipart/form-data; boundary={boundary}"}
    declared = small_limit.post(P + URL, content=body, headers=headers)
    assert_problem(declared, 413)
    chunked = small_limit.send(small_limit.build_request("POST", P + URL,
                                                         content=_chunks(body),
                                                         headers=headers))
    assert_problem(chunked, 413)
    assert participant_ids(world) == PEOPLE


def test_json_bodies_above_one_mib_are_413(world: World) -> None:
    body = json.dumps({"kind": "questions", "topic": "x" * (JSON_BODY_LIMIT + 10)}).encode()
    headers = {**world.headers("e1"), "Content-Type": "application/json"}
    url = f"{P}/programs/Pilot/drafts"
    assert_problem(world.client.post(url, content=body, headers=headers), 413)
    chunked = world.client.send(world.client.build_request("POST", url,
                                                           content=_chunks(body, 65536),
                                                           headers=headers))
    assert_problem(chunked, 413)
    # an upload of the same size is fine (the upload limit is 20 MiB by default)
    rows = "".join(f"b{i},Bulk {i},mentee,{'g' * 1000}\n" for i in range(1100))
    data = ("id,name,role,goals\n" + rows).encode()
    assert len(data) > JSON_BODY_LIMIT
    assert ok(_import(world, data))["created"] == 1100


def test_a_content_length_that_is_not_a_number_is_400(world: World) -> None:
    async def run() -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []

        async def app(scope: Any, receive: Any, send: Any) -> None:
            raise AssertionError("the app must not run")

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Any) -> None:
            sent.append(message)

        await BodySizeLimit(app, upload_limit=100)(
            {"type": "http", "path": "/api/v1/x", "headers": [(b"content-length", b"ab")]},
            receive, send)
        return sent

    sent = asyncio.run(run())
    assert sent[0]["status"] == 400
    assert json.loads(sent[1]["body"])["detail"] == "Content-Length is not a number"


def _drive(limit: int, path: str, chunks: list[bytes], declared: int | None = None
           ) -> tuple[list[dict[str, Any]], bytes]:
    """Run BodySizeLimit around an app that reads the whole body and answers 200."""
    read = bytearray()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            read.extend(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def run() -> list[dict[str, Any]]:
        queue = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
                 for i, c in enumerate(chunks)]
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return queue.pop(0)

        async def send(message: Any) -> None:
            sent.append(message)

        headers = [] if declared is None else [(b"content-length", str(declared).encode())]
        await BodySizeLimit(app, upload_limit=limit)({"type": "http", "path": path,
                                                      "headers": headers}, receive, send)
        return sent

    return asyncio.run(run()), bytes(read)


def test_the_middleware_counts_a_streamed_body() -> None:
    sent, _ = _drive(100, "/api/v1/programs/P/participants/import", [b"x" * 60] * 2)
    assert sent[0]["status"] == 413
    assert sent[0]["headers"][0] == (b"content-type", b"application/problem+json")
    sent, read = _drive(100, "/api/v1/programs/P/participants/import", [b"x" * 50] * 2)
    assert sent[0]["status"] == 200 and len(read) == 100
    # a declared length that lies is still counted
    sent, _ = _drive(100, "/api/v1/programs/P/participants/import", [b"x" * 80] * 2,
                     declared=10)
    assert sent[0]["status"] == 413


def test_the_middleware_uses_the_json_limit_off_the_upload_path() -> None:
    big = [b"x" * (JSON_BODY_LIMIT // 2 + 1)] * 2
    sent, _ = _drive(20 * JSON_BODY_LIMIT, "/api/v1/programs/P/drafts", big)
    assert sent[0]["status"] == 413
    sent, _ = _drive(20 * JSON_BODY_LIMIT, "/api/v1/programs/P/participants/import/", big)
    assert sent[0]["status"] == 200
    sent, _ = _drive(20 * JSON_BODY_LIMIT, "/api/v1/drafts", [], declared=JSON_BODY_LIMIT + 1)
    assert sent[0]["status"] == 413
    # a smaller upload limit is the limit everywhere
    sent, _ = _drive(10, "/api/v1/programs/P/drafts", [b"x" * 11])
    assert sent[0]["status"] == 413


def test_the_embedder_override_is_kept(world: World) -> None:
    assert embedder_dep in world.client.app.dependency_overrides  # type: ignore[attr-defined]


def test_an_import_starts_reading_the_new_profiles(world: World, tmp_path: Any) -> None:
    """The suggestions and the assignment that follow an import find its people's goals and
    expertise read (or under way) instead of embedding them inside their own request."""
    import time

    from companion.embeddings import CachedEmbedder, EmbeddingCache, HashingEmbedder
    from companion.services import preparation

    asked: list[str] = []

    class Counting(HashingEmbedder):
        def embed(self, texts: Any, *, tick: Any = None) -> Any:
            asked.extend(texts)
            return super().embed(texts, tick=tick)

    cached = CachedEmbedder(Counting(), EmbeddingCache(tmp_path / "vectors.sqlite"))
    world.client.app.dependency_overrides[embedder_dep] = lambda: cached  # type: ignore[attr-defined]
    _check_import(ok(_import(world, GOOD_CSV)), 2)
    deadline = time.monotonic() + 10
    while "Grow as a leader" not in asked or preparation._running:
        assert time.monotonic() < deadline, "the new profiles were not read"
        time.sleep(0.02)
    assert cached.missing(["Grow as a leader"]) == 0
    # a dry run and a file with nothing new read nothing
    asked.clear()
    ok(_import(world, GOOD_CSV, query="?dry_run=true"))
    ok(_import(world, GOOD_CSV))
    time.sleep(0.2)
    assert asked == []
