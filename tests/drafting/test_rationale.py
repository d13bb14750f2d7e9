"""A draft's rationale: the model's reasons and note, read from its answer, kept with each
version, and the plan the drafting layer made before drafting."""

from __future__ import annotations

from typing import Any

import pytest

from companion.config import Settings
from companion.domain import DraftStatus
from companion.drafting.answers import parse_answer
from companion.drafting.deps import Deps
from companion.llm.fake import FakeChatModel
from companion.services import drafts
from tests.drafting.conftest import TODAY, answer

WHY = {"framework": {"name": "GROW", "reason": "the mentee asked about delegation"},
       "sections": ["Goal", "Reality"], "note_followed": ["fewer questions"],
       "note_not_followed": [{"note": "name the manager", "reason": "private data"}],
       "safety": {"flags": ["manager named in the request"]}}


def with_rationale(**extra: Any) -> dict[str, Any]:
    return {**answer(), **extra}


@pytest.mark.parametrize(("extra", "expected"), [
    ({}, {}),
    ({"rationale": WHY}, WHY),
    ({"rationale": WHY, "note": "  Asked for the manager's view; not possible: private.  "},
     {**WHY, "note": "Asked for the manager's view; not possible: private."}),
    ({"note": "only a note"}, {"note": "only a note"}),
    ({"rationale": "because", "note": 7}, {}),          # malformed: ignored, never a failure
    ({"rationale": ["a", "b"]}, {}),
    ({"rationale": {"note": ["x"], "sections": []}}, {"sections": []}),
])
def test_parse_answer_reads_the_rationale(extra: dict[str, Any], expected: dict[str, Any]
                                          ) -> None:
    import json

    parsed = parse_answer(json.dumps(with_rationale(**extra)))
    assert parsed.problem is None and parsed.content["questions"]
    assert parsed.rationale == expected


def test_an_unusable_answer_has_no_rationale() -> None:
    assert parse_answer("not json").rationale == {}
    assert parse_answer('{"rationale": {"a": 1}}').rationale == {}


def request(deps: Deps, cfg: Settings):  # type: ignore[no-untyped-def]
    return drafts.request_draft(deps.store.db, cfg, program="Pilot", kind="questions",
                                participant_id="e1", deps=deps, today=TODAY)


def test_the_rationale_is_stored_with_the_draft_and_its_version(
        deps: Deps, model: FakeChatModel, cfg: Settings) -> None:
    model.enqueue(with_rationale(rationale=WHY, note="Could not add the manager's view"))
    draft = request(deps, cfg)
    assert draft.status is DraftStatus.pending_review
    assert draft.rationale == {**WHY, "note": "Could not add the manager's view"}
    assert drafts.draft_json(draft)["rationale"] == draft.rationale
    [version] = drafts.draft_versions(deps.store.db, draft.id)
    assert version.rationale == draft.rationale
    assert drafts.get_draft(deps.store.db, draft.id).rationale == draft.rationale


def test_a_redraft_carries_its_own_rationale(deps: Deps, model: FakeChatModel, cfg: Settings
                                             ) -> None:
    model.enqueue(with_rationale(rationale=WHY))
    model.enqueue(with_rationale(rationale={"note_followed": ["Fewer questions"]}))
    draft = request(deps, cfg)
    again = drafts.review_draft(deps.store.db, cfg, draft.id, "reject", by="e1", deps=deps,
                                note="Fewer questions")
    # the model answered with the same content: the reviewer is told so, not left guessing
    assert again.rationale == {
        "note_followed": ["Fewer questions"],
        "note": "This version is the same as the one the note was about: it already did what "
                "the note asks."}
    first, _, third = drafts.draft_versions(deps.store.db, draft.id)
    assert first.rationale == WHY and third.rationale == again.rationale


def test_the_plan_made_before_drafting_is_kept_in_the_rationale(
        deps: Deps, model: FakeChatModel, cfg: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from companion.drafting import nodes

    plan = {"framework": "GROW", "sections": ["Goal", "Reality", "Options", "Will"]}
    real = nodes.model_context

    def with_plan(*args: Any, **kwargs: Any) -> dict[str, Any]:
        return {**real(*args, **kwargs), "plan": plan}

    monkeypatch.setattr(nodes, "model_context", with_plan)
    model.enqueue(with_rationale(rationale=WHY))
    draft = request(deps, cfg)
    assert draft.rationale == {**WHY, "plan": plan}


def test_a_draft_without_a_plan_or_rationale_has_an_empty_one(deps: Deps, model: FakeChatModel,
                                                          cfg: Settings) -> None:
    model.enqueue(answer())
    draft = request(deps, cfg)
    assert draft.rationale == {} and "plan" not in draft.rationale
