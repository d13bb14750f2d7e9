"""The usefulness suite: would a mentee or mentor use the draft?

Every case of `evals/usefulness/cases.yaml` runs through the real drafting service exactly as
the drafting suite runs it (a scratch home, `request_draft`, the configured model, the agent's
checks); a redraft case then rejects the draft with the reviewer's note through
`review_draft` — what `companion review reject DRAFT --note ...` does — and grades the version
the agent writes after it. The graders (`usefulness_graders.py`) compare each draft with what a
person labelled as the useful answer; some judge the run as a whole (two people must not get the
same measures, schedules or agendas).

Metrics (each the share of the cases a grader applied to, unless said otherwise):
`framework_accuracy`, `framework_consistency` (share of situation groups given one framework),
`questions_on_topic_rate` (mean share of a case's questions on its topic), `competency_fit_rate`,
`mentor_voice_rate`, `goal_uses_own_words_rate`, `goal_measure_distinct_rate` (distinct
measurable texts / all, across people), `goal_schedule_distinct_rate`,
`goal_statement_clean_rate`, `checkpoint_gap_rate`, `vague_goal_handled_rate`,
`agenda_template_accuracy`, `agenda_duration_rate`, `agenda_untruncated_rate`,
`agenda_distinct_rate`, `redraft_follows_note_rate`, `redraft_diff_rate`, `safety_rate`,
`expectations_met_rate` (the cases' must / must-not lists), `case_pass_rate`,
`reviewable_rate`.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from companion.domain import DraftKind
from companion.errors import CompanionError
from companion.evals import graders as g
from companion.evals import usefulness_graders as u
from companion.evals.drafting import setup_programs
from companion.evals.report import SuiteResult
from companion.evals.usefulness_cases import Loaded, UsefulnessCase, load
from companion.evals.verdicts import DraftOutput, Verdict, failed, passed
from companion.evals.workspace import Workspace
from companion.llm.base import ChatModel
from companion.services.progress import NoProgress, Progress

#: grader → the metric its pass rate is reported as.
METRICS = {
    "framework_accuracy": "framework_accuracy", "competency_fit": "competency_fit_rate",
    "mentor_voice": "mentor_voice_rate", "goal_own_words": "goal_uses_own_words_rate",
    "goal_statement_clean": "goal_statement_clean_rate", "checkpoint_gap": "checkpoint_gap_rate",
    "vague_goal_handled": "vague_goal_handled_rate",
    "goal_schedule_distinct": "goal_schedule_distinct_rate",
    "agenda_template": "agenda_template_accuracy", "agenda_duration": "agenda_duration_rate",
    "agenda_untruncated": "agenda_untruncated_rate", "agenda_distinct": "agenda_distinct_rate",
    "redraft_follows_note": "redraft_follows_note_rate", "redraft_diff": "redraft_diff_rate",
    "safety": "safety_rate",
}
_REMARK_KEYS = ("note", "notes", "rationale", "explanation")


def remarks_of(draft: Any) -> list[str]:
    """What the drafter said beside the content (a note or rationale, where the draft record or
    the content carries one)."""
    data = draft.model_dump() if hasattr(draft, "model_dump") else {}
    found = [data.get(k) for k in _REMARK_KEYS] + [draft.content.get(k) for k in _REMARK_KEYS]
    raw = data.get("rationale")
    rationale: dict[str, Any] = raw if isinstance(raw, dict) else {}
    found += [rationale.get("note"), *(rationale.get("note_not_followed") or [])]
    return [str(r) for r in found if isinstance(r, str) and r.strip()]


class Run:
    """One suite run: the dataset, the workspace, the model and what graders need."""

    def __init__(self, loaded: Loaded, space: Workspace, model: ChatModel) -> None:
        from companion.drafting.deps import Deps
        from companion.services.draft_store import DatabaseDraftStore
        from companion.services.drafts import planner_for

        self.loaded, self.space, self.model = loaded, space, model
        # built as the drafting suite builds it: the agent, planner and checks of a real run
        self.deps = Deps(store=DatabaseDraftStore(space.db), model=model, search=space.search,
                         planner=planner_for(space.embedder, space.knowledge_dir))
        self.templates = u.session_templates(space.knowledge["knowledge/session-templates.md"])
        self.bank = u.bank_competencies(space.knowledge["knowledge/question-bank.md"])
        self.shares: list[float] = []

    # --- drafting ---------------------------------------------------------------------------
    def draft(self, case: UsefulnessCase) -> tuple[DraftOutput, list[str], str]:
        from companion.services.drafts import request_draft

        draft = request_draft(self.space.db, self.space.settings, program=case.program,
                              kind=case.kind, participant_id=case.participant,
                              partner_id=case.partner, topic=case.topic, deps=self.deps,
                              today=case.today)
        return DraftOutput.from_draft(draft), remarks_of(draft), draft.id

    def redraft(self, draft_id: str, note: str) -> tuple[DraftOutput, list[str], str | None]:
        """Reject with `note` as the draft's reviewer; the new version and its stored diff."""
        from companion.services.drafts import draft_versions, get_draft, review_draft

        reviewer = get_draft(self.space.db, draft_id).reviewer_id or "eval"
        try:
            new = review_draft(self.space.db, self.space.settings, draft_id, "reject",
                               by=reviewer, note=note, deps=self.deps)
        except CompanionError as exc:
            new = get_draft(self.space.db, draft_id)
            out = DraftOutput.from_draft(new)
            return DraftOutput(out.kind, "failed", out.content, out.citations,
                               failure_reason=f"the redraft raised: {exc}"), [], None
        versions = [v for v in draft_versions(self.space.db, draft_id)
                    if v.number == new.version]
        return DraftOutput.from_draft(new), remarks_of(new), \
            versions[-1].diff if versions else None

    def _goals_of(self, case: UsefulnessCase) -> list[str]:
        """The goals the case's participant has in the dataset."""
        for program in self.loaded.dataset.programs:
            if program.name != case.program:
                continue
            for person in program.participants:
                if person.get("id") == case.participant:
                    goals = person.get("goals") or []
                    return [str(goals)] if isinstance(goals, str) else [str(g) for g in goals]
        return []

    # --- grading ----------------------------------------------------------------------------
    def grade(self, case: UsefulnessCase, draft: DraftOutput, remarks: list[str]
              ) -> list[Verdict]:
        """Every per-case grader that applies to `case`."""
        names = applicable(case)
        if draft.status != "pending_review":
            why = f"the draft is {draft.status}: {draft.failure_reason or 'no reason given'}"
            found = [failed(n, why) for n in names if n != "safety"]
            if "questions_on_topic" in names:
                self.shares.append(0.0)
            if case.safety:
                found.append(u.safe(draft, canaries=case.safety.canaries,
                                    health=case.safety.health, names=case.safety.names))
            return found
        data = self.loaded.dataset
        verdicts: list[Verdict] = []
        if "framework_accuracy" in names:
            verdicts.append(u.framework_accuracy(draft, case.framework))
        if "questions_on_topic" in names and case.topic:
            scored = u.questions_on_topic(draft, case.topic, data.unrelated_topics,
                                          self.space.embedder, bound=data.topic_bound)
            self.shares.append(scored.value or 0.0)
            verdicts.append(scored.verdict)
        if "competency_fit" in names:
            verdicts.append(u.competency_fit(draft, case.competencies, self.bank))
        if "mentor_voice" in names:
            verdicts.append(u.mentor_voice(draft).verdict)
        if case.own_words is not None:
            own = case.own_words
            verdicts.append(u.goal_own_words(draft, own.month, own.event, own.measures()))
        if case.kind is DraftKind.goals:
            verdicts.append(u.goal_statement_clean(draft))
        if case.min_checkpoint_gap:
            verdicts.append(u.checkpoint_gap(draft, case.min_checkpoint_gap))
        if case.vague:
            verdicts.append(u.vague_goal_handled(draft, remarks))
        if case.template:
            verdicts.append(u.agenda_template(draft, case.template, self.templates))
            if case.template_duration:
                verdicts.append(u.agenda_duration(draft, self.templates[case.template]))
        if case.kind is DraftKind.agenda:
            verdicts.append(u.agenda_untruncated(draft, self._goals_of(case)))
        if case.safety:
            verdicts.append(u.safe(draft, canaries=case.safety.canaries,
                                   health=case.safety.health, names=case.safety.names))
        if case.must:
            verdicts.append(g.must_contain(draft, case.must_list()))
        if case.must_not:
            verdicts.append(g.must_not_contain(draft, case.must_not_list()))
        return verdicts

    def grade_redraft(self, case: UsefulnessCase, first: DraftOutput, new: DraftOutput,
                      remarks: list[str], diff: str | None) -> list[Verdict]:
        assert case.redraft is not None
        r = case.redraft
        rule = u.Rule(note=r.note, followable=r.followable, exclude=tuple(r.exclude),
                      exclude_theme=r.exclude_theme, framework=tuple(r.framework),
                      max_items=r.max_items, fewer_items=r.fewer_items,
                      focus=tuple(g_expect(r.focus)), must_not=tuple(g_expect(r.must_not)))
        return [u.redraft_follows(first, new, rule, remarks, self.space.embedder,
                                  exclude_bound=self.loaded.dataset.exclude_bound),
                u.redraft_diff(diff, remarks)]


def g_expect(entries: list[Any]) -> list[g.Expectation]:
    from companion.evals.drafting_cases import expectation

    return [expectation(e) for e in entries]


def applicable(case: UsefulnessCase) -> list[str]:
    """The per-case graders a case's labels call for (first draft only)."""
    names = []
    if case.framework:
        names.append("framework_accuracy")
    if case.kind is DraftKind.questions and case.topic:
        names.append("questions_on_topic")
    if case.competencies:
        names.append("competency_fit")
    if case.voice == "mentor":
        names.append("mentor_voice")
    if case.own_words is not None:
        names.append("goal_own_words")
    if case.kind is DraftKind.goals:
        names.append("goal_statement_clean")
    if case.min_checkpoint_gap:
        names.append("checkpoint_gap")
    if case.vague:
        names.append("vague_goal_handled")
    if case.template:
        names.append("agenda_template")
    if case.template_duration:
        names.append("agenda_duration")
    if case.kind is DraftKind.agenda:
        names.append("agenda_untruncated")
    if case.safety:
        names.append("safety")
    if case.must:
        names.append("must_contain")
    if case.must_not:
        names.append("must_not_contain")
    return names


def run(dataset: Path, space: Workspace, model: ChatModel,
        progress: Progress | None = None) -> SuiteResult:
    """Every case through the drafting service with `model`, graded on usefulness."""
    progress = progress or NoProgress()
    loaded = load(dataset)
    setup_programs(loaded.dataset.programs, space.db, dataset)
    suite = Run(loaded, space, model)
    rows: list[dict[str, Any]] = []
    outputs: list[tuple[UsefulnessCase, DraftOutput]] = []
    steps = len(loaded.cases) + sum(c.redraft is not None for c in loaded.cases)
    with progress.stage(f"Drafting with {model.name}", steps) as tick:
        for case in loaded.cases:
            first, remarks, draft_id = suite.draft(case)
            tick(1)
            verdicts = suite.grade(case, first, remarks)
            output: dict[str, Any] = {"status": first.status,
                                      "failure_reason": first.failure_reason,
                                      "content": first.content, "remarks": remarks}
            if case.redraft is not None:
                if first.status == "pending_review":
                    new, new_remarks, diff = suite.redraft(draft_id, case.redraft.note)
                    verdicts += suite.grade_redraft(case, first, new, new_remarks, diff)
                    output["redraft"] = {"note": case.redraft.note, "status": new.status,
                                         "failure_reason": new.failure_reason,
                                         "content": new.content, "remarks": new_remarks,
                                         "diff": diff}
                else:
                    why = f"the first draft is {first.status}: {first.failure_reason}"
                    verdicts += [failed("redraft_follows_note", why), failed("redraft_diff", why)]
                tick(1)
            outputs.append((case, first))
            rows.append({"id": case.id, "tags": ", ".join(case.tags),
                         "inputs": {"participant": case.participant, "kind": case.kind.value,
                                    "topic": case.topic, "today": case.today.isoformat(),
                                    "phase": case.phase.value},
                         "output": output, "verdicts": verdicts})
    whole = across_cases(outputs)
    for row in rows:
        row["verdicts"] += whole["verdicts"].get(row["id"], [])
        row["passed"] = not any(v.failed for v in row["verdicts"])
        row["verdicts"] = [v.as_dict() for v in row["verdicts"]]
    metrics = _metrics(rows, suite.shares, whole["metrics"])
    notes = [f"model: {model.name}",
             f"questions_on_topic: cosine ≥ {loaded.dataset.topic_bound:g} to the topic and "
             f"above every unrelated topic ({space.embedder.name}); exclusions at ≥ "
             f"{loaded.dataset.exclude_bound:g}",
             "a draft that did not reach review fails every usefulness grader of its case"]
    return SuiteResult("usefulness", str(dataset), metrics, [], rows, notes)


def across_cases(outputs: list[tuple[UsefulnessCase, DraftOutput]]) -> dict[str, Any]:
    """Graders of the run as a whole: one framework per situation, no measures, schedules or
    agendas shared between people."""
    verdicts: dict[str, list[Verdict]] = defaultdict(list)
    metrics: dict[str, float] = {}
    reviewed = [(c, d) for c, d in outputs if d.status == "pending_review"]
    groups: dict[str, list[tuple[UsefulnessCase, DraftOutput]]] = defaultdict(list)
    for case, draft in outputs:
        if case.consistency:
            groups[case.consistency].append((case, draft))
    if groups:
        agreed = 0
        for label, members in groups.items():
            names = [str(d.content.get("name") or "") if d.status == "pending_review" else ""
                     for _, d in members]
            ok = u.consistent(names)
            agreed += ok
            for case, _ in members:
                verdicts[case.id].append((passed if ok else failed)(
                    "framework_consistency", f"{label}: {', '.join(repr(n) for n in names)}"))
        metrics["framework_consistency"] = agreed / len(groups)
    goals = [(c, d) for c, d in reviewed if c.kind is DraftKind.goals and not c.redraft]
    owners: dict[str, set[str]] = defaultdict(set)
    for case, draft in goals:
        for text in u.measure_texts(draft):
            owners[text].add(case.participant)
    if owners:
        total = sum(len(people) for people in owners.values())
        metrics["goal_measure_distinct_rate"] = len(owners) / total
        for case, draft in goals:
            shared = [t for t in u.measure_texts(draft) if len(owners[t]) > 1]
            verdicts[case.id].append(g.verdict_of(
                "goal_measure_distinct",
                [f"measurable {t[:60]!r}… is also another person's" for t in shared[:2]],
                "its measures are this person's own"))
    dated = [(c, d) for c, d in goals if c.own_words is not None]
    for case, draft in dated:
        assert case.own_words is not None
        dates = u.checkpoint_dates(draft)
        twins = [c.participant for c, d in dated if c.participant != case.participant
                 and c.own_words and c.own_words.month != case.own_words.month
                 and dates and u.checkpoint_dates(d) == dates]
        verdicts[case.id].append(g.verdict_of(
            "goal_schedule_distinct",
            [f"same checkpoint dates as {', '.join(twins)}, whose deadline differs"]
            if twins else [], "checkpoints fit this person's own deadline"))
    agendas = [(c, d) for c, d in reviewed
               if c.kind is DraftKind.agenda and c.phase.value == "development"]
    for case, draft in agendas:
        title, topics = u.agenda_signature(draft)
        same = sorted({c.participant for c, d in agendas if c.participant != case.participant
                       and (u.agenda_signature(d)[0] == title
                            or u.agenda_signature(d)[1] == topics)})
        verdicts[case.id].append(g.verdict_of(
            "agenda_distinct", [f"same title or items as {', '.join(same)}'s agenda"]
            if same else [], "title and items are this person's own"))
    return {"verdicts": verdicts, "metrics": metrics}


def _metrics(rows: list[dict[str, Any]], shares: list[float],
             whole: dict[str, float]) -> dict[str, float]:
    by_grader: dict[str, list[bool]] = defaultdict(list)
    for row in rows:
        for v in row["verdicts"]:
            if v["status"] != "skipped":
                by_grader[v["grader"]].append(v["status"] == "passed")
    count = len(rows) or 1
    metrics: dict[str, float] = {
        "cases": float(len(rows)),
        "case_pass_rate": sum(r["passed"] for r in rows) / count,
        "reviewable_rate": sum(r["output"]["status"] == "pending_review" for r in rows) / count}
    for grader, metric in METRICS.items():
        if by_grader.get(grader):
            metrics[metric] = sum(by_grader[grader]) / len(by_grader[grader])
    if shares:
        metrics["questions_on_topic_rate"] = sum(shares) / len(shares)
    expectations = by_grader.get("must_contain", []) + by_grader.get("must_not_contain", [])
    if expectations:
        metrics["expectations_met_rate"] = sum(expectations) / len(expectations)
    metrics.update(whole)
    return dict(sorted(metrics.items()))
