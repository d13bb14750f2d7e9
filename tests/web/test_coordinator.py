"""The coordinator's pages in Chromium: the overview with why people are unmatched, importing
(errors first, nothing imported), running the assignment, reviewing pairings one by one and in
bulk (a hard rule still refuses one), the CSV export, the audit log, and a mentee who probes
the pages seeing only 'Not found'."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from companion.web.routes import coordinator
from tests.web.conftest import PROGRAM, ROOT, SHOTS, Site, mentee_of, mentor_of, shot

#: Read when the module loads: the autouse `companion_home` fixture drops every COMPANION_*
#: variable before each test, so `shot` alone never sees COMPANION_SCREENSHOTS=1 there.
_SCREENSHOTS = os.environ.get("COMPANION_SCREENSHOTS") == "1"


def snap(page: Any, name: str, *, full_page: bool = True) -> None:
    """`shot`, honouring COMPANION_SCREENSHOTS=1 as it was when the tests started;
    `full_page=False` for long pages (the queue): what the first screen shows."""
    if _SCREENSHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)
    else:
        shot(page, name)

_PRELUDE = f"""
import json, sys
from companion import embeddings
from companion.embeddings import HashingEmbedder
embeddings.get_embedder = lambda s: HashingEmbedder()
from companion.config import get_settings
from companion.domain import PairingStatus
from companion.services import matching, pairings
from companion.services.participants import import_participants_bytes, list_participants
from companion.store import get_database
db = get_database(get_settings())
PROGRAM = {PROGRAM!r}
def add(records):
    data = json.dumps(records).encode()
    report = import_participants_bytes(db, PROGRAM, data, name="x.json", skip_invalid=False,
                                       actor="test")
    assert report.imported, report.errors
"""


def services(site: Site, script: str) -> Any:
    """Run `script` against the site's database (as the CLI would, in another process);
    it leaves its answer as JSON on the last line of stdout."""
    done = subprocess.run([sys.executable, "-c", _PRELUDE + script], env=site.env,
                          capture_output=True, text=True, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def sign_in(site: Site, page: Any) -> None:
    page.goto(site.link("coordinator", "coord-ana"))
    expect(page.get_by_role("heading", name=PROGRAM, exact=True)).to_be_visible()


def assign(site: Site) -> Any:
    return services(site, """
result = matching.assign(db, PROGRAM, HashingEmbedder(), actor="test").json()
print(json.dumps(result))
""")


def test_overview_shows_coverage_and_why_someone_is_unmatched(site: Site, page: Any) -> None:
    lonely = f"mx-{uuid.uuid4().hex[:6]}"
    services(site, f"""
add([{{"id": {lonely!r}, "name": "Lone Speaker", "role": "mentee", "languages": "tlh",
       "goals": "Lead a team through change"}}])
print("{{}}")
""")
    sign_in(site, page)
    coverage = page.get_by_role("region", name="Coverage")
    expect(coverage).to_contain_text("Matched")
    expect(coverage).to_contain_text("Unmatched")
    expect(page.get_by_text("now in the launch phase")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=lonely)
    expect(row).to_contain_text("no shared language")
    expect(page.get_by_role("link", name="pairings to review", exact=False)).to_be_visible()
    snap(page, "coordinator-overview")


def test_import_shows_row_errors_and_imports_nothing_then_imports_the_fix(
        site: Site, page: Any, tmp_path: Path) -> None:
    good, bad = f"imp-{uuid.uuid4().hex[:6]}", f"imp-{uuid.uuid4().hex[:6]}"
    path = tmp_path / "people.csv"
    path.write_text("id,name,role,languages,capacity,favourite_colour\n"
                    f"{good},Ada Import,mentee,en,,green\n"
                    f"{bad},Bo Import,boss,en,,blue\n")
    sign_in(site, page)
    page.get_by_role("link", name="Import").click()
    # a file of no known format: said plainly, and the person's choice is kept
    notes = tmp_path / "people.txt"
    notes.write_text("not a table")
    skip = page.get_by_label("Skip invalid rows (import the valid ones)")
    skip.check()
    page.get_by_label("Participant file").set_input_files(str(notes))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("cannot tell the format of people.txt")
    expect(skip).to_be_checked()
    skip.uncheck()
    page.get_by_label("Participant file").set_input_files(str(path))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", name="Nothing was imported")).to_be_visible()
    problem = page.get_by_role("row").filter(has_text="role")
    expect(problem.get_by_role("cell").first).to_have_text("3")  # the spreadsheet's line 3
    expect(page.get_by_role("list", name="Worth knowing")).to_contain_text("favourite_colour")
    expect(page.get_by_label("Skip invalid rows (import the valid ones)")).not_to_be_checked()
    snap(page, "coordinator-import-errors")
    known = services(site, "print(json.dumps([p.id for p in list_participants(db, PROGRAM)]))")
    assert good not in known and bad not in known

    path.write_text(path.read_text().replace(",boss,", ",mentor,").replace(",,blue", ",1,blue"))
    page.get_by_label("Participant file").set_input_files(str(path))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("status")).to_have_text("2 created, 0 updated, 0 unchanged.")
    known = services(site, "print(json.dumps([p.id for p in list_participants(db, PROGRAM)]))")
    assert good in known and bad in known


def test_an_hr_export_is_imported_after_confirming_its_columns(
        site: Site, page: Any, tmp_path: Path) -> None:
    ids = ["hr-jgross", "hr-rfassbender"]  # letters only: other tests look for status codes
    path = tmp_path / "hr.csv"
    path.write_bytes(("Personalnummer;Vollständiger Name;Rolle;Stufe;Sprachen\n"
                      f"{ids[0]};Jürgen Groß;Mentor;Stufe 6;Deutsch\n"
                      f"{ids[1]};Renée Faßbender;Mentee;Stufe 3;Deutsch\n").encode("cp1252"))
    sign_in(site, page)
    page.get_by_role("link", name="Import").click()
    page.get_by_label("Participant file").set_input_files(str(path))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Check how hr.csv was read")).to_be_visible()
    columns = page.get_by_role("table", name="Columns of hr.csv")
    expect(columns.get_by_role("row").filter(has_text="Personalnummer")).to_contain_text("id")
    expect(columns.get_by_role("row").filter(has_text="Stufe")).to_contain_text("level")
    expect(page.get_by_text("Read as Windows-1252, semicolon-separated.")).to_be_visible()
    known = services(site, "print(json.dumps([p.id for p in list_participants(db, PROGRAM)]))")
    assert not set(ids) & set(known)  # nothing imported before the confirmation
    snap(page, "coordinator-import-confirm")
    page.get_by_role("button", name="Import with these columns").click()
    expect(page.get_by_role("status")).to_have_text("2 created, 0 updated, 0 unchanged.")
    names = services(site, "print(json.dumps({p.id: p.name for p in "
                           "list_participants(db, PROGRAM)}))")
    assert [names[i] for i in ids] == ["Jürgen Groß", "Renée Faßbender"]


def test_run_the_assignment_and_review_pairings(site: Site, page: Any) -> None:
    sign_in(site, page)
    page.get_by_role("link", name="Assign", exact=True).click()
    page.get_by_label("Most people matched").check()
    held: list[Any] = []  # the run is held back until the test has seen the button disabled
    page.route("**/coordinator/assign", lambda route: held.append(route))
    run = page.get_by_role("button", name="Run the assignment")
    run.click()
    expect(run).to_be_disabled()
    expect(page.get_by_text("Running… this can take a few seconds.")).to_be_visible()
    held[0].continue_()
    page.unroute("**/coordinator/assign")
    expect(page.get_by_role("heading", name="Result")).to_be_visible()
    expect(run).to_be_enabled()
    expect(page.get_by_text("pairings proposed", exact=False)).to_be_visible()
    snap(page, "coordinator-assign")
    page.get_by_role("link", name="Review the proposed pairings").click()
    expect(page.get_by_role("heading", name="Pairings to review")).to_be_visible()
    cards = page.get_by_role("article")
    first, second = cards.nth(0), cards.nth(1)
    expect(first.get_by_role("heading", name="Why this pairing")).to_be_visible()
    expect(first.get_by_role("list", name="Why this pairing").get_by_role("listitem").first
           ).not_to_be_empty()
    expect(first).to_contain_text("Score components:")
    expect(first).to_contain_text("Runner-up:")
    expect(first.get_by_role("heading", name="Goals")).to_be_visible()
    expect(first.get_by_role("heading", name="Expertise")).to_be_visible()
    snap(page, "coordinator-pairings", full_page=False)
    first_name = first.get_by_role("heading", level=2).inner_text()
    second_name = second.get_by_role("heading", level=2).inner_text()

    first.get_by_role("button", name="Approve").click()
    decided = page.get_by_role("article", name=first_name)
    expect(decided.get_by_role("status")).to_have_text(f"Approved: {first_name}.")

    card = page.get_by_role("article", name=second_name)
    card.get_by_role("button", name="Reject").click()  # the reason is required first
    expect(card.get_by_role("button", name="Reject")).to_be_visible()
    card.get_by_label("Reason").fill("They worked together for years")
    card.get_by_role("button", name="Reject").click()
    expect(page.get_by_role("article", name=second_name).get_by_role("status")).to_have_text(
        f"Rejected: {second_name}.")
    third = page.get_by_role("article").nth(2)
    third_name = third.get_by_role("heading", level=2).inner_text()
    third.get_by_role("button", name="Swap").click()  # to the runner-up, chosen already
    expect(page.get_by_role("article", name=third_name).get_by_role("status")).to_contain_text(
        f"Swapped: {third_name} is replaced by")
    # after a reload none of them is waiting any more as it was
    page.reload()
    for name in (first_name, second_name, third_name):
        expect(page.get_by_role("article", name=name)).to_have_count(0)


def test_drafts_page_lists_what_the_coordinator_may_see(site: Site, page: Any) -> None:
    sign_in(site, page)
    page.get_by_role("link", name="Drafts", exact=True).click()
    expect(page.get_by_role("heading", name="Drafts", level=1)).to_be_visible()
    links = page.get_by_role("main").get_by_role("link")
    for href in links.evaluate_all("els => els.map(e => e.getAttribute('href'))"):
        assert href.startswith(("/drafts/", "/coordinator/drafts"))


def test_decisions_work_without_javascript_and_a_stale_one_says_so(
        site: Site, browser: Any) -> None:
    assign(site)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(site, page)
        page.goto(f"{site.url}/coordinator/pairings")
        card = page.get_by_role("article").filter(
            has=page.get_by_role("button", name="Lock")).first
        name = card.get_by_role("heading", level=2).inner_text()
        pairing_id = (card.get_attribute("id") or "").removeprefix("pairing-")
        card.get_by_role("button", name="Lock").click()
        expect(page.get_by_role("status")).to_have_text(f"Locked: {name}.")
        # someone else decides the next one while this page is open
        card = page.locator(f"article:not(#pairing-{pairing_id})").first
        other = (card.get_attribute("id") or "").removeprefix("pairing-")
        services(site, f"pairings.review(db, {other!r}, 'lock', by='elsewhere')\nprint('{{}}')")
        card.get_by_role("button", name="Approve").click()
        expect(page.get_by_role("status")).to_contain_text("decided this pairing meanwhile")
        # the conflict reads as words, never as a bare status code
        assert not re.search(r"\b409\b", page.locator("main").inner_text())
    finally:
        context.close()


def test_a_stale_decision_in_place_says_so_and_offers_a_reload(site: Site, page: Any) -> None:
    assign(site)
    sign_in(site, page)
    page.goto(f"{site.url}/coordinator/pairings")
    card = page.get_by_role("article").first
    name = card.get_by_role("heading", level=2).inner_text()
    pairing_id = (card.get_attribute("id") or "").removeprefix("pairing-")
    services(site, f"pairings.review(db, {pairing_id!r}, 'lock', by='elsewhere')\nprint('{{}}')")
    card.get_by_role("button", name="Approve").click()
    decided = page.get_by_role("article", name=name)
    expect(decided.get_by_role("status")).to_contain_text(
        f"Not approved: {name}. Someone decided this pairing meanwhile")
    decided.get_by_role("link", name="Reload the queue").click()
    expect(page.get_by_role("article", name=name).get_by_text("locked")).to_be_visible()


def test_bulk_approval_checks_every_rule_per_pairing(site: Site, page: Any) -> None:
    # a mentor with two pending proposals whose capacity then drops to what they hold + 1:
    # approving both would break the capacity rule, so the second is refused
    plan = services(site, """
from collections import Counter
result = matching.assign(db, PROGRAM, HashingEmbedder(), actor="test")
proposed = Counter(p.mentor_id for p in result.assignments)
mentor = next(m for m, n in proposed.most_common() if n >= 2)
held = [p for p in pairings.list_pairings(db, PROGRAM) if p.mentor_id == mentor
        and p.status in (PairingStatus.approved, PairingStatus.active)]
person = next(p for p in list_participants(db, PROGRAM) if p.id == mentor)
record = person.model_dump(mode="json", exclude_none=True)
record["capacity"] = len(held) + 1
add([record])
same = [p.id for p in result.assignments if p.mentor_id == mentor][:2]
other = next(p.id for p in result.assignments if p.mentor_id != mentor)
print(json.dumps({"same": same, "other": other}))
""")
    sign_in(site, page)
    page.goto(f"{site.url}/coordinator/pairings")
    labels = []
    for pid in [*plan["same"], plan["other"]]:
        card = page.locator(f"#pairing-{pid}")
        labels.append(card.get_by_role("heading", level=2).inner_text())
        page.get_by_role("checkbox", name=f"Select {labels[-1]}").check()
    page.get_by_role("button", name="Approve selected").click()
    expect(page.get_by_role("heading", name="Bulk approval")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("2 of 3 approved")
    rows = page.get_by_role("row")
    expect(rows.filter(has_text=labels[0])).to_contain_text("approved")
    expect(rows.filter(has_text=labels[2])).to_contain_text("approved")
    expect(rows.filter(has_text=labels[1])).to_contain_text("refused:")
    expect(rows.filter(has_text=labels[1])).to_contain_text("capacity")
    snap(page, "coordinator-bulk")


def test_export_lists_the_pairings_as_csv(site: Site, page: Any) -> None:
    sign_in(site, page)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the pairings (CSV)").click()
    download = info.value
    assert download.suggested_filename == "Leaders-2027-pairings.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text())))
    assert list(rows[0]) == ["pairing_id", "mentee_id", "mentee_name", "mentor_id",
                             "mentor_name", "status", "score", "locked", "decided_by",
                             "decided_at"]
    approved = next(r for r in rows if r["mentee_id"] == mentee_of(site)
                    and r["mentor_id"] == mentor_of(site))
    assert approved["status"] == "approved" and approved["decided_by"] == "seed"
    assert approved["mentee_name"] == site.people[mentee_of(site)]["name"]


def test_audit_log_filters_and_shows_control_characters_escaped(site: Site, page: Any) -> None:
    found = assign(site)
    target = found["assignments"][0]["pairing_id"]
    services(site, f"""
pairings.review(db, {target!r}, "reject", by="seed", note="odd \\x1b[2J note")
print("{{}}")
""")
    sign_in(site, page)
    page.get_by_role("link", name="Audit log").click()
    page.get_by_label("Entity type").select_option("pairing")
    page.get_by_label("Entity id").fill(target)
    page.get_by_label("Action contains").fill("reject")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("status")).to_have_text("1 event, newest first.")
    row = page.get_by_role("row").filter(has_text="pairing.reject")
    expect(row).to_contain_text(target)
    expect(row).to_contain_text("\\u001b[2J")
    assert "\x1b" not in page.content()
    snap(page, "coordinator-audit")


def test_the_queue_at_phone_width(site: Site, phone: Any) -> None:
    assign(site)
    phone.goto(site.link("coordinator", "coord-ana"))
    phone.goto(f"{site.url}/coordinator/pairings")
    expect(phone.get_by_role("button", name="Approve selected")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    snap(phone, "coordinator-pairings-phone", full_page=False)


def test_a_mentee_sees_not_found_like_a_missing_page(site: Site, page: Any) -> None:
    page.goto(site.link("mentee", mentee_of(site)))
    for path in ("/coordinator/pairings", "/coordinator", "/coordinator/pairings.csv"):
        response = page.goto(f"{site.url}{path}")
        assert response is not None and response.status == 404
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    hidden = page.locator("main").inner_text()
    page.goto(f"{site.url}/coordinator/no-such-page")
    assert page.locator("main").inner_text() == hidden
    cookie = next(c for c in page.context.cookies() if c["name"] == "companion_session")
    posted = httpx.post(f"{site.url}/coordinator/pairings/bulk",
                        cookies={"companion_session": cookie["value"]},
                        data={"selected": "x@1"}, follow_redirects=False)
    assert posted.status_code == 404


def test_an_admin_chooses_a_program_and_stays_in_it(site: Site, page: Any) -> None:
    page.goto(site.link("admin", "admin-ops", program=None))
    expect(page.get_by_role("heading", name="Choose a program")).to_be_visible()
    page.get_by_role("link", name=PROGRAM).click()
    expect(page.get_by_role("heading", name=PROGRAM, exact=True)).to_be_visible()
    page.get_by_role("link", name="Audit log").click()  # the navigation carries no ?program
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(page.get_by_role("status")).not_to_have_text("0 events, newest first.")


@pytest.mark.parametrize(("value", "shown"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("@SUM(A1)", "'@SUM(A1)"),
    ("-0.5", "-0.5"), ("Ana Lima", "Ana Lima"), ("+44 20", "'+44 20"),
])
def test_export_cells_never_run_as_spreadsheet_formulas(value: str, shown: str) -> None:
    assert coordinator._cell(value) == shown


@pytest.mark.parametrize(("raw", "shown"), [
    ("ok\x1b[2J", "ok\\x1b[2J"), ("a\u202eb", "a\\u202eb"), ("tab\tand\nline", "tab\tand\nline"),
    ("\x9b31m", "\\x9b31m"),
])
def test_control_characters_are_shown_escaped(raw: str, shown: str) -> None:
    assert coordinator.visible(raw) == shown
