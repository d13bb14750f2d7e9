"""The program settings pages in Chromium: a coordinator edits their program and sees the new
dates (with the past-start warning), an admin deletes a program after typing its name, and
an organisation chart upload flags a pairing that breaks the reporting-line rule.

This module runs its own server: editing and deleting programs would disturb the shared
`site` the other modules use."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import PROGRAM, ROOT, Site, running_site, shot

pytestmark = pytest.mark.browser

_PRELUDE = """
import json
from datetime import date, timedelta
from companion.config import get_settings
from companion.domain import Pairing
from companion.services.participants import import_participants_bytes
from companion.services.programs import build_program, create_program, get_program
from companion.store import PairingRepository, ProgramRepository, get_database
db = get_database(get_settings())
"""


def services(site: Site, script: str) -> Any:
    """Run `script` against the site's database in another process; its answer is the last
    line of stdout, as JSON."""
    done = subprocess.run([sys.executable, "-c", _PRELUDE + script], env=site.env,
                          capture_output=True, text=True, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def new_program(site: Site, prefix: str) -> str:
    name = f"{prefix} {uuid.uuid4().hex[:5]}"
    services(site, f"""
create_program(db, build_program({name!r}, start=date.today() + timedelta(days=14)))
report = import_participants_bytes(db, {name!r}, b"id,name,role\\nm1,Mo Mentor,mentor\\n"
                                   b"e1,Em Mentee,mentee\\n", name="p.csv",
                                   skip_invalid=False, actor="test")
assert report.imported, report.errors
print("{{}}")
""")
    return name


@pytest.fixture(scope="module")
def admin_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with running_site(tmp_path_factory.mktemp("program-admin-home")) as running:
        yield running


def test_a_coordinator_edits_the_program_and_sees_the_change(admin_site: Site,
                                                              page: Any) -> None:
    name = new_program(admin_site, "Edit me")
    past = date.today() - timedelta(days=20)
    page.goto(admin_site.link("coordinator", "coord-ed", program=name))
    page.get_by_role("link", name="Edit program").click()
    expect(page.get_by_role("heading", name="Edit program")).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value(name)
    expect(page.get_by_label("Length in months (3–36)")).to_have_value("12")

    page.get_by_label("Length in months (3–36)").fill("40")  # refused next to the field
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("alert").first).to_contain_text("Nothing was saved")
    expect(page.get_by_label("Length in months (3–36)")).to_have_attribute(
        "aria-invalid", "true")
    expect(page.get_by_text("months: Input should be less than or equal to 36")).to_be_visible()

    page.get_by_label("Length in months (3–36)").fill("6")
    page.get_by_label("Start date").fill(past.isoformat())
    page.get_by_label("Session length in minutes (15–240)").fill("45")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name="Saved")).to_be_visible()
    expect(page.get_by_role("row", name="months 12 6")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(f"start date {past} is in the past")
    shot(page, "program-edit")

    page.get_by_role("link", name="← Overview").click()
    end = services(admin_site, f"print(json.dumps(get_program(db, {name!r}).end_date"
                               ".isoformat()))")
    expect(page.get_by_text(f"{past.isoformat()} to {end}")).to_be_visible()


def test_an_admin_deletes_a_program_after_typing_its_name(admin_site: Site,
                                                          page: Any) -> None:
    name = new_program(admin_site, "Delete me")
    page.goto(admin_site.link("admin", "admin-ops", program=None))
    page.get_by_role("link", name=name).click()
    page.get_by_role("link", name="Delete program").click()
    expect(page.get_by_role("heading", name=f"Delete {name}")).to_be_visible()
    expect(page.get_by_role("region", name="What would be deleted for good")).to_contain_text(
        "2 participants")
    shot(page, "program-delete")

    page.get_by_label("Type the program's name").fill(name.upper())
    page.get_by_role("button", name="Delete this program").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was deleted")

    page.get_by_label("Type the program's name").fill(name)
    page.get_by_role("button", name="Delete this program").click()
    expect(page.get_by_role("heading", name="Choose a program")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(
        f"Deleted program {name} with 2 participant(s)")
    expect(page.get_by_role("link", name=name)).to_have_count(0)
    expect(page.get_by_role("link", name=PROGRAM)).to_be_visible()


def test_an_org_chart_upload_flags_a_pairing(admin_site: Site, page: Any,
                                             tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:5]
    mentee, mentor, boss = f"oc-e-{tag}", f"oc-m-{tag}", f"oc-boss-{tag}"
    services(admin_site, f"""
people = json.dumps([
    {{"id": {mentor!r}, "name": "Vera Senior", "role": "mentor", "level": 8}},
    {{"id": {mentee!r}, "name": "Ola Junior", "role": "mentee", "manager_id": {boss!r}}}])
report = import_participants_bytes(db, {PROGRAM!r}, people.encode(), name="p.json",
                                   skip_invalid=False, actor="test")
assert report.imported, report.errors
with db.session() as session:
    PairingRepository(session, ProgramRepository(session).row({PROGRAM!r})).add(Pairing(
        id="pr-{tag}", program={PROGRAM!r}, mentee_id={mentee!r}, mentor_id={mentor!r},
        score=0.7))
print("{{}}")
""")
    chart = tmp_path / "org-chart.csv"
    chart.write_text(f"id,name,manager_id\n{boss},Bea Boss,{mentor}\n"
                     f"{mentor},Vera Senior,\n")
    page.goto(admin_site.link("coordinator", "coord-oc"))
    page.get_by_role("link", name="Organisation chart").click()
    expect(page.get_by_role("heading", name="Organisation chart", exact=True)).to_be_visible()
    page.get_by_label("Organisation chart file").set_input_files(str(chart))
    page.get_by_role("button", name="Upload").click()

    expect(page.get_by_role("status")).to_contain_text("1 row of participants skipped")
    flagged = page.get_by_role("table", name="Pairings the reporting lines forbid")
    row = flagged.get_by_role("row").filter(has_text=f"pr-{tag}")
    expect(row).to_contain_text(f"{mentor} is above {mentee} in their reporting line "
                                f"({mentee} → {boss} → {mentor})")
    records = page.get_by_role("table", name="Organisation records")
    expect(records.get_by_role("row").filter(has_text=boss)).to_contain_text("Bea Boss")
    shot(page, "org-chart")
