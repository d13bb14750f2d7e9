"""Mentees without goals, and mentors without expertise, never crash matching: a mentee with no
goals gets a clear unmatched reason in suggestions, assignments and the report."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from companion.domain import Participant
from companion.embeddings import HashingEmbedder
from companion.matching import rules
from companion.matching.engine import MatchPool
from companion.matching.reason_fields import reason_quotes
from companion.services import matching
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.store import Database
from tests import factories

MENTORS: list[dict[str, Any]] = [
    factories.mentor("m1", expertise="Coached new managers to delegate work to a team."),
    factories.mentor("m2", department="Sales", expertise="Negotiated budgets with finance."),
]
NO_GOALS: list[dict[str, Any]] = [factories.mentee("e1", goals=""),
                                  factories.mentee("e2", goals="")]


def pool(rows: list[dict[str, Any]]) -> MatchPool:
    people = [Participant.model_validate(r) for r in rows]
    return MatchPool(factories.program(), people, HashingEmbedder())


def test_no_mentee_with_goals_gives_each_the_reason_not_an_error() -> None:
    suggestions = pool([*MENTORS, *NO_GOALS]).suggest(top=3)
    assert [(s.mentee_id, s.candidates, s.note) for s in suggestions] == [
        ("e1", [], rules.NO_GOALS), ("e2", [], rules.NO_GOALS)]
    items = pool([*MENTORS, *NO_GOALS]).suggest_json(top=3)
    assert items == [{"mentee_id": "e1", "candidates": [], "note": rules.NO_GOALS},
                     {"mentee_id": "e2", "candidates": [], "note": rules.NO_GOALS}]


def test_a_mentee_without_goals_is_unmatched_beside_mentees_with_goals() -> None:
    p = pool([*MENTORS, *NO_GOALS, factories.mentee("e3", goals="Delegate work to my team")])
    by_id = {s.mentee_id: s for s in p.suggest(top=2)}
    assert by_id["e1"].note == rules.NO_GOALS and not by_id["e1"].candidates
    assert by_id["e3"].note is None and by_id["e3"].candidates[0].mentor_id == "m1"
    mentees, _, _ = p.candidate_edges(np.arange(len(p.mentees)), 5)
    assert set(mentees.tolist()) == {p.mentee_index["e3"]}
    assert p.exclusion_summary(p.mentee_index["e2"]) == rules.NO_GOALS


def test_mentors_without_expertise_can_still_be_suggested_and_the_reason_says_so() -> None:
    bare = [factories.mentor("m1", expertise="", title="Head of Operations"),
            factories.mentor("m2", expertise="", title="", department="")]
    suggestions = pool([*bare, factories.mentee("e3", goals="Run operations well")]).suggest(2)
    by_id = {c.mentor_id: c.reasons[0] for c in suggestions[0].candidates}
    assert set(by_id) == {"m1", "m2"}
    assert "↔ title “Head of Operations in Finance” (no expertise recorded)" in by_id["m1"]
    assert "↔ name “Mentor m2” (no expertise, title or department recorded)" in by_id["m2"]
    for reason in by_id.values():
        quotes = reason_quotes(reason)
        assert quotes is not None and "expertise" not in quotes.mentor
        assert quotes.mentor >= {"title", "department"} or "name" in quotes.mentor


@pytest.fixture
def no_goals_db(db: Database, tmp_path: Path) -> Database:
    create_program(db, build_program("Pilot", start=date(2027, 1, 11)))
    rows = [*MENTORS, *NO_GOALS, factories.mentee("e3", goals="Delegate work to my team")]
    report = import_participants_file(db, "Pilot", factories.write_csv(tmp_path / "p.csv", rows),
                                      skip_invalid=False)
    assert report.imported, report.errors
    return db


def test_service_suggest_assign_and_report_give_the_reason(no_goals_db: Database) -> None:
    embedder = HashingEmbedder()
    items = {s["mentee_id"]: s for s in matching.suggest(no_goals_db, "Pilot", embedder).items}
    assert items["e1"]["note"] == rules.NO_GOALS and items["e1"]["candidates"] == []
    assert items["e3"]["candidates"]
    result = matching.assign(no_goals_db, "Pilot", embedder)
    assert [p.mentee_id for p in result.assignments] == ["e3"]
    assert {(u.mentee_id, u.reason) for u in result.unassigned} == {
        ("e1", rules.NO_GOALS), ("e2", rules.NO_GOALS)}
    report = matching.report(no_goals_db, "Pilot").json()
    assert {(u["mentee_id"], u["reason"]) for u in report["unmatched"]} == {
        ("e1", rules.NO_GOALS), ("e2", rules.NO_GOALS)}
    assert report["coverage"]["unmatched"] == 2


def test_a_peer_without_goals_can_still_meet_anothers_goals() -> None:
    from companion.domain import ProgramType

    rows = [factories.mentee("p1", goals=""), factories.mentee("p2", goals="Lead a team"),
            factories.mentee("p3", goals="Present to the board")]
    people = [Participant.model_validate(r) for r in rows]
    p = MatchPool(factories.program(type=ProgramType.peer), people, HashingEmbedder())
    by_id = {s.mentee_id: s for s in p.suggest(top=2)}
    assert by_id["p1"].candidates and by_id["p1"].note is None
    assert by_id["p1"].candidates[0].reasons[0].startswith("No goals recorded")
    assert "p1" in {c.mentor_id for c in by_id["p2"].candidates}
