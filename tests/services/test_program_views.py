"""The coordinator's view of a program (services.program_views): why each unmatched mentee
has no pairing, the overview's figures, the review queue's runner-up, and who may look."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from companion.domain import AccessRole, Phase
from companion.embeddings import HashingEmbedder
from companion.errors import AccessDenied
from companion.services import matching, program_views
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.services.tokens import Principal
from companion.store import Database
from tests import factories

COORD = Principal("t-coord", "coord", AccessRole.coordinator, "Pilot", None)
EMBEDDER = HashingEmbedder()


@pytest.fixture
def pilot(db: Database, tmp_path: Path) -> Database:
    create_program(db, build_program("Pilot", start=date(2027, 1, 11), months=12,
                                     host_organization="Harbourline"))
    import_participants_file(db, "Pilot", factories.write_csv(tmp_path / "p.csv", [
        factories.mentor("m1", capacity="1"), factories.mentor("m2", capacity="1"),
        factories.mentee("e1"), factories.mentee("e2"), factories.mentee("e3"),
        factories.mentee("e4", languages="fr"),  # no mentor speaks French
    ]), skip_invalid=False)
    return db


def reasons(db: Database) -> dict[str, str]:
    return {u.mentee_id: u.reason for u in program_views.unmatched_as(db, COORD, "Pilot",
                                                                       EMBEDDER)}


def test_each_unmatched_mentee_has_the_reason_nobody_holds_them(pilot: Database) -> None:
    before = reasons(pilot)
    assert set(before) == {"e1", "e2", "e3", "e4"}
    assert "no shared language" in before["e4"]
    assert before["e1"].startswith("2 eligible mentor(s) have a free place")

    matching.assign(pilot, "Pilot", EMBEDDER, actor="test")
    after = reasons(pilot)
    assert len(after) == 2 and "e4" in after  # two seats for three mentees who fit
    left = next(m for m in after if m != "e4")
    assert after[left].startswith("no eligible mentor with a free seat")


def test_the_overview_counts_and_dates(pilot: Database) -> None:
    matching.assign(pilot, "Pilot", EMBEDDER, actor="test")
    view = program_views.overview_as(pilot, COORD, "Pilot", EMBEDDER, today=date(2027, 2, 1))
    assert view.phase is Phase.launch and view.start == date(2027, 1, 11)
    assert [p.current for p in view.phases] == [True, False, False]
    assert view.coverage["pending"] == 2 and view.coverage["unmatched"] == 2
    assert view.pending_pairings == 2 and view.matched == 0
    assert len(view.unmatched) == 2


def test_the_queue_shows_the_runner_up_and_pages(pilot: Database) -> None:
    matching.assign(pilot, "Pilot", EMBEDDER, actor="test")
    queue = program_views.review_queue_as(pilot, COORD, "Pilot", EMBEDDER, limit=1)
    assert queue.total == 2 and len(queue.items) == 1 and queue.next_offset == 1
    item = queue.items[0]
    assert item.mentee["goals"] == ["Lead my first team", "Present to the board"]
    assert item.mentor["expertise"].startswith("Led finance")
    other = {"m1", "m2"} - {item.pairing["mentor_id"]}
    assert item.runner_up is not None and {item.runner_up.mentor_id} == other
    assert [m["id"] for m in item.alternatives] == sorted(other)


@pytest.mark.parametrize("role", [AccessRole.mentee, AccessRole.mentor])
def test_participants_find_no_oversight_pages(role: AccessRole) -> None:
    with pytest.raises(AccessDenied) as denied:
        program_views.require_oversight(Principal("t", "e1", role, "Pilot", None))
    assert denied.value.status == 404


def test_a_participant_gets_no_overview(pilot: Database) -> None:
    mentee = Principal("t-e1", "e1", AccessRole.mentee, "Pilot", None)
    with pytest.raises(AccessDenied):
        program_views.overview_as(pilot, mentee, "Pilot", EMBEDDER)


def test_a_partner_coordinator_gets_an_overview_without_the_hosts_figures(
        pilot: Database) -> None:
    matching.assign(pilot, "Pilot", EMBEDDER, actor="test")
    partner = Principal("t-p", "coord-p", AccessRole.coordinator, "Pilot", "Partnerco")
    view = program_views.overview_as(pilot, partner, "Pilot", EMBEDDER)
    assert view.coverage is None and view.unmatched is None and view.mentees is None
    assert view.pending_pairings == 0  # none of Partnerco's people are paired here
    with pytest.raises(AccessDenied):
        program_views.unmatched_as(pilot, partner, "Pilot", EMBEDDER)
