"""Labels of semantic fit are calibrated: a fit weak in absolute terms is never "Strong", and
each reason says where the fit stands among the program's pairs (issue 13)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

from companion.domain import Participant
from companion.embeddings import Embedder, HashingEmbedder
from companion.matching import calibration
from companion.matching.calibration import Calibration, Floors
from companion.matching.engine import MatchPool
from companion.matching.reason_fields import reason_quotes
from tests import factories

# One-line answers, as an HR survey collects them.
SURVEY_MENTORS = [
    ("vp-fin", "Finance", "Budget ownership and forecasting for a regional finance function"),
    ("eng", "Engineering", "Scaling engineering teams and hiring"),
    ("hr", "People", "Coaching first-time managers to delegate"),
    ("sales", "Sales", "Negotiating enterprise deals"),
    ("comms", "Communications", "Public speaking and presenting to executives"),
    ("ops", "Operations", "Running lean operations and process improvement"),
    ("legal", "Legal", "Contract law and compliance"),
    ("mkt", "Marketing", "Brand strategy and campaign planning"),
    ("data", "Analytics", "Building dashboards and data literacy"),
    ("cx", "Customer Success", "Handling escalations with difficult customers"),
]
SURVEY_MENTEES = [
    ("e-stake", "Manage stakeholders across the US and Europe"),
    ("e-deleg", "Learn to delegate work to my new team"),
    ("e-pres", "Present to the board with confidence"),
    ("e-neg", "Get better at negotiating with customers"),
    ("e-hire", "Hire and grow a bigger engineering team"),
    ("e-proc", "Improve our team's processes"),
    ("e-data", "Use data to make better decisions"),
    ("e-brand", "Understand how marketing builds a brand"),
    ("e-law", "Know the basics of contracts"),
    ("e-esc", "Stay calm when a customer escalates"),
]
FIT = re.compile(r"^(Strong|Good|Partial|Weak) fit \((\d+)%; closer than (\d+)% of pairs in "
                 r"(this program|the reference corpus)\): goal “")


def survey_pool(embedder: Embedder) -> MatchPool:
    rows: list[dict[str, Any]] = [
        factories.mentor(pid, department=dept, level="7", expertise=text, capacity="3")
        for pid, dept, text in SURVEY_MENTORS]
    rows += [factories.mentee(pid, goals=goal) for pid, goal in SURVEY_MENTEES]
    people = [Participant.model_validate(r) for r in rows]
    return MatchPool(factories.program(), people, embedder)


def first_reason(pool: MatchPool, mentee: str, mentor: str) -> str:
    suggestion = pool.suggest(top=len(pool.mentors), mentee_ids=[mentee])[0]
    return next(c.reasons[0] for c in suggestion.candidates if c.mentor_id == mentor)


def test_the_survey_example_is_not_a_strong_fit(bundled_embedder: Embedder) -> None:
    pool = survey_pool(bundled_embedder)
    assert pool.semantic.centred_on == "pool"  # 20 texts: the program's own centre
    reason = first_reason(pool, "e-stake", "vp-fin")
    match = FIT.match(reason)
    assert match, reason
    assert match[1] not in ("Strong", "Good"), reason
    assert match[4] == "this program"
    goal, phrase = pool.semantic.goal_text.index(SURVEY_MENTEES[0][1]), 0
    assert pool.semantic.raw_cosine(np.array([goal]), np.array([phrase]))[0] < 0.3


def test_a_genuinely_close_pair_is_still_strong(bundled_embedder: Embedder) -> None:
    pool = survey_pool(bundled_embedder)
    for mentee, mentor in (("e-deleg", "hr"), ("e-neg", "sales"), ("e-hire", "eng")):
        reason = first_reason(pool, mentee, mentor)
        match = FIT.match(reason)
        assert match and match[1] == "Strong", reason
        assert int(match[3]) >= 90
        top = pool.suggest(top=1, mentee_ids=[mentee])[0].candidates[0]
        assert top.mentor_id == mentor


def test_an_absolute_floor_caps_the_label_whatever_the_percentile() -> None:
    table = Calibration(np.linspace(0, 1, 101), calibration.IN_PROGRAM,
                        Floors(strong=0.45, good=0.35))
    assert table.strength(0.87, 99, 0.20) == "Partial"  # the case: weak texts
    assert table.strength(0.87, 99, 0.40) == "Good"
    assert table.strength(0.87, 99, 0.60) == "Strong"
    assert table.strength(0.87, 60, 0.60) == "Partial"  # ordinary for this program
    assert table.strength(0.05, 10, 0.60) == "Weak"
    assert table.percentiles(np.array([0.0, 0.5, 1.0])).tolist() == [0, 49, 99]


def test_floors_are_per_model_and_never_below_the_minimum(bundled_embedder: Embedder) -> None:
    minilm, hashing = calibration.floors(bundled_embedder), calibration.floors(HashingEmbedder())
    for floors in (minilm, hashing):
        assert floors.strong >= calibration.STRONG_MIN_COSINE
        assert floors.good >= calibration.GOOD_MIN_COSINE
    assert minilm.good == pytest.approx(0.378, abs=0.01)  # 90th pct of random reference pairs


def test_every_reason_gives_the_percentile_and_is_recognised() -> None:
    pool = survey_pool(HashingEmbedder())
    reasons = [c.reasons[0] for s in pool.suggest(top=3) for c in s.candidates]
    assert reasons and all(FIT.match(r) for r in reasons), reasons[:3]
    assert all(reason_quotes(r) is not None for r in reasons)
    # the same wording through `reasons` (assignments, swaps) as through suggestions
    top = pool.suggest(top=1, mentee_ids=["e-deleg"])[0].candidates[0]
    again = pool.reasons(pool.mentee_index["e-deleg"], pool.mentor_index[top.mentor_id],
                         top.components)
    assert again[0] == top.reasons[0]


def test_a_small_program_is_measured_against_the_reference_corpus() -> None:
    rows = [factories.mentor("m1"), factories.mentee("e1", goals="Lead my first team")]
    pool = MatchPool(factories.program(), [Participant.model_validate(r) for r in rows],
                     HashingEmbedder())
    assert pool.calibration.among == calibration.IN_REFERENCE
    reason = pool.suggest(top=1)[0].candidates[0].reasons[0]
    assert "of pairs in the reference corpus" in reason
