"""The drafting agent: draft → check → revise → human review, on a fake model."""

from __future__ import annotations

import json

import pytest

from companion.config import Settings
from companion.domain import DraftStatus
from companion.drafting.answers import parse_answer
from companion.drafting.deps import Deps
from companion.errors import BadInputError, ConflictError
from companion.llm.base import ModelRateLimited
from companion.llm.fake import FakeChatModel
from companion.services import drafts
from companion.store import AuditLog
from tests.drafting.conftest import TODAY, answer


def request(deps: Deps, cfg: Settings, **kwargs: object):  # type: ignore[no-untyped-def]
    return drafts.request_draft(deps.store.db, cfg, program="Pilot", kind="questions",
                                participant_id="e1", deps=deps, today=TODAY, **kwargs)


def test_a_passing_draft_waits_for_review(deps: Deps, model: FakeChatModel, cfg: Settings
                                          ) -> None:
    model.enqueue(answer())
    draft = request(deps, cfg)
    assert draft.status is DraftStatus.pending_review and draft.version == 1
    assert draft.checks and all(c.passed for c in draft.checks)
    assert draft.citations[0].passage_id == "knowledge/question-bank.md#delegation"
    assert draft.prompt_name == "draft_questions" and draft.prompt_version == "1.0"
    assert draft.retrieved_ids == ["knowledge/question-bank.md#delegation"]
    assert deps.calls[-1] == "submit"  # stopped at the review interrupt
    with deps.store.db.session() as session:
        actions = [e.action for e in AuditLog(session).list(entity_id=draft.id)]
    assert actions == ["draft.generate", "draft.request"]


def test_the_model_sees_only_allowed_data(deps: Deps, model: FakeChatModel, cfg: Settings
                                          ) -> None:
    model.enqueue(answer())
    request(deps, cfg)
    prompt = model.history[0][1]["content"]
    context = json.loads(prompt.split("```json context\n", 1)[1].rsplit("```", 1)[0])
    assert context["requester"]["goals"] == ["Delegate more to my team", "Present to the board"]
    assert "email" not in context["requester"] and "manager_id" not in context["requester"]
    assert context["partner"]["id"] == "m1" and "email" not in context["partner"]
    assert "Zed Zebra" not in prompt and "Max Manager" not in prompt
    assert context["phase"] == "development" and context["today"] == "2027-04-01"


def test_failed_checks_are_fed_back_and_repaired(deps: Deps, model: FakeChatModel,
                                                 cfg: Settings) -> None:
    model.enqueue("this is not JSON").enqueue(answer(excerpt="a sentence nobody wrote"))
    model.enqueue(answer())
    draft = request(deps, cfg)
    assert draft.status is DraftStatus.pending_review
    assert len(model.history) == 3
    second_prompt = model.history[1][1]["content"]
    assert "not JSON" in second_prompt
    assert "citation" in model.history[2][1]["content"].lower()
    assert deps.calls.count("revise") == 2


@pytest.mark.parametrize("bad", [
    "{oops", json.dumps({"content": "nope"}),
    json.dumps(answer(passage_id="knowledge/invented.md#x")),
    json.dumps(answer(text="Ask Zed Zebra what they think")),
])
def test_persistently_bad_output_fails_with_the_reason(deps: Deps, model: FakeChatModel,
                                                       cfg: Settings, bad: str) -> None:
    for _ in range(3):
        model.enqueue(bad)
    draft = request(deps, cfg)
    assert draft.status is DraftStatus.failed
    assert draft.failure_reason and draft.failure_reason.startswith("after 3 attempt(s)")
    assert deps.calls.count("draft") == 3 and "submit" not in deps.calls


def test_a_model_error_fails_the_draft(deps: Deps, model: FakeChatModel, cfg: Settings) -> None:
    model.enqueue(ModelRateLimited("429 from the provider after 3 retries"))
    draft = request(deps, cfg)
    assert draft.status is DraftStatus.failed
    assert "429" in (draft.failure_reason or "")


def test_approve(deps: Deps, model: FakeChatModel, cfg: Settings) -> None:
    model.enqueue(answer())
    draft = request(deps, cfg)
    approved = drafts.review_draft(deps.store.db, cfg, draft.id, "approve", by="e1", deps=deps,
                                   version=1, note="looks right")
    assert approved.status is DraftStatus.approved and approved.version == 2
    assert approved.content == draft.content
    with pytest.raises(ConflictError, match="only drafts pending review"):
        drafts.review_draft(deps.store.db, cfg, draft.id, "approve", by="e1", deps=deps)


def test_stale_version_is_refused(deps: Deps, model: FakeChatModel, cfg: Settings) -> None:
    model.enqueue(answer())
    draft = request(deps, cfg)
    with pytest.raises(ConflictError, match="version 1, not 7"):
        drafts.review_draft(deps.store.db, cfg, draft.id, "approve", by="e1", deps=deps, version=7)


def test_edit_is_a_new_version_with_a_diff(deps: Deps, model: FakeChatModel, cfg: Settings
                                           ) -> None:
    model.enqueue(answer())
    draft = request(deps, cfg)
    edited = {"questions": [{"text": "What will you hand over first?", "purpose": "Delegation"},
                            *draft.content["questions"][1:]]}
    after = drafts.review_draft(deps.store.db, cfg, draft.id, "edit", by="e1", deps=deps,
                                content=edited)
    assert after.status is DraftStatus.pending_review and after.version == 2
    assert after.content == edited and after.generator == "edited by e1"
    versions = drafts.draft_versions(deps.store.db, draft.id)
    assert "What will you hand over first?" in versions[-1].diff
    final = drafts.review_draft(deps.store.db, cfg, draft.id, "approve", by="e1", deps=deps)
    assert final.status is DraftStatus.approved and final.content == edited


def test_edit_with_invalid_content_names_the_field(deps: Deps, model: FakeChatModel,
                                                   cfg: Settings) -> None:
    model.enqueue(answer())
    draft = request(deps, cfg)
    with pytest.raises(BadInputError, match="questions"):
        drafts.review_draft(deps.store.db, cfg, draft.id, "edit", by="e1", deps=deps,
                            content={"questions": "not a list"})
    assert drafts.get_draft(deps.store.db, draft.id).version == 1


def test_reject_with_feedback_redrafts_using_it(deps: Deps, model: FakeChatModel,
                                                cfg: Settings) -> None:
    model.enqueue(answer()).enqueue(answer(questions=3))
    draft = request(deps, cfg)
    again = drafts.review_draft(deps.store.db, cfg, draft.id, "reject", by="e1", deps=deps,
                                note="Fewer questions, please")
    assert again.status is DraftStatus.pending_review and again.version == 3
    assert len(again.content["questions"]) == 3
    assert "Fewer questions, please" in model.history[-1][1]["content"]
    statuses = [v.number for v in drafts.draft_versions(deps.store.db, draft.id)]
    assert statuses == [1, 2, 3]


def test_a_redraft_stores_its_diff_from_the_rejected_version(
        deps: Deps, model: FakeChatModel, cfg: Settings) -> None:
    model.enqueue(answer()).enqueue(answer(questions=3, text="What will you stop doing?"))
    draft = request(deps, cfg)
    drafts.review_draft(deps.store.db, cfg, draft.id, "reject", by="e1", deps=deps,
                        note="Fewer questions, about stopping things")
    first, rejection, redraft = drafts.draft_versions(deps.store.db, draft.id)
    assert first.diff is None and rejection.diff is None  # the decision changes no content
    assert redraft.diff and redraft.author == redraft.generator
    removed = [line for line in redraft.diff.splitlines() if line.startswith("-")
               and not line.startswith("---")]
    added = [line for line in redraft.diff.splitlines() if line.startswith("+")
             and not line.startswith("+++")]
    assert any("What could you hand over? (3)" in line for line in removed)
    assert any("What will you stop doing? (1)" in line for line in added)
    assert not any("What will you stop doing" in line for line in removed)


def test_reject_without_feedback_is_final(deps: Deps, model: FakeChatModel, cfg: Settings
                                          ) -> None:
    model.enqueue(answer())
    draft = request(deps, cfg)
    final = drafts.review_draft(deps.store.db, cfg, draft.id, "reject", by="e1", deps=deps)
    assert final.status is DraftStatus.rejected
    assert len(model.history) == 1


def test_a_crash_resumes_from_the_checkpoint_without_duplicates(
        deps: Deps, model: FakeChatModel, cfg: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from companion.drafting import nodes

    model.enqueue(answer())
    real_store = nodes._store
    crashed = {"done": False}

    def store_then_crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = real_store(*args, **kwargs)
        if not crashed["done"]:
            crashed["done"] = True
            raise RuntimeError("power cut after the write, before the checkpoint")
        return result

    monkeypatch.setattr(nodes, "_store", store_then_crash)
    with pytest.raises(RuntimeError, match="power cut"):
        request(deps, cfg)
    [draft] = drafts.list_drafts(deps.store.db, program="Pilot")
    assert draft.status is DraftStatus.pending_review and draft.version == 1
    drafts._run(deps, cfg, draft.id, None)  # resume: the submit node runs again
    assert drafts.get_draft(deps.store.db, draft.id).version == 1  # written once, not twice
    assert len(model.history) == 1  # the model was not asked again
    approved = drafts.review_draft(deps.store.db, cfg, draft.id, "approve", by="e1", deps=deps)
    assert approved.status is DraftStatus.approved


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"kind": "poem"}, "unknown draft kind"), ({"topic": "x" * 501}, "at most 500"),
    ({"kind": "framework"}, "needs a topic"), ({"partner_id": "x9"}, "not an approved partner"),
])
def test_bad_requests(deps: Deps, cfg: Settings, kwargs: dict, message: str  # type: ignore[type-arg]
                      ) -> None:
    args = {"program": "Pilot", "kind": "questions", "participant_id": "e1", **kwargs}
    with pytest.raises(BadInputError, match=message):
        drafts.request_draft(deps.store.db, cfg, deps=deps, today=TODAY, **args)


@pytest.mark.parametrize(("text", "problem"), [
    ('```json\n{"content": {}, "citations": []}\n```', None),
    ("[1, 2]", "no 'content' object"), ('{"content": {}, "citations": "x"}', "must be a list"),
])
def test_parse_answer(text: str, problem: str | None) -> None:
    found = parse_answer(text).problem
    assert (found is None) if problem is None else (problem in (found or ""))

