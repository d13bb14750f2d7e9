"""Goals and check-ins in Chromium: the mentee tracks the approved goals draft, records
progress with evidence, readjusts a goal (the earlier version listed), answers a due check-in
(a missing rating is named at its field, what was typed kept); the coordinator's summary
counts the answer but shows neither its rating nor its text (fewer than 3 respondents), nor
the goal's statement or evidence — only completion counts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Site, mentee_of, run_in_site, running_site, shot

STATEMENT = "Delegate the weekly status report"
EVIDENCE = "Handed the report to Priya this week"
COMMENT = "Our talks are the highlight of my month"


@pytest.fixture(scope="module")
def own_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A site of its own: the pairing's approval date is moved back to make a check-in due."""
    with running_site(tmp_path_factory.mktemp("goals-home")) as running:
        yield running




def _seed(site: Site) -> None:
    """An approved goals draft of the mentee, and the pairing approved 31 days ago."""
    pairing_id, mentee = site.approved["pairing_id"], mentee_of(site)  # type: ignore[attr-defined]
    content = {"goals": [{"statement": STATEMENT, "specific": "Two people take it over",
                          "time_bound": "2099-06-30",
                          "evaluated": [{"date": "2099-03-01", "check": "Review hours"}]}]}
    run_in_site(site, f"""
from datetime import UTC, datetime, timedelta
from companion.domain import Draft, DraftKind, DraftStatus
from companion.store import DraftRepository, ProgramRepository
from companion.store.tables import PairingRow
with db.session(write=True) as session:
    DraftRepository(session, ProgramRepository(session).row(PROGRAM)).add(Draft(
        id="dr-browsergoals", program=PROGRAM, kind=DraftKind.goals, participant_id={mentee!r},
        status=DraftStatus.approved, generator="test", content={content!r}), author={mentee!r})
    session.get_one(PairingRow, {pairing_id!r}).approved_at = (
        datetime.now(UTC) - timedelta(days=31))
print(json.dumps("ok"))
""")


def test_mentee_updates_a_goal_and_checks_in_coordinator_sees_counts_only(
        own_site: Site, page: Any) -> None:
    site = own_site
    _seed(site)
    page.goto(site.link("mentee", mentee_of(site)))
    expect(page.get_by_role("status")).to_have_text("You are signed in.")

    # goals: track the approved draft, record progress, readjust
    page.get_by_role("link", name="Goals", exact=True).click()
    expect(page.get_by_role("heading", name="Your goals", level=1)).to_be_visible()
    page.get_by_role("button", name="Track these goals").click()
    expect(page.get_by_role("status")).to_have_text("1 goal(s) tracked.")
    goal = page.locator("article.goal")
    expect(goal.get_by_role("heading", name=STATEMENT)).to_be_visible()
    goal.get_by_label("Status").select_option("on_track")
    goal.get_by_label("Evidence").fill(EVIDENCE)
    goal.get_by_role("button", name="Record progress").click()
    expect(page.get_by_role("status")).to_have_text("Progress recorded.")
    expect(page.locator("article.goal .updates")).to_contain_text(EVIDENCE)
    page.get_by_text("Readjust this goal").click()
    page.get_by_label("New statement").fill("Delegate one report first")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_role("status")).to_contain_text("version 2")
    expect(page.locator("article.goal h3")).to_have_text("Delegate one report first")
    page.get_by_text("Earlier versions (1)").click()
    expect(page.locator("article.goal .history")).to_contain_text(STATEMENT)
    shot(page, "goals")

    # the due check-in: no rating is named at its field, the text kept; then sent
    page.get_by_role("link", name="Check-ins", exact=True).click()
    expect(page.get_by_role("heading", name="Your check-ins", level=1)).to_be_visible()
    form = page.locator("form.checkin")
    expect(form.get_by_role("heading")).to_contain_text("Pulse check-in")
    form.get_by_label("Meetings per month").fill("2")
    form.get_by_label("Anything else? (optional)").fill(COMMENT)
    shot(page, "checkin")
    form.get_by_role("button", name="Send check-in").click()
    expect(page.get_by_role("alert")).to_contain_text("rating (1–5) is required")
    expect(form.get_by_label("Anything else? (optional)")).to_have_value(COMMENT)
    form.get_by_label("4").check()
    form.get_by_role("button", name="Send check-in").click()
    expect(page.get_by_role("status")).to_have_text("Thank you: your check-in is in.")
    expect(page.get_by_text("No check-in is due.")).to_be_visible()

    # the coordinator: the count, not the answer, not the goal
    page.goto(site.link("coordinator"))
    page.get_by_role("link", name="Check-ins", exact=True).click()
    expect(page.get_by_role("heading", name="Check-ins and goals", level=1)).to_be_visible()
    overall = page.locator("#scores-overall tbody tr")
    expect(overall.locator(".responses")).to_have_text("1")
    expect(overall).to_contain_text("fewer than 3 respondents")
    expect(page.locator("#comments-hidden")).to_be_visible()
    pairing_id = site.approved["pairing_id"]  # type: ignore[attr-defined]
    expect(page.locator(f"#completion-{pairing_id}")).to_contain_text("1")
    body = page.locator("body").inner_text()
    for private in (COMMENT, EVIDENCE, STATEMENT, "Delegate one report first"):
        assert private not in body
    shot(page, "coordinator-checkins")


def test_the_pages_are_each_audiences_own(own_site: Site, page: Any) -> None:
    site = own_site
    page.goto(site.link("mentee", mentee_of(site)))
    expect(page.get_by_role("status")).to_have_text("You are signed in.")
    assert page.goto(f"{site.url}/coordinator/checkins").status == 404
    page.goto(site.link("coordinator"))
    expect(page.get_by_role("status")).to_have_text("You are signed in.")
    for path in ("/goals", "/checkins"):
        assert page.goto(f"{site.url}{path}").status == 404
