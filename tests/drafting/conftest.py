"""A program with a mentee, her approved mentor and a bystander, for the drafting agent."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from companion.config import Settings
from companion.domain import Pairing, PairingStatus, Passage
from companion.drafting.deps import Deps
from companion.llm.fake import FakeChatModel
from companion.services.draft_store import DatabaseDraftStore
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.store import Database, PairingRepository, ProgramRepository
from tests import factories

TODAY = date(2027, 4, 1)
PASSAGE = Passage(
    id="knowledge/question-bank.md#delegation", source="knowledge/question-bank.md",
    heading="Question bank > Delegation and empowerment",
    text="- What are you holding on to that someone else could own?\n"
         "- What would good enough look like for this task?", kind="question_bank")


def answer(*, questions: int = 4, excerpt: str = "What would good enough look like for this "
           "task?", passage_id: str = PASSAGE.id, text: str = "What could you hand over?"
           ) -> dict[str, Any]:
    return {"content": {"questions": [{"text": f"{text} ({n})?".replace("?)", ")"),
                                       "purpose": "Delegation"} for n in range(questions)]},
            "citations": [{"passage_id": passage_id, "source": PASSAGE.source,
                           "heading": PASSAGE.heading, "excerpt": excerpt}]}


@pytest.fixture
def program_db(db: Database, tmp_path: Path) -> Database:
    return pilot_program(db, tmp_path)


def pilot_program(db: Database, tmp_path: Path) -> Database:
    """Pilot: mentee e1 (manager m0) approved with mentor m1, and bystander x9."""
    create_program(db, build_program("Pilot", start=date(2027, 1, 11)))
    people = [
        factories.mentor("m1", name="Mara Mentor", email="mara@example.org"),
        factories.mentee("e1", name="Ella Mentee", email="ella@example.org",
                         manager_id="m0", goals="Delegate more to my team;;Present to the board"),
        factories.mentor("m0", name="Max Manager", level="7"),
        factories.mentee("x9", name="Zed Zebra", goals="Something private"),
    ]
    report = import_participants_file(db, "Pilot", factories.write_csv(tmp_path / "p.csv",
                                                                       people),
                                      skip_invalid=False)
    assert report.imported, report.errors
    with db.session() as session:
        repo = PairingRepository(session, ProgramRepository(session).row("Pilot"))
        repo.add(Pairing(id="pr-1", program="Pilot", mentee_id="e1", mentor_id="m1"))
        repo.decide("pr-1", expected_version=1, status=PairingStatus.approved, by="coord")
    return db


@pytest.fixture
def model() -> FakeChatModel:
    return FakeChatModel()


@pytest.fixture
def deps(program_db: Database, model: FakeChatModel) -> Deps:
    return Deps(store=DatabaseDraftStore(program_db), model=model,
                search=lambda q, top, where: [PASSAGE],
                today=lambda: TODAY)


@pytest.fixture
def cfg(settings: Settings) -> Settings:
    return settings
