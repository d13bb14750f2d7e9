"""The HTTP answers have the JSON shapes docs/architecture.md promises (written out here from the
document, independently of the app's own response models; extra keys are fine)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from companion.services import matching
from tests.api.conftest import World
from tests.api.helpers import assert_problem, get, ok, post, request_draft

KINDS = {"agenda", "questions", "goals", "framework"}
STATUSES = {"pending_review", "approved", "rejected", "failed", "drafting"}


def _str(value: Any) -> None:
    assert isinstance(value, str), value


def _num(value: Any) -> None:
    assert isinstance(value, int | float) and not isinstance(value, bool), value


def _int(value: Any) -> None:
    assert isinstance(value, int) and not isinstance(value, bool), value


def _keys(data: Any, *keys: str) -> None:
    assert isinstance(data, dict), data
    missing = set(keys) - data.keys()
    assert not missing, f"missing {missing} in {sorted(data)}"


def check_suggestions(data: Any) -> None:
    _keys(data, "program", "suggestions")
    _str(data["program"])
    for item in data["suggestions"]:
        _keys(item, "mentee_id", "candidates")
        _str(item["mentee_id"])
        for candidate in item["candidates"]:
            _keys(candidate, "mentor_id", "score", "components", "reasons")
            _str(candidate["mentor_id"])
            _num(candidate["score"])
            assert isinstance(candidate["components"], dict) and candidate["components"]
            for name, value in candidate["components"].items():
                _str(name)
                _num(value)
            assert isinstance(candidate["reasons"], list)
            for reason in candidate["reasons"]:
                _str(reason)


def check_assignments(data: Any) -> None:
    _keys(data, "program", "assignments", "unassigned")
    for item in data["assignments"]:
        _keys(item, "mentee_id", "mentor_id", "score", "status")
        _str(item["mentee_id"])
        _str(item["mentor_id"])
        _num(item["score"])
        assert item["status"] == "pending"
    for item in data["unassigned"]:
        _keys(item, "mentee_id", "reason")
        _str(item["mentee_id"])
        _str(item["reason"])


def check_content(kind: str, content: Any) -> None:
    if kind == "goals":
        _keys(content, "goals")
        for goal in content["goals"]:
            _keys(goal, "statement", "specific", "measurable", "achievable", "relevant",
                  "time_bound", "evaluated", "readjusted")
            assert len(goal["time_bound"]) == 10 and goal["time_bound"][4] == "-"
            for evaluation in goal["evaluated"]:
                _keys(evaluation, "date", "check")
    elif kind == "agenda":
        _keys(content, "title", "phase", "duration_minutes", "items", "preparation")
        assert content["phase"] in {"launch", "development", "completion"}
        _int(content["duration_minutes"])
        for item in content["items"]:
            _keys(item, "topic", "minutes", "purpose")
            _int(item["minutes"])
        for line in content["preparation"]:
            _str(line)
    elif kind == "questions":
        _keys(content, "questions")
        for question in content["questions"]:
            _keys(question, "text", "purpose")
    else:
        _keys(content, "name", "situation", "steps", "pitfalls")
        for step in content["steps"]:
            _keys(step, "stage", "prompts")
            for prompt in step["prompts"]:
                _str(prompt)


def check_draft(data: Any) -> None:
    _keys(data, "id", "kind", "participant_id", "status", "generator", "content", "citations",
          "checks", "version")
    _str(data["id"])
    assert data["kind"] in KINDS and data["status"] in STATUSES
    _str(data["participant_id"])
    _str(data["generator"])
    _int(data["version"])
    assert isinstance(data["content"], dict)
    if data["status"] != "failed":
        check_content(data["kind"], data["content"])
    for citation in data["citations"]:
        _keys(citation, "source", "heading", "excerpt")
        assert citation["source"].startswith("knowledge/") and citation["source"].endswith(
            ".md"), citation["source"]
        _str(citation["heading"])
        _str(citation["excerpt"])
    for check in data["checks"]:
        _keys(check, "name", "passed", "detail")
        _str(check["name"])
        assert isinstance(check["passed"], bool)
        _str(check["detail"])


def check_import(data: Any) -> None:
    _keys(data, "created", "updated", "unchanged", "errors")
    for key in ("created", "updated", "unchanged"):
        _int(data[key])
    for error in data["errors"]:
        _keys(error, "row", "field", "message")
        _int(error["row"])
        _str(error["field"])
        _str(error["message"])


# -- the tests ----------------------------------------------------------------------------
@pytest.mark.parametrize("query", ["", "?top=2", "?mentee_id=e3&top=1"])
def test_suggestions(world: World, query: str, hashing_embedder: Any) -> None:
    data = ok(get(world, "coord", f"/programs/Pilot/suggestions{query}"))
    check_suggestions(data)
    assert data["program"] == "Pilot" and data["suggestions"]
    assert all(item["candidates"] for item in data["suggestions"])
    # the same answer the CLI's `match suggest --format json` gives: one service, two faces
    top = int(query.split("top=")[1]) if "top=" in query else 5
    mentee = "e3" if "mentee_id" in query else None
    assert data == matching.suggest(world.db, "Pilot", hashing_embedder, top=top,
                                    mentee_id=mentee).json()


def test_assignments(world: World) -> None:
    data = ok(post(world, "coord", "/programs/Pilot/assignments",
                   json={"objective": "most_matched"}))
    check_assignments(data)
    assert data["program"] == "Pilot"
    assert {a["mentee_id"] for a in data["assignments"]} | {
        u["mentee_id"] for u in data["unassigned"]} >= {"e3"}
    # without a body: the default objective
    check_assignments(ok(post(world, "coord", "/programs/Pilot/assignments")))


def test_drafts_of_every_kind(world: World) -> None:
    for who, body in (("e3", {"kind": "agenda", "topic": "first session"}),
                      ("e3", {"kind": "questions"}), ("e3", {"kind": "goals"}),
                      ("m1", {"kind": "framework", "topic": "feedback on missed deadlines"})):
        made = request_draft(world, who, body)
        check_draft(made)
        assert made["kind"] == body["kind"] and made["version"] >= 1
        assert made["citations"], made
        read = get(world, who, f"/drafts/{made['id']}")
        check_draft(ok(read))
        assert read.json() == made and read.headers["etag"] == f'"{made["version"]}"'


def test_a_draft_request_is_accepted_at_once_and_written_in_the_background(
        world: World) -> None:
    response = post(world, "e3", "/programs/Pilot/drafts", json={"kind": "questions"})
    made = ok(response, 202)
    assert made["status"] == "drafting" and made["stage"] == "queued" and made["version"] == 0
    assert response.headers["location"] == f"/api/v1/drafts/{made['id']}"
    assert response.headers["retry-after"] == "1"
    deadline = time.monotonic() + 30
    while (read := ok(get(world, "e3", f"/drafts/{made['id']}")))["status"] == "drafting":
        assert time.monotonic() < deadline, read
        time.sleep(0.05)
    check_draft(read)
    assert read["status"] == "pending_review" and read["stage"] is None
    # Prefer: wait=0 is honoured (and said so); a preference it cannot read is ignored
    quick = post(world, "e3", "/programs/Pilot/drafts", json={"kind": "goals"},
                 headers={"Prefer": "wait=0"})
    assert quick.status_code in (201, 202) and quick.headers["preference-applied"] == "wait=0"
    odd = post(world, "e3", "/programs/Pilot/drafts", json={"kind": "goals"},
               headers={"Prefer": "wait=soon"})
    assert odd.status_code == 202 and "preference-applied" not in odd.headers


def test_drafts_list_and_review(world: World) -> None:
    data = ok(get(world, "admin", "/drafts"))
    _keys(data, "drafts")
    assert len(data["drafts"]) == 3
    for draft in data["drafts"]:
        check_draft(draft)
    pending = ok(get(world, "e1", f"/drafts/{world.drafts['pending']}"))
    decided = ok(post(world, "e1", f"/drafts/{pending['id']}/review",
                      json={"decision": "approve", "version": pending["version"]}))
    check_draft(decided)
    assert decided["status"] == "approved" and decided["version"] == pending["version"] + 1
    versions = ok(get(world, "e1", f"/drafts/{pending['id']}/versions"))
    _keys(versions, "draft_id", "versions")
    assert [v["number"] for v in versions["versions"]] == list(range(1, decided["version"] + 1))


@pytest.mark.parametrize("who", ["admin", "coord", "partner", "e1"])
def test_participants_list(world: World, who: str) -> None:
    data = ok(get(world, who, "/programs/Pilot/participants"))
    _keys(data, "participants")
    assert data["participants"]
    for person in data["participants"]:
        _keys(person, "id", "name", "role")
        assert person["role"] in {"mentor", "mentee", "both"}


def test_import(world: World) -> None:
    csv = "id,name,role\nn1,Nina New,mentee\n"
    data = ok(post(world, "coord", "/programs/Pilot/participants/import", content=csv,
                   headers={"Content-Type": "text/csv"}))
    check_import(data)
    assert (data["created"], data["updated"], data["unchanged"], data["errors"]) == (
        1, 0, 0, [])
    bad = post(world, "coord", "/programs/Pilot/participants/import",
               content="id,name,role\nn2,,mentee\n", headers={"Content-Type": "text/csv"})
    problem = assert_problem(bad, 422)
    check_import(problem)  # the same JSON, as a problem
    assert problem["errors"][0]["row"] == 2 and problem["errors"][0]["field"] == "name"


def test_pairings_and_a_review(world: World) -> None:
    data = ok(get(world, "coord", "/programs/Pilot/pairings"))
    _keys(data, "program", "pairings")
    for pairing in data["pairings"]:
        _keys(pairing, "id", "program", "mentee_id", "mentor_id", "status", "version")
    decided = ok(post(world, "coord", "/pairings/pr-pending/review",
                      json={"decision": "approve", "version": 1}))
    _keys(decided, "pairing", "created")
    _keys(decided["pairing"], "id", "status", "version")
    assert decided["created"] == []


def test_me_and_queue(world: World) -> None:
    me = ok(get(world, "e1", "/me"))
    _keys(me, "participant_id", "role", "program", "organization", "token_id", "profile",
          "partners")
    assert me["participant_id"] == "e1" and me["profile"]["id"] == "e1"
    queue = ok(get(world, "e1", "/me/queue"))
    _keys(queue, "pairings", "drafts", "counts")
    assert world.drafts["pending"] in {d["id"] for d in queue["drafts"]}  # e1 reviews it
    for draft in queue["drafts"]:
        check_draft(draft)


def test_openapi_documents_the_contract_routes(world: World) -> None:
    spec = ok(world.client.get("/api/v1/openapi.json"))
    paths = spec["paths"]
    for path, method in [("/api/v1/health", "get"), ("/api/v1/me", "get"),
                         ("/api/v1/programs/{program}/suggestions", "get"),
                         ("/api/v1/programs/{program}/assignments", "post"),
                         ("/api/v1/programs/{program}/pairings", "get"),
                         ("/api/v1/pairings/{pairing_id}/review", "post"),
                         ("/api/v1/programs/{program}/drafts", "post"),
                         ("/api/v1/drafts/{draft_id}", "get"),
                         ("/api/v1/drafts/{draft_id}/review", "post")]:
        assert method in paths.get(path, {}), path
        responses = paths[path][method]["responses"]
        assert "422" in responses
        assert "application/problem+json" in responses["422"]["content"]
