"""The coordinator's unmatched list (services.program_views) for a mentee without goals: the
reason to add goals, not a crash and not 'run the assignment'."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from companion.domain import AccessRole
from companion.embeddings import HashingEmbedder
from companion.matching import rules
from companion.services import program_views
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.services.tokens import Principal
from companion.store import Database
from tests import factories

COORD = Principal("t-coord", "coord", AccessRole.coordinator, "Pilot", None)


def test_a_mentee_without_goals_is_told_to_add_goals(db: Database, tmp_path: Path) -> None:
    create_program(db, build_program("Pilot", start=date(2027, 1, 11), months=12))
    import_participants_file(db, "Pilot", factories.write_csv(tmp_path / "p.csv", [
        factories.mentor("m1"), factories.mentee("e1", goals=""), factories.mentee("e2"),
    ]), skip_invalid=False)
    found = {u.mentee_id: u.reason
             for u in program_views.unmatched_as(db, COORD, "Pilot", HashingEmbedder())}
    assert found["e1"].startswith(rules.NO_GOALS)
    assert found["e2"].startswith("1 eligible mentor(s) have a free place")
