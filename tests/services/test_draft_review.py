"""Approving a version that failed checks: allowed, but the outcome warns, the audit log
records which checks, and a face that asks for a confirmation gets a refusal without it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from companion.config import Settings
from companion.domain import AccessRole, Draft, DraftStatus
from companion.drafting.deps import Deps
from companion.errors import BadInputError
from companion.llm.fake import FakeChatModel
from companion.services import drafts
from companion.services.draft_store import DatabaseDraftStore
from companion.services.tokens import Principal
from companion.store import AuditLog, Database
from tests.drafting.conftest import PASSAGE, TODAY, answer, pilot_program

#: An edit that names another participant: the privacy check fails it.
LEAKY = {"questions": [{"text": f"What would Zed Zebra do here ({n})?", "purpose": "Delegation"}
                       for n in range(4)]}
E1 = Principal("tok-e1", "e1", AccessRole.mentee, "Pilot", None)


@pytest.fixture
def deps(db: Database, tmp_path: Path) -> Deps:
    pilot_program(db, tmp_path)
    return Deps(store=DatabaseDraftStore(db), model=FakeChatModel().enqueue(answer()),
                search=lambda q, top, where: [PASSAGE], today=lambda: TODAY)


def _edited(deps: Deps, settings: Settings, content: dict[str, Any]) -> Draft:
    draft = drafts.request_draft(deps.store.db, settings, program="Pilot", kind="questions",
                                 participant_id="e1", today=TODAY, deps=deps)
    return drafts.review_draft(deps.store.db, settings, draft.id, "edit", by="e1",
                               content=content, deps=deps)


def _approvals(db: Database, draft_id: str) -> list[dict[str, Any]]:
    with db.session() as session:
        return [e.detail for e in AuditLog(session).list(entity_id=draft_id)
                if e.action == "draft.approve"]


def test_approving_failed_checks_warns_and_is_audited(deps: Deps, settings: Settings) -> None:
    edited = _edited(deps, settings, LEAKY)
    failed = [c.name for c in edited.checks if not c.passed]
    assert edited.status is DraftStatus.pending_review and failed
    outcome = drafts.review_as(deps.store.db, settings, E1, edited.id, "approve",
                               version=edited.version, deps=deps)
    assert outcome.draft.status is DraftStatus.approved
    assert len(outcome.warnings) == len(failed)
    assert all(f"'{name}' check failed" in w for name, w in zip(failed, outcome.warnings,
                                                                 strict=True))
    [audit] = _approvals(deps.store.db, edited.id)
    assert audit["approved_with_failed_checks"] == failed


def test_a_passing_version_approves_without_warnings(deps: Deps, settings: Settings) -> None:
    edited = _edited(deps, settings, {"questions": [
        {"text": f"What could you hand over first ({n})?", "purpose": "Delegation"}
        for n in range(4)]})
    assert all(c.passed for c in edited.checks), edited.checks
    outcome = drafts.review_as(deps.store.db, settings, E1, edited.id, "approve",
                               version=edited.version, deps=deps, confirm_failed_checks=False)
    assert outcome.warnings == [] and outcome.draft.status is DraftStatus.approved
    [audit] = _approvals(deps.store.db, edited.id)
    assert "approved_with_failed_checks" not in audit


def test_without_the_confirmation_asked_for_nothing_is_approved(deps: Deps,
                                                                settings: Settings) -> None:
    edited = _edited(deps, settings, LEAKY)
    with pytest.raises(BadInputError, match="confirm that you have read them") as refused:
        drafts.review_as(deps.store.db, settings, E1, edited.id, "approve",
                         version=edited.version, deps=deps, confirm_failed_checks=False)
    assert refused.value.field == "confirm_failed_checks"
    assert drafts.get_draft(deps.store.db, edited.id).status is DraftStatus.pending_review
    assert _approvals(deps.store.db, edited.id) == []
    # the refusal released nothing it did not hold: the confirmed approval goes through
    outcome = drafts.review_as(deps.store.db, settings, E1, edited.id, "approve",
                               version=edited.version, deps=deps, confirm_failed_checks=True)
    assert outcome.draft.status is DraftStatus.approved and outcome.warnings


def test_rejecting_failed_checks_needs_no_confirmation(deps: Deps, settings: Settings) -> None:
    edited = _edited(deps, settings, LEAKY)
    outcome = drafts.review_as(deps.store.db, settings, E1, edited.id, "reject",
                               version=edited.version, deps=deps, confirm_failed_checks=False)
    assert outcome.draft.status is DraftStatus.rejected and outcome.warnings == []
