"""Every draft kind end to end: Chroma retrieval over knowledge/, the offline grounded drafter
through litellm's custom-provider path, the checks, review — as `companion draft` runs it."""

from __future__ import annotations

from datetime import date

import pytest

from companion.config import Settings
from companion.domain import DraftStatus
from companion.embeddings import HashingEmbedder
from companion.services import drafts
from companion.store import Database, get_database, reset_databases

SAMPLE_TODAY = date(2027, 4, 1)


@pytest.fixture(autouse=True)
def hashing_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = HashingEmbedder()
    monkeypatch.setattr("companion.embeddings.get_embedder", lambda _settings: embedder)


@pytest.mark.parametrize(("kind", "who", "topic"), [
    ("agenda", "e1", None), ("agenda", "e1", "mid-program check-in"),
    ("questions", "e1", "after a difficult delegation conversation"), ("goals", "e1", None),
    ("framework", "m1", "feedback on missed deadlines"),
])
def test_each_kind_passes_its_checks_and_waits_for_review(
        program_db: Database, settings: Settings, kind: str, who: str, topic: str | None
) -> None:
    draft = drafts.request_draft(program_db, settings, program="Pilot", kind=kind,
                                 participant_id=who, topic=topic, today=SAMPLE_TODAY)
    failed = [c for c in draft.checks if not c.passed]
    assert draft.status is DraftStatus.pending_review, (draft.failure_reason, failed)
    assert draft.generator == "offline-grounded-drafter-v2"
    assert draft.citations and all(c.source.startswith("knowledge/") for c in draft.citations)
    assert set(draft.retrieved_ids) >= {c.passage_id for c in draft.citations}
    approved = drafts.review_draft(program_db, settings, draft.id, "approve", by=who)
    assert approved.status is DraftStatus.approved


def test_reviewer_feedback_reaches_the_redraft(program_db: Database, settings: Settings
                                               ) -> None:
    draft = drafts.request_draft(program_db, settings, program="Pilot", kind="agenda",
                                 participant_id="e1", today=SAMPLE_TODAY)
    again = drafts.review_draft(program_db, settings, draft.id, "reject", by="e1",
                                note="Focus on the board presentation")
    assert again.status is DraftStatus.pending_review and again.version == 3
    assert "board presentation" in str(again.content).lower()


@pytest.mark.postgres
def test_the_agent_checkpoints_in_postgres(postgres_url: str, monkeypatch: pytest.MonkeyPatch,
                                           tmp_path_factory: pytest.TempPathFactory) -> None:
    from companion.config import get_settings
    from companion.services.participants import import_participants_file
    from companion.services.programs import build_program, create_program
    from tests import factories

    monkeypatch.setenv("COMPANION_DATABASE_URL", postgres_url)
    get_settings.cache_clear()
    reset_databases()
    settings = get_settings()
    db = get_database(settings)
    create_program(db, build_program("Pilot", start=date(2027, 1, 11)))
    path = factories.write_csv(tmp_path_factory.mktemp("pg") / "p.csv",
                               [factories.mentee("e1"), factories.mentor("m1")])
    assert import_participants_file(db, "Pilot", path, skip_invalid=False).imported
    draft = drafts.request_draft(db, settings, program="Pilot", kind="questions",
                                 participant_id="e1", today=SAMPLE_TODAY)
    assert draft.status is DraftStatus.pending_review
    assert not (settings.home / "checkpoints.sqlite").exists()  # the checkpoint is in Postgres
    done = drafts.review_draft(db, settings, draft.id, "approve", by="e1")
    assert done.status is DraftStatus.approved
