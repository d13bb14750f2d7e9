"""`companion pairing end` and `companion participants withdraw`: the contract JSON (status
closed, future sessions cancelled), a bad reason named with exit 2, a stale version, and
`match suggest --mentee` re-matching a mentee whose pairing ended."""

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
    """Pilot: e1 – m1 approved, e2 – m2 approved; m3 free."""
    db = get_database(get_settings())
    create_program(db, build_program("Pilot", start=date(2027, 1, 4)))
    people = [factories.mentor("m1", capacity="3"), factories.mentor("m2", capacity="3"),
              factories.mentor("m3", capacity="3"), factories.mentee("e1"),
              factories.mentee("e2")]
    report = import_participants_file(db, "Pilot", factories.write_csv(
        migrated_home.parent / "p.csv", people), skip_invalid=False)
    assert report.imported, report.errors
    with db.session(write=True) as session:
        repo = PairingRepository(session, ProgramRepository(session).row("Pilot"))
        for pid, mentee, mentor in [("pr-1", "e1", "m1"), ("pr-2", "e2", "m2")]:
            repo.add(Pairing(id=pid, program="Pilot", mentee_id=mentee, mentor_id=mentor))
            repo.decide(pid, expected_version=1, status=PairingStatus.approved, by="c")


def _json(run: Run) -> Any:
    assert run.code == 0, run.err
    return json.loads(run.out)


def test_end_closes_the_pairing_cancels_its_sessions_and_re_matches(cli: Cli,
                                                                    pilot: None) -> None:
    future = _json(cli("session", "schedule", "--pairing", "pr-1", "--at", "2099-01-12T15:00",
                       "--format", "json"))
    ended = _json(cli("pairing", "end", "pr-1", "--reason", "no_fault", "--note",
                      "not a fit", "--format", "json"))
    assert (ended["id"], ended["status"], ended["end_reason"], ended["end_note"]) == (
        "pr-1", "closed", "no_fault", "not a fit")
    listed = _json(cli("session", "list", "--pairing", "pr-1", "--format", "json"))
    assert [(s["id"], s["status"]) for s in listed["sessions"]] == [(future["id"],
                                                                     "cancelled")]
    found = _json(cli("match", "suggest", "--program", "Pilot", "--mentee", "e1", "--top",
                      "10", "--format", "json"))["suggestions"][0]
    assert "m1" not in {c["mentor_id"] for c in found["candidates"]} and found["candidates"]
    assert found["excluded"][0]["mentor_id"] == "m1"
    table = cli("match", "suggest", "--program", "Pilot", "--mentee", "e1")
    assert table.code == 0 and "left out" in table.out


def test_a_bad_reason_is_named_and_a_stale_version_is_a_conflict(cli: Cli,
                                                                 pilot: None) -> None:
    bad = cli("pairing", "end", "pr-1", "--reason", "bored")
    assert bad.code == 2 and "reason must be one of" in bad.err
    stale = cli("pairing", "end", "pr-1", "--reason", "completed", "--version", "1")
    assert stale.code == 2 and "version" in stale.err


def test_withdraw_ends_the_pairings_and_the_person_is_never_suggested(cli: Cli,
                                                                      pilot: None) -> None:
    result = _json(cli("participants", "withdraw", "m1", "--program", "Pilot", "--reason",
                       "left the company", "--format", "json"))
    assert [p["id"] for p in result["ended"]] == ["pr-1"]
    assert result["ended"][0]["end_reason"] == "withdrawn" and not result["already_withdrawn"]
    found = _json(cli("match", "suggest", "--program", "Pilot", "--format", "json", "--top",
                      "10"))
    assert all("m1" not in {c["mentor_id"] for c in s["candidates"]}
               for s in found["suggestions"])
    again = cli("participants", "withdraw", "m1", "--program", "Pilot")
    assert again.code == 0 and "already withdrawn" in again.out
    missing = cli("participants", "withdraw", "nobody", "--program", "Pilot")
    assert missing.code != 0 and "nobody" in missing.err
