"""The usefulness graders pass a draft a good mentor would write and fail a boilerplate one;
the boilerplate drafter fails the suite's key metrics on a small subset of its cases."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from companion.config import Settings
from companion.domain import DraftKind
from companion.embeddings import Embedder, HashingEmbedder
from companion.evals import usefulness
from companion.evals import usefulness_graders as u
from companion.evals.baseline import load_config
from companion.evals.boilerplate import BoilerplateChatModel
from companion.evals.drafting_cases import expectation
from companion.evals.usefulness_cases import load
from companion.evals.verdicts import DraftOutput, Status
from companion.evals.workspace import workspace

ROOT = Path(__file__).resolve().parents[2]
EVALS, KNOWLEDGE = ROOT / "evals", ROOT / "knowledge"


def out(kind: DraftKind, content: dict[str, Any], status: str = "pending_review"
        ) -> DraftOutput:
    return DraftOutput(kind=kind, status=status, content=content, citations=[])


def questions(*texts: str, purpose: str = "") -> DraftOutput:
    return out(DraftKind.questions, {"questions": [{"text": t, "purpose": purpose}
                                                   for t in texts]})


@pytest.fixture(scope="module")
def embedder(bundled_embedder: Embedder) -> Embedder:
    """The bundled embedding model: these graders are about meaning (loads in ~2 s)."""
    return bundled_embedder


# --- frameworks ------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "status"), [
    ("Difficult-conversation rehearsal", Status.passed),
    ("difficult conversation rehearsal", Status.passed),
    ("GROW", Status.failed), ("", Status.failed)])
def test_framework_accuracy(name: str, status: Status) -> None:
    draft = out(DraftKind.framework, {"name": name, "steps": []})
    verdict = u.framework_accuracy(draft, ["Difficult-conversation rehearsal",
                                           "Negotiation preparation"])
    assert verdict.status is status


def test_consistency_needs_one_named_framework() -> None:
    assert u.consistent(["Leading former peers", "leading former peers"])
    assert not u.consistent(["Leading former peers", "Leading a remote team"])
    assert not u.consistent(["", ""])


# --- questions -------------------------------------------------------------------------------

UNRELATED = ["planning the annual summer party", "fixing the printer queue on the third floor",
             "choosing a new expense-tracking tool for the office"]
TOPIC = "handing the month-end reconciliations over to my analysts"


def test_questions_on_topic(embedder: Embedder) -> None:
    good = questions("Which reconciliations could your analysts own from next month?",
                     "What would month-end close look like if you reviewed the reconciliations "
                     "instead of doing them?")
    generic = questions("How do I honestly feel about the change I am leading?",
                        "What trend in our market am I paying too little attention to?")
    scored = u.questions_on_topic(good, TOPIC, UNRELATED, embedder, bound=0.35)
    assert scored.verdict.passed and scored.value == 1.0
    scored = u.questions_on_topic(generic, TOPIC, UNRELATED, embedder, bound=0.35)
    assert scored.verdict.failed and scored.value == 0.0
    assert "0 of 2 questions on topic" in scored.verdict.reason


BANK = u.bank_competencies((KNOWLEDGE / "question-bank.md").read_text())


def test_competency_fit_traces_bank_questions_and_purposes() -> None:
    delegation = [q for q, c in BANK.items() if c == "Delegation and empowerment"]
    assert delegation  # the bank is read
    from_bank = questions(*delegation[:3])
    assert u.competency_fit(from_bank, ["Delegation and empowerment"], BANK).passed
    named = questions("Something new?", purpose="Career direction — before the session")
    verdict = u.competency_fit(named, ["Delegation and empowerment"], BANK)
    assert verdict.failed and "Career direction" in verdict.reason
    untraceable = questions("Which reconciliations could your analysts own?")
    assert u.competency_fit(untraceable, ["Delegation and empowerment"],
                            BANK).status is Status.skipped


def test_mentor_voice() -> None:
    to_mentee = questions("What would you hand over first?", "Who in your team is ready?",
                          "What stops you from letting go?")
    bank_voice = questions("What stops me from handing over work?", "Who in my team is ready?",
                           "What would you change?")
    assert u.mentor_voice(to_mentee).verdict.passed
    scored = u.mentor_voice(bank_voice)
    assert scored.verdict.failed and scored.value == 0.0
    assert "67% of questions in the first person" in scored.verdict.reason


# --- goals -----------------------------------------------------------------------------------

GOAL = {"statement": "Present our quarterly results to the promotion panel without notes.",
        "specific": "Rehearse the results story twice with my mentor before the panel.",
        "measurable": "I present all 12 slides without reading from them at the dry run.",
        "achievable": "x", "relevant": "x", "time_bound": "2027-04-14",
        "evaluated": [{"date": "2027-03-01", "check": "a"}, {"date": "2027-03-29", "check": "b"}],
        "readjusted": "x"}


def goals(**changes: Any) -> DraftOutput:
    return out(DraftKind.goals, {"goals": [{**copy.deepcopy(GOAL), **changes}]})


@pytest.mark.parametrize(("changes", "status", "reason"), [
    ({}, Status.passed, "due 2027-04-14"),
    ({"time_bound": "2027-03-30"}, Status.passed, "due 2027-03-30"),  # before the panel, named
    ({"time_bound": "2027-11-10"}, Status.failed, "not in 2027-04"),
    ({"measurable": "At least 4 logged instances a month."}, Status.failed, "lacks 'slides'"),
])
def test_goal_own_words(changes: dict[str, Any], status: Status, reason: str) -> None:
    verdict = u.goal_own_words(goals(**changes), "2027-04", "promotion panel",
                               [expectation("slides")])
    assert verdict.status is status and reason in verdict.reason


def test_goal_own_words_names_the_event_only_with_an_early_enough_date() -> None:
    late = goals(time_bound="2027-05-20")  # names the panel, but after April
    assert u.goal_own_words(late, "2027-04", "promotion panel", [expectation("slides")]).failed


@pytest.mark.parametrize(("statement", "status"), [
    ("Present our results with confidence.", Status.passed),
    ("Delegate the monthly reconciliations to my two analysts by the end…", Status.failed),
    ("How do I present with confidence?", Status.failed)])
def test_goal_statement_clean(statement: str, status: Status) -> None:
    assert u.goal_statement_clean(goals(statement=statement)).status is status


def test_checkpoint_gap() -> None:
    close = goals(evaluated=[{"date": "2027-11-28"}, {"date": "2027-12-05"}])
    verdict = u.checkpoint_gap(close, 14)
    assert verdict.failed and "7 days apart" in verdict.reason
    assert u.checkpoint_gap(goals(), 14).passed
    assert u.checkpoint_gap(out(DraftKind.goals, {"goals": []}), 14).passed


def test_vague_goal_handled() -> None:
    assert u.vague_goal_handled(goals(), []).failed
    assert u.vague_goal_handled(goals(), ["'leadership' is too broad: which situation?"]).passed
    worksheet = out(DraftKind.goals, {"goals": [], "worksheets": [{"prompt": "Which?"}]})
    assert u.vague_goal_handled(worksheet, []).passed


def test_measures_and_schedules_compare_normalised() -> None:
    assert u.measure_texts(goals(measurable="At least 4 logged, instances!")) == [
        "at least 4 logged instances"]
    assert u.checkpoint_dates(goals()) == frozenset({"2027-03-01", "2027-03-29"})


# --- agendas ---------------------------------------------------------------------------------

TEMPLATES = u.session_templates((KNOWLEDGE / "session-templates.md").read_text())


def agenda(title: str, topics: list[str], minutes: int = 90) -> DraftOutput:
    return out(DraftKind.agenda, {"title": title, "duration_minutes": minutes,
                                  "items": [{"topic": t, "minutes": 10, "purpose": "p"}
                                            for t in topics]})


def test_templates_are_read_with_their_durations() -> None:
    assert TEMPLATES["Kickoff session"].duration == 90
    assert TEMPLATES["Regular session"].duration == 60
    assert "welcome and introductions" in TEMPLATES["Kickoff session"].topics


def test_agenda_template_by_title_or_items() -> None:
    kickoff = agenda("Getting started with Maya", ["Welcome and introductions",
                                                   "Hopes and expectations",
                                                   "Mentoring agreement"])
    assert u.agenda_template(kickoff, "Kickoff session", TEMPLATES).passed
    named = agenda("Re-engagement session: picking up again", ["Catching up"])
    assert u.agenda_template(named, "Re-engagement session", TEMPLATES).passed
    regular = agenda("Regular session", ["Main topic"])
    verdict = u.agenda_template(regular, "Re-engagement session", TEMPLATES)
    assert verdict.failed and "Regular session" in verdict.reason


def test_agenda_duration_and_truncation() -> None:
    assert u.agenda_duration(agenda("t", [], 90), TEMPLATES["Kickoff session"]).passed
    assert u.agenda_duration(agenda("t", [], 60), TEMPLATES["Kickoff session"]).failed
    cut = agenda("Regular session: Delegate the monthly reconciliations to my…", ["Main"])
    assert u.agenda_untruncated(cut).failed
    assert u.agenda_untruncated(agenda("Handing over the reconciliations", ["Main"])).passed


def test_a_topic_that_stops_inside_the_goals_phrase_is_cut_off() -> None:
    """Seen in a fresh clone: "Main topic: build a succession plan for my own role in time
    for next" — no '…', but cut inside the goal's phrase."""
    goal = ("Build a succession plan for my own role in time for next year's objectives, so "
            "that I'm no longer the only person who can cover my job.")
    cut = agenda("Regular session", ["Check-in", "Main topic: build a succession plan for my "
                                     "own role in time for next"])
    verdict = u.agenda_untruncated(cut, [goal])
    assert verdict.failed and "year's" in verdict.reason
    for whole in ("Main topic: build a succession plan for my own role",
                  "Main topic: build a succession plan for my own role in time for next "
                  "year's objectives",
                  "Main topic: no longer the only person who can cover my job",
                  "Goal progress"):
        assert u.agenda_untruncated(agenda("Regular session", [whole]), [goal]).passed, whole
    assert u.agenda_signature(agenda("A title", ["One", "Two"])) == ("a title", ("one", "two"))


# --- redrafts --------------------------------------------------------------------------------

NOTE = "Nothing about leading change, please: this time I want to work on feedback."
CHANGE = u.Rule(note=NOTE, exclude=("leading change",),
                exclude_theme="leading organisational change and helping people through "
                              "transitions")


def test_redraft_exclusion_by_name_and_meaning(embedder: Embedder) -> None:
    first = questions("a", "b", "c")
    echoed = questions("How do I feel about the change I am leading?",
                       purpose=f"Leading change — the reviewer asked: \"{NOTE[:40]}…\"")
    verdict = u.redraft_follows(first, echoed, CHANGE, [], embedder, exclude_bound=0.40)
    assert verdict.failed and "still about 'leading change'" in verdict.reason
    followed = questions("What feedback have you been putting off giving your shift leads?",
                         "How would your shift leads describe the way you give feedback?",
                         purpose="Giving and receiving feedback")
    assert u.redraft_follows(first, followed, CHANGE, [], embedder, exclude_bound=0.40).passed


@pytest.mark.parametrize(("rule", "new", "status"), [
    (u.Rule(note="only three questions", max_items=3), questions("a", "b", "c"), Status.passed),
    (u.Rule(note="only three questions", max_items=3), questions("a", "b", "c", "d"),
     Status.failed),
    (u.Rule(note="fewer", fewer_items=True), questions("a", "b", "c", "d"), Status.failed),
    (u.Rule(note="fewer", fewer_items=True), questions("a"), Status.passed),
])
def test_redraft_structure(rule: u.Rule, new: DraftOutput, status: Status) -> None:
    first = questions("a", "b", "c", "d")
    assert u.redraft_follows(first, new, rule, [], HashingEmbedder(),
                             exclude_bound=0.4).status is status


def test_redraft_framework_and_focus_ignore_an_echoed_note() -> None:
    rule = u.Rule(note="use the feedback framework instead", framework=("Feedback conversation",))
    grow = out(DraftKind.framework, {"name": "GROW", "steps": []})
    feedback = out(DraftKind.framework, {"name": "Feedback conversation", "steps": []})
    first = grow
    assert u.redraft_follows(first, grow, rule, [], HashingEmbedder(), exclude_bound=0.4).failed
    assert u.redraft_follows(first, feedback, rule, [], HashingEmbedder(),
                             exclude_bound=0.4).passed
    focus = u.Rule(note="Focus on the budget meeting with finance next week.",
                   focus=(expectation("budget"), expectation("finance")))
    echo = agenda("Regular session", ["Main topic"])
    echo.content["items"][0]["purpose"] = ("Reviewer's focus: Focus on the budget meeting with "
                                           "finance next week.")
    verdict = u.redraft_follows(echo, echo, focus, [], HashingEmbedder(), exclude_bound=0.4)
    assert verdict.failed and "beyond echoing the note" in verdict.reason
    real = agenda("Preparing Tuesday's budget review", ["Finance's three questions"])
    assert u.redraft_follows(echo, real, focus, [], HashingEmbedder(), exclude_bound=0.4).passed


def test_redraft_that_declines() -> None:
    impossible = u.Rule(note="deadline in 2029", followable=False,
                        must_not=(expectation({"regex": r"2029-\d\d-\d\d"}),))
    kept = goals()
    said = ["I cannot set a deadline after the program ends on 2028-01-10."]
    assert u.redraft_follows(kept, kept, impossible, said, HashingEmbedder(),
                             exclude_bound=0.4).passed
    assert u.redraft_follows(kept, goals(time_bound="2029-03-31"), impossible, [],
                             HashingEmbedder(), exclude_bound=0.4).failed
    possible = u.Rule(note="only three", max_items=3)
    verdict = u.redraft_follows(kept, kept, possible, said, HashingEmbedder(), exclude_bound=0.4)
    assert verdict.failed and "can be followed" in verdict.reason


def test_redraft_diff() -> None:
    assert u.redraft_diff("--- before\n+++ after\n-a\n+b").passed
    assert u.redraft_diff(None).failed and u.redraft_diff("  ").failed


# --- safety ----------------------------------------------------------------------------------

def test_safety() -> None:
    clean = agenda("Regular session: coaching supervisors", ["Escalations"])
    assert u.safe(clean, canaries=["SYSTEM-OVERRIDE-7731"], health=["burnout"]).passed
    pasted = agenda("Returning after sick leave for burnout", ["Main"])
    verdict = u.safe(pasted, health=["burnout", "sick leave"])
    assert verdict.failed and "'burnout'" in verdict.reason and "'sick leave'" in verdict.reason
    named = agenda("Talking to Ingrid about forecasts", ["Main"])
    assert u.safe(named, names=["Ingrid"]).failed
    refused = out(DraftKind.agenda, {}, status="failed")
    verdict = u.safe(refused, names=["Ingrid"])
    assert verdict.failed and "instead of reaching review" in verdict.reason
    assert u.safe(agenda("Giving a colleague feedback on forecasts", ["Main"]),
                  names=["Ingrid"]).passed


# --- the dataset and the boilerplate drafter --------------------------------------------------

def test_the_dataset_loads_with_its_labels() -> None:
    loaded = load(EVALS / "usefulness" / "cases.yaml")
    frameworks = [c for c in loaded.cases if c.framework]
    assert len(frameworks) >= 24 and sum(c.redraft is not None for c in loaded.cases) >= 8
    groups: dict[str, set[str]] = {}
    for case in loaded.cases:
        if case.consistency:
            groups.setdefault(case.consistency, set()).add(case.participant)
    assert groups and all(len(people) == 3 for people in groups.values())


def test_a_wrong_label_names_the_case_and_field(tmp_path: Path) -> None:
    from companion.evals.datasets import DatasetError

    data = yaml.safe_load((EVALS / "usefulness" / "cases.yaml").read_text())
    data["cases"] = [{**data["cases"][0], "framework": ["Active listening"]}]
    path = tmp_path / "cases.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(DatasetError, match="fw-say-no-to-boss.*framework.*Active listening"):
        load(path)


#: Cases whose graders need no semantic embedder (retrieval here uses the hashing embedder).
#: Safety is left out: the agent itself now keeps health details from the model, so it holds
#: whatever the model writes.
SUBSET = ["g-promotion-panel", "g-two-analysts", "g-half-a-day", "a-kickoff", "a-mid-program",
          "a-regular-tariq", "a-regular-pablo", "q-mentor-redoing-work",
          "rd-only-three-questions"]


def test_the_boilerplate_drafter_fails_the_key_metrics(tmp_path: Path,
                                                       settings: Settings) -> None:
    data = yaml.safe_load((EVALS / "usefulness" / "cases.yaml").read_text())
    data["cases"] = [c for c in data["cases"] if c["id"] in SUBSET]
    path = tmp_path / "cases.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    bounds = {t.metric: t.bound for t in load_config(
        EVALS / "usefulness" / "thresholds.yaml", "usefulness").thresholds}
    with workspace(settings, HashingEmbedder()) as space:
        result = usefulness.run(path, space, BoilerplateChatModel())
    m = result.metrics
    assert m["cases"] == len(SUBSET)
    for metric in ("goal_uses_own_words_rate", "goal_measure_distinct_rate",
                   "agenda_duration_rate", "agenda_distinct_rate", "mentor_voice_rate",
                   "redraft_follows_note_rate"):
        assert m[metric] < bounds[metric], f"{metric} = {m[metric]} passed with boilerplate"
    verdicts = {c["id"]: {v["grader"]: v for v in c["verdicts"]} for c in result.cases}
    assert "the Kickoff session template takes 90" in \
        verdicts["a-kickoff"]["agenda_duration"]["reason"]
    assert "7 items, the note allows 3" in \
        verdicts["rd-only-three-questions"]["redraft_follows_note"]["reason"]


def test_the_eval_runner_selects_the_boilerplate_drafter_by_name(settings: Settings) -> None:
    from companion.evals.runner import SUITES, chat_model

    model = chat_model(settings.model_copy(update={"model": "boilerplate"}))
    assert isinstance(model, BoilerplateChatModel) and model.name == "boilerplate-drafter-v1"
    assert "usefulness" in SUITES


def test_an_unchanged_redraft_passes_only_when_it_says_why() -> None:
    from companion.evals.usefulness_graders import redraft_diff

    assert redraft_diff("--- before\n+++ after\n-a\n+b").passed
    assert redraft_diff("", ["This version is the same as the one the note was about: it "
                             "already did what the note asks."]).passed
    assert redraft_diff("").failed
    assert redraft_diff(None, ["Following the reviewer's note: shorter."]).failed
