"""The coordinator's import page (test client): a file whose new reporting lines would break a
live pairing is not imported at once; the confirmation step lists the pairings it would flag
above the confirm button, and nothing is written until the coordinator confirms."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from html import unescape

import pytest
from fastapi.testclient import TestClient

from companion.config import Settings
from companion.domain import Pairing, PairingStatus
from companion.services.participants import import_participants_bytes, list_participants
from companion.services.programs import build_program, create_program
from companion.services.web_auth import WebSession
from companion.store import AuditLog, Database, PairingRepository, ProgramRepository
from tests.web.clients import sign_in

URL = "/coordinator/import?program=Pilot"
FIRST = ("id,name,role,manager_id\n"
         "m1,Mo Mentor,mentor,\n"
         "b1,Bo Boss,mentor,\n"
         "e1,Ed Mentee,mentee,b1\n")
REORG = "id,name,role,manager_id\nb1,Bo Boss,mentor,m1\n"  # m1 now above e1's manager


@pytest.fixture
def client(db: Database, settings: Settings) -> Iterator[tuple[TestClient, WebSession]]:
    from companion.web.app import create_app

    create_program(db, build_program("Pilot", start=date(2027, 1, 11)))
    first = import_participants_bytes(db, "Pilot", FIRST.encode(), name="first.csv",
                                      skip_invalid=False, actor="setup")
    assert first.imported, first.errors
    with db.session() as session:
        repo = PairingRepository(session, ProgramRepository(session).row("Pilot"))
        repo.add(Pairing(id="pr-1", program="Pilot", mentee_id="e1", mentor_id="m1",
                         score=0.8))
        repo.decide("pr-1", expected_version=1, status=PairingStatus.approved, by="setup")
        repo.decide("pr-1", expected_version=2, status=PairingStatus.active, by="setup")
    with TestClient(create_app(), raise_server_exceptions=False,
                    follow_redirects=False) as test_client:
        web = sign_in(test_client, db, settings)
        yield test_client, web


def _hidden(page: str) -> dict[str, str]:
    return {name: unescape(value) for name, value in
            re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', page)}


def _written(db: Database) -> tuple[str | None, PairingStatus, list[str]]:
    """b1's manager, the pairing's status and the import/flag audit actions."""
    managers = {p.id: p.manager_id for p in list_participants(db, "Pilot")}
    with db.session() as session:
        status = PairingRepository(session, ProgramRepository(session).row("Pilot")).get(
            "pr-1").status
        actions = [e.action for e in AuditLog(session).list(program="Pilot")
                   if e.action in ("participants.import", "pairing.reporting_line_broken")]
    return managers["b1"], status, actions


def test_confirm_step_lists_the_pairings_the_import_would_flag(
        client: tuple[TestClient, WebSession], db: Database) -> None:
    test_client, web = client
    before = _written(db)
    assert before == (None, PairingStatus.active, ["participants.import"])

    checked = test_client.post(URL, data={"csrf_token": web.csrf},
                               files={"file": ("reorg.csv", REORG.encode(), "text/csv")})

    assert checked.status_code == 200, checked.text
    page = unescape(checked.text)
    assert "Pairings this import would flag" in page
    row = ("<tr><td>pr-1</td><td>e1</td><td>m1</td><td>active</td>"
           "<td>m1 is above e1 in their reporting line (e1 → b1 → m1)</td></tr>")
    assert row in page
    assert page.index(row) < page.index('<button type="submit">Import and flag')
    assert "Importing would create 0, update 1 and leave 0 unchanged" in page
    assert _written(db) == before

    confirmed = test_client.post(URL, data=_hidden(checked.text))

    assert confirmed.status_code == 200, confirmed.text
    assert "0 created, 1 updated, 0 unchanged" in confirmed.text
    manager, status, actions = _written(db)
    assert manager == "m1" and status is PairingStatus.active
    assert actions.count("participants.import") == 2
    assert actions.count("pairing.reporting_line_broken") == 1


def test_a_file_that_breaks_no_pairing_still_imports_at_once(
        client: tuple[TestClient, WebSession], db: Database) -> None:
    test_client, web = client

    done = test_client.post(URL, data={"csrf_token": web.csrf}, files={
        "file": ("calm.csv", b"id,name,role,manager_id\nb1,Bo Boss,mentor,ceo\n", "text/csv")})

    assert done.status_code == 200, done.text
    assert "would flag" not in done.text and "0 created, 1 updated" in done.text
    assert _written(db)[0] == "ceo"
