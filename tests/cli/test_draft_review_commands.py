"""`companion review approve` on a version that failed checks: approved, with the failed
checks as warnings in the table and in --format json."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from companion.config import Settings
from companion.drafting.deps import Deps
from companion.embeddings import HashingEmbedder
from companion.llm.fake import FakeChatModel
from companion.services import drafts
from companion.services.draft_store import DatabaseDraftStore
from companion.store import AuditLog, Database
from tests.cli.conftest import Run
from tests.drafting.conftest import PASSAGE, TODAY, answer, pilot_program
from tests.services.test_draft_review import LEAKY


@pytest.fixture
def edited(db: Database, settings: Settings, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> str:
    """A questions draft of e1 whose edit names another participant (a failed check)."""
    embedder = HashingEmbedder()
    monkeypatch.setattr("companion.embeddings.get_embedder", lambda _settings: embedder)
    pilot_program(db, tmp_path)
    deps = Deps(store=DatabaseDraftStore(db), model=FakeChatModel().enqueue(answer()),
                search=lambda q, top, where: [PASSAGE], today=lambda: TODAY)
    draft = drafts.request_draft(db, settings, program="Pilot", kind="questions",
                                 participant_id="e1", today=TODAY, deps=deps)
    after = drafts.review_draft(db, settings, draft.id, "edit", by="e1", content=LEAKY,
                                deps=deps)
    assert any(not c.passed for c in after.checks)
    return after.id


def test_review_approve_json_carries_the_warnings(cli: Callable[..., Run], db: Database,
                                                  edited: str) -> None:
    run = cli("review", "approve", edited, "--by", "e1", "--format", "json")
    assert run.code == 0, run.err
    data = json.loads(run.out)
    assert data["status"] == "approved" and data["id"] == edited
    failed = [c["name"] for c in data["checks"] if not c["passed"]]
    assert len(data["warnings"]) == len(failed) >= 1
    assert f"'{failed[0]}' check failed" in data["warnings"][0]
    with db.session() as session:
        [approval] = [e for e in AuditLog(session).list(entity_id=edited)
                      if e.action == "draft.approve"]
    assert approval.detail["approved_with_failed_checks"] == failed


def test_review_approve_table_prints_the_warnings(cli: Callable[..., Run],
                                                  edited: str) -> None:
    run = cli("review", "approve", edited, "--by", "e1")
    assert run.code == 0, run.err
    assert "approved" in run.out
    assert "Warning:" in run.out and "check failed" in run.out
