"""Session-aware agendas (issue 14): the agenda drafter reads the pair's meetings — the last
held session's action items, goal checkpoints due soon, the days since the last session
(more than two cadences: the re-engagement session, from the data alone) and the program's
phase (completion: the closing session) — end to end through the offline drafter."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from companion.config import Settings
from companion.domain import DraftStatus, Phase
from companion.domain.clock import FixedClock
from companion.domain.relationship import Goal, GoalCheckpoint
from companion.drafting.context import Gathered, SessionHistory, model_context
from companion.embeddings import HashingEmbedder
from companion.services import drafts, sessions
from companion.services.programs import get_program
from companion.store import Database, ProgramRepository
from companion.store.relationship import GoalRepository
from tests import factories

TODAY = date(2027, 4, 1)


@pytest.fixture(autouse=True)
def hashing_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = HashingEmbedder()
    monkeypatch.setattr("companion.embeddings.get_embedder", lambda _settings: embedder)


def _held(db: Database, on: date, actions: list[str]) -> None:
    clock = FixedClock(datetime(on.year, on.month, on.day, 18, tzinfo=UTC))
    sessions.schedule(db, "pr-1", f"{on.isoformat()}T10:00", by="e1", timezone="UTC",
                      action_items=actions, clock=clock)


def _agenda(db: Database, settings: Settings, today: date = TODAY) -> dict[str, object]:
    draft = drafts.request_draft(db, settings, program="Pilot", kind="agenda",
                                 participant_id="e1", today=today)
    failed = [c for c in draft.checks if not c.passed]
    assert draft.status is DraftStatus.pending_review, (draft.failure_reason, failed)
    return {**draft.content, "rationale": draft.rationale}


def test_the_agenda_picks_up_the_last_sessions_action_items(program_db: Database,
                                                            settings: Settings) -> None:
    _held(program_db, TODAY - timedelta(days=40), ["an older action"])
    _held(program_db, TODAY - timedelta(days=14),
          ["Draft the delegation plan for the Q2 launch", "Ask Sam for feedback on the deck"])
    content = _agenda(program_db, settings)
    text = str(content["items"])
    assert "Draft the delegation plan for the Q2 launch" in text.replace("draft the", "Draft the")
    assert "ask Sam for feedback on the deck" in text or "Ask Sam for feedback" in text
    assert "an older action" not in text  # only the last held session's
    assert content["rationale"]["session"]["previous_action_items"]  # type: ignore[index]
    assert content["rationale"]["template"]["name"] == "Regular session"  # type: ignore[index]


def test_goal_checkpoints_due_soon_go_in_the_goals_item(program_db: Database,
                                                       settings: Settings) -> None:
    _held(program_db, TODAY - timedelta(days=14), ["Book the next session"])
    with program_db.session(write=True) as session:
        goals = GoalRepository(session, ProgramRepository(session).row("Pilot"))
        goal = Goal(id="g-1", program="Pilot", pairing_id="pr-1", participant_id="e1",
                    goal_key="gk-1", version=1, statement="Delegate more to my team",
                    time_bound=TODAY + timedelta(days=90), created_by="e1")
        goals.add_version(goal, [
            GoalCheckpoint(goal_id="g-1", position=1, due_on=TODAY + timedelta(days=10),
                           check="Two projects handed over with a named owner"),
            GoalCheckpoint(goal_id="g-1", position=2, due_on=TODAY + timedelta(days=80),
                           check="A checkpoint far away")], at=datetime.now(UTC))
    content = _agenda(program_db, settings)
    goal_items = [i for i in content["items"] if "goal" in str(i).lower()]  # type: ignore[union-attr]
    assert any("two projects handed over with a named owner" in str(i).lower()
               for i in goal_items)
    assert "far away" not in str(content["items"])


def test_a_lapse_in_the_data_chooses_the_re_engagement_session(program_db: Database,
                                                              settings: Settings) -> None:
    _held(program_db, TODAY - timedelta(days=70), ["Read the chapter on delegation"])
    content = _agenda(program_db, settings)  # no topic: nothing in the words says "lapsed"
    template = content["rationale"]["template"]  # type: ignore[index]
    assert template["name"] == "Re-engagement session"
    assert "70 days since the last session held" in template["reason"]


def test_a_recent_session_is_no_lapse(program_db: Database, settings: Settings) -> None:
    _held(program_db, TODAY - timedelta(days=50), ["x"])  # < 2 × 28 days
    template = _agenda(program_db, settings)["rationale"]["template"]  # type: ignore[index]
    assert template["name"] != "Re-engagement session"


def test_the_completion_phase_offers_the_closing_session(program_db: Database,
                                                         settings: Settings) -> None:
    program = get_program(program_db, "Pilot")
    completion = next(w for w in program.phases if w.phase is Phase.completion)
    _held(program_db, completion.start - timedelta(days=7), ["Prepare the final reflection"])
    content = _agenda(program_db, settings, today=completion.start + timedelta(days=3))
    assert content["rationale"]["template"]["name"] == "Closing session"  # type: ignore[index]
    assert "prepare the final reflection" in str(content["items"]).lower()


def test_action_items_are_screened_before_the_model_reads_them(tmp_path: object) -> None:
    """Another participant's name in an action item never reaches the model."""
    requester = factories.participant("e1", name="Ella Mentee")
    from companion.services.programs import build_program

    g = Gathered(build_program("Pilot", start=date(2027, 1, 11)), requester, None,
                 frozenset({"Zed Zebra"}), [], "pr-1",
                 sessions=SessionHistory(1, datetime(2027, 3, 20, tzinfo=UTC),
                                         ("Ask Zed Zebra about the budget",), ()))
    from companion.domain import DraftKind

    ctx = model_context(g, kind=DraftKind.agenda, topic=None, today=TODAY, passages=[],
                        feedback=[])
    assert "Zed" not in str(ctx["session"]) and ctx["session"]["previous_action_items"]
    assert ctx["session"]["days_since_last_session"] == 12 and not ctx["session"]["lapsed"]
    other = model_context(g, kind=DraftKind.questions, topic=None, today=TODAY, passages=[],
                          feedback=[])
    assert "session" not in other
