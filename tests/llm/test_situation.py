"""Asking the guideline's questions about the reader's own situation."""

from __future__ import annotations

import pytest

from companion.llm.offline.situation import anchored, gerund, key_phrase


@pytest.mark.parametrize(("phrase", "key"), [
    ("handing the month-end reconciliations over to my analysts",
     "handing the month-end reconciliations"),
    ("getting the new head of sales on my side", "getting the new head of sales"),
    ("you keep redoing your analysts' work instead of delegating", "your analysts' work"),
    ("after a tough performance review", "the tough performance review"),
    ("the relationship with sales", "the relationship with sales"),
    ("leadership", ""),
])
def test_the_key_phrase_is_the_situations_main_words(phrase: str, key: str) -> None:
    assert key_phrase(phrase) == key


def test_the_full_situation_once_then_its_key_words() -> None:
    phrase = "handing the month-end reconciliations over to my analysts"
    first = anchored("What stops me from handing over work?", phrase, "mentee", 0)
    later = [anchored("Who could own it?", phrase, "mentee", turn) for turn in (1, 2, 3)]
    assert first == ("When it comes to handing the month-end reconciliations over to my "
                     "analysts, what stops me from handing over work?")
    assert all(q and "handing the month-end reconciliations" in q and "analysts" not in q
               for q in later)
    assert len({q.split(",")[0].split(" handing")[0] for q in later if q}) == 3  # varied


def test_a_mentors_words_are_turned_to_the_mentee() -> None:
    asked = anchored("What would you hand over tomorrow?",
                     "my mentee keeps redoing her analysts' work", "mentor", 0)
    assert asked == ("Given that you keep redoing your analysts' work, what would you hand "
                     "over tomorrow?")


@pytest.mark.parametrize(("intention", "activity"), [
    ("delegate the reconciliations", "delegating the reconciliations"),
    ("stop avoiding disagreements", "stopping avoiding disagreements"),
    ("give clear feedback", "giving clear feedback"),
    ("my team", "my team"),
])
def test_an_intention_becomes_an_activity(intention: str, activity: str) -> None:
    assert gerund(intention) == activity
