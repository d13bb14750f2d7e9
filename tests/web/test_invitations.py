"""Invitations from the coordinator's page, in Chromium: the coordinator ticks people and sends;
with the `file` mail backend an .eml appears for each person with an e-mail address, people
without one are named on the page, and the link in the message signs its recipient in.

This module runs its own server (the shared `site` has the default console backend)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.web.conftest import PROGRAM, ROOT, Site, running_site, shot

pytestmark = pytest.mark.browser
NO_EMAIL = "Pat Nomail"


def _add_person_without_email(env: dict[str, str], home: Path) -> None:
    script = f"""
from companion import embeddings
from companion.embeddings import HashingEmbedder
embeddings.get_embedder = lambda s: HashingEmbedder()
from companion.config import get_settings
from companion.services.participants import import_participants_file
from companion.store import get_database
path = get_settings().ensure_home() / "no-email.csv"
path.write_text("id,name,role,organization,languages\\nzz-nomail,{NO_EMAIL},mentee,,en\\n")
report = import_participants_file(get_database(get_settings()), {PROGRAM!r}, path,
                                  skip_invalid=False)
assert report.imported, report.errors
"""
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="module")
def mail_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("invite-home")
    with running_site(home, before=lambda env: _add_person_without_email(env, home),
                      COMPANION_MAIL_BACKEND="file") as running:
        yield running


def _emls(home: Path, at_least: int) -> list[Path]:
    deadline = time.monotonic() + 15  # delivery runs right after the request, in a thread
    while True:
        found = sorted((home / "outbox").glob("*.eml"))
        if len(found) >= at_least or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_a_coordinator_invites_and_the_emailed_link_signs_the_participant_in(
        mail_site: Site, page: Any, browser: Any) -> None:
    mentee = next(p for p in mail_site.people.values() if p["role"] == "mentee"
                  and p.get("email"))
    page.goto(mail_site.link("coordinator", "coord"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invite").click()
    expect(page.get_by_role("heading", name="Invite participants")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(NO_EMAIL))).to_contain_text("no e-mail")
    page.get_by_role("checkbox", name=f"Invite {mentee['name']}").check()
    page.get_by_role("checkbox", name=f"Invite {NO_EMAIL}").check()
    page.get_by_role("button", name="Send invitations").click()
    status = page.get_by_role("status").filter(has_text="invitations")
    expect(status).to_contain_text(f"Sent invitations to 1 person: {mentee['name']}.")
    expect(status).to_contain_text(
        f"Skipped 1 without an e-mail address: {NO_EMAIL} — add their addresses")
    shot(page, "invite")
    assert "/sign-in/" not in page.content()  # the coordinator never sees the link

    [eml] = _emls(mail_site.home, 1)
    page.reload()  # safe: the page after sending is a GET; the outbox has sent it meanwhile
    expect(page.get_by_role("row", name=re.compile(mentee["name"]))).to_contain_text("sent ")
    expect(page.get_by_role("row", name=re.compile(NO_EMAIL))).to_contain_text("not invited")
    assert len(_emls(mail_site.home, 1)) == 1  # reloading sent nothing again
    message = message_from_bytes(eml.read_bytes())
    assert message["To"] == mentee["email"]
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert mentee["name"] in body and PROGRAM in body
    link = re.search(r"(http://\S+/sign-in/\S+)", body)
    assert link and link.group(1).startswith(mail_site.url)

    their = browser.new_context()  # the participant's own browser
    try:
        tab = their.new_page()
        tab.goto(link.group(1))
        expect(tab.get_by_role("status").first).to_have_text("You are signed in.")
        assert tab.url.endswith("/mentee")
        again = httpx.get(link.group(1), follow_redirects=False)
        assert again.status_code == 400  # the link worked once
    finally:
        their.close()


def test_a_mentee_cannot_open_the_invitation_page(mail_site: Site, page: Any) -> None:
    mentee = str(mail_site.approved["mentee_id"])  # type: ignore[attr-defined]
    page.goto(mail_site.link("mentee", mentee))
    response = page.goto(f"{mail_site.url}/coordinator/invite")
    assert response is not None and response.status in (403, 404)
    expect(page.get_by_role("button", name="Send invitations")).to_have_count(0)


def test_sending_with_nobody_chosen_says_so(mail_site: Site, page: Any) -> None:
    page.goto(mail_site.link("coordinator", "coord"))
    page.goto(f"{mail_site.url}/coordinator/invite")
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_role("alert")).to_contain_text("choose at least one participant")


def test_inviting_everyone_with_an_email_address(mail_site: Site, page: Any) -> None:
    with_email = sum(1 for p in mail_site.people.values() if p.get("email"))
    before = len(_emls(mail_site.home, 0))
    page.goto(mail_site.link("coordinator", "coord"))
    page.goto(f"{mail_site.url}/coordinator/invite")
    page.get_by_role("button", name="Invite everyone with an e-mail address").click()
    expect(page.get_by_role("status").filter(has_text="invitations")).to_contain_text(
        f"Sent invitations to {with_email} people")
    assert len(_emls(mail_site.home, before + with_email)) == before + with_email


def test_an_admin_invites_in_the_program_they_name(mail_site: Site, page: Any) -> None:
    page.goto(mail_site.link("admin", "root", program=None))
    page.goto(f"{mail_site.url}/coordinator/invite?program={PROGRAM}")
    expect(page.get_by_role("heading", name="Invite participants")).to_be_visible()
    page.get_by_role("checkbox", name=f"Invite {NO_EMAIL}").check()
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_role("status").filter(has_text="invitations")).to_contain_text(
        f"Skipped 1 without an e-mail address: {NO_EMAIL} — add their addresses")
