"""The SMART-ER check on what the offline drafter used to get wrong: questions and cut-off
statements, checkpoints days apart, readjusted dates past the program's end; worksheets pass
and count towards the goals draft's length."""

from __future__ import annotations

from typing import Any

import pytest

from tests.drafting.test_checks import check, goals, run


def _first(**fields: Any) -> dict[str, Any]:
    content = goals()
    content["goals"][0].update(fields)
    return content


WORKSHEET = {"goal": "network more",
             "questions": ["What would people see you doing differently by 2027-06-30?",
                           "Who would notice first?",
                           "What could you count to know you are making progress?"]}


@pytest.mark.parametrize(("fields", "expected"), [
    ({"statement": "How can I manage my nerves when presenting? by 2027-06-30?"},
     "goal 1: statement is a question"),
    ({"statement": "Delegate the monthly reconciliations to my two analysts instead of…"},
     "goal 1: statement is cut off"),
    ({"statement": "Delegate the monthly reconciliations to my two analysts instead of..."},
     "goal 1: statement is cut off"),
    ({"evaluated": [{"date": "2027-06-20", "check": "Are the first two handovers done?"},
                    {"date": "2027-06-25", "check": "Has the report gone out without edits?"}]},
     "goal 1: checkpoint 2 (2027-06-25) is only 5 days after checkpoint 1"),
    ({"readjusted": "At the 2027-05-24 checkpoint, if a team member leaves, I extend the date "
                    "to 2028-02-15."},
     "goal 1: readjusted allows 2028-02-15, after the program ends (2027-12-17)"),
])
def test_the_old_boilerplate_mistakes_fail(fields: dict[str, Any], expected: str) -> None:
    result = check(run(_first(**fields)), "smart_er")
    assert not result.passed
    assert expected in result.detail


def test_checkpoints_two_weeks_apart_pass() -> None:
    content = _first(evaluated=[{"date": "2027-06-02", "check": "Is the habit still running?"},
                                {"date": "2027-06-16", "check": "What do I keep and hand on?"}])
    assert check(run(content), "smart_er").passed


def test_a_worksheet_only_draft_passes_and_counts_as_an_item() -> None:
    results = run({"goals": [], "worksheets": [WORKSHEET]})
    smart = check(results, "smart_er")
    assert smart.passed and "1 worksheet(s)" in smart.detail
    assert check(results, "length").passed
    assert check(results, "schema").passed


def test_goals_and_worksheets_count_together_for_length() -> None:
    content = goals()
    content["worksheets"] = [WORKSHEET] * 3  # 2 goals + 3 worksheets = 5: allowed
    assert check(run(content), "length").passed
    content["goals"] = content["goals"] * 2  # 4 + 3 = 7
    length = check(run(content), "length")
    assert not length.passed and "7 entries" in length.detail
