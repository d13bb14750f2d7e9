"""Draft checks: each one passes a good draft and fails bad ones with a detail that says why."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from companion.domain import (
    CheckResult,
    DraftKind,
    Participant,
    Passage,
    Phase,
    PhaseWindow,
    Program,
)
from companion.drafting.checks import (
    MAX_DRAFT_CHARS,
    CheckContext,
    failed_feedback,
    passed_all,
    run_checks,
)
from companion.drafting.confidentiality import RULES, confidentiality_problems

# A program like the guideline's worked examples: 2027-01-11 to 2027-12-17.
PROGRAM = Program(
    name="Pilot", start_date=date(2027, 1, 11), months=12, session_minutes=60,
    phases=[PhaseWindow(phase=Phase.launch, start=date(2027, 1, 11), end=date(2027, 3, 5)),
            PhaseWindow(phase=Phase.development, start=date(2027, 3, 6), end=date(2027, 10, 31)),
            PhaseWindow(phase=Phase.completion, start=date(2027, 11, 1), end=date(2027, 12, 17))])
REQUESTER = Participant(id="e1", name="Ella Mentee", role="mentee")
PARTNER = Participant(id="m1", name="Mara Mentor", role="mentor")
OTHERS = frozenset({"Zed Zebra", "Priya Raman", "Lee"})

TIME_BOUND = Passage(
    id="knowledge/smart-er-goals.md#time-bound-1", source="knowledge/smart-er-goals.md",
    heading="SMART-ER goals > Time-bound",
    text="A time-bound goal in the SMART-ER standard has a real calendar date, written as a "
         "specific day, by which it should be achieved. That date must fall inside the program, "
         "before the closing session.\n\nGuidance on choosing the date:\n\n"
         '- Use an actual date such as 2027-09-30, not "in Q3" or "by the end of the program."\n'
         "- Set the target date at least four weeks before the closing session, leaving time "
         "to reflect on results.\n- **Stagger goals.** If all three goals fall due in the same "
         "week, there is no room for learning.")
REGULAR = Passage(
    id="knowledge/session-templates.md#regular-session-1",
    source="knowledge/session-templates.md",
    heading="Session templates > Regular session > Agenda",
    text="- **Check-in and actions since last time** (10 min) — The mentee reports on the "
         "actions agreed last session.\n- **Main topic** (25 min) — Work in depth on the "
         "mentee's top agenda item, using a conversation framework if one fits.")
RETRIEVED = (TIME_BOUND, REGULAR)


def context(kind: DraftKind = DraftKind.goals, **overrides: Any) -> CheckContext:
    values: dict[str, Any] = {
        "kind": kind, "program": PROGRAM, "today": date(2027, 3, 1), "requester": REQUESTER,
        "partner": PARTNER, "other_names": OTHERS, "retrieved": RETRIEVED,
        "session_minutes": 60}
    values.update(overrides)
    return CheckContext(**values)


def cite(passage: Passage = TIME_BOUND, excerpt: str | None = None,
         **overrides: Any) -> dict[str, Any]:
    citation = {"passage_id": passage.id, "source": passage.source, "heading": passage.heading,
                "excerpt": excerpt or passage.text.split(".")[0] + "."}
    citation.update(overrides)
    return {k: v for k, v in citation.items() if v is not None}


def goal(**overrides: Any) -> dict[str, Any]:
    data = {
        "statement": "Hand over full ownership of three recurring responsibilities to my team.",
        "specific": "Transfer ownership of the weekly client report, sprint planning and "
                    "supplier check-ins to two team members, with a written brief.",
        "measurable": "Three responsibilities handed over; my operational hours, tracked in my "
                      "calendar, fall from about 12 to 6 a week.",
        "achievable": "Both team members have asked for more responsibility, and my manager "
                      "supports the change.",
        "relevant": "Feedback says I am a bottleneck, and I need time for the service redesign.",
        "time_bound": "2027-06-30",
        "evaluated": [
            {"date": "2027-04-12", "check": "Are the first two handovers done with briefs?"},
            {"date": "2027-05-24", "check": "Has the client report gone out twice without my "
                                            "edits?"},
            {"date": "2027-06-28", "check": "Are my operational hours at or below 6 a week?"}],
        "readjusted": "Reviewed at the mid-program check-in; if a team member leaves, I narrow "
                      "to two responsibilities and extend the date by six weeks.",
    }
    data.update(overrides)
    return data


def goals() -> dict[str, Any]:
    second = goal(
        statement="Build working relationships with the four senior stakeholders of my program.",
        specific="Hold one-to-one conversations with each stakeholder to understand their "
                 "priorities before the steering committee.",
        measurable="Eight one-to-one meetings held; scope agreed at the steering committee.",
        time_bound="2027-07-31",
        evaluated=[{"date": "2027-04-05", "check": "Is my stakeholder map reviewed with my "
                                                   "mentor?"},
                   {"date": "2027-07-19", "check": "Was the scope agreed at the committee?"}],
        readjusted="If the steering date moves, I move the agreement date to the next meeting, "
                   "no later than 2027-10-31.")
    return {"goals": [goal(), second]}


def agenda() -> dict[str, Any]:
    return {"title": "Regular session: handing over the client report", "phase": "development",
            "duration_minutes": 60,
            "items": [{"topic": "Check-in and actions since last time", "minutes": 10,
                       "purpose": "Hear what happened with the first handover."},
                      {"topic": "Goal progress", "minutes": 10,
                       "purpose": "Look at the delegation goal's evidence."},
                      {"topic": "Main topic: delegating the client report", "minutes": 25,
                       "purpose": "Plan the brief for the report handover."},
                      {"topic": "Commitments", "minutes": 10,
                       "purpose": "Agree one to three actions with dates."},
                      {"topic": "Feedback on the session", "minutes": 5,
                       "purpose": "Say what helped and what to change."}],
            "preparation": ["Send a short agenda two or three working days before.",
                            "Note how many hours you spent on the report this month."]}


def questions() -> dict[str, Any]:
    texts = ["What are you holding on to that someone else could own?",
             "What would good enough look like for the client report?",
             "Who in your team has asked for more responsibility?",
             "What would you do with the six hours you win back?"]
    return {"questions": [{"text": t, "purpose": "Test readiness to delegate."} for t in texts]}


def framework() -> dict[str, Any]:
    return {"name": "Situation, behaviour, impact",
            "situation": "The mentee wants to give feedback to a report who misses deadlines.",
            "steps": [{"stage": "Situation", "prompts": ["When and where did it happen?"]},
                      {"stage": "Behaviour", "prompts": ["What exactly did they do?"]},
                      {"stage": "Impact", "prompts": ["What was the effect on the team?",
                                                      "What would you like instead?"]}],
            "pitfalls": ["Reporting the conversation to their manager without consent.",
                         "Judging the person instead of the behaviour."]}


GOOD: dict[DraftKind, tuple[Callable[[], dict[str, Any]], date]] = {
    DraftKind.goals: (goals, date(2027, 3, 1)),
    DraftKind.agenda: (agenda, date(2027, 5, 3)),
    DraftKind.questions: (questions, date(2027, 5, 3)),
    DraftKind.framework: (framework, date(2027, 5, 3)),
}


def check(results: list[CheckResult], name: str) -> CheckResult:
    matches = [r for r in results if r.name == name]
    assert len(matches) == 1, [r.name for r in results]
    return matches[0]


def run(content: dict[str, Any], citations: list[dict[str, Any]] | None = None,
        **ctx: Any) -> list[CheckResult]:
    return run_checks(content, [cite()] if citations is None else citations, context(**ctx))


# --- complete drafts ----------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "names"), [
    (DraftKind.goals, ["schema", "smart_er", "citations", "personal_data", "special_category",
                       "instructions", "confidentiality", "length"]),
    (DraftKind.agenda, ["schema", "agenda_minutes", "citations", "personal_data",
                        "special_category", "instructions", "confidentiality", "length"]),
    (DraftKind.questions, ["schema", "citations", "personal_data", "special_category",
                           "instructions", "confidentiality", "length"]),
    (DraftKind.framework, ["schema", "citations", "personal_data", "special_category",
                           "instructions", "confidentiality", "length"]),
])
def test_a_complete_valid_draft_passes_every_check(kind: DraftKind, names: list[str]) -> None:
    make, today = GOOD[kind]
    results = run(make(), [cite(), cite(REGULAR)], kind=kind, today=today)
    assert [r.name for r in results] == names
    assert passed_all(results), failed_feedback(results)
    assert failed_feedback(results) == ""
    assert all(r.detail for r in results)


def test_schema_failure_reports_the_field_and_skips_content_rules() -> None:
    content = goals()
    content["goals"][0]["time_bound"] = "next June"
    results = run(content)
    assert check(results, "schema").detail.startswith("goals.0.time_bound: not a date")
    smart = check(results, "smart_er")
    assert not smart.passed and smart.detail == "not run: schema failed"
    assert check(results, "citations").passed and check(results, "confidentiality").passed


def test_schema_failure_still_runs_privacy_checks() -> None:
    content = agenda()
    content["items"][0]["minutes"] = "ten"
    content["preparation"].append("Ask Zed Zebra how her pairing is going.")
    content["preparation"].append("Compare your progress with other mentees.")
    results = run(content, kind=DraftKind.agenda, today=date(2027, 5, 3))
    assert check(results, "agenda_minutes").detail == "not run: schema failed"
    assert not check(results, "personal_data").passed
    assert not check(results, "confidentiality").passed


# --- smart_er -----------------------------------------------------------------------------------

def _with(**fields: Any) -> dict[str, Any]:
    content = goals()
    content["goals"][1].update(fields)
    return content


@pytest.mark.parametrize(("content", "expected"), [
    (_with(time_bound="2029-03-01"),
     "goal 2: time_bound 2029-03-01 is after the program ends (2027-12-17)"),
    (_with(time_bound="2026-12-01"),
     "goal 2: time_bound 2026-12-01 is before the program starts (2027-01-11)"),
    (_with(time_bound="2027-02-15", evaluated=[{"date": "2027-01-20", "check": "Is it started?"},
                                                {"date": "2027-02-10", "check": "Is it done?"}]),
     "goal 2: time_bound 2027-02-15 is not after today (2027-03-01)"),
    (_with(time_bound="2027-03-01"), "goal 2: time_bound 2027-03-01 is not after today"),
    (_with(measurable="I will feel more confident with senior people."),
     "goal 2: measurable names no number or observable indicator"),
    (_with(measurable="Better relationships with stakeholders."),
     "goal 2: measurable names no number or observable indicator"),
    (_with(specific="Improve communication."), "goal 2: specific 'Improve communication.' is too "
                                               "vague"),
    (_with(achievable="TBD"), "goal 2: achievable is empty or a placeholder"),
    (_with(relevant="N/A"), "goal 2: relevant is empty or a placeholder"),
    (_with(relevant="<relevant>"), "goal 2: relevant is empty or a placeholder"),
    (_with(evaluated=[{"date": "2027-05-01", "check": "Have I met each stakeholder?"}]),
     "goal 2: evaluated has 1 checkpoint(s), at least 2 are needed"),
    (_with(evaluated=[]), "goal 2: evaluated has 0 checkpoint(s), at least 2 are needed"),
    (_with(evaluated=[{"date": "2027-06-01", "check": "Have I met each stakeholder?"},
                      {"date": "2027-04-05", "check": "Is the map reviewed?"}]),
     "goal 2: checkpoint 2 (2027-04-05) is not after checkpoint 1 (2027-06-01)"),
    (_with(evaluated=[{"date": "2027-04-05", "check": "Is the map reviewed?"},
                      {"date": "2027-04-05", "check": "Have I met each stakeholder?"}]),
     "goal 2: checkpoint 2 (2027-04-05) is not after checkpoint 1"),
    (_with(evaluated=[{"date": "2027-04-05", "check": "Is the map reviewed?"},
                      {"date": "2027-08-15", "check": "Was the scope agreed?"}]),
     "goal 2: checkpoint 2 (2027-08-15) is after time_bound 2027-07-31"),
    (_with(time_bound="2027-12-17",
           evaluated=[{"date": "2027-01-05", "check": "Is the map reviewed?"},
                      {"date": "2027-07-19", "check": "Was the scope agreed?"}]),
     "goal 2: checkpoint 1 (2027-01-05) is outside the program (2027-01-11 to 2027-12-17)"),
    (_with(evaluated=[{"date": "2027-04-05", "check": "?"},
                      {"date": "2027-07-19", "check": "Was the scope agreed?"}]),
     "goal 2: checkpoint 1 does not say what will be checked"),
    (_with(readjusted="I will narrow the scope and extend the deadline as needed."),
     "goal 2: readjusted does not say when"),
    (_with(readjusted="Reviewed at the mid-program check-in with my mentor."),
     "goal 2: readjusted does not say how"),
    (_with(readjusted="Flexible."), "goal 2: readjusted does not say when"),
    (_with(readjusted="Narrow to two responsibilities and extend the date by six weeks."),
     "goal 2: readjusted does not say when"),
    (_with(readjusted="I may lower the target."), "goal 2: readjusted does not say when"),
    (_with(readjusted="If my role changes, my mentor and I will talk it through."),
     "goal 2: readjusted does not say how"),
])
def test_smart_er_failures_name_the_goal_and_rule(content: dict[str, Any], expected: str
                                                  ) -> None:
    result = check(run(content), "smart_er")
    assert not result.passed
    assert expected in result.detail
    assert "goal 1" not in result.detail  # the good goal is not blamed


@pytest.mark.parametrize("readjusted", [
    "Reviewed at the mid-program check-in; if a team member leaves or quality drops, I narrow "
    "to two responsibilities and extend the date by six weeks.",
    "If the forum is canceled, I substitute two comparable senior audiences and keep the "
    "feedback measure.",
    "If the rollout date slips, I shift all dates by the same amount.",
    "At the mid-program check-in I confirm whether two hours every second Friday is enough; if "
    "not, I change the rhythm rather than the goal.",
    "In September, raise the target to five presentations if the first three went well.",
    "On 3 May I revise the scope with my mentor.",
    "Every four weeks, adjust the measure to what the pulse survey shows.",
])
def test_readjusted_clauses_from_the_worked_examples_pass(readjusted: str) -> None:
    assert check(run(_with(readjusted=readjusted)), "smart_er").passed


@pytest.mark.parametrize("measurable", [
    "Reduce time on operational work from 60% to 40% of my week.",
    "At least three of five colleagues asked say I invite challenge in meetings.",
    "My director asks me to lead the quarterly review; observed by my mentor.",
    "Feedback from my team in a short pulse survey at start, middle and end.",
])
def test_measures_with_numbers_or_observable_indicators_pass(measurable: str) -> None:
    assert check(run(_with(measurable=measurable)), "smart_er").passed


def test_several_goal_problems_are_all_listed() -> None:
    detail = check(run(_with(time_bound="2029-03-01", readjusted="Flexible.")), "smart_er").detail
    problems = detail.split("; ")
    assert len(problems) == 3 and all(p.startswith("goal 2: ") for p in problems)
    assert "after the program ends" in problems[0]
    assert "does not say when" in problems[1] and "does not say how" in problems[2]


# --- agenda_minutes -----------------------------------------------------------------------------

def _agenda(mutate: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    content = agenda()
    mutate(content)
    return content


@pytest.mark.parametrize(("content", "ctx", "expected"), [
    (_agenda(lambda a: a["items"][2].update(minutes=20)), {},
     "items add up to 55 minutes but duration_minutes is 60"),
    (_agenda(lambda a: a["items"][2].update(minutes=30)), {},
     "items add up to 65 minutes but duration_minutes is 60"),
    (_agenda(lambda a: (a.update(duration_minutes=90), a["items"][2].update(minutes=55))), {},
     "duration_minutes is 90 but the session is 60 minutes"),
    (agenda(), {"session_minutes": 90}, "duration_minutes is 60 but the session is 90 minutes"),
    (_agenda(lambda a: (a["items"][4].update(minutes=0), a["items"][2].update(minutes=30))), {},
     "item 5 ('Feedback on the session') has 0 minutes, at least 1 needed"),
    (_agenda(lambda a: a.update(phase="launch")), {},
     "phase is launch but the program is in its development phase on 2027-05-03"),
    (agenda(), {"today": date(2027, 11, 15)},
     "phase is development but the program is in its completion phase on 2027-11-15"),
])
def test_agenda_minutes_failures(content: dict[str, Any], ctx: dict[str, Any], expected: str
                                 ) -> None:
    values = {"kind": DraftKind.agenda, "today": date(2027, 5, 3), **ctx}
    result = check(run(content, **values), "agenda_minutes")
    assert not result.passed
    assert expected in result.detail


@pytest.mark.parametrize("today", [date(2026, 12, 1), date(2028, 3, 1)])
def test_agenda_phase_is_not_checked_outside_the_program(today: date) -> None:
    result = check(run(agenda(), kind=DraftKind.agenda, today=today), "agenda_minutes")
    assert result.passed, result.detail


# --- citations ----------------------------------------------------------------------------------

@pytest.mark.parametrize("citation", [
    cite(),
    cite(passage_id=None),  # source + heading
    cite(passage_id=None, heading="Time-bound"),  # the last part of the heading path
    cite(source=None, heading=None),  # passage_id alone
    cite(excerpt="A time-bound goal in the SMART-ER standard has a real calendar date…"),
    cite(excerpt="A time-bound goal in the SMART-ER standard has a real calendar date..."),
    cite(excerpt="… it should be achieved. That date must fall inside the program"),
    cite(excerpt="That date must fall inside the program, … before the closing session."),
    cite(excerpt="Use an actual date such as 2027-09-30, not “in Q3” or “by the end"),
    cite(excerpt="leaving time to reflect on results. Stagger goals. If all three goals"),
    cite(excerpt="That date must fall\n   inside the   program,"),
    cite(REGULAR, excerpt="Main topic (25 min) — Work in depth on the mentee's top agenda "
                          "item"),
])
def test_citations_that_quote_a_retrieved_passage_pass(citation: dict[str, Any]) -> None:
    result = check(run(goals(), [citation]), "citations")
    assert result.passed, result.detail


@pytest.mark.parametrize(("citations", "expected"), [
    ([], "no citations"),
    ([cite(passage_id="knowledge/mentor-guide.md#listening-1")],
     "citation 1 (knowledge/mentor-guide.md#listening-1): passage "
     "knowledge/mentor-guide.md#listening-1 was not retrieved for this draft"),
    ([cite(passage_id=None, source="knowledge/mentor-guide.md", heading="Listening")],
     "citation 1 (knowledge/mentor-guide.md > Listening): knowledge/mentor-guide.md > Listening "
     "was not retrieved"),
    ([cite(passage_id=None, heading="SMART-ER goals > Measurable")], "was not retrieved"),
    ([cite(source="knowledge/session-templates.md")],
     "source knowledge/session-templates.md does not match passage"),
    ([cite(passage_id=None, source=None)], "citation 1 (SMART-ER goals > Time-bound): needs a "
     "passage_id, or a source and a heading"),
    ([{"excerpt": "A time-bound goal"}], "citation 1: needs a passage_id, or a source and a "
                                         "heading"),
    ([cite(excerpt="Goals are set by the coordinator before the kickoff.")],
     "excerpt 'Goals are set by the coordinator before the kickoff.' does not occur in the "
     "passage"),
    ([cite(excerpt="Deadlines are optional in this program…")], "does not occur in the passage"),
    ([cite(excerpt="… closing session. Dates are optional.")], "does not occur in the passage"),
    ([cite(excerpt="the date")], "does not occur in the passage"),  # too short to be a quote
    ([cite(excerpt="The mentee reports on the actions agreed last session.")],
     "does not occur"),  # quotes the other retrieved passage
    ([cite(excerpt=None) | {"excerpt": ""}], "citation 1 (knowledge/smart-er-goals.md"
                                             "#time-bound-1): no excerpt"),
    (["knowledge/smart-er-goals.md"], "citation 1: not an object"),
])
def test_bad_citations_fail_with_the_reason(citations: list[Any], expected: str) -> None:
    result = check(run(goals(), citations), "citations")
    assert not result.passed
    assert expected in result.detail


def test_only_the_offending_citations_are_listed() -> None:
    citations = [cite(), cite(passage_id="knowledge/invented.md#x"),
                 cite(REGULAR, excerpt="Work on whatever comes up for a full hour.")]
    detail = check(run(goals(), citations), "citations").detail
    assert "citation 1" not in detail
    assert "citation 2 (knowledge/invented.md#x)" in detail
    assert "citation 3 (knowledge/session-templates.md#regular-session-1)" in detail


# --- personal_data ------------------------------------------------------------------------------

def _question(text: str) -> dict[str, Any]:
    content = questions()
    content["questions"][1]["text"] = text
    return content


@pytest.mark.parametrize(("text", "expected"), [
    ("How did Zed Zebra handle the same situation?", "questions.1.text names another program "
                                                     "participant"),
    ("Would PRIYA RAMAN be a good sounding board?", "names another program participant"),
    ("Ask priya\n raman for her view.", "names another program participant"),
    ("What did Lee say about delegation?", "names another program participant"),
    ("Could you write to ella.mentee@example.org after the session?",
     "questions.1.text contains an e-mail address"),
    ("Call me on +44 20 7946 0958 before the session?", "contains a phone number"),
    ("Is (555) 123-4567 the right number for the team?", "contains a phone number"),
    ("Ring 020 7946 0958 to book the room?", "contains a phone number"),
])
def test_personal_data_in_content_fails(text: str, expected: str) -> None:
    result = check(run(_question(text), kind=DraftKind.questions), "personal_data")
    assert not result.passed
    assert expected in result.detail
    for leaked in ("Zed", "Priya", "Lee", "example.org", "7946"):
        assert leaked not in result.detail  # the detail does not repeat what it caught


@pytest.mark.parametrize("text", [
    "What did Mara Mentor suggest last time?",  # the partner
    "What does Ella Mentee want from this relationship?",  # the requester
    "What did Zed think about it?",  # a first name alone is not a full name
    "What did you learn at the Leeds office?",  # 'Lee' only as a whole word
    "Between 2027-04-12 and 2027-06-30, how many hours did you spend on the report?",
    "How will you move from 60% to 40% operational time, or from 12 to 6 hours?",
    "Which of the 10, 15, 20 and 25 minute slots suits you?",
])
def test_text_without_personal_data_passes(text: str) -> None:
    result = check(run(_question(text), kind=DraftKind.questions), "personal_data")
    assert result.passed, result.detail


def test_a_partner_who_shares_a_name_with_another_participant_may_be_named() -> None:
    result = check(run(_question("What did Mara Mentor suggest?"), kind=DraftKind.questions,
                       other_names=OTHERS | {"Mara Mentor"}), "personal_data")
    assert result.passed, result.detail


def test_names_in_citation_excerpts_fail() -> None:
    passage = TIME_BOUND.model_copy(update={"text": TIME_BOUND.text + " Ask Zed Zebra."})
    result = check(run(goals(), [cite(passage, excerpt="no room for learning. Ask Zed Zebra.")],
                       retrieved=(passage,)), "personal_data")
    assert not result.passed and "citations.0.excerpt names another" in result.detail


# --- confidentiality ----------------------------------------------------------------------------

VIOLATIONS = [
    ("After each session, report what the mentee said to their line manager.",
     "reports on the mentee to their line manager"),
    ("Share a summary of the session with the mentee's manager.", "line manager or HR"),
    ("Tell their manager how the mentee is progressing.", "line manager or HR"),
    ("Keep the mentee's manager informed about your conversations.", "line manager or HR"),
    ("If the mentee misses a session, report it to their manager.", "line manager or HR"),
    ("Brief HR on the mentee's difficulties.", "line manager or HR"),
    ("Share the mentee's concerns with HR without their consent.", "line manager or HR"),
    ("Tell the coordinator what the mentee shared in the session.",
     "the coordinator sees status, not content"),
    ("Share the details of your conversations with your team.", "shared beyond the pair"),
    ("Forward the notes to the coordinator so they can follow progress.",
     "session notes are confidential"),
    ("Post your notes on the team's shared drive.", "session notes are confidential"),
    ("Notes are shared with the coordinator after every session.", "notes are confidential"),
    ("Record the session so you can replay it later.", "not recorded unless both"),
    ("Make an audio recording of each conversation.", "not recorded unless both"),
    ("Secretly record every meeting on your phone.", "not recorded unless both"),
    ("Compare your progress with other mentees in the cohort.", "compare other participants"),
    ("Discuss another participant's goals to get ideas.", "discuss or compare other"),
    ("Ask about other mentees and how their pairings are going.", "discuss or compare other"),
    ("Promise the mentee total confidentiality.", "strong but not absolute"),
    ("Assure them that everything they say stays between you, no matter what.",
     "strong but not absolute"),
    ("Reassure the mentee: absolute confidentiality applies to everything.", "not absolute"),
    ("Promise that nothing they tell you will ever leave the room.", "not absolute"),
    ("Rate the mentee's performance for HR on a scale of 1 to 5.", "does not assess the mentee"),
    ("Provide input on the mentee's readiness for their promotion panel.", "does not assess"),
    ("Evaluate your mentee's performance before their performance review.", "does not assess"),
    ("Rate the mentee from 1 to 5 and send it to the coordinator.", "does not assess"),
]

LEGITIMATE = [
    "Escalate to the coordinator if there is a risk of harm.",
    "Ask the mentee's consent before sharing anything with their manager.",
    "Never report on the mentee to their line manager.",
    "The mentor does not act as an assessor, a reference, or a voice in the mentee's "
    "performance review.",
    "The mentor does not report to the mentee's manager without explicit consent.",
    "Report a simple status for each goal to the coordinator at the mid-program check-in.",
    "Tell the coordinator, not other participants, if you have concerns about someone.",
    "Confidentiality is strong but not absolute: explain the exceptions at kickoff.",
    "Explain that what is said in sessions stays confidential except where there is a risk "
    "of harm.",
    "Confirm what stays between the pair and the narrow exceptions that must be escalated.",
    "Record briefly what you shared, with whom and when.",
    "Record the session dates in the program log.",
    "Video calls work well; meeting in person at least once strengthens trust.",
    "If both of you agree to recording, record the session for your own reflection.",
    "Report harassment or bullying to HR even without consent.",
    "Compare your progress with your own baseline from the kickoff.",
    "Talking about other participants, however casually, erodes trust.",
    "In group sessions, respond to other group members' situations inside the group.",
    "Refer to colleagues by role rather than name.",
    "Assess each goal against its measure and explain what was achieved.",
    "Ask the mentee to rate their own performance in the last presentation.",
    "If asked to give a reference for the mentee's promotion, decline politely and tell the "
    "coordinator.",
    "Gather feedback from three colleagues for your performance review.",
    "Encourage the mentee to share their goals with their manager if they wish.",
    "The mentee may share their goals with their line manager.",
    "Prepare to share your progress with your line manager.",
    "Share your notes with your mentor before the session.",
    "Keep your own notes secure, and delete them when you no longer need them.",
    "Practise the conversation you want to have with your manager about workload.",
    "Ask your mentor how they handled a difficult conversation with their boss.",
    "Share what you learned with your team.",
    "Help the mentee rehearse telling their manager about the workload.",
    "Postpone the meeting with their manager until the report is done.",
]


@pytest.mark.parametrize(("text", "rule"), VIOLATIONS)
def test_text_that_contradicts_the_confidentiality_guideline_fails(text: str, rule: str) -> None:
    content = agenda()
    content["items"][2]["purpose"] = "Plan the report handover. " + text
    result = check(run(content, kind=DraftKind.agenda, today=date(2027, 5, 3)), "confidentiality")
    assert not result.passed
    assert result.detail.startswith("items.2.purpose: '")
    assert rule in result.detail


@pytest.mark.parametrize("text", LEGITIMATE)
def test_legitimate_sentences_about_confidentiality_pass(text: str) -> None:
    content = agenda()
    content["items"][2]["purpose"] = text
    result = check(run(content, kind=DraftKind.agenda, today=date(2027, 5, 3)), "confidentiality")
    assert result.passed, result.detail


def test_pitfalls_name_what_to_avoid_and_are_not_flagged() -> None:
    content = framework()
    content["pitfalls"] = ["Promising total confidentiality.", "Recording the session."]
    assert check(run(content, kind=DraftKind.framework), "confidentiality").passed
    content["steps"][0]["prompts"].append("Promise total confidentiality.")
    result = check(run(content, kind=DraftKind.framework), "confidentiality")
    assert not result.passed and result.detail.startswith("steps.0.prompts.1:")


def test_every_rule_is_documented_and_catches_something() -> None:
    caught = {rule for text, _ in VIOLATIONS for _, rule in confidentiality_problems(text)}
    assert caught == {rule.rule for rule in RULES}
    assert all(rule.name and rule.patterns for rule in RULES)


# --- length -------------------------------------------------------------------------------------

def test_an_oversized_draft_fails_length() -> None:
    content = goals()
    for g in content["goals"]:
        long_text = "x " * 290 + "a measured 3 times."
        g.update(dict.fromkeys(("specific", "achievable", "relevant", "statement"), long_text))
    content["goals"] = [copy.deepcopy(g) for g in content["goals"] * 2][:5]
    result = check(run(content), "length")
    assert not result.passed
    assert f"characters of JSON, at most {MAX_DRAFT_CHARS:,}" in result.detail


@pytest.mark.parametrize(("kind", "content", "expected"), [
    (DraftKind.questions, {"questions": questions()["questions"] * 4},
     "questions has 16 entries, expected 3 to 12"),
    (DraftKind.questions, {"questions": []}, "questions has 0 entries, expected 3 to 12"),
    (DraftKind.goals, {"goals": goals()["goals"] * 3}, "goals has 6 entries, expected 1 to 5"),
    (DraftKind.framework, {"steps": "one"}, "steps has 0 entries, expected 2 to 10"),
])
def test_item_counts_out_of_bounds_fail_length(kind: DraftKind, content: dict[str, Any],
                                               expected: str) -> None:
    result = check(run(content, kind=kind), "length")
    assert not result.passed and expected in result.detail


def test_too_many_citations_fail_length() -> None:
    result = check(run(goals(), [cite()] * 13), "length")
    assert not result.passed and "13 citations, at most 12" in result.detail


# --- summaries ----------------------------------------------------------------------------------

def test_failed_feedback_lists_only_failed_checks() -> None:
    results = [CheckResult(name="schema", passed=True, detail="ok"),
               CheckResult(name="citations", passed=False, detail="no citations"),
               CheckResult(name="length", passed=False, detail="too long")]
    assert not passed_all(results)
    assert failed_feedback(results) == "- citations: no citations\n- length: too long"
    assert passed_all(results[:1]) and failed_feedback(results[:1]) == ""


def test_context_is_immutable() -> None:
    ctx = context()
    with pytest.raises(AttributeError):
        ctx.today = date(2027, 5, 3)  # type: ignore[misc]
    assert replace(ctx, today=date(2027, 5, 3)).today == date(2027, 5, 3)
