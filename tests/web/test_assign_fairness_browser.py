"""The assign page's fairness control in Chromium: choose a minimum coverage per department,
run, and read each department's coverage and the price of fairness."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.web.conftest import PROGRAM, Site, shot


def test_run_with_a_minimum_coverage_per_department(site: Site, page: Any) -> None:
    page.goto(site.link("coordinator", "coord-ana"))
    expect(page.get_by_role("heading", name=PROGRAM, exact=True)).to_be_visible()
    page.get_by_role("link", name="Assign", exact=True).click()
    page.get_by_label("Minimum coverage per").select_option(label="Department")
    page.get_by_label("At least this % of each group's mentees").fill("50")
    page.get_by_role("button", name="Run the assignment").click()
    table = page.get_by_role("table", name="Minimum coverage: 50 % of each department")
    expect(table).to_be_visible()
    expect(table.get_by_role("columnheader", name="Met")).to_be_visible()
    expect(page.get_by_text("Price of fairness:", exact=False)).to_be_visible()
    # the form keeps the choice for the next run
    expect(page.get_by_label("Minimum coverage per")).to_have_value("department")
    shot(page, "coordinator-assign-fairness")
