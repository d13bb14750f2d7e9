"""A small program with deliberate traps, on the deterministic hashing embedder."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from companion.domain import Participant
from companion.embeddings import HashingEmbedder
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.store import Database
from tests import factories

BUDGET = "I want to read a budget and defend forecasts in front of the finance committee"
TEAM = "Help me delegate work to my new team and stop doing everything myself"

PEOPLE: list[dict[str, Any]] = [
    factories.mentor("fin", name="Fiona Finance", department="Finance", level="7",
                     expertise="Defended forecasts and budget plans before the finance "
                               "committee for years. I teach managers to read a budget.",
                     capacity="1"),
    factories.mentor("fin2", name="Farid Forecast", department="Finance", level="6",
                     expertise="Taught many managers to read a budget and defend forecasts.",
                     capacity="2"),
    factories.mentor("boss", name="Bea Boss", department="Engineering", level="6",
                     expertise="I help new managers delegate work to their team and stop doing "
                               "everything themselves.", capacity="3"),
    factories.mentor("dele", name="Dev Delegate", department="Sales", level="6",
                     expertise="Coached new managers to delegate work to a team.", capacity="2"),
    factories.mentor("jp", name="Jun Pan", department="Sales", level="6", languages="ja",
                     timezone="Asia/Tokyo", capacity="2",
                     expertise="Managers learn to delegate work to their team with me."),
    factories.mentor("full", name="Fay Full", department="Legal", level="6", capacity="0",
                     expertise="I help managers delegate work to their team."),
    factories.mentee("alice", name="Alice A", department="Engineering", level="3",
                     manager_id="boss", goals=TEAM),
    factories.mentee("bob", name="Bob B", department="Engineering", level="3",
                     goals=f"{BUDGET};;{TEAM}"),
    factories.mentee("cara", name="Cara C", department="Marketing", level="2", goals=BUDGET),
]


def people() -> list[Participant]:
    return [Participant.model_validate(p) for p in PEOPLE]


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def program_db(db: Database, tmp_path: Path) -> Database:
    """The database with program 'Pilot' holding PEOPLE."""
    create_program(db, build_program("Pilot", start=date(2027, 1, 11)))
    report = import_participants_file(db, "Pilot", factories.write_csv(tmp_path / "p.csv", PEOPLE),
                                      skip_invalid=False)
    assert report.imported, report.errors
    return db
