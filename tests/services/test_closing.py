"""Closing and re-matching (issue 14): ending a pairing with a reason (who may, the no-fault
window of the trial period, field-naming errors, stale versions, future sessions cancelled),
withdrawing a participant, and re-matching: an ended pair is never suggested nor assigned
again, a withdrawn person never appears."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from companion.domain import AccessRole, Pairing, PairingStatus
from companion.domain.clock import FixedClock
from companion.domain.relationship import SessionStatus
from companion.embeddings import HashingEmbedder
from companion.errors import AccessDenied, BadInputError, ConflictError
from companion.matching import rules
from companion.services import closing, matching, pairings, sessions
from companion.services.programs import build_program, create_program
from companion.services.tokens import Principal
from companion.store import AuditLog, Database, PairingRepository, ProgramRepository
from tests import factories
from tests import relationship_world as w

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
EMBEDDER = HashingEmbedder()


@pytest.fixture
def world(db: Database, tmp_path: Path) -> Database:
    """Pilot: e1 – m1 approved, e2 – m2 approved, e3 – m1 pending; m3 free."""
    create_program(db, build_program("Pilot", start=date(2027, 1, 4), cadence_weeks=4))
    people = [factories.mentor("m1", capacity="3"), factories.mentor("m2", capacity="3"),
              factories.mentor("m3", capacity="3"),
              factories.mentee("e1"), factories.mentee("e2"), factories.mentee("e3")]
    return w.imported_with_pairings(db, tmp_path, people, [("pr-1", "e1", "m1", True),
                                                          ("pr-2", "e2", "m2", True),
                                                          ("pr-3", "e3", "m1", False)])


def _who(pid: str, role: str, program: str | None = "Pilot") -> Principal:
    return Principal(f"t-{pid}", pid, AccessRole(role), program, None)


def _hold(db: Database, pairing_id: str, days: list[int]) -> None:
    for day in days:
        sessions.schedule(db, pairing_id, f"2027-01-{day:02d}T10:00", by="e1",
                          timezone="UTC", clock=FixedClock(NOW))


def _mentors(db: Database, mentee: str) -> set[str]:
    found = matching.suggest(db, "Pilot", EMBEDDER, top=50, mentee_id=mentee).json()
    return {c["mentor_id"] for c in found["suggestions"][0]["candidates"]}


def test_a_coordinator_ends_a_pairing_and_its_future_sessions_are_cancelled(
        world: Database) -> None:
    clock = FixedClock(NOW)
    future = sessions.schedule(world, "pr-1", "2027-02-01T10:00", by="e1", clock=clock)
    current = pairings.get_pairing(world, "pr-1")
    ended = closing.end_as(world, _who("c", "coordinator"), "pr-1", "completed",
                           version=current.version, note="ran its course", clock=clock)
    assert ended["status"] == "closed" and ended["end_reason"] == "completed"
    assert ended["ended_at"].startswith("2027-01-10") and ended["end_note"] == "ran its course"
    assert sessions.get_session(world, future.id).status is SessionStatus.cancelled
    with world.session() as session:
        actions = [e.action for e in AuditLog(session).list(program="Pilot")]
    assert "pairing.end" in actions and "session.cancel" in actions


def test_a_member_leaves_no_fault_during_the_trial_and_the_window_closes_after_it(
        world: Database) -> None:
    clock = FixedClock(NOW)
    _hold(world, "pr-1", [5, 6])  # the two trial sessions: the exit is still open
    assert closing.trial_state(world, "pr-1").open
    ended = closing.end_as(world, _who("e1", "mentee"), "pr-1", "no_fault",
                           version=pairings.get_pairing(world, "pr-1").version, clock=clock)
    assert ended["status"] == "closed" and ended["end_reason"] == "no_fault"

    _hold(world, "pr-2", [5, 6, 7])  # a third session held: the trial is over
    assert not closing.trial_state(world, "pr-2").open
    version = pairings.get_pairing(world, "pr-2").version
    with pytest.raises(AccessDenied, match="no-fault exit closed") as caught:
        closing.end_as(world, _who("m2", "mentor"), "pr-2", "no_fault", version=version,
                       clock=clock)
    assert caught.value.status == 403
    # the coordinator still can
    assert closing.end_as(world, _who("c", "coordinator"), "pr-2", "no_fault",
                          version=version, clock=clock)["status"] == "closed"


def test_a_member_cannot_end_as_completed_nor_withdrawn(world: Database) -> None:
    for reason in ("completed", "withdrawn"):
        with pytest.raises(AccessDenied) as caught:
            closing.end_as(world, _who("e1", "mentee"), "pr-1", reason, version=2)
        assert caught.value.status == 403


def test_a_mentor_of_another_pairing_cannot_end_this_one(world: Database) -> None:
    for outsider in (_who("m2", "mentor"), _who("e2", "mentee"), _who("e3", "mentee"),
                     _who("c", "coordinator", "Other")):
        with pytest.raises(AccessDenied) as caught:
            closing.end_as(world, outsider, "pr-1", "no_fault", version=2)
        assert caught.value.status == 404
    assert pairings.get_pairing(world, "pr-1").status is PairingStatus.approved


@pytest.mark.parametrize(("reason", "note", "field"), [
    ("bored", None, "reason"), ("", None, "reason"), ("no_fault", "x" * 2001, "note")])
def test_bad_input_names_the_field(world: Database, reason: str, note: str | None,
                                   field: str) -> None:
    with pytest.raises(BadInputError) as caught:
        closing.end(world, "pr-1", reason, by="c", note=note)
    assert caught.value.field == field


def test_a_stale_version_is_a_conflict_and_only_live_pairings_end(world: Database) -> None:
    with pytest.raises(ConflictError, match="version"):
        closing.end(world, "pr-1", "no_fault", by="c", version=1)
    with pytest.raises(ConflictError, match="reject a pending one"):
        closing.end(world, "pr-3", "no_fault", by="c")
    closing.end(world, "pr-1", "no_fault", by="c")
    with pytest.raises(ConflictError, match="closed"):
        closing.end(world, "pr-1", "no_fault", by="c")


def test_after_an_end_the_old_mentor_is_never_suggested_and_the_reason_says_so(
        world: Database) -> None:
    assert "m1" in _mentors(world, "e1")
    closing.end(world, "pr-1", "no_fault", by="c")
    assert "m1" not in _mentors(world, "e1") and _mentors(world, "e1")
    item = matching.suggest(world, "Pilot", EMBEDDER, mentee_id="e1").json()["suggestions"][0]
    assert item["excluded"] == [{"mentor_id": "m1",
                                 "reason": f"{rules.ENDED_BEFORE} (no_fault)"}]


def test_assignment_never_recreates_an_ended_pair(world: Database) -> None:
    closing.end(world, "pr-1", "no_fault", by="c")
    closing.end(world, "pr-2", "no_fault", by="c")
    result = matching.assign(world, "Pilot", EMBEDDER)
    made = {(p.mentee_id, p.mentor_id) for p in result.assignments}
    assert "e1" in {m for m, _ in made} and "e2" in {m for m, _ in made}
    assert not made & {("e1", "m1"), ("e2", "m2")}
    # nor does an approval of a hand-made pending pairing of the ended pair
    with world.session(write=True) as session:
        repo = PairingRepository(session, ProgramRepository(session).row("Pilot"))
        repo.delete_pending()
        repo.add(Pairing(id="pr-9", program="Pilot", mentee_id="e1", mentor_id="m1"))
    with pytest.raises(ConflictError, match="pairing ended"):
        pairings.review(world, "pr-9", "approve", by="c")


def test_withdrawing_a_mentor_ends_their_pairings_and_the_mentees_are_re_matched(
        world: Database) -> None:
    clock = FixedClock(NOW)
    future = sessions.schedule(world, "pr-1", "2027-02-01T10:00", by="e1", clock=clock)
    out = closing.withdraw_as(world, _who("c", "coordinator"), "Pilot", "m1",
                              reason="left the company", clock=clock)
    assert [p.id for p in out.ended] == ["pr-1"] and [p.id for p in out.rejected] == ["pr-3"]
    assert out.ended[0].end_reason == "withdrawn" and not out.already
    assert sessions.get_session(world, future.id).status is SessionStatus.cancelled
    for mentee in ("e1", "e3", "e2"):  # the withdrawn mentor is never suggested to anyone
        assert "m1" not in _mentors(world, mentee)
    assert _mentors(world, "e1")  # e1 can be re-matched
    result = matching.assign(world, "Pilot", EMBEDDER)
    assert {p.mentee_id for p in result.assignments} >= {"e1", "e3"}
    assert "m1" not in {p.mentor_id for p in result.assignments}
    again = closing.withdraw(world, "Pilot", "m1", by="c", clock=clock)
    assert again.already and not again.ended


def test_a_withdrawn_mentee_is_never_suggested_nor_assigned(world: Database) -> None:
    closing.withdraw(world, "Pilot", "e1", by="c")
    with pytest.raises(BadInputError, match="withdrew") as caught:
        matching.suggest(world, "Pilot", EMBEDDER, mentee_id="e1")
    assert caught.value.field == "mentee_id"
    every = matching.suggest(world, "Pilot", EMBEDDER).json()["suggestions"]
    assert "e1" not in {s["mentee_id"] for s in every}
    result = matching.assign(world, "Pilot", EMBEDDER)
    assert "e1" not in {p.mentee_id for p in result.assignments}


def test_only_coordinators_withdraw_participants(world: Database) -> None:
    with pytest.raises(AccessDenied):
        closing.withdraw_as(world, _who("e1", "mentee"), "Pilot", "e1")
