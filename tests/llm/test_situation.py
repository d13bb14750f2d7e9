"""Asking the guideline's questions about the reader's own situation."""

from __future__ import annotations

import pytest

from companion.llm.offline.situation import anchored, clean_phrase, gerund, key_phrase


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


@pytest.mark.parametrize(("goal", "phrase"), [
    # seen in a fresh clone: the agenda's main topic read "build a succession plan for my
    # own role in time for next"
    ("Build a succession plan for my own role in time for next year's objectives, so that "
     "I'm no longer the only person who can cover my job. Nobody on my team could step into "
     "my role if I moved on.", "build a succession plan for my own role"),
    # the first sentence, not "... keep? I came back"; the lead-in dropped
    ("I would really like to set limits on my working hours that I actually keep? I came "
     "back from leave exhausted.", "set limits on my working hours that I actually keep"),
    ("I'd like to get new joiners productive in weeks rather than months. Onboarding takes "
     "us a quarter.", "get new joiners productive in weeks rather than months"),
    ("I'm hoping to turn arguments about people into discussions about processes and data, "
     "so the team moves on.", "turn arguments about people into discussions about processes"),
    ("Stop measuring my own worth by how much I personally get done every single week of "
     "the year.", "stop measuring my own worth"),
    ("Hold the underperformance conversation with my deputy I've been putting off for "
     "months now.", "hold the underperformance conversation with my deputy"),
    ("Create a team where everyone feels safe to disagree with me? I notice meetings go "
     "quiet.", "create a team where everyone feels safe to disagree with me"),
])
def test_a_long_goal_becomes_a_phrase_that_reads_whole(goal: str, phrase: str) -> None:
    assert clean_phrase(goal, 60) == phrase
