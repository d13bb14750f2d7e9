"""The draft page through the app's test client (no browser): what the reviewer is shown
beside the draft ("Why this draft", failed checks) and what a form post without the needed
confirmation gets back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from companion.config import Settings
from companion.domain import AccessRole, DraftStatus
from companion.drafting.deps import Deps
from companion.embeddings import HashingEmbedder
from companion.llm.fake import FakeChatModel
from companion.services import drafts
from companion.services.draft_store import DatabaseDraftStore
from companion.services.tokens import Holder
from companion.services.web_auth import WebSession, start_session
from companion.store import Database
from companion.web.session import COOKIE
from tests.drafting.conftest import PASSAGE, TODAY, answer, pilot_program

WHY = {"framework": {"name": "GROW", "reason": "she asked how to delegate"},
       "note_not_followed": [{"note": "name her manager", "reason": "another person's data"}],
       "safety": {"flags": ["a colleague's name was left out"]}}


@pytest.fixture
def world(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    embedder = HashingEmbedder()
    monkeypatch.setattr("companion.embeddings.get_embedder", lambda _settings: embedder)
    return pilot_program(db, tmp_path)


@pytest.fixture
def client(world: Database) -> Iterator[TestClient]:
    from companion.web.app import create_app

    with TestClient(create_app(), raise_server_exceptions=False,
                    follow_redirects=False) as test_client:
        yield test_client


def _deps(db: Database, *replies: Any) -> Deps:
    model = FakeChatModel()
    for reply in replies:
        model.enqueue(reply)
    return Deps(store=DatabaseDraftStore(db), model=model,
                search=lambda q, top, where: [PASSAGE], today=lambda: TODAY)


def _signed_in(client: TestClient, db: Database, settings: Settings, who: str,
               role: AccessRole) -> WebSession:
    web = start_session(db, settings, Holder(who, role, "Pilot", None), via="test")
    client.cookies.set(COOKIE, web.secret)
    return web


def test_the_reviewer_sees_why_this_draft(client: TestClient, world: Database,
                                          settings: Settings) -> None:
    draft = drafts.request_draft(world, settings, program="Pilot", kind="questions",
                                 participant_id="e1", today=TODAY, deps=_deps(
                                     world, {**answer(), "rationale": WHY,
                                             "note": "Left her manager out: private."}))
    _signed_in(client, world, settings, "e1", AccessRole.mentee)
    page = client.get(f"/drafts/{draft.id}").text
    assert "Why this draft" in page
    assert "GROW — she asked how to delegate" in page
    assert "Not followed: name her manager — another person&#39;s data" in page
    assert "Safety flag: a colleague&#39;s name was left out" in page
    assert "Left her manager out: private." in page


def test_the_partner_sees_no_rationale_before_or_after_approval(
        client: TestClient, world: Database, settings: Settings) -> None:
    draft = drafts.request_draft(world, settings, program="Pilot", kind="questions",
                                 participant_id="e1", today=TODAY,
                                 deps=_deps(world, {**answer(), "rationale": WHY}))
    _signed_in(client, world, settings, "m1", AccessRole.mentor)
    assert client.get(f"/drafts/{draft.id}").status_code == 404  # pending: hidden entirely
    drafts.review_draft(world, settings, draft.id, "approve", by="e1", deps=_deps(world))
    shown = client.get(f"/drafts/{draft.id}")
    assert shown.status_code == 200 and "What could you hand over?" in shown.text
    assert "Why this draft" not in shown.text and "GROW" not in shown.text


def test_a_draft_without_a_rationale_shows_no_section(client: TestClient, world: Database,
                                                      settings: Settings) -> None:
    draft = drafts.request_draft(world, settings, program="Pilot", kind="questions",
                                 participant_id="e1", today=TODAY,
                                 deps=_deps(world, answer()))
    assert draft.status is DraftStatus.pending_review
    _signed_in(client, world, settings, "e1", AccessRole.mentee)
    page = client.get(f"/drafts/{draft.id}").text
    assert "Your decision" in page and "Why this draft" not in page


def test_a_redraft_shows_its_changes(client: TestClient, world: Database,
                                     settings: Settings) -> None:
    deps = _deps(world, answer(), answer(questions=3, text="What will you stop doing?"))
    draft = drafts.request_draft(world, settings, program="Pilot", kind="questions",
                                 participant_id="e1", today=TODAY, deps=deps)
    drafts.review_draft(world, settings, draft.id, "reject", by="e1", deps=deps,
                        note="Ask about stopping things")
    _signed_in(client, world, settings, "e1", AccessRole.mentee)
    page = client.get(f"/drafts/{draft.id}").text
    assert "Last redraft (version 3" in page
    assert "<del>-" in page and "<ins>+" in page and "What will you stop doing?" in page


LEAKY = {"questions": [{"text": f"What would Zed Zebra do here ({n})?", "purpose": "Delegation"}
                       for n in range(4)]}


def _failing_edit(world: Database, settings: Settings) -> str:
    deps = _deps(world, answer())
    draft = drafts.request_draft(world, settings, program="Pilot", kind="questions",
                                 participant_id="e1", today=TODAY, deps=deps)
    edited = drafts.review_draft(world, settings, draft.id, "edit", by="e1", content=LEAKY,
                                 deps=deps)
    assert any(not c.passed for c in edited.checks)
    return edited.id


def test_failed_checks_are_shown_with_a_confirmation_box(client: TestClient, world: Database,
                                                         settings: Settings) -> None:
    draft_id = _failing_edit(world, settings)
    _signed_in(client, world, settings, "e1", AccessRole.mentee)
    page = client.get(f"/drafts/{draft_id}").text
    assert "This version failed" in page and "Zed Zebra" in page
    assert 'name="confirm_failed_checks"' in page
    assert "I have read the failed checks and approve anyway" in page


def test_approving_failed_checks_without_the_box_says_why(client: TestClient, world: Database,
                                                          settings: Settings) -> None:
    draft_id = _failing_edit(world, settings)
    web = _signed_in(client, world, settings, "e1", AccessRole.mentee)
    form = {"csrf_token": web.csrf, "version": "2", "decision": "approve", "note": "ok"}
    refused = client.post(f"/drafts/{draft_id}/review", data=form)
    assert refused.status_code == 422
    assert "confirm that you have read them" in refused.text
    assert 'role="alert"' in refused.text and "Traceback" not in refused.text
    assert 'name="confirm_failed_checks"' in refused.text  # the form is there to tick
    assert drafts.get_draft(world, draft_id).status is DraftStatus.pending_review

    confirmed = client.post(f"/drafts/{draft_id}/review",
                            data={**form, "confirm_failed_checks": "yes"})
    assert confirmed.status_code == 303
    assert drafts.get_draft(world, draft_id).status is DraftStatus.approved
    shown = client.get(confirmed.headers["location"]).text
    assert "You approved it with" in shown and "failed check(s)." in shown


def test_a_passing_draft_needs_no_box(client: TestClient, world: Database,
                                      settings: Settings) -> None:
    draft = drafts.request_draft(world, settings, program="Pilot", kind="questions",
                                 participant_id="e1", today=TODAY,
                                 deps=_deps(world, answer()))
    web = _signed_in(client, world, settings, "e1", AccessRole.mentee)
    assert 'name="confirm_failed_checks"' not in client.get(f"/drafts/{draft.id}").text
    done = client.post(f"/drafts/{draft.id}/review", data={
        "csrf_token": web.csrf, "version": "1", "decision": "approve"})
    assert done.status_code == 303
    assert drafts.get_draft(world, draft.id).status is DraftStatus.approved
