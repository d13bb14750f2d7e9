"""The coordinator's import page through the test client (no browser): an HR export's
headers are shown as read, and nothing is imported until the coordinator confirms."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from companion.config import Settings
from companion.services.participants import list_participants
from companion.services.programs import build_program, create_program
from companion.services.web_auth import WebSession
from companion.store import Database
from tests.web.clients import sign_in

FILES = Path(__file__).parents[1] / "importing" / "files"
URL = "/coordinator/import?program=Pilot"


@pytest.fixture
def client(db: Database, settings: Settings) -> Iterator[tuple[TestClient, WebSession]]:
    from companion.web.app import create_app

    create_program(db, build_program("Pilot", start=date(2027, 1, 11)))
    with TestClient(create_app(), raise_server_exceptions=False,
                    follow_redirects=False) as test_client:
        web = sign_in(test_client, db, settings)
        yield test_client, web


def _hidden(page: str) -> dict[str, str]:
    return {name: unescape(value) for name, value in
            re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', page)}


def _ids(db: Database) -> set[str]:
    return {p.id for p in list_participants(db, "Pilot")}


def test_hr_headers_are_shown_for_confirmation_before_importing(
        client: tuple[TestClient, WebSession], db: Database) -> None:
    test_client, web = client
    data = (FILES / "hr_export_de_cp1252_semicolon.csv").read_bytes()

    checked = test_client.post(URL, data={"csrf_token": web.csrf},
                               files={"file": ("hr.csv", data, "text/csv")})

    assert checked.status_code == 200, checked.text
    page = unescape(checked.text)
    assert "Check how hr.csv was read" in page
    assert "<td>Personalnummer</td><td><code>id</code></td>" in page
    assert "<td>Stufe</td><td><code>level</code></td>" in page
    assert "Read as Windows-1252, semicolon-separated" in page
    assert "Importing would create 3, update 0 and leave 0 unchanged" in page
    assert _ids(db) == set()

    confirmed = test_client.post(URL, data=_hidden(checked.text))

    assert confirmed.status_code == 200, confirmed.text
    assert "3 created, 0 updated, 0 unchanged" in confirmed.text
    assert _ids(db) == {"D-01", "D-02", "D-03"}
    names = {p.id: p.name for p in list_participants(db, "Pilot")}
    assert names["D-02"] == "Renée Faßbender"


def test_a_file_with_our_own_headers_imports_at_once(
        client: tuple[TestClient, WebSession], db: Database) -> None:
    test_client, web = client

    done = test_client.post(URL, data={"csrf_token": web.csrf}, files={
        "file": ("people.csv", "id,name,role\ne1,Ada,mentee\n", "text/csv")})

    assert done.status_code == 200 and "1 created" in done.text
    assert _ids(db) == {"e1"}


def test_mapping_file_and_its_errors(client: tuple[TestClient, WebSession],
                                     db: Database) -> None:
    test_client, web = client
    odd = "Staff Ref;Known As;Part;Career Band\nx1;Ada Park;mentor;Band A\n"
    bad = test_client.post(URL, data={"csrf_token": web.csrf}, files={
        "file": ("odd.csv", odd, "text/csv"),
        "map": ("map.yaml", "columns:\n  Staff Ref: badge\n", "application/yaml")})
    assert bad.status_code == 422
    assert "columns.Staff Ref: unknown field" in unescape(bad.text)

    checked = test_client.post(URL, data={"csrf_token": web.csrf}, files={
        "file": ("odd.csv", odd, "text/csv"),
        "map": ("map.yaml", "columns:\n  Staff Ref: id\n  Known As: name\n  Part: role\n"
                "  Career Band: level\nlevels:\n  Band A: 6\n", "application/yaml")})
    assert "<td>Career Band</td><td><code>level</code></td>" in unescape(checked.text)
    assert _ids(db) == set()

    test_client.post(URL, data=_hidden(checked.text))

    assert [(p.id, p.level) for p in list_participants(db, "Pilot")] == [("x1", 6)]


def test_confirmation_needs_the_session_token(client: tuple[TestClient, WebSession],
                                              db: Database) -> None:
    test_client, web = client
    checked = test_client.post(URL, data={"csrf_token": web.csrf}, files={
        "file": ("hr.csv", (FILES / "hr_export_fr_utf16.tsv").read_bytes(), "text/csv")})
    assert "Check how hr.csv was read" in unescape(checked.text)
    fields = {**_hidden(checked.text), "csrf_token": "forged"}

    refused = test_client.post(URL, data=fields)

    assert refused.status_code in (400, 403)
    assert _ids(db) == set()
