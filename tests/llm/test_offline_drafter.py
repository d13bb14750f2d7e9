"""The offline grounded drafter, on contexts built from the real guideline files."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from companion.llm import draft_offline
from companion.llm.offline.agenda import rescale

Messages = Callable[..., list[dict[str, Any]]]
FILE_FOR = {"agenda": "session-templates.md", "questions": "question-bank.md",
            "goals": "smart-er-goals.md", "framework": "conversation-frameworks.md"}
TODAY = date(2027, 3, 1)
END = date(2028, 1, 10)


def run(messages: list[dict[str, Any]]) -> dict[str, Any]:
    text = draft_offline(messages)
    answer = json.loads(text)
    assert set(answer) <= {"content", "citations", "note", "rationale"}, answer
    return answer


def passages_of(messages: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    block = re.search(r"```json context\n(.*)\n```", messages[-1]["content"], re.S)
    assert block
    return {p["id"]: p for p in json.loads(block[1])["passages"]}


def assert_grounded(answer: dict[str, Any], messages: list[dict[str, Any]]) -> None:
    given = passages_of(messages)
    assert answer["citations"], "no citations"
    for cited in answer["citations"]:
        passage = given[cited["passage_id"]]
        assert cited["source"] == passage["source"]
        assert cited["heading"] == passage["heading"]
        assert cited["excerpt"] and cited["excerpt"] in passage["text"]


@pytest.mark.parametrize(("phase", "topic", "minutes", "template", "expected"), [
    ("launch", None, 60, "Kickoff session", 90),  # a long session keeps its 90 minutes
    ("development", None, 45, "Regular session", 45),
    ("development", "mid-program check-in", 75, "Mid-program check-in", 90),
    ("development", "Preparing the half-way review", 60, "Mid-program check-in", 90),
    ("completion", None, 30, "Closing session", 90),
    ("development", "stakeholder map for the budget", 15, "Regular session", 15),
    ("launch", None, 240, "Kickoff session", 240),
])
def test_agenda_fills_the_session_exactly(make_messages: Messages, phase: str,
                                          topic: str | None, minutes: int,
                                          template: str, expected: int) -> None:
    program = {"name": "Pilot", "type": "one_to_one", "start_date": "2027-01-11",
               "end_date": "2028-01-10", "session_minutes": minutes, "cadence_weeks": 4}
    messages = make_messages("agenda", files=["session-templates.md", "question-bank.md"],
                             phase=phase, topic=topic, program=program)
    answer = run(messages)
    agenda = answer["content"]
    assert agenda["duration_minutes"] == expected
    assert sum(item["minutes"] for item in agenda["items"]) == expected
    assert all(isinstance(item["minutes"], int) and item["minutes"] > 0
               for item in agenda["items"])
    assert agenda["phase"] == phase
    assert agenda["title"].startswith(template)
    assert "…" not in agenda["title"]
    if template == "Regular session" and topic is None:  # a working session: their goal
        assert agenda["title"] == f"{template}: delegate recurring work to my team"
    elif topic in (None, "mid-program check-in"):  # nothing beyond the template's own name
        assert agenda["title"] == template
    else:
        assert agenda["title"] == f"{template}: {topic[0].lower()}{topic[1:]}"
    if topic is None:  # no topic: the mentee brings their own goal, in their own words
        assert any("delegate recurring work" in p.lower() for p in agenda["preparation"])
    assert_grounded(answer, messages)
    cited = answer["citations"][0]
    assert cited["heading"].endswith(template)
    assert re.match(r"^- \*\*.+\*\* \(\d+ min\) — ", cited["excerpt"])


def test_agenda_keeps_the_template_when_minutes_match(make_messages: Messages) -> None:
    agenda = run(make_messages("agenda", files=["session-templates.md"]))["content"]
    # the template's blocks and minutes; the main topic is the mentee's own first goal
    assert [(i["topic"], i["minutes"]) for i in agenda["items"]] == [
        ("Check-in and actions since last time", 10), ("Goal progress", 10),
        ("Main topic: delegate recurring work to my team", 25), ("Commitments", 10),
        ("Feedback on the session", 5)]


@pytest.mark.parametrize(("minutes", "total"), [
    ([15, 15, 20, 20, 10, 10], 60), ([10, 10, 25, 10, 5], 45), ([5, 20, 20, 10, 5], 17),
    ([10, 30, 20, 15, 15], 61), ([10, 25, 20, 20, 10, 5], 15), ([7], 33),
])
def test_rescale_sums_exactly_and_keeps_the_order_of_size(minutes: list[int],
                                                          total: int) -> None:
    scaled = rescale(minutes, total)
    assert sum(scaled) == total and min(scaled) >= 1
    pairs = list(zip(minutes, scaled, strict=True))
    assert all(sa >= sb for a, sa in pairs for b, sb in pairs if a > b)
    strict = rescale(minutes, total, minimum=5)
    assert sum(strict) == total
    assert min(strict) >= min(5, total // len(minutes))


@pytest.mark.parametrize(("topic", "side"), [(None, "Before a session"),
                                              ("what I learned after the session", "After a "
                                               "session")])
def test_questions_come_from_the_matching_competencies(make_messages: Messages,
                                                       topic: str | None, side: str) -> None:
    messages = make_messages("questions", files=["question-bank.md"], topic=topic)
    answer = run(messages)
    questions = answer["content"]["questions"]
    assert 6 <= len(questions) <= 8
    assert_grounded(answer, messages)
    given = passages_of(messages)
    competencies = {q["purpose"].split(" — ")[0] for q in questions}
    # the requester's goals are about delegation, feedback and presenting
    assert {"Delegation and empowerment", "Giving and receiving feedback"} <= competencies
    for question in questions:
        section = next(p["text"] for p in given.values()
                       if p["heading"].endswith(question["purpose"].split(" — ")[0]))
        part = section.split(f"### {side}")[1].split("###")[0]
        bank = [line[2:] for line in part.splitlines() if line.startswith("- ")]
        # the bank's question, word for word, or asked about the mentee's own goal after a
        # lead-in ("When it comes to delegating recurring work…, which tasks…?")
        assert any(question["text"] == q or (
            question["text"].endswith(", " + q[0].lower() + q[1:])
            and "delegating recurring work" in question["text"]) for q in bank), question
        assert question["text"].endswith("?")


def test_goals_are_smart_er_and_dated_inside_the_program(make_messages: Messages) -> None:
    messages = make_messages("goals", files=["smart-er-goals.md"])
    answer = run(messages)
    goals = answer["content"]["goals"]
    assert len(goals) == 3  # the requester has four; SMART-ER says two or three
    for goal, wish in zip(goals, ["delegate recurring work", "give clear feedback",
                                  "present to the leadership forum"], strict=True):
        assert f"I will {wish}" in goal["statement"]
        due = date.fromisoformat(goal["time_bound"])
        assert TODAY < due <= END
        checks = [date.fromisoformat(c["date"]) for c in goal["evaluated"]]
        assert 2 <= len(checks) <= 3
        assert checks == sorted(checks) and TODAY < checks[0] and checks[-1] <= due
        assert re.search(r"\d", goal["measurable"])
        assert re.match(r"^At the (\d{4}-\d{2}-\d{2}) checkpoint, .*(narrow|replace|reshape)",
                        goal["readjusted"])
        assert goal["readjusted"].split()[2] in {c["date"] for c in goal["evaluated"]}
        for part in ("specific", "achievable", "relevant"):
            assert goal[part].strip()
    assert len({g["measurable"] for g in goals}) == 3  # a measure for each goal, not one for all
    assert_grounded(answer, messages)


@pytest.mark.parametrize("today", ["2027-01-11", "2027-10-30", "2027-12-20", "2028-01-05"])
def test_goal_dates_stay_inside_the_program_late_in_it(make_messages: Messages,
                                                       today: str) -> None:
    goals = run(make_messages("goals", files=["smart-er-goals.md"], today=today))["content"]
    for goal in goals["goals"]:
        due = date.fromisoformat(goal["time_bound"])
        assert date.fromisoformat(today) < due <= END
        assert all(date.fromisoformat(today) < date.fromisoformat(c["date"]) <= due
                   for c in goal["evaluated"])


def test_no_goals_when_the_program_is_over(make_messages: Messages) -> None:
    answer = run(make_messages("goals", files=["smart-er-goals.md"], today="2028-01-10"))
    assert answer["content"]["goals"] == [] and "no date" in answer["note"]


@pytest.mark.parametrize(("topic", "name"), [
    ("feedback on missed deadlines", "Feedback conversation"),
    ("whether to apply for a promotion and my career direction", "Career conversation"),
    ("rehearse a difficult conversation with a peer", "Difficult-conversation rehearsal"),
    ("my team is going through a reorganization, leading change", "Leading through change"),
    ("something unrelated entirely", "GROW"),
])
def test_framework_matches_the_topic(make_messages: Messages, topic: str, name: str) -> None:
    messages = make_messages("framework", files=["conversation-frameworks.md"], topic=topic)
    answer = run(messages)
    framework = answer["content"]
    assert framework["name"] == name
    assert topic in framework["situation"]
    assert len(framework["steps"]) >= 3 and all(s["prompts"] for s in framework["steps"])
    assert framework["pitfalls"]
    text = next(p["text"] for p in passages_of(messages).values()
                if p["heading"].endswith(" > " + name))
    for step in framework["steps"]:
        assert f"### Stage: {step['stage']}" in text
        # the guideline's "the other person" is named as the situation names them
        assert all(f"- {prompt}" in text or
                   f"- {prompt.replace('the peer', 'the other person', 1)}" in text
                   for prompt in step["prompts"])
    assert all(f"- {pitfall}" in text for pitfall in framework["pitfalls"])
    assert_grounded(answer, messages)


@pytest.mark.parametrize("kind", list(FILE_FOR))
def test_the_drafter_is_deterministic(make_messages: Messages, kind: str) -> None:
    messages = make_messages(kind, files=list(FILE_FOR.values()), topic="delegation")
    assert draft_offline(messages) == draft_offline(messages)


@pytest.mark.parametrize("kind", list(FILE_FOR))
def test_a_reviewer_note_changes_the_draft(make_messages: Messages, kind: str) -> None:
    files = [FILE_FOR[kind]]
    before = run(make_messages(kind, files=files, topic="feedback on missed deadlines"))
    note = ("Reviewer feedback on the previous draft: focus on stakeholder influence with the "
            "product lead")
    after = run(make_messages(kind, files=files, topic="feedback on missed deadlines",
                              feedback=[note]))
    assert after != before
    assert "stakeholder influence" in json.dumps(after["content"]) or kind == "questions"
    if kind == "questions":  # the note pulls in the matching competency
        purposes = {q["purpose"].split(" — ")[0] for q in after["content"]["questions"]}
        assert "Influence and stakeholder management" in purposes


def test_a_failed_date_check_moves_the_dates_earlier(make_messages: Messages) -> None:
    before = run(make_messages("goals", files=["smart-er-goals.md"]))["content"]["goals"][0]
    after = run(make_messages("goals", files=["smart-er-goals.md"], feedback=[
        "- smart_er: goal 1: time_bound 2027-11-10 is after the closing session"]))
    goal = after["content"]["goals"][0]
    assert goal["time_bound"] < before["time_bound"]
    assert goal["specific"] == before["specific"]  # a check is fixed, not quoted


def test_a_failed_minutes_check_gives_every_item_real_time(make_messages: Messages) -> None:
    program = {"name": "Pilot", "start_date": "2027-01-11", "end_date": "2028-01-10",
               "session_minutes": 20}
    kwargs: dict[str, Any] = {"files": ["session-templates.md"], "phase": "development",
                              "program": program}
    before = run(make_messages("agenda", **kwargs))["content"]
    after = run(make_messages("agenda", feedback=[
        "- agenda_minutes: items add up to 19 minutes but duration_minutes is 20"],
        **kwargs))["content"]
    assert min(i["minutes"] for i in before["items"]) < 5
    assert min(i["minutes"] for i in after["items"]) >= 5
    assert sum(i["minutes"] for i in after["items"]) == 20


@pytest.mark.parametrize("kind", list(FILE_FOR))
def test_missing_guidelines_give_an_honest_draft_and_no_citations(make_messages: Messages,
                                                                  kind: str) -> None:
    other = "mentee-guide.md"
    answer = run(make_messages(kind, files=[other]))
    assert answer["citations"] == []
    assert answer["note"] and "note" not in answer["content"]  # content keeps its shape
    listed = {"agenda": "items", "questions": "questions", "goals": "goals",
              "framework": "steps"}[kind]
    if kind != "goals":  # goals still come from the requester's own wishes
        assert answer["content"][listed] == []


def test_only_given_passages_are_used(make_messages: Messages) -> None:
    messages = make_messages("questions", files=["question-bank.md"])
    block = re.search(r"```json context\n(.*)\n```", messages[-1]["content"], re.S)
    assert block
    context = json.loads(block[1])
    context["passages"] = [p for p in context["passages"] if "Self-awareness" in p["heading"]]
    messages[-1]["content"] = f"```json context\n{json.dumps(context)}\n```"
    answer = run(messages)
    assert 6 == len(answer["content"]["questions"])  # one competency has six per side
    assert {c["heading"] for c in answer["citations"]} == {"Question bank > Self-awareness"}


def test_sub_chunked_passages_read_the_same(make_messages: Messages) -> None:
    """Retrieval may split a template at its ### headings; the agenda must not change."""
    messages = make_messages("agenda", files=["session-templates.md"])
    whole = run(messages)["content"]
    block = re.search(r"```json context\n(.*)\n```", messages[-1]["content"], re.S)
    assert block
    context = json.loads(block[1])
    chunks = []
    for passage in context["passages"]:
        parts = re.split(r"^### (.+)$", passage["text"], flags=re.M)
        chunks.append({**passage, "id": passage["id"] + "-intro", "text": parts[0].strip()})
        for heading, body in zip(parts[1::2], parts[2::2], strict=True):
            chunks.append({**passage, "id": f"{passage['id']}-{heading.lower()}",
                           "heading": f"{passage['heading']} > {heading}",
                           "text": body.strip()})
    context["passages"] = chunks
    messages[-1]["content"] = f"```json context\n{json.dumps(context)}\n```"
    answer = run(messages)
    assert answer["content"] == whole
    assert_grounded(answer, messages)
    assert {c["heading"] for c in answer["citations"]} == {
        "Session templates > Regular session > Agenda",
        "Session templates > Regular session > Preparation"}


@pytest.mark.parametrize(("content", "error"), [
    ("no block here", "no ```json context block"),
    ("```json context\n{not json\n```", "not valid JSON"),
    ('```json context\n{"kind": "poem", "today": "2027-03-01"}\n```', "unknown draft kind"),
])
def test_unusable_messages_still_get_valid_json(content: str, error: str) -> None:
    answer = json.loads(draft_offline([{"role": "user", "content": content}]))
    assert answer["content"] == {} and answer["citations"] == []
    assert error in answer["error"]


@pytest.mark.parametrize(("line", "checks", "notes"), [
    ("- agenda_minutes: items add up to 59 minutes but duration_minutes is 60", {"minutes"}, []),
    ("- smart_er: goal 2: checkpoint 3 (2028-02-01) is after time_bound 2027-12-01",
     {"dates"}, []),
    ("- citations: citation 1 (x#y): excerpt 'abc' does not occur in the passage",
     {"citations"}, []),
    ("- length: questions has 2 entries, expected 3 to 12", set(), []),
    ("Reviewer feedback on the previous draft: shorter, and fix the dates", {"dates", "fewer"},
     ["shorter, and fix the dates"]),
    ("Reviewer feedback on the previous draft: None", set(), []),
    ("Please mention the budget review", set(), ["Please mention the budget review"]),
])
def test_feedback_lines_are_read_as_checks_or_notes(line: str, checks: set[str],
                                                    notes: list[str]) -> None:
    from companion.llm.offline.text import read_feedback

    feedback = read_feedback([line])
    assert (feedback.checks, feedback.notes) == (checks, notes)
