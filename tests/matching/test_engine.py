"""The matching engine: hard rules as masks, components, explained suggestions."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from companion.domain import Participant, ProgramType
from companion.embeddings import HashingEmbedder
from companion.matching import components as comp
from companion.matching.engine import MatchPool, PoolInputs
from companion.matching.texts import expertise_phrases, shorten
from tests import factories
from tests.matching.conftest import people


def pool(embedder: HashingEmbedder, inputs: PoolInputs | None = None,
         **program: object) -> MatchPool:
    return MatchPool(factories.program(**program), people(), embedder, inputs=inputs,
                     today=date(2027, 3, 1))


def allowed(p: MatchPool, mentee: str) -> set[str]:
    total, _ = p.score_block(np.array([p.mentee_index[mentee]]))
    return {p.mentors[j].id for j in np.flatnonzero(np.isfinite(total[0]))}


def test_hard_rules_exclude_manager_capacity_and_language(embedder: HashingEmbedder) -> None:
    p = pool(embedder)
    assert allowed(p, "alice") == {"fin", "fin2", "dele"}  # not boss, jp (ja only), full (0)
    i = p.mentee_index["alice"]
    assert p.exclusion_reason(i, p.mentor_index["boss"]) == "their manager"
    assert p.exclusion_reason(i, p.mentor_index["full"]) == "at capacity"
    assert p.exclusion_reason(i, p.mentor_index["jp"]) == "no shared language"
    assert p.exclusion_reason(i, p.mentor_index["dele"]) is None


def test_language_is_only_a_rule_when_the_program_requires_it(embedder: HashingEmbedder
                                                               ) -> None:
    assert "jp" in allowed(pool(embedder, require_shared_language=False), "alice")


def test_rejected_and_blocked_pairs_and_load(embedder: HashingEmbedder) -> None:
    inputs = PoolInputs(load={"fin": 1}, rejected={("cara", "fin2")},
                        blocked={("cara", "dele"): "siblings"})
    p = pool(embedder, inputs)
    assert allowed(p, "cara") == {"boss"}
    i = p.mentee_index["cara"]
    assert p.exclusion_reason(i, p.mentor_index["dele"]) == "do-not-match (siblings)"
    assert p.exclusion_reason(i, p.mentor_index["fin2"]) == "rejected by a coordinator before"
    assert p.exclusion_reason(i, p.mentor_index["fin"]) == "at capacity"


def test_whole_reporting_line_and_both_directions_are_excluded(embedder: HashingEmbedder
                                                               ) -> None:
    chain = [
        factories.mentor("ceo", level="8"), factories.mentor("vp", level="7", manager_id="ceo"),
        factories.mentee("dev", level="3", manager_id="vp"),
        # a reverse-program case: the junior mentor reports (indirectly) to the senior mentee
        factories.mentor("junior", level="2", manager_id="dev", role="mentor"),
        factories.mentor("self", role="both", level="5", goals="Grow"),
    ]
    p = MatchPool(factories.program(), [Participant.model_validate(c) for c in chain], embedder)
    total, _ = p.score_block(np.array([p.mentee_index["dev"]]))
    blocked = {p.mentors[j].id for j in np.flatnonzero(~np.isfinite(total[0]))}
    assert blocked == {"ceo", "vp", "junior"}
    i = p.mentee_index["dev"]
    assert p.exclusion_reason(i, p.mentor_index["ceo"]) == "above them in their reporting line"
    assert p.exclusion_reason(i, p.mentor_index["junior"]) == "reports to them"
    s = p.mentee_index["self"]
    assert p.exclusion_reason(s, p.mentor_index["self"]) == "self"


def test_suggestions_rank_paraphrase_free_fit_and_explain(embedder: HashingEmbedder) -> None:
    [suggestion] = pool(embedder).suggest(top=2, mentee_ids=["cara"])
    ids = [c.mentor_id for c in suggestion.candidates]
    assert set(ids) == {"fin", "fin2"}
    top = suggestion.candidates[0]
    assert top.score >= suggestion.candidates[1].score
    assert set(top.components) == set(comp.COMPONENTS)
    assert all(0.0 <= v <= 1.0 for v in top.components.values())
    assert top.reasons[0].startswith(("Strong fit", "Good fit", "Partial fit"))
    assert "goal “" in top.reasons[0] and "expertise “" in top.reasons[0]
    assert any(r.startswith("Leads the runner-up") for r in top.reasons)
    assert any("behind the top candidate" in r for r in suggestion.candidates[1].reasons)


def test_several_goals_are_matched_goal_by_goal(embedder: HashingEmbedder) -> None:
    p = pool(embedder)
    i = p.mentee_index["bob"]
    assert p.goal_count[i] == 2
    _, parts = p.score_block(np.array([i]))
    semantic = dict(zip([m.id for m in p.mentors], parts["semantic"][0], strict=True))
    # each covers one of bob's two goals; neither covers both
    assert semantic["fin"] > 0 and semantic["dele"] > 0
    reasons = p.reasons(i, p.mentor_index["fin"], {"semantic": semantic["fin"]})
    assert "of 2 goals" in reasons[0]


def test_no_eligible_mentor_is_explained(embedder: HashingEmbedder) -> None:
    inputs = PoolInputs(load={"fin": 1, "fin2": 2, "dele": 2, "boss": 3})
    [s] = pool(embedder, inputs).suggest(mentee_ids=["alice"])
    assert s.candidates == []
    assert s.note is not None and s.note.startswith("all 6 mentors excluded by rule")
    assert "at capacity" in s.note and "no shared language" in s.note


def test_candidate_edges_hold_only_allowed_pairs(embedder: HashingEmbedder) -> None:
    p = pool(embedder)
    mentees, mentors, scores = p.candidate_edges(np.arange(len(p.mentees)), 10)
    assert len(mentees) == len(mentors) == len(scores) > 0
    assert np.all(np.isfinite(scores))
    for i, j in zip(mentees, mentors, strict=True):
        assert p.exclusion_reason(int(i), int(j)) is None


@pytest.mark.parametrize(("kind", "mentee", "mentor", "expected"), [
    (ProgramType.one_to_one, 3, 6, 1.0), (ProgramType.one_to_one, 3, 4, 0.6),
    (ProgramType.one_to_one, 3, 3, 0.2), (ProgramType.one_to_one, 2, 8, 0.6),
    (ProgramType.one_to_one, 5, 2, 0.05), (ProgramType.peer, 4, 4, 1.0),
    (ProgramType.peer, 4, 6, 0.4), (ProgramType.reverse, 7, 3, 1.0),
    (ProgramType.reverse, 3, 7, 0.1), (ProgramType.one_to_one, None, 5, 0.5),
])
def test_level_fit_suits_the_program_type(kind: ProgramType, mentee: int | None, mentor: int,
                                          expected: float) -> None:
    fit = comp.level_fit(kind, np.array([np.nan if mentee is None else mentee]),
                         np.array([mentor], dtype=float))
    assert fit[0, 0] == pytest.approx(expected)


@pytest.mark.parametrize(("a", "b", "hours"), [
    ("Europe/London", "Europe/Berlin", 8), ("Europe/London", "America/New_York", 4),
    ("Europe/London", "Australia/Sydney", 0), ("Asia/Kolkata", "Asia/Kolkata", 9),
    ("Pacific/Auckland", "Pacific/Honolulu", 8),  # 23 h apart on the clock, 1 h across midnight
])
def test_working_day_overlap(a: str, b: str, hours: float) -> None:
    on = date(2027, 1, 15)
    overlap = comp.overlap_hours(np.array([comp.utc_offset_hours(a, on)]),
                                 np.array([comp.utc_offset_hours(b, on)]))
    assert overlap[0, 0] == pytest.approx(hours)


@pytest.mark.parametrize(("prefers", "same", "expected"), [
    (1, True, 0.0), (1, False, 1.0), (0, True, 1.0), (0, False, 0.5), (-1, True, 0.4),
    (-1, False, 1.0),
])
def test_department_preference(prefers: int, same: bool, expected: float) -> None:
    fit = comp.department_fit(np.array([1]), np.array([1 if same else 2]), np.array([prefers]))
    assert fit[0, 0] == expected


def test_load_and_language_components() -> None:
    assert comp.load_fit(np.array([0, 2, 3, 0]), np.array([3, 3, 3, 0])).tolist() == \
        pytest.approx([1.0, 1 / 3, 0.0, 0.0])
    assert comp.language_fit(np.array([[True, False]]), np.array([[True, False]])
                             ).tolist() == [[1.0, 0.5]]


def test_expertise_phrases_and_excerpts() -> None:
    person = Participant.model_validate(factories.mentor(
        "m", expertise="Short one. Then a much longer sentence about leading finance teams "
                       "through change. Another.", skills="budgeting;coaching"))
    phrases = expertise_phrases(person)
    assert phrases[0].startswith("Short one. Then a much longer")
    assert phrases[-1] == "Skills: budgeting, coaching"
    bare = Participant.model_validate(factories.mentor("x", expertise="", title="CFO"))
    assert expertise_phrases(bare) == ["CFO in Finance"]
    assert shorten("word " * 40, 20).endswith("…") and len(shorten("word " * 40, 20)) <= 21



def test_block_and_pair_scoring_agree_with_a_naive_loop(embedder: HashingEmbedder) -> None:
    p = pool(embedder)
    rows = np.arange(len(p.mentees))
    every = np.broadcast_to(np.arange(len(p.mentors)), (len(rows), len(p.mentors)))
    fast = p.semantic.fit_all(rows)
    assert np.allclose(fast, p.semantic.fit_for(rows, every))
    for i in rows:
        start = p.semantic.goal_start[i]
        goals = np.arange(start, start + p.semantic.goal_count[i])
        for j in range(len(p.mentors)):
            phrases = np.flatnonzero(p.semantic.phrase_owner == j)
            cos = np.sort(p.goal_vecs[goals] @ p.phrase_vecs[phrases].T, axis=1)[:, ::-1]
            top_two = cos[:, :2].mean(axis=1)
            assert fast[i, j] == pytest.approx(float(comp.semantic_fit(top_two).mean()),
                                               abs=1e-5)
    total, parts = p.score_block(rows)
    pair_total, pair_parts = p.score_pairs(np.array([0, 2]), np.array([1, 3]))
    assert pair_total[1] == pytest.approx(total[2, 3])
    assert pair_parts["semantic"][0] == pytest.approx(parts["semantic"][0, 1])
