"""Closing in Chromium (issue 14): the mentee leaves their pairing with the no-fault exit
during the trial period (with a confirmation); the coordinator ends another pairing from the
Closing page with a reason and a note (the confirmation is required), and withdraws a
participant."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Site, mentee_of, run_in_site, running_site, shot


@pytest.fixture(scope="module")
def own_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A site of its own: these tests end pairings."""
    with running_site(tmp_path_factory.mktemp("closing-home")) as running:
        yield running




def _status(site: Site, pairing_id: str) -> dict[str, Any]:
    return run_in_site(site, "from companion.services import pairings\n"
                f"p = pairings.get_pairing(db, {pairing_id!r})\n"
                "print(json.dumps({'status': p.status.value, 'end_reason': p.end_reason, "
                "'end_note': p.end_note}))")


def test_the_mentee_leaves_no_fault_during_the_trial(own_site: Site, page: Any) -> None:
    page.goto(own_site.link("mentee", mentee_of(own_site)))
    expect(page.get_by_role("status")).to_have_text("You are signed in.")
    page.get_by_role("link", name="Leave this pairing (no-fault, trial period)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Leave this pairing")
    page.get_by_label("I confirm I want to leave this pairing.").check()
    page.get_by_role("button", name="Leave this pairing (no-fault, trial period)").click()
    expect(page.get_by_role("status")).to_contain_text("ended")
    pairing = own_site.approved["pairing_id"]  # type: ignore[attr-defined]
    assert _status(own_site, pairing) == {"status": "closed", "end_reason": "no_fault",
                                          "end_note": None}


def test_the_coordinator_ends_a_pairing_and_withdraws_a_participant(own_site: Site,
                                                                     page: Any) -> None:
    approved = run_in_site(own_site, (
        "from companion.services import pairings\n"
        "from companion.domain import PairingStatus\n"
        "p = pairings.list_pairings(db, PROGRAM, PairingStatus.pending)[0]\n"
        "pairings.review(db, p.id, 'approve', by='seed')\n"
        "print(json.dumps({'id': p.id, 'mentee_id': p.mentee_id}))"))
    page.goto(own_site.link("coordinator"))
    expect(page.get_by_role("status")).to_have_text("You are signed in.")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Closing").click()
    row = page.get_by_role("row").filter(has_text=approved["id"])
    row.get_by_role("link", name="End pairing").click()
    page.get_by_label("Reason", exact=True).select_option("completed")
    page.get_by_label("Note for the coordinators").fill("Goals met early")
    shot(page, "closing")
    button = page.get_by_role("button", name="End pairing")
    button.click()  # not confirmed: the browser keeps the form (required checkbox)
    assert _status(own_site, approved["id"])["status"] == "approved"
    page.get_by_label("I confirm").check()
    button.click()
    expect(page.get_by_role("status")).to_contain_text("ended")
    assert _status(own_site, approved["id"]) == {"status": "closed",
                                                 "end_reason": "completed",
                                                 "end_note": "Goals met early"}
    expect(page.get_by_role("region", name="Ended pairings (2)")).to_contain_text("completed")

    page.get_by_label("Participant", exact=True).select_option(approved["mentee_id"])
    page.get_by_label("Reason (for the coordinators)").fill("moved abroad")
    page.get_by_label("I confirm this participant withdraws").check()
    page.get_by_role("button", name="Withdraw").click()
    expect(page.get_by_role("status")).to_contain_text(f"{approved['mentee_id']} withdrew")
