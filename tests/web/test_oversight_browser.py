"""Nudges, the coordinators' queue and the dashboard in Chromium: after a lapse the mentee
sees the reminder on their home page and marks it read; the coordinator sees the pair under
"Pairs that need you" on the overview, opens the dashboard with its bar charts and downloads
the HR export."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import PROGRAM, ROOT, Site, mentee_of, running_site, shot


@pytest.fixture(scope="module")
def own_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with running_site(tmp_path_factory.mktemp("oversight-home")) as running:
        yield running


def _nudge_in_60_days(site: Site) -> list[dict[str, Any]]:
    script = f"""
import json
from datetime import UTC, datetime, timedelta
from companion.config import get_settings
from companion.domain.clock import FixedClock
from companion.services.nudges import run_nudges
from companion.store import get_database
run = run_nudges(get_database(get_settings()), {PROGRAM!r},
                 clock=FixedClock(datetime.now(UTC) + timedelta(days=60)))
print(json.dumps(run.json()["nudges"]))
"""
    done = subprocess.run([sys.executable, "-c", script], env=site.env, capture_output=True,
                          text=True, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    found: list[dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_reminders_the_queue_and_the_dashboard(own_site: Site, page: Any) -> None:
    site = own_site
    mentee = mentee_of(site)
    sent = _nudge_in_60_days(site)
    # the lapse nudge and the queue, and the first pulse check-in (due 30 days after approval)
    assert {n["kind"] for n in sent} == {"nudge", "coordinator_queue", "checkin_due"}

    page.goto(site.link("mentee", mentee))
    reminders = page.get_by_role("region", name="Reminders")
    expect(reminders).to_contain_text("time to plan the next session")
    expect(reminders).to_contain_text("Please answer your check-in")
    expect(reminders).to_contain_text("2 new")
    shot(page, "mentee-reminders")
    reminders.get_by_role("button", name="Mark as read").first.click()
    expect(page.get_by_role("status")).to_have_text("Marked as read.")
    expect(page.get_by_role("region", name="Reminders")).to_contain_text("1 new")
    page.get_by_role("region", name="Reminders").get_by_role("button",
                                                             name="Mark as read").click()
    expect(page.get_by_role("region", name="Reminders")).not_to_contain_text("new")

    page.goto(site.link("coordinator", "coord-ana"))
    queue = page.get_by_role("region", name="Pairs that need you")
    expect(queue).to_contain_text(str(site.approved["pairing_id"]))  # type: ignore[attr-defined]
    page.get_by_role("navigation").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.get_by_role("img", name="Pairs by health")).to_be_visible()
    expect(page.get_by_role("img", name="Meetings held per pair, by month")).to_be_visible()
    expect(page.get_by_role("table", name="By department")).to_be_visible()
    shot(page, "coordinator-dashboard")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the export (CSV)").click()
    path = info.value.path()
    rows = list(csv.DictReader(io.StringIO(open(path, encoding="utf-8-sig").read())))
    assert [r["pairing_id"] for r in rows] == [site.approved["pairing_id"]]  # type: ignore[attr-defined]
