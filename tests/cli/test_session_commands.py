"""`companion session ...`: the contract JSON, each person's local time, notes from a file,
and bad input named with exit 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from companion.config import get_settings
from companion.domain import Pairing, PairingStatus
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.store import PairingRepository, ProgramRepository, get_database
from tests import factories
from tests.cli.conftest import Run

Cli = Callable[..., Run]


@pytest.fixture
def pilot(migrated_home: Path) -> None:
    """Pilot: e1 (Berlin) – m1 (New York) approved; e2 – m1 pending."""
    db = get_database(get_settings())
    create_program(db, build_program("Pilot", start=date(2027, 1, 4)))
    people = [factories.mentor("m1", timezone="America/New_York", capacity="3"),
              factories.mentee("e1", timezone="Europe/Berlin"), factories.mentee("e2")]
    report = import_participants_file(db, "Pilot", factories.write_csv(
        migrated_home.parent / "p.csv", people), skip_invalid=False)
    assert report.imported, report.errors
    with db.session(write=True) as session:
        repo = PairingRepository(session, ProgramRepository(session).row("Pilot"))
        repo.add(Pairing(id="pr-1", program="Pilot", mentee_id="e1", mentor_id="m1"))
        repo.decide("pr-1", expected_version=1, status=PairingStatus.approved, by="c")
        repo.add(Pairing(id="pr-2", program="Pilot", mentee_id="e2", mentor_id="m1"))


def _json(run: Run) -> Any:
    assert run.code == 0, run.err
    return json.loads(run.out)


def test_schedule_list_done_cancel_contract(cli: Cli, pilot: None, tmp_path: Path) -> None:
    created = _json(cli("session", "schedule", "--pairing", "pr-1", "--at", "2099-01-12T15:00",
                        "--minutes", "60", "--by", "e1", "--format", "json"))
    assert {"id", "pairing_id", "starts_at", "minutes", "status"} <= created.keys()
    assert (created["pairing_id"], created["starts_at"], created["minutes"],
            created["status"]) == ("pr-1", "2099-01-12T14:00:00+00:00", 60, "scheduled")
    assert created["local_starts_at"] == {"e1": "2099-01-12T15:00:00+01:00",
                                          "m1": "2099-01-12T09:00:00-05:00"}
    logged = _json(cli("session", "schedule", "--pairing", "pr-1", "--at",
                       "2020-06-01T09:00+00:00", "--minutes", "30", "--format", "json"))
    assert logged["status"] == "held"  # a past date logs a session after the fact

    notes = tmp_path / "notes.md"
    notes.write_text("We set three goals.\n", encoding="utf-8")
    done = _json(cli("session", "done", logged["id"], "--notes", str(notes), "--action",
                     "Draft goals", "--by", "e1", "--format", "json"))
    assert (done["notes"], done["action_items"]) == ("We set three goals.", ["Draft goals"])

    listed = _json(cli("session", "list", "--pairing", "pr-1", "--format", "json"))
    assert [s["id"] for s in listed["sessions"]] == [logged["id"], created["id"]]
    by_person = _json(cli("session", "list", "--participant", "m1", "--format", "json"))
    assert len(by_person["sessions"]) == 2
    assert _json(cli("session", "list", "--participant", "e2", "--format", "json")) == {
        "sessions": []}

    moved = _json(cli("session", "reschedule", created["id"], "--at", "2099-01-13T15:00",
                      "--by", "m1", "--format", "json"))
    assert (moved["starts_at"], moved["sequence"]) == ("2099-01-13T20:00:00+00:00", 1)
    cancelled = _json(cli("session", "cancel", created["id"], "--reason", "travel",
                          "--format", "json"))
    assert (cancelled["status"], cancelled["sequence"]) == ("cancelled", 2)

    table = cli("session", "list", "--program", "Pilot")
    assert table.code == 0 and logged["id"] in table.out and "cancelled" in table.out


@pytest.mark.parametrize(("args", "words"), [
    (["--at", "2099-01-12T15:00", "--minutes", "0"], "minutes"),
    (["--at", "soon"], "is not a date-time"),
    (["--at", "2099-01-12T15:00", "--tz", "Nowhere/Land"], "unknown time zone"),
])
def test_bad_input_exits_2_naming_it(cli: Cli, pilot: None, args: list[str],
                                     words: str) -> None:
    run = cli("session", "schedule", "--pairing", "pr-1", *args)
    assert run.code == 2 and words in run.err and "Traceback" not in run.err


def test_a_pending_pairing_has_no_sessions(cli: Cli, pilot: None) -> None:
    run = cli("session", "schedule", "--pairing", "pr-2", "--at", "2099-01-12T15:00")
    assert run.code == 2 and "only approved or active pairings" in run.err
    missing = cli("session", "done", "ss-nope")
    assert missing.code == 2 and "no session 'ss-nope'" in missing.err
