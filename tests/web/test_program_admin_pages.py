"""The coordinator's program settings pages through the test client (no browser): editing
(pre-filled, errors next to the field with a 4xx, the past-start warning after saving),
deleting after typing the name, the organisation chart (records, upload, row errors, a
pairing flagged), and who may open them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from html import unescape

import pytest
from fastapi.testclient import TestClient

from companion.config import Settings
from companion.domain import AccessRole, Pairing
from companion.errors import NotFoundError
from companion.services.org_chart import org_records
from companion.services.participants import import_participants_bytes
from companion.services.programs import build_program, create_program, get_program
from companion.services.tokens import Holder
from companion.services.web_auth import WebSession, start_session
from companion.store import Database, PairingRepository, ProgramRepository
from companion.web.session import COOKIE

START = date.today() + timedelta(days=30)
PEOPLE = b"""id,name,role,manager_id,organization
vp,Val VP,mentor,,Acme
e1,Eve Mentee,mentee,boss,Acme
"""

Client = tuple[TestClient, WebSession]
SignIn = Callable[..., Client]


@pytest.fixture
def sign_in(db: Database, settings: Settings) -> Iterator[SignIn]:
    """A test client signed in as (participant, role, program)."""
    from companion.web.app import create_app

    create_program(db, build_program("Pilot", start=START, host_organization="Acme"))
    report = import_participants_bytes(db, "Pilot", PEOPLE, name="people.csv",
                                       skip_invalid=False, actor="test")
    assert report.imported, report.errors
    with TestClient(create_app(), raise_server_exceptions=False,
                    follow_redirects=False) as test_client:
        def as_(pid: str = "c1", role: AccessRole = AccessRole.coordinator,
                program: str | None = "Pilot") -> Client:
            web = start_session(db, settings, Holder(pid, role, program, None), via="test")
            test_client.cookies.set(COOKIE, web.secret)
            return test_client, web
        yield as_


def _field_error(page: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="e-{field}">([^<]*)</p>', page)
    assert found, f"no error shown next to {field}"
    return unescape(found.group(1))


def _edit(client: Client, **fields: str) -> object:
    test_client, web = client
    form = {"name": "Pilot", "start_date": START.isoformat(), "months": "12",
            "session_minutes": "60", "cadence_weeks": "4", "host_organization": "Acme",
            "default_capacity": "2", **fields}
    return test_client.post("/coordinator/program/edit", data={"csrf_token": web.csrf, **form})


def test_edit_form_is_prefilled_and_linked_from_the_overview(sign_in: SignIn) -> None:
    test_client, _ = sign_in()

    overview = test_client.get("/coordinator")
    form = test_client.get("/coordinator/program/edit")

    assert 'href="/coordinator/program/edit"' in overview.text
    assert 'href="/coordinator/org-chart"' in overview.text
    assert form.status_code == 200
    assert 'name="name" value="Pilot"' in form.text
    assert f'name="start_date" value="{START.isoformat()}"' in form.text
    assert 'name="months" value="12"' in form.text
    assert 'name="host_organization" value="Acme"' in form.text


def test_saving_a_past_start_shows_the_change_and_the_warning(
        sign_in: SignIn, db: Database) -> None:
    past = date.today() - timedelta(days=10)

    saved = _edit(sign_in(), start_date=past.isoformat(), months="6")

    assert saved.status_code == 200, saved.text  # type: ignore[attr-defined]
    page = unescape(saved.text)  # type: ignore[attr-defined]
    assert "Saved" in page and "<td>start date</td>" in page
    assert f"start date {past} is in the past (10 day(s) ago)" in page
    program = get_program(db, "Pilot")
    assert (program.start_date, program.months) == (past, 6)


def test_renaming_keeps_the_coordinator_signed_in(sign_in: SignIn, db: Database) -> None:
    client = sign_in()

    saved = _edit(client, name="Pilot 2027")

    assert saved.status_code == 200  # type: ignore[attr-defined]
    assert "(was Pilot)" in unescape(saved.text)  # type: ignore[attr-defined]
    assert get_program(db, "Pilot 2027").months == 12
    assert client[0].get("/coordinator/program/edit").status_code == 200


@pytest.mark.parametrize(("fields", "field", "status", "fragment"), [
    ({"name": "  "}, "name", 422, "name: String should have at least 1 character"),
    ({"months": "40"}, "months", 422, "months"),
    ({"months": "twelve"}, "months", 422, "'twelve' is not a whole number"),
    ({"start_date": "31/12/2027"}, "start_date", 422, "is not a date; use YYYY-MM-DD"),
    ({"session_minutes": "5"}, "session_minutes", 422, "session_minutes"),
])
def test_bad_edits_show_the_error_next_to_the_field(
        sign_in: SignIn, db: Database, fields: dict[str, str], field: str, status: int,
        fragment: str) -> None:
    refused = _edit(sign_in(), **fields)

    assert refused.status_code == status  # type: ignore[attr-defined]
    assert fragment in _field_error(refused.text, field)  # type: ignore[attr-defined]
    assert "Nothing was saved" in refused.text  # type: ignore[attr-defined]
    assert get_program(db, "Pilot").months == 12 and get_program(db, "Pilot").name == "Pilot"


def test_a_taken_name_is_shown_at_the_name(sign_in: SignIn, db: Database) -> None:
    create_program(db, build_program("Other", start=START))

    refused = _edit(sign_in(), name="Other")

    assert refused.status_code == 409  # type: ignore[attr-defined]
    assert "already exists" in _field_error(refused.text, "name")  # type: ignore[attr-defined]


def test_edit_needs_the_csrf_token(sign_in: SignIn, db: Database) -> None:
    test_client, _ = sign_in()

    refused = test_client.post("/coordinator/program/edit",
                               data={"csrf_token": "forged", "months": "6"})

    assert refused.status_code == 403
    assert get_program(db, "Pilot").months == 12


def test_delete_needs_the_typed_name_then_deletes_and_flashes(
        sign_in: SignIn, db: Database) -> None:
    test_client, web = sign_in("root", AccessRole.admin, None)
    page = test_client.get("/coordinator/program/delete?program=Pilot")
    assert page.status_code == 200 and "2 participants" in page.text

    wrong = test_client.post("/coordinator/program/delete?program=Pilot",
                             data={"csrf_token": web.csrf, "confirm_name": "pilot"})

    assert wrong.status_code == 422 and "Nothing was deleted" in wrong.text
    assert get_program(db, "Pilot").name == "Pilot"

    done = test_client.post("/coordinator/program/delete?program=Pilot",
                            data={"csrf_token": web.csrf, "confirm_name": "Pilot"})

    assert done.status_code == 303 and done.headers["location"] == "/coordinator"
    with pytest.raises(NotFoundError):
        get_program(db, "Pilot")
    landing = test_client.get("/coordinator")  # the client keeps the flash cookie
    assert "Deleted program Pilot with 2 participant(s)" in unescape(landing.text)


def test_a_coordinator_who_deletes_their_program_is_signed_out(sign_in: SignIn,
                                                               db: Database) -> None:
    test_client, web = sign_in()

    done = test_client.post("/coordinator/program/delete",
                            data={"csrf_token": web.csrf, "confirm_name": "Pilot"})

    assert done.status_code == 303 and done.headers["location"] == "/"
    assert "Sign in to Companion" in test_client.get("/").text


@pytest.mark.parametrize("path", ["/coordinator/program/edit", "/coordinator/program/delete",
                                  "/coordinator/org-chart"])
def test_a_mentee_finds_nothing(sign_in: SignIn, path: str) -> None:
    test_client, web = sign_in("e1", AccessRole.mentee)

    assert test_client.get(path).status_code == 404
    assert test_client.post(path, data={"csrf_token": web.csrf, "confirm_name": "Pilot",
                                        "months": "6"}).status_code == 404


def test_another_programs_pages_are_not_found(sign_in: SignIn, db: Database) -> None:
    create_program(db, build_program("Other", start=START))
    test_client, _ = sign_in("c9", AccessRole.coordinator, "Other")

    for path in ("/coordinator/program/edit", "/coordinator/org-chart"):
        assert test_client.get(path).status_code == 200  # their own program
    test_client, _ = sign_in("root", AccessRole.admin, None)
    assert test_client.get("/coordinator/program/edit?program=Nope").status_code == 404


@pytest.mark.parametrize("path", ["/coordinator/program/edit", "/coordinator/program/delete",
                                  "/coordinator/org-chart"])
def test_a_partner_coordinator_is_refused(sign_in: SignIn, db: Database, settings: Settings,
                                          path: str) -> None:
    test_client, _ = sign_in()
    web = start_session(db, settings, Holder("p1", AccessRole.coordinator, "Pilot", "Beta"),
                        via="test")
    test_client.cookies.set(COOKIE, web.secret)

    refused = test_client.get(path)

    assert refused.status_code == 403
    assert "only the host organisation's coordinators" in unescape(refused.text)
    assert "Edit program" not in test_client.get("/coordinator").text


def _upload(client: Client, name: str, data: bytes) -> object:
    test_client, web = client
    return test_client.post("/coordinator/org-chart", data={"csrf_token": web.csrf},
                            files={"file": (name, data, "text/csv")})


def test_org_chart_upload_flags_a_pairing_and_lists_the_line(sign_in: SignIn,
                                                             db: Database) -> None:
    with db.session() as session:
        PairingRepository(session, ProgramRepository(session).row("Pilot")).add(
            Pairing(id="pr-1", program="Pilot", mentee_id="e1", mentor_id="vp", score=0.8))
    client = sign_in()

    done = _upload(client, "org.csv", b"id,name,manager_id\nboss,Bea Boss,big\n"
                                      b"big,Bo Big,vp\nvp,Val VP,\n")

    assert done.status_code == 200, done.text  # type: ignore[attr-defined]
    page = unescape(done.text)  # type: ignore[attr-defined]
    assert "1 created, 1 updated, 0 unchanged; 1 row of participants skipped" in page
    assert "Pairings the reporting lines forbid" in page
    assert ('<td>pr-1</td><td>Eve Mentee <span class="muted">e1</span></td>'
            '<td>Val VP <span class="muted">vp</span></td>') in page
    assert "vp is above e1 in their reporting line (e1 → boss → big → vp)" in page
    assert ('<td>boss</td><td>Bea Boss</td><td>Bo Big <span class="muted">big</span></td>'
            "<td>Bo Big → Val VP</td>") in page
    assert [p.id for p in org_records(db, "Pilot")] == ["big", "boss"]
    again = client[0].get("/coordinator/org-chart")
    assert "Pairings the reporting lines forbid" in again.text


@pytest.mark.parametrize(("name", "data", "fragment"), [
    ("org.csv", b"id,name,manager_id\nx,X,x\n", "<td>2</td><td>manager_id</td><td>'x' is "
                                                "listed as their own manager</td>"),
    ("org.csv", b"name,manager_id\nX,y\n", "required column 'id' is missing"),
    ("org.txt", b"hello", "cannot tell the format of org.txt"),
    ("org.csv", b"", "org.csv is empty."),
])
def test_a_bad_org_chart_is_a_4xx_naming_the_problem(sign_in: SignIn, db: Database, name: str,
                                                      data: bytes, fragment: str) -> None:
    refused = _upload(sign_in(), name, data)

    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert fragment in unescape(refused.text)  # type: ignore[attr-defined]
    assert [p.id for p in org_records(db, "Pilot")] == ["boss"]  # from the participant file


def test_upload_without_a_file_says_so(sign_in: SignIn) -> None:
    test_client, web = sign_in()

    refused = test_client.post("/coordinator/org-chart", data={"csrf_token": web.csrf})

    assert refused.status_code == 422 and "Choose an organisation chart file" in refused.text
