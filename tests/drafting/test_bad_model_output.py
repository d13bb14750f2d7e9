"""Bad model output over the real litellm HTTP path (a fake OpenAI server on 127.0.0.1):
none of it may reach a reviewer as a valid draft. It is repaired through the revise loop,
or the draft fails with the reason."""

from __future__ import annotations

import json
from typing import Any

import pytest

from companion.config import Settings
from companion.domain import Draft, DraftStatus
from companion.drafting.deps import Deps
from companion.llm.litellm_model import LiteLLMChatModel
from companion.services import drafts
from companion.services.draft_store import DatabaseDraftStore
from companion.store import Database
from tests.drafting.conftest import PASSAGE, TODAY, answer
from tests.fake_openai import FakeOpenAI, allow_model_requests, fake_openai  # noqa: F401

GOOD_GOALS = {
    "content": {"goals": [{
        "statement": "Delegate the weekly reporting to two team members",
        "specific": "Hand the weekly status report and the release checklist to two people.",
        "measurable": "By the target date I do at most 2 hours a week of work I have delegated.",
        "achievable": "Both people have asked for more responsibility; I coach them for a month.",
        "relevant": "It frees time for the planning work my role needs.",
        "time_bound": "2027-09-30",
        "evaluated": [{"date": "2027-06-01", "check": "Review the hours log with my mentor"},
                      {"date": "2027-08-01", "check": "Ask both people for feedback"}],
        "readjusted": "At the 2027-08-01 checkpoint, if I still spend over 4 hours a week, "
                      "I will revise the plan and narrow it to one report."}]},
    "citations": answer()["citations"],
}


@pytest.fixture
def http_deps(program_db: Database, fake_openai: FakeOpenAI,  # noqa: F811
              allow_model_requests: None) -> Deps:  # noqa: F811
    model = LiteLLMChatModel("openai/test-model", api_base=fake_openai.base_url,
                             api_key="test", timeout=2, max_retries=1, sleep=lambda _s: None)
    return Deps(store=DatabaseDraftStore(program_db), model=model,
                search=lambda q, top, where: [PASSAGE],
                today=lambda: TODAY)


def _draft(deps: Deps, cfg: Settings, kind: str = "questions") -> Draft:
    return drafts.request_draft(deps.store.db, cfg, program="Pilot", kind=kind, participant_id="e1",
                                deps=deps, today=TODAY)


def _valid_or_failed(draft: Draft) -> None:
    if draft.status is DraftStatus.pending_review:
        assert draft.checks and all(c.passed for c in draft.checks)
    else:
        assert draft.status is DraftStatus.failed and draft.failure_reason


LEAK = answer(text="Compare yourself with Zed Zebra")
CASES: list[tuple[str, list[Any], str]] = [
    ("invalid JSON", ["{not json", "still {not json", "```json\n{oops```"], "not JSON"),
    ("missing fields", [{"content": {"questions": [{"text": "Why?"}]}, "citations": []}] * 3,
     "schema"),
    ("goal with no date", [{"content": {"goals": [{**GOOD_GOALS["content"]["goals"][0],
                                                  "time_bound": ""}]},
                            "citations": GOOD_GOALS["citations"]}] * 3, "time_bound"),
    ("citation never retrieved",
     [answer(passage_id="knowledge/made-up.md#x", excerpt="An excerpt from nowhere at all")] * 3,
     "citations"),
    ("leaks another participant", [LEAK] * 3, "personal_data"),
]


@pytest.mark.parametrize(("label", "replies", "reason"), CASES, ids=[c[0] for c in CASES])
def test_persistently_bad_output_fails_with_the_reason(
        http_deps: Deps, fake_openai: FakeOpenAI, settings: Settings,  # noqa: F811
        label: str, replies: list[Any], reason: str) -> None:
    for reply in replies:
        fake_openai.reply_text(reply if isinstance(reply, str) else json.dumps(reply))
    kind = "goals" if "goal" in label else "questions"
    draft = _draft(http_deps, settings, kind)
    assert draft.status is DraftStatus.failed
    assert reason in (draft.failure_reason or "")
    assert len(fake_openai.requests) == 3  # the real HTTP path, three attempts
    assert drafts.list_drafts(http_deps.store.db, status=DraftStatus.pending_review) == []


@pytest.mark.parametrize("first", [
    "{not json", json.dumps(LEAK), json.dumps(answer(excerpt="words the passage never had")),
])
def test_bad_output_is_repaired_through_the_revise_loop(
        http_deps: Deps, fake_openai: FakeOpenAI, settings: Settings,  # noqa: F811
        first: str) -> None:
    fake_openai.reply_text(first).reply_json(answer())
    draft = _draft(http_deps, settings)
    assert draft.status is DraftStatus.pending_review
    _valid_or_failed(draft)
    assert "Zed Zebra" not in json.dumps(draft.content)
    second_prompt = fake_openai.requests[1].body["messages"][1]["content"]
    assert "feedback" in second_prompt and "- " in second_prompt.split('"feedback"')[1]


def test_rate_limit_is_retried_then_succeeds(http_deps: Deps, fake_openai: FakeOpenAI,  # noqa: F811
                                             settings: Settings) -> None:
    fake_openai.rate_limit().reply_json(GOOD_GOALS)
    draft = _draft(http_deps, settings, "goals")
    assert draft.status is DraftStatus.pending_review
    assert len(fake_openai.requests) == 2


def test_permanent_rate_limit_fails_the_draft(http_deps: Deps, fake_openai: FakeOpenAI,  # noqa: F811
                                              settings: Settings) -> None:
    for _ in range(4):
        fake_openai.rate_limit()
    draft = _draft(http_deps, settings)
    assert draft.status is DraftStatus.failed
    assert "model call failed" in (draft.failure_reason or "")


def test_timeout_is_retried_then_succeeds(http_deps: Deps, fake_openai: FakeOpenAI,  # noqa: F811
                                          settings: Settings) -> None:
    fake_openai.slow(4.0).reply_json(answer())
    draft = _draft(http_deps, settings)
    assert draft.status is DraftStatus.pending_review


def test_permanent_timeout_fails_the_draft(http_deps: Deps, fake_openai: FakeOpenAI,  # noqa: F811
                                           settings: Settings) -> None:
    fake_openai.slow(4.0).slow(4.0)
    draft = _draft(http_deps, settings)
    assert draft.status is DraftStatus.failed
    assert "model call failed" in (draft.failure_reason or "")
