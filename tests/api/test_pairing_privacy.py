"""Issue 10, item 1, over HTTP as it was reproduced: a mentor with mentees A and B writes a
framework about B and approves it; A must not read it, list it, or read its history."""

from __future__ import annotations

from companion.domain import Pairing, PairingStatus
from companion.store import PairingRepository, ProgramRepository
from companion.store.tables import DraftRow
from tests.api.conftest import World
from tests.api.helpers import assert_problem, audit, get, ok, post, request_draft


def _second_mentee(world: World) -> None:
    with world.db.session() as session:
        repo = PairingRepository(session, ProgramRepository(session).row("Pilot"))
        repo.add(Pairing(id="pr-e3", program="Pilot", mentee_id="e3", mentor_id="m1"))
        repo.decide("pr-e3", expected_version=1, status=PairingStatus.approved, by="coord")


def test_a_framework_about_one_mentee_is_hidden_from_the_other(world: World) -> None:
    _second_mentee(world)
    made = request_draft(world, "m1", {
        "kind": "framework", "partner_id": "e3",
        "topic": "Ed is close to burnout after the reorg"})
    assert (made["pairing_id"], made["partner_id"]) == ("pr-e3", "e3")
    approved = ok(post(world, "m1", f"/drafts/{made['id']}/review",
                       json={"decision": "approve", "version": made["version"],
                             "note": "keep this between Ed and me"}))
    assert approved["status"] == "approved"

    # e1, the mentor's other mentee: as if it did not exist
    assert_problem(get(world, "e1", f"/drafts/{made['id']}"), 404)
    assert_problem(get(world, "e1", f"/drafts/{made['id']}/versions"), 404)
    listed = ok(get(world, "e1", "/drafts"))
    assert made["id"] not in {d["id"] for d in listed["drafts"]}
    assert listed["total"] == len(listed["drafts"])
    denied = audit(world, "access.denied")
    assert denied and denied[0].actor == "mentee:e1"

    # e3, the mentee it is about: the approved draft, not the mentor's working notes
    assert ok(get(world, "e3", f"/drafts/{made['id']}"))["status"] == "approved"
    assert_problem(get(world, "e3", f"/drafts/{made['id']}/versions"), 404)
    # the mentor, its reviewer, sees the history with the note
    history = ok(get(world, "m1", f"/drafts/{made['id']}/versions"))["versions"]
    assert any(v["note"] == "keep this between Ed and me" for v in history)


def test_the_draft_records_the_token_behind_each_action(world: World) -> None:
    made = request_draft(world, "e1", {"kind": "questions"})
    events = audit(world, entity_id=made["id"])
    assert events and {e.token_id for e in events} == {world.token_ids["e1"]}
    with world.db.session() as session:
        row = session.get(DraftRow, made["id"])
        assert row is not None and row.pairing_id == "pr-approved"


def test_draft_listings_are_paged(world: World) -> None:
    for _ in range(3):
        request_draft(world, "e1", {"kind": "questions"})
    first = ok(get(world, "e1", "/drafts?limit=2"))
    assert len(first["drafts"]) == 2 and first["next_offset"] == 2
    seen, page = [d["id"] for d in first["drafts"]], first
    while page["next_offset"] is not None:
        page = ok(get(world, "e1", f"/drafts?limit=2&offset={page['next_offset']}"))
        seen += [d["id"] for d in page["drafts"]]
    assert len(seen) == len(set(seen)) == first["total"] >= 3
    queue = ok(get(world, "e1", "/me/queue?limit=1"))
    assert len(queue["drafts"]) == 1 and queue["counts"]["drafts"] >= 3
    assert_problem(get(world, "e1", "/drafts?limit=100000"), 422)
