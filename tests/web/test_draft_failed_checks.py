"""In Chromium: a reviewer's edit that fails a check is shown with its failed checks, and
approving it takes an explicit confirmation (without it the page says why, nothing lost)."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import expect

from tests.web.conftest import Site, mentee_of, mentor_of


def test_approving_failed_checks_needs_the_box_ticked(site: Site, page: Any) -> None:
    me, mentor = mentee_of(site), mentor_of(site)
    stranger = next(p["name"] for pid, p in sorted(site.people.items())
                    if pid not in {me, mentor} and p.get("name"))
    page.goto(site.link("mentee", me))
    page.get_by_label("Topic (optional)").fill("failed checks")
    page.get_by_role("button", name="Request questions").click()
    # the first draft of the server process also builds its drafting pipeline (model, index)
    expect(page.get_by_role("button", name="Approve")).to_be_visible(timeout=60_000)

    page.get_by_role("link", name="Edit").click()
    page.get_by_text("Edit as JSON").click()
    page.get_by_label("Content (JSON)").fill(json.dumps({"questions": [
        {"text": f"What would {stranger} say about this ({n})?", "purpose": "Perspective"}
        for n in range(4)]}))
    page.get_by_role("button", name="Save JSON").click()
    expect(page.get_by_role("heading", name=re.compile(r"This version failed \d+ check")
                            )).to_be_visible()

    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("alert")).to_contain_text("confirm that you have read them")
    expect(page.get_by_text("Status:")).to_contain_text("pending review")

    page.get_by_label("I have read the failed checks and approve anyway").check()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("failed check")
    expect(page.get_by_text("Status:")).to_contain_text("approved")
