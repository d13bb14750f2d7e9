"""A program whose profiles are not read yet (just imported, first run): the coordinator's
overview shows how far the reading is, updates itself, and opens when it is done — instead
of a page that hangs for the 10-20 s the model takes on a first run (issue 16)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import PROGRAM, running_site, shot

pytestmark = pytest.mark.browser


def test_a_program_not_yet_read_shows_progress_then_opens(tmp_path: Path, browser: Any
                                                          ) -> None:
    with running_site(tmp_path / "home", factory="tests.web.app_factory:create_slow") as site:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            page.goto(site.link("coordinator", "coord-ana"))
            status = page.get_by_role("status").filter(has_text="profiles")
            expect(status).to_contain_text("Reading the program's profiles")
            counts = page.locator(".preparing-count")
            expect(counts).to_have_text(re.compile(r"^\d+ of \d+ read$"))
            first = int(counts.inner_text().split()[0])
            total = int(counts.inner_text().split()[2])
            assert 0 <= first < total
            shot(page, "coordinator-preparing")
            # it moves on by itself (htmx polls) ...
            expect(counts).not_to_have_text(f"{first} of {total} read")
            # ... and the overview opens when every text is read, without a click
            expect(page.get_by_role("region", name="Coverage")).to_be_visible(timeout=60_000)
            expect(page.get_by_role("heading", name=PROGRAM, exact=True)).to_be_visible()
            # the next visit finds the vectors cached: straight to the overview
            page.reload()
            expect(page.get_by_role("region", name="Coverage")).to_be_visible()
            expect(page.get_by_text("Reading the program's profiles")).to_have_count(0)
        finally:
            context.close()
