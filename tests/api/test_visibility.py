"""What each role sees — the content of the answers, not only their statuses — and that
every denied attempt lands in the audit log.

The world (conftest): Pilot is hosted by Acme with partner Globex. e1 (Acme) – m1 (Acme) is
approved; e2 (Globex) – m2 (Globex) is pending; e3 (Acme) is unpaired. Drafts: e1's pending
agenda, e1's approved questions, e3's pending goals."""

from __future__ import annotations

from typing import Any

import pytest

from companion.api.auth import WITHHELD
from companion.domain import Pairing
from companion.store import PairingRepository, ProgramRepository
from tests.api.conftest import World
from tests.api.helpers import assert_problem, audit, call, get, ok, post, request_draft

SHAREABLE = {"id", "name", "role", "organization", "department", "title", "timezone",
             "languages", "expertise", "skills", "format"}
PRIVATE = {"email", "goals", "level", "capacity", "manager_id", "location"}


def _people(world: World, who: str) -> dict[str, dict[str, Any]]:
    body = ok(get(world, who, "/programs/Pilot/participants"))
    assert body["total"] == len(body["participants"])
    return {p["id"]: p for p in body["participants"]}


def _is_full(record: dict[str, Any]) -> None:
    assert "email" in record and record.keys() - SHAREABLE, record


def _is_shareable(record: dict[str, Any]) -> None:
    assert record.keys() <= SHAREABLE, record.keys() - SHAREABLE
    assert not record.keys() & PRIVATE


def _share(world: World, fields: list[str]) -> None:
    with world.db.session() as session:
        row = ProgramRepository(session).row("Pilot")
        row.settings = {**row.settings, "shareable_fields": fields}


def _pair(world: World, pid: str, mentee: str, mentor: str) -> None:
    with world.db.session() as session:
        repo = PairingRepository(session, ProgramRepository(session).row("Pilot"))
        repo.add(Pairing(id=pid, program="Pilot", mentee_id=mentee, mentor_id=mentor,
                         score=0.5, components={"semantic": 0.5},
                         reasons=[f"{mentee}'s private goal matches {mentor}"]))


# -- people -------------------------------------------------------------------------------
def test_a_mentee_sees_self_in_full_and_the_partner_shareable_only(world: World) -> None:
    mine = ok(get(world, "e1", "/programs/Pilot/participants/e1"))
    _is_full(mine)
    assert mine["email"] == "ella@acme.example"
    assert mine["goals"] == ["Delegate more to my team", "Present to the board"]
    partner = ok(get(world, "e1", "/programs/Pilot/participants/m1"))
    _is_shareable(partner)
    assert partner["name"] == "Mara Mentor" and "delegation" in partner["expertise"]
    # and the other way round: the mentor does not see the mentee's goals or email
    mentee = ok(get(world, "m1", "/programs/Pilot/participants/e1"))
    _is_shareable(mentee)
    assert "goals" not in mentee and "email" not in mentee


def test_participant_lists_of_participants_are_self_and_partners(world: World) -> None:
    assert set(_people(world, "e1")) == {"e1", "m1"}
    assert set(_people(world, "m1")) == {"m1", "e1"}
    assert set(_people(world, "e2")) == {"e2"}  # pending is not a partner yet
    assert set(_people(world, "e3")) == {"e3"}
    e1 = _people(world, "e1")
    _is_full(e1["e1"])
    _is_shareable(e1["m1"])
    assert ok(get(world, "o1", "/programs/Other/participants"))["total"] == 1


def test_me_shows_the_own_profile_in_full_and_partners_shareable(world: World) -> None:
    me = ok(get(world, "m1", "/me"))
    _is_full(me["profile"])
    assert [p["id"] for p in me["partners"]] == ["e1"]
    _is_shareable(me["partners"][0])


def test_goals_are_shown_to_the_partner_only_when_the_program_shares_them(world: World
                                                                          ) -> None:
    _share(world, ["name", "goals"])
    mentee = ok(get(world, "m1", "/programs/Pilot/participants/e1"))
    assert mentee == {"id": "e1", "name": "Ella Acme",
                      "goals": ["Delegate more to my team", "Present to the board"]}
    assert "email" not in ok(get(world, "partner", "/programs/Pilot/participants/e1"))


def test_the_partner_coordinator_sees_own_org_in_full_and_others_shareable(world: World
                                                                             ) -> None:
    people = _people(world, "partner")
    assert set(people) == {"m1", "m2", "e1", "e2", "e3"}
    for own in ("m2", "e2"):
        _is_full(people[own])
    for other in ("m1", "e1", "e3"):
        _is_shareable(people[other])
    assert people["e2"]["email"] == "gia@globex.example"
    assert "goals" not in ok(get(world, "partner", "/programs/Pilot/participants/e3"))
    _is_full(ok(get(world, "partner", "/programs/Pilot/participants/e2")))


@pytest.mark.parametrize("who", ["admin", "coord"])
def test_admin_and_the_host_coordinator_see_everyone_in_full(world: World, who: str) -> None:
    people = _people(world, who)
    assert set(people) == {"m1", "m2", "e1", "e2", "e3"}
    for record in people.values():
        _is_full(record)
    assert people["e3"]["goals"] == ["Private goal of Ed"]


# -- suggestions and pairings -------------------------------------------------------------
def test_the_partner_coordinator_gets_suggestions_for_own_org_mentees_only(world: World
                                                                           ) -> None:
    found = ok(get(world, "partner", "/programs/Pilot/suggestions?top=3"))
    assert [s["mentee_id"] for s in found["suggestions"]] == ["e2"]
    assert found["suggestions"][0]["candidates"]
    own = ok(get(world, "partner", "/programs/Pilot/suggestions?mentee_id=e2"))
    assert [s["mentee_id"] for s in own["suggestions"]] == ["e2"]
    assert_problem(get(world, "partner", "/programs/Pilot/suggestions?mentee_id=e3"), 404)
    everyone = ok(get(world, "coord", "/programs/Pilot/suggestions?top=3"))
    assert {s["mentee_id"] for s in everyone["suggestions"]} >= {"e2", "e3"}


def test_reasons_are_withheld_on_other_org_mentees_pairings(world: World) -> None:
    _pair(world, "pr-mixed", "e3", "m2")  # an Acme mentee with the Globex mentor
    pairings = {p["id"]: p for p in ok(get(world, "partner", "/programs/Pilot/pairings"))[
        "pairings"]}
    assert set(pairings) == {"pr-pending", "pr-mixed"}  # not e1–m1: no Globex person in it
    assert pairings["pr-mixed"]["reasons"] == [WITHHELD]
    assert pairings["pr-pending"]["reasons"] == ["goal of e2 matches expertise of m2"]
    one = ok(get(world, "partner", "/pairings/pr-mixed"))
    assert one["reasons"] == [WITHHELD] and "private goal" not in str(one)
    queue = ok(get(world, "partner", "/me/queue"))
    assert {p["id"]: p["reasons"] for p in queue["pairings"]} == {
        "pr-pending": ["goal of e2 matches expertise of m2"], "pr-mixed": [WITHHELD]}
    decided = ok(post(world, "partner", "/pairings/pr-mixed/review",
                      json={"decision": "approve", "version": 1}))
    assert decided["pairing"]["reasons"] == [WITHHELD]
    # the host coordinator sees them
    assert ok(get(world, "coord", "/pairings/pr-mixed"))["reasons"] == [
        "e3's private goal matches m2"]


def test_participants_never_see_pending_pairings_or_scores(world: World) -> None:
    e1 = ok(get(world, "e1", "/programs/Pilot/pairings"))["pairings"]
    assert [p["id"] for p in e1] == ["pr-approved"]
    assert not {"score", "components", "reasons", "note", "decided_by"} & e1[0].keys()
    assert e1[0]["mentor_id"] == "m1" and e1[0]["status"] == "approved"
    one = ok(get(world, "m1", "/pairings/pr-approved"))
    assert "score" not in one and "reasons" not in one
    for who in ("e1", "e2", "m1", "e3"):
        assert ok(get(world, who, "/programs/Pilot/pairings?status=pending"))["pairings"] == []
    assert ok(get(world, "e2", "/programs/Pilot/pairings"))["pairings"] == []
    assert_problem(get(world, "e2", "/pairings/pr-pending"), 404)
    assert ok(get(world, "e2", "/me"))["partners"] == []
    assert ok(get(world, "e2", "/me/queue"))["pairings"] == []


def test_coordinators_see_scores_and_reasons(world: World) -> None:
    for who in ("admin", "coord"):
        pairings = {p["id"]: p for p in ok(get(world, who, "/programs/Pilot/pairings"))[
            "pairings"]}
        assert set(pairings) == {"pr-approved", "pr-pending"}
        assert pairings["pr-pending"]["score"] == 0.7
        assert pairings["pr-pending"]["components"] == {"semantic": 0.7}


def test_the_program_hides_its_policies_from_participants(world: World) -> None:
    mine = ok(get(world, "e1", "/programs/Pilot"))
    assert "matching_weights" not in mine and "ai_readable_fields" not in mine
    assert "matching_weights" in ok(get(world, "coord", "/programs/Pilot"))
    assert [p["name"] for p in ok(get(world, "e1", "/programs"))["programs"]] == ["Pilot"]
    assert {p["name"] for p in ok(get(world, "admin", "/programs"))["programs"]} == {
        "Pilot", "Other"}


# -- drafts -------------------------------------------------------------------------------
def _draft_ids(world: World, who: str, query: str = "") -> set[str]:
    return {d["id"] for d in ok(get(world, who, f"/drafts{query}"))["drafts"]}


def test_drafts_lists_are_filtered(world: World) -> None:
    pending, approved, e3 = (world.drafts[k] for k in ("pending", "approved", "e3"))
    assert _draft_ids(world, "e1") == {pending, approved}
    assert _draft_ids(world, "m1") == {approved}
    assert _draft_ids(world, "e3") == {e3}
    assert _draft_ids(world, "e2") == set()
    assert _draft_ids(world, "coord") == {approved}  # approved only, never a pending one
    assert _draft_ids(world, "partner") == set()  # nothing of Globex people yet
    assert _draft_ids(world, "other") == set() and _draft_ids(world, "o1") == set()
    assert _draft_ids(world, "admin") == {pending, approved, e3}
    assert _draft_ids(world, "m1", "?participant_id=e1") == {approved}
    assert _draft_ids(world, "e1", "?status=pending_review") == {pending}
    assert _draft_ids(world, "admin", "?program=Pilot&participant_id=e3") == {e3}
    assert_problem(get(world, "e1", "/drafts?program=Other"), 404)


def test_an_approved_draft_of_a_partner_is_readable_a_pending_one_is_not(world: World
                                                                          ) -> None:
    approved = ok(get(world, "m1", f"/drafts/{world.drafts['approved']}"))
    assert approved["status"] == "approved" and approved["participant_id"] == "e1"
    assert_problem(get(world, "m1", f"/drafts/{world.drafts['pending']}"), 404)
    assert_problem(get(world, "m1", f"/drafts/{world.drafts['pending']}/versions"), 404)
    assert_problem(get(world, "e1", f"/drafts/{world.drafts['e3']}"), 404)


def test_a_partner_coordinator_sees_approved_drafts_of_own_people_only(world: World) -> None:
    made = request_draft(world, "e2", {"kind": "questions"})
    assert made["id"] not in _draft_ids(world, "partner")  # pending: only e2 sees it
    ok(post(world, "e2", f"/drafts/{made['id']}/review",
            json={"decision": "approve", "version": made["version"]}))
    assert _draft_ids(world, "partner") == {made["id"]}
    assert made["id"] in _draft_ids(world, "coord")
    assert_problem(get(world, "partner", f"/drafts/{world.drafts['approved']}"), 404)


# -- denials are audited ------------------------------------------------------------------
def test_every_denial_is_in_the_audit_log(world: World) -> None:
    before = len(audit(world, "access.denied"))
    assert_problem(get(world, None, "/programs/Pilot/participants"), 401)
    assert_problem(world.client.get("/api/v1/me",
                                    headers={"Authorization": "Bearer cmp_bogus_x"}), 401)
    assert_problem(get(world, "e1", "/programs/Pilot/report"), 403)
    hidden = f"/drafts/{world.drafts['pending']}"
    assert_problem(get(world, "m1", hidden), 404)
    assert_problem(get(world, "o1", "/programs/Pilot"), 404)
    events = audit(world, "access.denied")
    assert len(events) == before + 5
    seen = {(e.actor, e.entity_id, e.detail["status"]) for e in events}
    assert ("anonymous", "GET /api/v1/programs/Pilot/participants", 401) in seen
    assert ("anonymous", "GET /api/v1/me", 401) in seen
    assert ("mentee:e1", "GET /api/v1/programs/Pilot/report", 403) in seen
    assert ("mentor:m1", f"GET /api/v1{hidden}", 404) in seen
    assert ("mentee:o1", "GET /api/v1/programs/Pilot", 404) in seen
    by_path = {e.entity_id: e for e in events}
    assert by_path["GET /api/v1/programs/Pilot/report"].program == "Pilot"
    assert by_path["GET /api/v1/programs/Pilot/report"].detail["token"] == \
        world.token_ids["e1"]
    assert by_path[f"GET /api/v1{hidden}"].detail["reason"] == \
        "draft not visible to the caller"
    assert all(e.entity_type == "request" for e in events)
    # the token itself is never written down
    assert not any(world.tokens["e1"] in str(e.detail) for e in events)


def test_denied_writes_are_audited_and_change_nothing(world: World) -> None:
    response = post(world, "e1", "/pairings/pr-pending/review",
                    json={"decision": "approve", "version": 1})
    assert_problem(response, 404)
    response = post(world, "m1", "/pairings/pr-approved/review",
                    json={"decision": "lock", "version": 2})
    assert_problem(response, 403)
    statuses = {(e.actor, e.detail["status"]) for e in audit(world, "access.denied")}
    assert {("mentee:e1", 404), ("mentor:m1", 403)} <= statuses
    assert ok(get(world, "coord", "/pairings/pr-pending"))["status"] == "pending"
    assert not audit(world, "pairing.approve") and not audit(world, "pairing.lock")


def test_a_real_miss_of_a_known_caller_is_audited_too(world: World) -> None:
    """A 404 for something absent reads exactly like a hiding one, so both are logged."""
    assert_problem(get(world, "e1", "/drafts/dr-000000000000"), 404)
    assert ("mentee:e1", "GET /api/v1/drafts/dr-000000000000") in {
        (e.actor, e.entity_id) for e in audit(world, "access.denied")}


# -- review queues ------------------------------------------------------------------------
def test_queues(world: World) -> None:
    coord = ok(get(world, "coord", "/me/queue"))
    assert [p["id"] for p in coord["pairings"]] == ["pr-pending"]
    assert coord["pairings"][0]["status"] == "pending" and coord["drafts"] == []
    assert coord["counts"] == {"pairings": 1, "drafts": 0}
    e1 = ok(get(world, "e1", "/me/queue"))
    assert e1["pairings"] == [] and [d["id"] for d in e1["drafts"]] == [
        world.drafts["pending"]]
    assert e1["drafts"][0]["status"] == "pending_review" and "version" in e1["drafts"][0]
    assert [d["id"] for d in ok(get(world, "e3", "/me/queue"))["drafts"]] == [
        world.drafts["e3"]]
    m1 = ok(get(world, "m1", "/me/queue"))
    assert m1["pairings"] == [] and m1["drafts"] == []
    assert ok(get(world, "other", "/me/queue"))["pairings"] == []
    admin = ok(get(world, "admin", "/me/queue"))
    assert [p["id"] for p in admin["pairings"]] == ["pr-pending"]
    assert {d["id"] for d in admin["drafts"]} == {world.drafts["pending"], world.drafts["e3"]}
    # a decision empties the queue
    ok(post(world, "coord", "/pairings/pr-pending/review",
            json={"decision": "approve", "version": 1}))
    assert ok(get(world, "coord", "/me/queue"))["pairings"] == []
    limited = ok(get(world, "admin", "/me/queue?limit=1"))
    assert len(limited["drafts"]) == 1 and limited["counts"]["drafts"] == 2


def test_the_program_of_a_token_does_not_leak_into_another(world: World) -> None:
    assert_problem(get(world, "other", "/programs/Pilot/participants"), 404)
    assert_problem(get(world, "other", "/pairings/pr-pending"), 404)
    assert_problem(call(world, "other", "GET", "/audit?program=Pilot"), 404)
    events = ok(get(world, "other", "/audit"))["events"]
    assert all(e["program"] == "Other" for e in events)


def test_a_status_filter_keeps_the_visibility_rules(world: World) -> None:
    approved = ok(get(world, "coord", "/programs/Pilot/pairings?status=approved"))
    assert [p["id"] for p in approved["pairings"]] == ["pr-approved"]
    assert ok(get(world, "partner", "/programs/Pilot/pairings?status=approved"))[
        "pairings"] == []
    pending = ok(get(world, "partner", "/programs/Pilot/pairings?status=pending"))
    assert [p["id"] for p in pending["pairings"]] == ["pr-pending"]
