"""Draft requests and redrafts started in the background (`services.draft_jobs`): the caller
gets the draft's id while the model is still writing, one key makes one draft, refusals come
back in line, and an agent error ends the draft `failed` with the reason."""

from __future__ import annotations

import threading
import time

import pytest

from companion.config import Settings
from companion.domain import AccessRole, DraftStatus
from companion.drafting.deps import Deps
from companion.errors import BadInputError
from companion.llm.fake import FakeChatModel
from companion.services import draft_jobs
from companion.services.drafts import get_draft, list_drafts
from companion.services.tokens import Principal
from companion.store import Database
from tests.drafting.conftest import answer

ELLA = Principal("web:s1", "e1", AccessRole.mentee, "Pilot", None)


def _held(model: FakeChatModel) -> threading.Event:
    """The model's next answer waits until the returned event is set."""
    go = threading.Event()

    def slow(messages: object) -> str:
        assert go.wait(10), "the test never let the model answer"
        import json

        return json.dumps(answer())

    model.enqueue(slow)
    return go


def _until(predicate: object, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_request_returns_while_the_model_writes(program_db: Database, cfg: Settings,
                                                  deps: Deps, model: FakeChatModel) -> None:
    go = _held(model)
    draft_id = draft_jobs.start_request(program_db, cfg, ELLA, program="Pilot",
                                        kind="questions", key="k-1", deps=deps)
    assert get_draft(program_db, draft_id).status is DraftStatus.drafting
    # the same form again while it is drafting: the same draft, not a second one
    again = draft_jobs.start_request(program_db, cfg, ELLA, program="Pilot",
                                     kind="questions", key="k-1", deps=deps)
    assert again == draft_id
    go.set()
    _until(lambda: get_draft(program_db, draft_id).status is DraftStatus.pending_review)
    assert [d.id for d in list_drafts(program_db, participant_id="e1")] == [draft_id]
    # and once it is done, too
    assert draft_jobs.start_request(program_db, cfg, ELLA, program="Pilot",
                                    kind="questions", key="k-1", deps=deps) == draft_id


def test_a_refusal_comes_back_in_line(program_db: Database, cfg: Settings, deps: Deps) -> None:
    with pytest.raises(BadInputError, match="a framework needs a topic"):
        draft_jobs.start_request(program_db, cfg, ELLA, program="Pilot", kind="framework",
                                 key="k-2", deps=deps)
    assert list_drafts(program_db, participant_id="e1") == []


@pytest.fixture(autouse=True)
def _quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(draft_jobs, "RETRY_WAIT", 0.01)


def test_an_error_is_retried_and_the_run_carries_on(program_db: Database, cfg: Settings,
                                                    deps: Deps, model: FakeChatModel) -> None:
    model.enqueue(RuntimeError("the model server went away"))
    model.enqueue(answer())
    draft_id = draft_jobs.start_request(program_db, cfg, ELLA, program="Pilot",
                                        kind="questions", key="k-5", deps=deps)
    _until(lambda: get_draft(program_db, draft_id).status is not DraftStatus.drafting)
    assert get_draft(program_db, draft_id).status is DraftStatus.pending_review
    # carried on from its checkpoint: gathered and retrieved once, drafted twice
    assert deps.calls.count("gather") == 1 and deps.calls.count("draft") == 2


def test_an_agent_error_that_stays_ends_the_draft_failed(
        program_db: Database, cfg: Settings, deps: Deps, model: FakeChatModel) -> None:
    for _ in range(draft_jobs.MAX_ATTEMPTS):
        model.enqueue(RuntimeError("the model server went away"))
    draft_id = draft_jobs.start_request(program_db, cfg, ELLA, program="Pilot",
                                        kind="questions", key="k-3", deps=deps)
    _until(lambda: get_draft(program_db, draft_id).status is not DraftStatus.drafting)
    failed = get_draft(program_db, draft_id)
    assert failed.status is DraftStatus.failed
    assert "the model server went away" in (failed.failure_reason or "")


def test_a_rejection_with_a_note_redrafts_in_the_background(
        program_db: Database, cfg: Settings, deps: Deps, model: FakeChatModel) -> None:
    model.enqueue(answer())
    draft_id = draft_jobs.start_request(program_db, cfg, ELLA, program="Pilot",
                                        kind="questions", key="k-4", deps=deps)
    _until(lambda: get_draft(program_db, draft_id).status is DraftStatus.pending_review)
    version = get_draft(program_db, draft_id).version
    go = _held(model)
    draft_jobs.start_review(program_db, cfg, ELLA, draft_id, "reject", version=version,
                            note="shorter, please", deps=deps)
    assert get_draft(program_db, draft_id).status is DraftStatus.drafting
    go.set()
    _until(lambda: get_draft(program_db, draft_id).status is DraftStatus.pending_review)
    assert "shorter, please" in str(model.history[-1])
