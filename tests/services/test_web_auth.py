"""One-time sign-in links and browser sessions, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from companion.config import Settings
from companion.domain import AccessRole
from companion.errors import BadInputError, NotFoundError
from companion.services import web_auth
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.store import Database
from companion.store.tables import SigninLinkRow, utcnow
from tests import factories


@pytest.fixture
def pilot(any_db: Database, tmp_path: Path) -> Database:
    create_program(any_db, build_program("Pilot", months=12))
    import_participants_file(any_db, "Pilot", factories.write_csv(
        tmp_path / "p.csv", [factories.mentee("e1"), factories.mentor("m1")]),
        skip_invalid=False)
    return any_db


def _secret(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_a_link_makes_one_session_even_clicked_twice_at_once(pilot: Database,
                                                            settings: Settings) -> None:
    link = web_auth.create_link(pilot, settings, participant_id="e1", role="mentee",
                                program="Pilot")
    assert link.url.startswith(settings.public_url + "/sign-in/")
    results: list[object] = []
    barrier = threading.Barrier(4)

    def click() -> None:
        barrier.wait()
        results.append(web_auth.use_link(pilot, settings, _secret(link.url)))

    threads = [threading.Thread(target=click) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sessions = [r for r in results if r is not None]
    assert len(sessions) == 1
    web = sessions[0]
    assert isinstance(web, web_auth.WebSession)
    assert web.principal.role is AccessRole.mentee and web.principal.program == "Pilot"
    assert web.principal.token_id.startswith("web-")
    assert web_auth.session_of(pilot, web.secret) == web
    assert web_auth.csrf_ok(web.secret, web.csrf) and not web_auth.csrf_ok(web.secret, "x")
    web_auth.end_session(pilot, web.secret)
    assert web_auth.session_of(pilot, web.secret) is None


def test_expired_links_and_wrong_holders(pilot: Database, settings: Settings) -> None:
    link = web_auth.create_link(pilot, settings, participant_id="e1", role="mentee",
                                program="Pilot")
    with pilot.session() as session:
        session.execute(update(SigninLinkRow).values(expires_at=utcnow() - timedelta(1)))
    assert web_auth.use_link(pilot, settings, _secret(link.url)) is None
    assert web_auth.use_link(pilot, settings, "nonsense") is None
    with pytest.raises(NotFoundError):
        web_auth.create_link(pilot, settings, participant_id="ghost", role="mentee",
                             program="Pilot")
    with pytest.raises(BadInputError):
        web_auth.create_link(pilot, settings, participant_id="e1", role="mentor",
                             program="Pilot")
