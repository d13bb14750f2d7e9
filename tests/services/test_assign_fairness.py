"""Fairness-aware assignment (services.matching.assign with `fairness`): a minimum share of each
department's mentees placed, the price of fairness reported, bad options refused."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pytest

from companion.domain import ProgramType
from companion.embeddings import HashingEmbedder
from companion.errors import BadInputError
from companion.services import audit, matching
from companion.services.fairness import UNSPECIFIED, Fairness
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.store import Database
from tests import factories

FINANCE = "Lead finance transformations and coach new managers"


def pool(db: Database, tmp_path: Path, program_type: ProgramType = ProgramType.one_to_one,
         ops_department: str = "Operations") -> None:
    """One mentor with two places; two Sales mentees whose goals echo the mentor's expertise
    and one Operations mentee whose goals do not: the best total places both Sales mentees."""
    create_program(db, build_program("Pilot", type=program_type, start=date(2027, 1, 11),
                                     months=12))
    import_participants_file(db, "Pilot", factories.write_csv(tmp_path / "p.csv", [
        factories.mentor("m1", capacity="2"),
        factories.mentee("s1", department="Sales", goals=FINANCE),
        factories.mentee("s2", department="Sales", goals=FINANCE + " in finance"),
        factories.mentee("o1", department=ops_department,
                         goals="Plan warehouse shifts;;Negotiate with suppliers"),
    ]), skip_invalid=False)


def test_best_total_leaves_a_department_out_and_a_minimum_brings_it_in(
        db: Database, tmp_path: Path) -> None:
    pool(db, tmp_path)
    free = matching.assign(db, "Pilot", HashingEmbedder())
    assert {p.mentee_id for p in free.assignments} == {"s1", "s2"}
    assert free.fairness is None and "fairness" not in free.json()

    fair = matching.assign(db, "Pilot", HashingEmbedder(),
                           fairness=Fairness("department", 0.5))
    placed = {p.mentee_id for p in fair.assignments}
    assert "o1" in placed and len(placed) == 2
    report = fair.fairness
    assert report is not None
    assert [(g.group, g.to_place, g.matched, g.minimum, g.met) for g in report.groups] == [
        ("Operations", 1, 1, 1, True), ("Sales", 2, 1, 1, True)]
    assert report.unconstrained_total_score == pytest.approx(free.total_score, abs=1e-3)
    assert report.total_score == pytest.approx(fair.total_score, abs=1e-3)
    assert report.price > 0
    assert report.price == pytest.approx(report.unconstrained_total_score - report.total_score)
    assert report.relative_price == pytest.approx(
        report.price / report.unconstrained_total_score, abs=1e-4)

    left_out = [u for u in fair.unassigned if u.mentee_id in {"s1", "s2"}]
    assert len(left_out) == 1
    assert left_out[0].reason.startswith("the minimum coverage per department gave their place")

    shape = fair.json()
    assert set(free.json()) <= set(shape)  # existing keys unchanged
    assert shape["fairness"]["groups"][0] == {"group": "Operations", "to_place": 1,
                                              "matched": 1, "minimum": 1, "met": True}
    assert shape["fairness"]["all_met"] is True
    assert shape["fairness"]["price"] == report.price
    runs = [e for e in audit.list_events(db, program="Pilot") if e.action == "pairing.assign"]
    assert "fairness" not in runs[1].detail
    assert runs[0].detail["fairness"] == {"group_by": "department", "min_share": 0.5,
                                          "all_met": True, "price": report.price, "short": []}


def test_a_minimum_the_pool_cannot_meet_is_reported_short(db: Database,
                                                          tmp_path: Path) -> None:
    pool(db, tmp_path)
    result = matching.assign(db, "Pilot", HashingEmbedder(), fairness=Fairness("department", 1))
    report = result.fairness
    assert report is not None and not report.all_met
    # Two places for three mentees who all have a minimum: one falls short whichever way,
    # and among those ways the best total wins (both Sales mentees).
    short = [g for g in report.groups if not g.met]
    assert [(g.group, g.matched, g.minimum) for g in short] == [("Operations", 0, 1)]
    assert {p.mentee_id for p in result.assignments} == {"s1", "s2"}
    assert report.price == 0


def test_mentees_without_a_department_form_their_own_group(db: Database,
                                                           tmp_path: Path) -> None:
    pool(db, tmp_path, ops_department="")
    report = matching.assign(db, "Pilot", HashingEmbedder(),
                             fairness=Fairness("department", 0.5)).fairness
    assert report is not None
    assert [g.group for g in report.groups] == ["Sales", UNSPECIFIED]
    assert report.groups[1].met


def test_organisation_spelling_and_share_zero(db: Database, tmp_path: Path) -> None:
    pool(db, tmp_path)
    result = matching.assign(db, "Pilot", HashingEmbedder(),
                             fairness=Fairness("organisation", 0))
    assert result.fairness is not None
    assert result.fairness.group_by == "organization"
    assert [(g.group, g.minimum) for g in result.fairness.groups] == [("Harbourline", 0)]
    assert result.fairness.price == 0


@pytest.mark.parametrize(("option", "field", "message"), [
    (Fairness("level", 0.5), "fairness.group_by", "cannot group by 'level'"),
    (Fairness("department", 1.5), "fairness.min_share", "from 0 to 1"),
    (Fairness("department", -0.1), "fairness.min_share", "from 0 to 1"),
    (Fairness("department", math.nan), "fairness.min_share", "from 0 to 1"),
    (Fairness("department", True), "fairness.min_share", "from 0 to 1"),
])
def test_bad_options_are_refused_naming_the_field(db: Database, tmp_path: Path,
                                                  option: Fairness, field: str,
                                                  message: str) -> None:
    pool(db, tmp_path)
    with pytest.raises(BadInputError, match=message) as raised:
        matching.assign(db, "Pilot", HashingEmbedder(), fairness=option)
    assert raised.value.field == field


@pytest.mark.parametrize("program_type", [ProgramType.group, ProgramType.peer])
def test_group_and_peer_programs_refuse_the_option(db: Database, tmp_path: Path,
                                                   program_type: ProgramType) -> None:
    pool(db, tmp_path, program_type)
    with pytest.raises(BadInputError, match="one-to-one style programs") as raised:
        matching.assign(db, "Pilot", HashingEmbedder(), fairness=Fairness("department", 0.5))
    assert raised.value.field == "fairness"


@pytest.mark.parametrize(("share", "size", "minimum"), [
    (0.5, 3, 2), (0.3, 10, 3), (1.0, 7, 7), (0.0, 5, 0), (0.01, 1, 1), (0.5, 0, 0)])
def test_minimum_rounds_a_share_up(share: float, size: int, minimum: int) -> None:
    assert Fairness("department", share).minimum(size) == minimum


def test_a_pool_beyond_the_solvers_cost_range_is_a_clear_error_not_a_crash(
        db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The flow's integer costs have a ceiling (`_COST_LIMIT`); a pool past it answers with an
    error naming the option (an HTTP 422, CLI exit 2), never an unhandled ValueError (500)."""
    pool(db, tmp_path)
    monkeypatch.setattr("companion.matching.assign._COST_LIMIT", 1000)
    with pytest.raises(BadInputError, match="too large") as caught:
        matching.assign(db, "Pilot", HashingEmbedder(), objective="most_matched",
                        fairness=Fairness("department", 0.5))
    assert caught.value.field == "fairness"


def test_the_review_queue_lists_an_assignments_pairings_in_its_order(
        db: Database, tmp_path: Path) -> None:
    """An assignment writes its pairings in one flush; each still gets its own creation
    time, so the queue (ordered by creation time) keeps the assignment's order instead of
    falling back to the random ids (a web test saw a bulk approval take them in id order)."""
    from companion.services import pairings

    create_program(db, build_program("Pilot", start=date(2027, 1, 11), months=12))
    import_participants_file(db, "Pilot", factories.write_csv(tmp_path / "p.csv", [
        *(factories.mentor(f"m{i}", capacity="3") for i in range(4)),
        *(factories.mentee(f"e{i:02}", goals=f"Goal number {i} about leading people")
          for i in range(12)),
    ]), skip_invalid=False)
    result = matching.assign(db, "Pilot", HashingEmbedder())
    assert len(result.assignments) == 12
    listed = pairings.list_pairings(db, "Pilot")
    assert [p.id for p in listed] == [p.id for p in result.assignments]
    assert len({p.created_at for p in listed}) == len(listed)
