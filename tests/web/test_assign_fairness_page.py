"""The coordinator's assign page with the optional fairness control, through the test client:
the form offers it, a run with it shows each group's coverage and the price of fairness, bad
values get a 422 page saying what to enter."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from html import unescape

import pytest
from fastapi.testclient import TestClient

from companion.api.common import embedder_dep
from companion.config import Settings
from companion.embeddings import HashingEmbedder
from companion.services.participants import import_participants_bytes
from companion.services.programs import build_program, create_program
from companion.services.web_auth import WebSession
from companion.store import Database
from tests import factories
from tests.web.clients import sign_in

FINANCE = "Lead finance transformations and coach new managers"


@pytest.fixture
def signed_in(db: Database, settings: Settings) -> Iterator[tuple[TestClient, WebSession]]:
    """A coordinator of Pilot: one mentor with two places; the best total places both Sales
    mentees and leaves Operations out."""
    from companion.web.app import create_app

    create_program(db, build_program("Pilot", start=date(2027, 1, 11), months=12))
    csv = factories.csv_text([
        factories.mentor("m1", capacity="2"),
        factories.mentee("s1", department="Sales", goals=FINANCE),
        factories.mentee("s2", department="Sales", goals=FINANCE + " in finance"),
        factories.mentee("o1", department="Operations",
                         goals="Plan warehouse shifts;;Negotiate with suppliers"),
    ]).encode()
    report = import_participants_bytes(db, "Pilot", csv, name="people.csv", skip_invalid=False,
                                       actor="test")
    assert report.imported, report.errors
    app = create_app()
    embedder = HashingEmbedder()
    app.dependency_overrides[embedder_dep] = lambda: embedder
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        web = sign_in(client, db, settings)
        yield client, web


def test_the_form_offers_a_minimum_coverage(signed_in: tuple[TestClient, WebSession]) -> None:
    client, _ = signed_in
    html = client.get("/coordinator/assign").text
    assert '<select id="fair-by" name="fair_by"' in html
    assert '<option value="department"' in html and 'name="min_percent"' in html


def test_a_run_with_a_minimum_shows_coverage_and_price(
        signed_in: tuple[TestClient, WebSession]) -> None:
    client, web = signed_in
    plain = client.post("/coordinator/assign", data={"csrf_token": web.csrf})
    assert plain.status_code == 200 and "Price of fairness" not in plain.text
    response = client.post("/coordinator/assign", data={
        "csrf_token": web.csrf, "objective": "best_total", "fair_by": "department",
        "min_percent": "50"}, headers={"hx-request": "true"})
    assert response.status_code == 200, response.text[:500]
    html = unescape(response.text)
    assert "Minimum coverage: 50 % of each department" in html
    assert "<td>Operations</td><td>1</td><td>1</td><td>1</td><td>yes</td>" in html
    assert "Price of fairness: 0." in html and "Price of fairness: 0.000" not in html


@pytest.mark.parametrize(("form", "message"), [
    ({"fair_by": "department", "min_percent": "150"}, "percentage from 0 to 100"),
    ({"fair_by": "department", "min_percent": "half"}, "percentage from 0 to 100"),
    ({"fair_by": "level", "min_percent": "50"}, "cannot group by 'level'"),
])
def test_bad_values_get_a_page_saying_what_to_enter(
        signed_in: tuple[TestClient, WebSession], form: dict[str, str], message: str) -> None:
    client, web = signed_in
    response = client.post("/coordinator/assign", data={"csrf_token": web.csrf, **form})
    assert response.status_code == 422
    assert message in unescape(response.text)
