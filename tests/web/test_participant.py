"""The mentee's and the mentor's pages and the draft pages, in Chromium: a request shows
"Drafting…" and then the draft without blocking (behind a slow model too), one form makes one
draft however often it is sent, the reviewer edits (a new version with its diff), rejects with
a note (a redraft) and approves; nobody else sees a draft before that, and a hidden draft
looks like a missing one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Site, mentee_of, mentor_of, running_site, shot

#: How long the slow model takes over each answer.
SLOW = 3.0


def _sign_in(site: Site, page: Any, role: str, participant: str) -> None:
    page.goto(site.link(role, participant))
    expect(page.get_by_role("status")).to_have_text("You are signed in.")


def _drafts_on_home(page: Any) -> int:
    return int(page.locator("section[aria-labelledby=drafts-heading] li").count())


def _other_mentee(site: Site) -> str:
    """A mentee other than the seeded one who is not matched (yet) — other modules' tests
    approve pairings on the same site, so this is asked of the database, not assumed."""
    from tests.web.test_coordinator import services

    matched = set(services(site, "print(json.dumps([p.mentee_id for p in "
                                 "pairings.list_pairings(db, PROGRAM) if p.status in "
                                 "(PairingStatus.approved, PairingStatus.active)]))"))
    me = mentee_of(site)
    return next(pid for pid, p in sorted(site.people.items())
                if p["role"] == "mentee" and pid != me and pid not in matched)


def _request_agenda(page: Any, topic: str) -> None:
    page.get_by_label("Topic (optional)").fill(topic)
    page.get_by_role("button", name="Request agenda").click()
    expect(page).to_have_url(re.compile(r"/drafts/dr-[0-9a-f]{12}$"))
    expect(page.get_by_role("heading", name=re.compile("Session agenda"), level=1)).to_be_visible()


def test_mentee_requests_edits_and_approves_an_agenda(site: Site, page: Any) -> None:
    _sign_in(site, page, "mentee", mentee_of(site))
    mentor = site.people[mentor_of(site)]
    expect(page.get_by_role("heading", name="Your mentor")).to_be_visible()
    expect(page.get_by_role("heading", name=mentor["name"])).to_be_visible()
    expect(page.get_by_text("Pairing status:")).to_contain_text("approved")
    shot(page, "mentee-home")

    _request_agenda(page, "giving feedback to a senior colleague")
    # the response came before the agent finished: "Drafting…" first (or, with the fast
    # offline drafter, the agenda itself already); never a blank or frozen page
    expect(page.get_by_text("Drafting…").or_(page.get_by_role("button", name="Approve"))
           ).to_be_visible()
    # written in the background (the first draft of a process also loads its planner)
    expect(page.get_by_role("button", name="Approve")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Status:")).to_contain_text("pending review")
    expect(page.locator("ol.agenda li").first).to_be_visible()
    expect(page.get_by_role("heading", name="Where this comes from")).to_be_visible()
    expect(page.get_by_role("heading", name="Checks")).to_be_visible()
    assert "Traceback" not in page.content()
    shot(page, "draft-agenda")
    draft_url = page.url

    page.get_by_role("link", name="Edit").click()
    topic = page.get_by_label("Item 1 topic", exact=True)
    old_topic = topic.input_value()
    topic.fill("Check-in: what went well since we last met")
    shot(page, "draft-edit")
    page.get_by_role("button", name="Save changes").click()
    expect(page).to_have_url(draft_url)
    expect(page.get_by_role("status")).to_have_text("Your edit is saved as a new version.")
    expect(page.get_by_role("heading", name="Last edit (version 2, by you)")).to_be_visible()
    diff = page.get_by_label("Changes in the last edit")
    expect(diff).to_contain_text("+")
    expect(diff.locator("ins")).to_contain_text("Check-in: what went well since we last met")
    expect(diff.locator("del")).to_contain_text(old_topic)
    expect(page.locator("ol.agenda")).to_contain_text("Check-in: what went well")
    shot(page, "draft-edit-diff")

    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("Approved")
    expect(page.get_by_text("Status:")).to_contain_text("approved")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    page.get_by_role("link", name="Back to your start page").click()
    expect(page.locator("section[aria-labelledby=approved-heading]")).to_contain_text(
        "Session agenda: giving feedback to a senior colleague")


def test_a_bad_edit_keeps_what_was_typed_and_says_why(site: Site, page: Any) -> None:
    _sign_in(site, page, "mentee", mentee_of(site))
    page.get_by_role("button", name="Request questions").click()
    expect(page.get_by_role("button", name="Approve")).to_be_visible(timeout=60_000)
    shot(page, "draft-questions")
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Question 1", exact=True).fill("")
    page.get_by_label("Question 1 purpose").fill("kept as typed")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("alert")).to_contain_text("This edit was not saved")
    expect(page.get_by_role("alert")).to_contain_text("questions.0.text")
    expect(page.get_by_label("Question 1 purpose")).to_have_value("kept as typed")
    assert "Traceback" not in page.content()
    # JSON that does not parse: the message, and the JSON as typed
    page.get_by_text("Edit as JSON").click()
    page.get_by_label("Content (JSON)").fill('{"questions": [')
    page.get_by_role("button", name="Save JSON").click()
    expect(page.get_by_role("alert")).to_contain_text("not valid JSON")
    expect(page.get_by_label("Content (JSON)")).to_have_value('{"questions": [')


def test_one_request_form_makes_one_draft(site: Site, page: Any) -> None:
    _sign_in(site, page, "mentee", mentee_of(site))
    before = _drafts_on_home(page)
    page.get_by_label("Topic (optional)").fill("double click")
    page.get_by_role("button", name="Request agenda").dblclick()
    expect(page).to_have_url(re.compile(r"/drafts/dr-"))
    first = page.url
    page.goto(f"{site.url}/mentee")
    assert _drafts_on_home(page) == before + 1
    # the same form sent again (a resubmit after a network hiccup): the same draft
    page.get_by_label("Topic (optional)").fill("sent twice")
    form = page.locator("form.ask")
    fields = {name: form.locator(f"input[name={name}]").input_value()
              for name in ("csrf_token", "request_key")}
    sent = [page.request.post(f"{site.url}/mentee/drafts", form={
        **fields, "kind": "agenda", "topic": "sent twice"}, max_redirects=0) for _ in range(3)]
    assert {r.status for r in sent} == {303}
    assert len({r.headers["location"] for r in sent}) == 1
    assert sent[0].headers["location"] != first
    page.goto(f"{site.url}/mentee")
    assert _drafts_on_home(page) == before + 2


def test_mentor_frameworks_a_mentee_rejects_with_a_note_and_approves(site: Site, page: Any,
                                                                     browser: Any) -> None:
    _sign_in(site, page, "mentor", mentor_of(site))
    mentee = site.people[mentee_of(site)]
    expect(page.get_by_role("heading", name="Your mentees", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=mentee["name"])).to_be_visible()
    shot(page, "mentor-home")

    # a framework needs a topic: the service's message, on the page, nothing lost
    page.get_by_label("Mentee", exact=True).select_option(mentee_of(site))
    page.get_by_label("Topic", exact=True).fill("   ")
    page.get_by_role("button", name="Request framework").click()
    expect(page.get_by_role("alert")).to_contain_text("a framework needs a topic")
    expect(page.get_by_label("Mentee", exact=True)).to_have_value(mentee_of(site))

    page.get_by_label("Topic", exact=True).fill("feedback on missed deadlines")
    page.get_by_role("button", name="Request framework").click()
    expect(page.get_by_role("heading", name=re.compile("Conversation framework"))).to_be_visible(
        timeout=60_000)
    expect(page.get_by_role("button", name="Reject")).to_be_visible()
    expect(page.locator("ol.steps > li").first).to_be_visible()
    draft_url = page.url

    page.get_by_label("Note").fill("Start with what the mentee sees as the cause.")
    page.get_by_role("button", name="Reject").click()
    expect(page.get_by_role("status").first).to_contain_text("being rewritten with your note")
    # the redraft comes back for review by itself (polled), with the note in the history
    expect(page.get_by_role("button", name="Approve")).to_be_visible()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    expect(page.locator("ol.history")).to_contain_text(
        "Start with what the mentee sees as the cause.")
    shot(page, "draft-framework")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Status:")).to_contain_text("approved")

    # the mentee chosen sees it now (it is bound to their pairing), without the history
    context = browser.new_context()
    other = context.new_page()
    try:
        _sign_in(site, other, "mentee", mentee_of(site))
        expect(other.locator("section[aria-labelledby=approved-heading]")).to_contain_text(
            "Conversation framework: feedback on missed deadlines")
        other.goto(draft_url)
        expect(other.locator("ol.steps > li").first).to_be_visible()
        expect(other.get_by_role("button", name="Approve")).to_have_count(0)
        expect(other.get_by_role("heading", name="History")).to_have_count(0)
    finally:
        context.close()


def test_others_find_nothing_where_they_may_not_look(site: Site, page: Any, browser: Any) -> None:
    _sign_in(site, page, "mentee", mentee_of(site))
    page.get_by_role("button", name="Request goals").click()
    expect(page.get_by_role("button", name="Approve")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("heading", name=re.compile(r"^Goal 1: "))).to_be_visible()
    shot(page, "draft-goals")
    pending = page.url

    context = browser.new_context()
    other = context.new_page()
    try:
        _sign_in(site, other, "mentee", _other_mentee(site))
        expect(other.get_by_text("You are not matched yet.")).to_be_visible()
        other.goto(pending)
        expect(other.get_by_role("heading", name="Not found")).to_be_visible()
        hidden_text = other.locator("main").inner_text()
        other.goto(f"{site.url}/drafts/dr-000000000000")
        expect(other.get_by_role("heading", name="Not found")).to_be_visible()
        assert other.locator("main").inner_text() == hidden_text
        other.goto(f"{pending}/status")
        expect(other.get_by_role("heading", name="Not found")).to_be_visible()
        other.goto(f"{pending}/edit")
        expect(other.get_by_role("heading", name="Not found")).to_be_visible()
        # a mentee has no mentor's page: it looks like any missing page
        other.goto(f"{site.url}/mentor")
        expect(other.get_by_role("heading", name="Not found")).to_be_visible()
        assert other.locator("main").inner_text() == hidden_text
    finally:
        context.close()


def test_mentee_home_at_phone_width(site: Site, phone: Any) -> None:
    _sign_in(site, phone, "mentee", mentee_of(site))
    expect(phone.get_by_role("button", name="Request agenda")).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at phone width ({width}px)"
    shot(phone, "mentee-home-phone")


def test_a_draft_being_written_polls_and_a_failed_one_says_why() -> None:
    """The offline drafter is too quick to catch 'Drafting…' in the browser, so the body
    is rendered here as a slow model would leave it (tests/drafting/test_draft_jobs.py shows
    the request returning while the model writes)."""
    from companion.domain import Draft, DraftKind, DraftStatus
    from companion.web.render import TEMPLATES

    def body(**fields: Any) -> str:
        draft = Draft(id="dr-0123456789ab", program="P", kind=DraftKind.agenda,
                      participant_id="me-1", generator="offline", **fields)
        return str(TEMPLATES.get_template("drafts/_body.html").render(
            draft=draft, reviewer=True, versions=[], last_edit=None, home="/mentee",
            csrf="t", me=None))

    drafting = body(status=DraftStatus.drafting)
    assert "Drafting…" in drafting
    assert 'hx-get="/drafts/dr-0123456789ab/status"' in drafting
    assert 'hx-trigger="every 1s"' in drafting
    assert '<noscript><meta http-equiv="refresh"' in drafting
    assert "Approve" not in drafting
    failed = body(status=DraftStatus.failed, failure_reason="the model timed out")
    assert "the model timed out" in failed and "hx-trigger" not in failed
    done = body(status=DraftStatus.pending_review, content={
        "title": "Kickoff", "phase": "launch", "duration_minutes": 30,
        "items": [{"topic": "Welcome", "minutes": 30, "purpose": "Meet"}], "preparation": []})
    assert "hx-trigger" not in done and "Welcome" in done and "Approve" in done


def test_the_edit_fields_of_every_kind_make_valid_content() -> None:
    from companion.domain import DraftKind
    from companion.domain.content import parse_content
    from companion.web.routes.drafts_pages import content_from_form

    forms = {
        DraftKind.goals: {
            "goals-0-statement": "Delegate the weekly report", "goals-0-specific": "To Ana",
            "goals-0-measurable": "4 reports in a row", "goals-0-achievable": "She asked",
            "goals-0-relevant": "Frees a morning", "goals-0-time_bound": "2027-09-30",
            "goals-0-evaluated": "2027-06-30: two reports done\n\n2027-08-31: four reports",
            "goals-0-readjusted": "At the mid-point review"},
        DraftKind.framework: {
            "name": "Feedback", "situation": "Missed deadlines", "steps-0-stage": "Open",
            "steps-0-prompts": "What happened?\nWhat did you see?", "steps-1-stage": "Agree",
            "steps-1-prompts": "What will change?", "steps-2-stage": "", "steps-2-prompts": "",
            "pitfalls": "Saving it all up\n"},
        DraftKind.agenda: {
            "title": "Kickoff", "phase": "launch", "duration_minutes": "30",
            "items-0-topic": "Welcome", "items-0-minutes": "30", "items-0-purpose": "Meet",
            "items-1-topic": "", "items-1-minutes": "", "items-1-purpose": "",
            "preparation": "Read the profile"},
        DraftKind.questions: {f"questions-{i}-{k}": f"{k} {i}" for i in range(3)
                              for k in ("text", "purpose")},
    }
    for kind, fields in forms.items():
        content = content_from_form(kind, fields)
        parse_content(kind, content)  # raises on a bad shape
    goals = content_from_form(DraftKind.goals, forms[DraftKind.goals])["goals"][0]
    assert goals["evaluated"] == [{"date": "2027-06-30", "check": "two reports done"},
                                  {"date": "2027-08-31", "check": "four reports"}]
    agenda = content_from_form(DraftKind.agenda, forms[DraftKind.agenda])
    assert agenda["duration_minutes"] == 30 and len(agenda["items"]) == 1


def test_a_decision_on_a_stale_version_says_so_plainly(site: Site, page: Any) -> None:
    _sign_in(site, page, "mentee", mentee_of(site))
    page.get_by_label("Topic (optional)").fill("stale decision")
    page.get_by_role("button", name="Request questions").click()
    expect(page.get_by_role("button", name="Approve")).to_be_visible(timeout=60_000)
    draft_url = page.url
    # a second tab opens the edit form on version 1 ...
    other = page.context.new_page()
    other.goto(f"{draft_url}/edit")
    other.get_by_label("Question 1 purpose").fill("a change made on an old version")
    # ... while the first tab approves
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Status:")).to_contain_text("approved")
    other.get_by_role("button", name="Save changes").click()
    expect(other.get_by_role("alert")).to_contain_text("reload")
    expect(other.get_by_label("Question 1 purpose")).to_have_value(
        "a change made on an old version")
    assert "Traceback" not in other.content()


@pytest.fixture(scope="module")
def slow_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The same seeded program behind a model that takes SLOW seconds per answer: an
    OpenAI-compatible server on 127.0.0.1 answering with the offline drafter's text."""
    from companion.evals.fake_server import FakeOpenAIServer, Reply
    from companion.llm.offline.draft import draft

    model = FakeOpenAIServer(lambda r: Reply(content=draft(r.messages), delay=SLOW)).start()
    try:
        with running_site(tmp_path_factory.mktemp("slow-home"), COMPANION_MODEL="openai/slow",
                          COMPANION_LLM_API_BASE=model.base_url,
                          COMPANION_LLM_API_KEY="test-key") as running:
            yield running
    finally:
        model.stop()


def test_with_a_slow_model_the_page_shows_drafting_then_swaps_in_the_draft(
        slow_site: Site, page: Any) -> None:
    _sign_in(slow_site, page, "mentee", mentee_of(slow_site))
    page.get_by_role("button", name="Request agenda").click()
    expect(page).to_have_url(re.compile(r"/drafts/dr-[0-9a-f]{12}$"))
    # the page came while the model was still writing (had the request waited for it, the
    # draft would be finished by now)
    expect(page.get_by_text("Drafting…")).to_be_visible()
    shot(page, "draft-drafting")
    page.evaluate("window.stillThisPage = true")  # gone if the page were reloaded
    expect(page.get_by_role("button", name="Approve")).to_be_visible(timeout=30_000)
    expect(page.locator("ol.agenda li").first).to_be_visible()
    assert page.evaluate("window.stillThisPage === true"), "swapped in by htmx, not reloaded"

    page.get_by_label("Note").fill("Less time on introductions, please.")
    page.get_by_role("button", name="Reject").click()
    expect(page.get_by_text("Drafting…")).to_be_visible()
    expect(page.get_by_role("button", name="Approve")).to_be_visible(timeout=30_000)
    expect(page.locator("ol.history")).to_contain_text("Less time on introductions, please.")


def test_signing_out_elsewhere_while_drafting_sends_the_page_to_sign_in(
        slow_site: Site, page: Any) -> None:
    _sign_in(slow_site, page, "mentee", mentee_of(slow_site))
    page.get_by_role("button", name="Request questions").click()
    expect(page.get_by_text("Drafting…")).to_be_visible()
    other = page.context.new_page()
    other.goto(f"{slow_site.url}/mentee")
    other.get_by_role("button", name="Sign out").click()
    expect(other.get_by_role("heading", name="Sign in to Companion")).to_be_visible()
    # the polling page goes to sign in as a whole, not a sign-in page inside the draft's box
    expect(page.get_by_role("heading", name="Sign in to Companion")).to_be_visible()
    assert page.get_by_text("Drafting…").count() == 0
