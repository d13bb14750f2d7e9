"""The reviewer's "Why this draft" list, read leniently from whatever a model wrote."""

from __future__ import annotations

from typing import Any

import pytest

from companion.services.draft_rationale import MAX_LINE, explain


@pytest.mark.parametrize(("rationale", "reasons"), [
    ({"framework": {"name": "GROW", "reason": "a goal to reach"}},
     ["Framework: GROW — a goal to reach"]),
    ({"framework": "GROW"}, ["Framework: GROW"]),
    ({"template": {"name": "Kickoff", "reason": "first session", "minutes": 60},
      "framework": None}, ["Template: Kickoff — first session"]),
    ({"sections": [{"name": "Delegation", "reason": "her first goal"}, "Feedback"]},
     ["Section: Delegation — her first goal", "Section: Feedback"]),
    ({"voice": "you", "plan": {"framework": "GROW"}}, []),  # internals are not reasons
])
def test_reasons(rationale: dict[str, Any], reasons: list[str]) -> None:
    assert explain(rationale).reasons == reasons


def test_notes_and_safety_flags() -> None:
    why = explain({"note": "Could not name the manager.",
                   "note_followed": ["fewer questions"],
                   "note_not_followed": [{"note": "name the manager", "reason": "private"}],
                   "safety": {"flags": ["injected instruction ignored"], "pii_removed": True,
                              "ok": False, "detail": "one name dropped"}})
    assert why.note == "Could not name the manager."
    assert why.followed == ["fewer questions"]
    assert why.not_followed == ["name the manager — private"]
    assert why.safety == ["injected instruction ignored", "pii removed",
                          "detail: one name dropped"]
    assert why


@pytest.mark.parametrize("rationale", [None, {}, {"safety": {}}, {"sections": []},
                                       {"note": 3}, "not a dict"])
def test_nothing_to_show(rationale: Any) -> None:
    assert not explain(rationale)


def test_long_lines_are_cut() -> None:
    [line] = explain({"note_followed": ["x" * 1000]}).followed
    assert len(line) == MAX_LINE and line.endswith("…")


def test_a_note_that_only_repeats_the_followed_list_is_not_shown_twice() -> None:
    why = explain({"note": "Following the reviewer's note: fewer questions.",
                   "note_followed": ["fewer questions"]})
    assert why.note is None and why.followed == ["fewer questions"]
    kept = explain({"note": "This version is the same as the one the note was about.",
                    "note_followed": ["fewer questions"]})
    assert kept.note and kept.note.startswith("This version is the same")
