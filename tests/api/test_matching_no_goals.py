"""Mentees without goals through the API: 200 with the reason per mentee, never a 500."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from companion.matching import rules
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from tests import factories
from tests.api.conftest import World
from tests.api.helpers import get, ok, post


def _bare_program(world: World, tmp_path: Path) -> str:
    """Program 'Bare': two mentors, two mentees, neither mentee with goals."""
    create_program(world.db, build_program("Bare", start=date(2027, 1, 11)))
    rows = [factories.mentor("bm1"), factories.mentor("bm2", department="Sales"),
            factories.mentee("be1", goals=""), factories.mentee("be2", goals="")]
    report = import_participants_file(world.db, "Bare",
                                      factories.write_csv(tmp_path / "bare.csv", rows),
                                      skip_invalid=False)
    assert report.imported, report.errors
    return "Bare"


def test_suggest_assign_and_report_without_goals(world: World, tmp_path: Path) -> None:
    program = _bare_program(world, tmp_path)
    body = ok(get(world, "admin", f"/programs/{program}/suggestions?top=3"))
    assert [(s["mentee_id"], s["candidates"], s["note"]) for s in body["suggestions"]] == [
        ("be1", [], rules.NO_GOALS), ("be2", [], rules.NO_GOALS)]
    one = ok(get(world, "admin", f"/programs/{program}/suggestions?mentee_id=be2"))
    assert one["suggestions"][0]["note"] == rules.NO_GOALS
    assigned = ok(post(world, "admin", f"/programs/{program}/assignments", json={}))
    assert assigned["assignments"] == []
    assert {(u["mentee_id"], u["reason"]) for u in assigned["unassigned"]} == {
        ("be1", rules.NO_GOALS), ("be2", rules.NO_GOALS)}
    report = ok(get(world, "admin", f"/programs/{program}/report"))
    assert {(u["mentee_id"], u["reason"]) for u in report["unmatched"]} == {
        ("be1", rules.NO_GOALS), ("be2", rules.NO_GOALS)}
