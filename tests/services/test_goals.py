"""Tracked goals at the services layer: an approved goals draft becomes the pair's goals
(once, however often it is tracked), progress updates, checkpoints done and undone,
readjusting into a new version with the old kept, checkpoint reminders by the clock, field-
naming errors, and privacy (the pair reads goals, coordinators counts only)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from companion.config import Settings
from companion.domain import AccessRole, Draft, DraftKind, DraftStatus, Pairing, PairingStatus
from companion.domain.clock import FixedClock
from companion.domain.relationship import GoalStatus
from companion.drafting.deps import Deps
from companion.errors import AccessDenied, BadInputError, ConflictError
from companion.llm.fake import FakeChatModel
from companion.services import drafts, goals
from companion.services.draft_store import DatabaseDraftStore
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.services.tokens import Principal
from companion.store import Database, DraftRepository, PairingRepository, ProgramRepository
from tests import factories

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
CONTENT = {"goals": [
    {"statement": "Delegate the weekly report", "specific": "Hand it to two people",
     "measurable": "2 hours a week", "achievable": "they asked", "relevant": "planning time",
     "time_bound": "2027-09-30",
     "evaluated": [{"date": "2027-03-05", "check": "Review the hours log"},
                   {"date": "2027-06-01", "check": "Ask both for feedback"}],
     "readjusted": "Narrow it to one report"},
    {"statement": "Present to the board", "time_bound": "2027-11-30",
     "evaluated": [{"date": "2027-02-20", "check": "Dry run with my mentor"}]}]}


def _who(pid: str, role: str, organization: str | None = None) -> Principal:
    return Principal(f"t-{pid}", pid, AccessRole(role), "Pilot", organization)


@pytest.fixture
def world(db: Database, tmp_path: Path) -> Database:
    """Pilot: e1–m1 approved (e1 has an approved goals draft), e2–m2 approved, e3 unpaired."""
    create_program(db, build_program("Pilot", start=date(2027, 1, 4)))
    people = [factories.mentor("m1"), factories.mentor("m2"), factories.mentee("e1"),
              factories.mentee("e2"), factories.mentee("e3")]
    report = import_participants_file(db, "Pilot", factories.write_csv(tmp_path / "p.csv",
                                                                       people),
                                      skip_invalid=False)
    assert report.imported, report.errors
    with db.session(write=True) as session:
        row = ProgramRepository(session).row("Pilot")
        repo = PairingRepository(session, row)
        for pid, mentee, mentor in [("pr-1", "e1", "m1"), ("pr-2", "e2", "m2")]:
            repo.add(Pairing(id=pid, program="Pilot", mentee_id=mentee, mentor_id=mentor))
            repo.decide(pid, expected_version=1, status=PairingStatus.approved, by="c")
        for did, owner in [("dr-goals", "e1"), ("dr-e3", "e3")]:
            DraftRepository(session, row).add(Draft(
                id=did, program="Pilot", kind=DraftKind.goals, participant_id=owner,
                status=DraftStatus.approved, generator="test", content=CONTENT), author=owner)
    return db


def test_tracking_a_draft_twice_writes_its_goals_once(world: Database) -> None:
    clock = FixedClock(NOW)
    first = goals.track_draft(world, "dr-goals", by="e1", clock=clock)
    again = goals.track_draft(world, "dr-goals", by="m1", clock=clock)
    assert first.created and not again.created and first.pairing_id == "pr-1"
    assert [g.id for g in first.goals] == [g.id for g in again.goals]
    listed = goals.list_goals(world, "pr-1")
    assert [v.goal.statement for v in listed] == ["Delegate the weekly report",
                                                  "Present to the board"]
    delegate = listed[0]
    assert delegate.goal.time_bound == date(2027, 9, 30)
    assert delegate.goal.details["measurable"] == "2 hours a week"
    assert [(c.due_on, c.check) for c in delegate.checkpoints] == [
        (date(2027, 3, 5), "Review the hours log"), (date(2027, 6, 1), "Ask both for feedback")]
    assert goals.list_goals(world, "pr-2") == []


def test_an_unpaired_owner_needs_a_pairing_and_bad_drafts_name_the_field(
        world: Database) -> None:
    with pytest.raises(ConflictError, match="name the pairing"):
        goals.track_draft(world, "dr-e3", by="e3")
    with pytest.raises(BadInputError) as wrong_pair:
        goals.track_draft(world, "dr-e3", by="e3", pairing_id="pr-2")
    assert wrong_pair.value.field == "pairing_id"
    with pytest.raises(BadInputError) as missing:
        goals.track_draft(world, "dr-nope", by="e3")
    assert missing.value.field == "draft_id"


def test_progress_updates_and_checkpoints(world: Database) -> None:
    clock = FixedClock(NOW)
    goal = goals.track_draft(world, "dr-goals", by="e1", clock=clock).goals[0]
    clock.advance(days=1)
    view = goals.update_goal(world, goal.id, "on_track", by="e1", note="Handed over the "
                             "report", clock=clock)
    clock.advance(days=1)
    view = goals.update_goal(world, goal.id, GoalStatus.at_risk, by="m1", clock=clock)
    assert view.goal.status is GoalStatus.at_risk
    assert [(u.author_id, u.status, u.evidence) for u in view.updates] == [
        ("e1", GoalStatus.on_track, "Handed over the report"), ("m1", GoalStatus.at_risk, None)]
    for bad, field in [({"status": "finished"}, "status"),
                       ({"status": "done", "note": "x" * 6000}, "note")]:
        with pytest.raises(BadInputError) as refused:
            goals.update_goal(world, goal.id, bad["status"], by="e1", note=bad.get("note"))
        assert refused.value.field == field
    point = view.checkpoints[0]
    assert point.id is not None
    done = goals.set_checkpoint(world, point.id, by="e1", done=True, clock=clock)
    assert done.done_at == clock.now() and done.done_by == "e1"
    assert goals.set_checkpoint(world, point.id, by="m1", done=True).done_by == "e1"  # once
    assert goals.set_checkpoint(world, point.id, by="e1", done=False).done_at is None


def test_readjusting_makes_a_new_version_and_keeps_the_old(world: Database) -> None:
    clock = FixedClock(NOW)
    goal = goals.track_draft(world, "dr-goals", by="e1", clock=clock).goals[0]
    first_point = goals.list_goals(world, "pr-1")[0].checkpoints[0]
    goals.set_checkpoint(world, first_point.id or 0, by="e1", clock=clock)
    goals.update_goal(world, goal.id, "on_track", by="e1", note="started", clock=clock)
    clock.advance(days=3)
    new = goals.readjust(world, goal.id, by="m1", statement="Delegate one report",
                         time_bound="2027-10-31", reason="Too much at once",
                         version=1, clock=clock)
    assert (new.goal.version, new.goal.is_current, new.goal.goal_key) == (2, True,
                                                                          goal.goal_key)
    assert new.goal.time_bound == date(2027, 10, 31)
    assert new.goal.status is GoalStatus.on_track  # progress carries over
    assert [(h.version, h.statement, h.is_current, h.superseded_by) for h in new.history] == [
        (1, "Delegate the weekly report", False, new.goal.id)]
    assert [c.done_at is not None for c in new.checkpoints] == [True, False]
    assert [u.evidence for u in new.updates] == ["started"]
    assert [v.goal.id for v in goals.list_goals(world, "pr-1")][0] == new.goal.id
    with pytest.raises(ConflictError, match="history"):
        goals.update_goal(world, goal.id, "done", by="e1")  # the old version is a record
    with pytest.raises(ConflictError, match="version 2, not 1"):
        goals.readjust(world, new.goal.id, by="e1", statement="again", version=1)
    for kwargs, field in [({}, "statement"), ({"time_bound": "next year"}, "time_bound"),
                          ({"statement": "x" * 2000}, "statement")]:
        with pytest.raises(BadInputError) as refused:
            goals.readjust(world, new.goal.id, by="e1", **kwargs)  # type: ignore[arg-type]
        assert refused.value.field == field


def test_due_checkpoints_follow_the_clock(world: Database) -> None:
    clock = FixedClock(NOW)  # 2027-03-01
    goals.track_draft(world, "dr-goals", by="e1", clock=clock)
    due = goals.due_checkpoints(world, "Pilot", clock, within_days=7)
    assert [(d.due_on, d.days_until, d.overdue, d.mentee_id, d.mentor_id) for d in due] == [
        (date(2027, 2, 20), -9, True, "e1", "m1"), (date(2027, 3, 5), 4, False, "e1", "m1")]
    goals.set_checkpoint(world, due[0].checkpoint_id, by="e1")
    assert [d.due_on for d in goals.due_checkpoints(world, "Pilot", clock, within_days=2)
            ] == []
    clock.set(datetime(2027, 5, 28, tzinfo=UTC))
    assert [d.due_on for d in goals.due_checkpoints(world, "Pilot", clock, within_days=7)
            ] == [date(2027, 3, 5), date(2027, 6, 1)]
    with pytest.raises(BadInputError):
        goals.due_checkpoints(world, "Pilot", clock, within_days=-1)


def test_goals_are_the_pairs_and_coordinators_see_counts(world: Database) -> None:
    goal = goals.track_draft(world, "dr-goals", by="e1").goals[0]
    goals.update_goal(world, goal.id, "done", by="e1", note="private evidence")
    for member in (_who("e1", "mentee"), _who("m1", "mentor"), _who("admin", "admin")):
        assert [v.goal.statement for v in goals.list_as(world, member, "pr-1")][0] == \
            "Delegate the weekly report"
    with pytest.raises(AccessDenied) as coordinator:
        goals.list_as(world, _who("coord", "coordinator"), "pr-1")
    assert coordinator.value.status == 403
    for outsider in (_who("e2", "mentee"), _who("m2", "mentor")):
        with pytest.raises(AccessDenied) as hidden:
            goals.update_as(world, outsider, goal.id, "at_risk")
        assert hidden.value.status == 404
    [summary] = goals.completion_as(world, _who("coord", "coordinator"), "Pilot")
    assert summary.json() == {"pairing_id": "pr-1", "goals": 2, "done": 1,
                              "by_status": {"done": 1, "not_started": 1}, "checkpoints": 3,
                              "checkpoints_done": 0}
    assert "Delegate" not in str(summary.json()) and "evidence" not in str(summary.json())
    with pytest.raises(AccessDenied):
        goals.completion_as(world, _who("e1", "mentee"), "Pilot")


def test_approving_a_goals_draft_tracks_it(db: Database, tmp_path: Path,
                                           settings: Settings) -> None:
    from tests.drafting.conftest import PASSAGE, TODAY, pilot_program
    from tests.drafting.test_bad_model_output import GOOD_GOALS

    pilot_program(db, tmp_path)  # e1–m1 approved
    deps = Deps(store=DatabaseDraftStore(db), model=FakeChatModel().enqueue(GOOD_GOALS),
                search=lambda q, top, where: [PASSAGE], today=lambda: TODAY)
    draft = drafts.request_draft(db, settings, program="Pilot", kind="goals",
                                 participant_id="e1", today=TODAY, deps=deps)
    assert goals.list_goals(db, "pr-1") == []  # nothing tracked before approval
    assert draft.status is DraftStatus.pending_review, draft.failure_reason
    drafts.review_draft(db, settings, draft.id, "approve", by="e1", version=draft.version,
                        deps=deps)
    tracked = goals.list_goals(db, "pr-1")
    assert [(v.goal.source_draft_id, len(v.checkpoints)) for v in tracked] == [(draft.id, 2)]
    assert not goals.track_draft(db, draft.id, by="e1").created  # and never twice
    assert len(goals.list_goals(db, "pr-1")) == 1


def test_a_private_draft_is_shared_only_by_its_owner(world: Database) -> None:
    """dr-goals was made before the pairing (no pairing_id): private to e1 until e1 tracks
    it; the mentor can neither see it offered nor track it."""
    from companion.services.pairings import get_pairing

    pairing = get_pairing(world, "pr-1")
    assert [d.id for d in goals.untracked_drafts(world, pairing, "e1")] == ["dr-goals"]
    assert goals.untracked_drafts(world, pairing, "m1") == []
    with pytest.raises(AccessDenied) as refused:
        goals.track_as(world, _who("m1", "mentor"), "pr-1", "dr-goals")
    assert refused.value.status == 404
    assert goals.list_goals(world, "pr-1") == []
    assert goals.track_as(world, _who("e1", "mentee"), "pr-1", "dr-goals").created
    assert goals.untracked_drafts(world, pairing, "e1") == []


def test_tracking_at_the_same_moment_writes_once(world: Database) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda who: goals.track_draft(world, "dr-goals", by=who),
                                ["e1", "m1", "e1", "m1"]))
    assert sum(r.created for r in results) == 1
    assert len(goals.list_goals(world, "pr-1")) == 2
    assert {tuple(g.id for g in r.goals) for r in results} == {
        tuple(v.goal.id for v in goals.list_goals(world, "pr-1"))}
