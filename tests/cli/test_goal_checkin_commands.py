"""`companion goals ...` and `companion checkin ...`: the JSON contract, readjusting with
history, tracking twice, check-ins due once and answered once, the summary without answers
under 3 respondents, and bad input named with exit 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from companion.config import get_settings
from companion.domain import Draft, DraftKind, DraftStatus, Pairing, PairingStatus
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.store import DraftRepository, PairingRepository, ProgramRepository, get_database
from companion.store.tables import PairingRow
from tests import factories
from tests.cli.conftest import Run

Cli = Callable[..., Run]
CONTENT = {"goals": [{"statement": "Delegate the weekly report", "time_bound": "2027-09-30",
                      "evaluated": [{"date": "2027-03-05", "check": "Review the hours log"}]}]}


@pytest.fixture
def pilot(migrated_home: Path) -> None:
    """Pilot: e1–m1 approved on 2027-01-10, with e1's approved goals draft dr-goals."""
    db = get_database(get_settings())
    create_program(db, build_program("Pilot", start=date(2027, 1, 4)))
    people = [factories.mentor("m1"), factories.mentee("e1")]
    report = import_participants_file(db, "Pilot", factories.write_csv(
        migrated_home.parent / "p.csv", people), skip_invalid=False)
    assert report.imported, report.errors
    with db.session(write=True) as session:
        row = ProgramRepository(session).row("Pilot")
        repo = PairingRepository(session, row)
        repo.add(Pairing(id="pr-1", program="Pilot", mentee_id="e1", mentor_id="m1"))
        repo.decide("pr-1", expected_version=1, status=PairingStatus.approved, by="c")
        session.get_one(PairingRow, "pr-1").approved_at = datetime(2027, 1, 10, tzinfo=UTC)
        DraftRepository(session, row).add(Draft(
            id="dr-goals", program="Pilot", kind=DraftKind.goals, participant_id="e1",
            status=DraftStatus.approved, generator="test", content=CONTENT), author="e1")


def _json(run: Run) -> Any:
    assert run.code == 0, run.err
    return json.loads(run.out)


def test_goals_track_list_update_readjust_checkpoint(cli: Cli, pilot: None) -> None:
    tracked = _json(cli("goals", "track", "dr-goals", "--by", "e1", "--format", "json"))
    assert tracked["created"] is True and tracked["pairing_id"] == "pr-1"
    assert _json(cli("goals", "track", "dr-goals", "--format", "json"))["created"] is False
    listed = _json(cli("goals", "list", "--pairing", "pr-1", "--format", "json"))
    [goal] = listed["goals"]
    assert (goal["statement"], goal["version"], goal["status"]) == (
        "Delegate the weekly report", 1, "not_started")
    [point] = goal["checkpoints"]
    assert (point["due_on"], point["done"]) == ("2027-03-05", False)

    updated = _json(cli("goals", "update", goal["id"], "--status", "on_track", "--note",
                        "Handed over", "--by", "e1", "--format", "json"))
    assert updated["status"] == "on_track" and updated["updates"][0]["evidence"] == \
        "Handed over"
    new = _json(cli("goals", "readjust", goal["id"], "--statement", "Delegate one report",
                    "--time-bound", "2027-10-31", "--format", "json"))
    assert (new["version"], new["statement"], new["time_bound"]) == (
        2, "Delegate one report", "2027-10-31")
    assert [h["statement"] for h in new["history"]] == ["Delegate the weekly report"]
    done = _json(cli("goals", "checkpoint", str(new["checkpoints"][0]["id"]), "--done",
                     "--format", "json"))
    assert done["done"] is True
    assert _json(cli("goals", "completion", "--program", "Pilot", "--format", "json")) == {
        "pairings": [{"pairing_id": "pr-1", "goals": 1, "done": 0,
                      "by_status": {"on_track": 1}, "checkpoints": 1,
                      "checkpoints_done": 1}]}
    table = cli("goals", "list", "--pairing", "pr-1")
    assert table.code == 0 and "Goals of pr-1 (1)" in table.out

    bad = cli("goals", "update", new["id"], "--status", "finished")
    assert bad.code == 2 and "status" in bad.err
    bad = cli("goals", "readjust", new["id"], "--time-bound", "soon")
    assert bad.code == 2 and "time_bound" in bad.err
    stale = cli("goals", "update", goal["id"], "--status", "done")
    assert stale.code != 0 and "history" in stale.err


def test_checkins_due_submit_summary(cli: Cli, pilot: None) -> None:
    created = _json(cli("checkin", "due", "--program", "Pilot", "--now", "2027-02-09",
                        "--format", "json"))
    assert created["created"] == 2
    assert _json(cli("checkin", "due", "--program", "Pilot", "--now", "2027-02-09",
                     "--format", "json"))["created"] == 0
    mine = _json(cli("checkin", "list", "--participant", "e1", "--format", "json"))
    [checkin] = mine["checkins"]
    assert (checkin["kind"], checkin["due_on"], checkin["submitted"]) == (
        "pulse", "2027-02-09", False)
    bad = cli("checkin", "submit", str(checkin["id"]), "--rating", "9", "--meetings", "2")
    assert bad.code == 2 and "rating" in bad.err
    answered = _json(cli("checkin", "submit", str(checkin["id"]), "--rating", "4",
                         "--meetings", "2", "--text", "Helpful talks", "--format", "json"))
    assert (answered["rating"], answered["meetings_per_month"], answered["submitted"]) == (
        4, 2.0, True)
    again = cli("checkin", "submit", str(checkin["id"]), "--rating", "4", "--meetings", "2")
    assert again.code != 0 and "answered already" in again.err
    summary = _json(cli("checkin", "summary", "--program", "Pilot", "--now", "2027-03-01",
                        "--format", "json"))
    assert summary["overall"]["responses"] == 1 and summary["overall"]["suppressed"] is True
    assert summary["overall"]["mean_rating"] is None and summary["comments"] is None
    assert [o["participant_id"] for o in summary["overdue"]] == ["m1"]
    assert "Helpful" not in json.dumps(summary)
    shown = cli("checkin", "summary", "--program", "Pilot")
    assert shown.code == 0 and "suppressed" in shown.out and "Helpful" not in shown.out
