"""Editing and deleting programs: typed results, warnings instead of crashes, audit."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from companion.domain import Draft, DraftKind, Pairing
from companion.errors import BadInputError, ConflictError, NotFoundError
from companion.services.participants import import_participants_file
from companion.services.programs import (
    build_program,
    create_program,
    delete_program,
    edit_program,
    get_program,
    program_holdings,
    start_warnings,
)
from companion.services.tokens import create_token
from companion.store import (
    AuditLog,
    Database,
    DraftRepository,
    PairingRepository,
    ProgramRepository,
    TokenRepository,
)
from tests import factories

TODAY = date(2027, 3, 1)


@pytest.fixture
def pilot(db: Database, tmp_path: Path) -> Database:
    create_program(db, build_program("Pilot", start=date(2027, 1, 11), months=12))
    report = import_participants_file(db, "Pilot", factories.write_csv(
        tmp_path / "people.csv", [factories.mentor("m1"), factories.mentee("e1"),
                                  factories.mentee("e2")]), skip_invalid=False)
    assert report.imported, report.errors
    with db.session() as session:
        row = ProgramRepository(session).row("Pilot")
        PairingRepository(session, row).add(Pairing(
            id="pr-1", program="Pilot", mentee_id="e1", mentor_id="m1", score=0.7))
        DraftRepository(session, row).add(Draft(
            id="dr-goals", program="Pilot", kind=DraftKind.goals, participant_id="e1",
            generator="test", content={"goals": [{
                "statement": "Lead my first team", "time_bound": "2027-12-20",
                "evaluated": [{"date": "2027-06-01", "check": "halfway"}]}]}), author="e1")
    return db


def test_start_in_the_past_is_a_warning_not_an_error() -> None:
    program = build_program("Late", start=date(2027, 1, 11), months=12)

    assert start_warnings(program, today=date(2027, 1, 11)) == []
    [warning] = start_warnings(program, today=TODAY)
    assert "start date 2027-01-11 is in the past (49 day(s) ago)" in warning
    assert "launch phase" in warning and "edit the program's start date" in warning


def test_edit_changes_dates_recomputes_phases_and_audits(pilot: Database) -> None:
    result = edit_program(pilot, "Pilot", {"start_date": date(2027, 2, 1), "months": 12,
                                           "session_minutes": 45}, actor="ann", today=TODAY)

    assert result.changed == {"start_date": (date(2027, 1, 11), date(2027, 2, 1)),
                              "session_minutes": (60, 45)}
    stored = get_program(pilot, "Pilot")
    assert (stored.start_date, stored.session_minutes) == (date(2027, 2, 1), 45)
    assert stored.phases[0].start == date(2027, 2, 1)
    assert stored.end_date == date(2028, 1, 31)
    assert any("start date 2027-02-01 is in the past" in w for w in result.warnings)
    with pilot.session() as session:
        [event] = [e for e in AuditLog(session).list(program="Pilot")
                   if e.action == "program.edit"]
    assert event.actor == "ann"
    assert event.detail["changed"]["start_date"] == ["2027-01-11", "2027-02-01"]


def test_shorter_dates_warn_about_drafts_they_leave_outside(pilot: Database) -> None:
    result = edit_program(pilot, "Pilot", {"months": 4}, today=date(2027, 1, 20))

    assert get_program(pilot, "Pilot").end_date == date(2027, 5, 10)
    [warning] = result.warnings
    assert "draft dr-goals (goals of e1, pending_review) names 2027-06-01, 2027-12-20" in warning
    assert "outside the program's new dates 2027-01-11 → 2027-05-10" in warning


def test_dates_that_end_the_program_before_today_warn_about_live_pairings(
        pilot: Database) -> None:
    result = edit_program(pilot, "Pilot", {"start_date": date(2026, 1, 5), "months": 6},
                          today=TODAY)

    assert any("ended on 2026-07-04, but 1 pairing(s) are still pending" in w
               for w in result.warnings)


def test_rename_carries_tokens_along(pilot: Database) -> None:
    token = create_token(pilot, participant_id="c1", role="coordinator", program="Pilot",
                         created_by="test")

    result = edit_program(pilot, "Pilot", {"name": "Pilot 2027"}, today=TODAY)

    assert result.renamed_from == "Pilot" and result.program.name == "Pilot 2027"
    with pytest.raises(NotFoundError):
        get_program(pilot, "Pilot")
    assert program_holdings(pilot, "Pilot 2027").participants == 3
    with pilot.session() as session:
        row = TokenRepository(session).get(token.id)
        assert row is not None and row.program == "Pilot 2027"


@pytest.mark.parametrize(("changes", "field", "fragment"), [
    ({}, "changes", "nothing to change"),
    ({"months": 2}, "months", "months"),
    ({"session_minutes": 5}, "session_minutes", "session_minutes"),
    ({"type": "peer"}, "type", "cannot be edited"),
    ({"name": "  "}, "name", "empty"),
])
def test_bad_edits_name_the_field(pilot: Database, changes: dict[str, object], field: str,
                                  fragment: str) -> None:
    with pytest.raises(BadInputError) as caught:
        edit_program(pilot, "Pilot", changes, today=TODAY)

    assert caught.value.field == field and fragment in str(caught.value)


def test_rename_onto_another_program_is_a_conflict(pilot: Database) -> None:
    create_program(pilot, build_program("Other", start=date(2027, 1, 11)))

    with pytest.raises(ConflictError, match="'Other' already exists"):
        edit_program(pilot, "Pilot", {"name": "Other"}, today=TODAY)


def test_delete_without_confirmation_deletes_nothing_and_says_what_it_would(
        pilot: Database) -> None:
    with pytest.raises(BadInputError) as caught:
        delete_program(pilot, "Pilot", confirmed=False)

    assert caught.value.field == "confirm"
    assert ("program 'Pilot' holds 3 participant(s), 1 pairing(s), 1 draft(s)"
            in str(caught.value))
    assert get_program(pilot, "Pilot").name == "Pilot"


def test_delete_removes_everything_revokes_tokens_and_audits(pilot: Database) -> None:
    token = create_token(pilot, participant_id="c1", role="coordinator", program="Pilot",
                         created_by="test")

    result = delete_program(pilot, "Pilot", confirmed=True, actor="root")

    assert (result.holdings.participants, result.holdings.pairings,
            result.holdings.drafts) == (3, 1, 1)
    with pytest.raises(NotFoundError):
        get_program(pilot, "Pilot")
    with pilot.session() as session:
        row = TokenRepository(session).get(token.id)
        assert row is not None and row.revoked_at is not None
        [event] = [e for e in AuditLog(session).list(program="Pilot")
                   if e.action == "program.delete"]
    assert event.actor == "root" and event.detail["participants"] == 3
    # the name is free again, and the new program starts empty
    create_program(pilot, build_program("Pilot", start=date(2027, 1, 11)))
    assert program_holdings(pilot, "Pilot").participants == 0


def test_missing_program(pilot: Database) -> None:
    with pytest.raises(NotFoundError):
        edit_program(pilot, "Nope", {"months": 6})
    with pytest.raises(NotFoundError):
        delete_program(pilot, "Nope", confirmed=True)

