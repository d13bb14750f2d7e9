"""The drafting suite: every case of `evals/drafting/cases.yaml` through the real drafting
service (`request_draft`: privacy-filtered context, retrieval, the configured model, the agent's
checks and revise loop) on a scratch home, then graded from the outside.

Per case the graders say passed / failed / skipped with a reason; a case passes when its
outcome is expected and no grader failed. Metrics:

- `case_pass_rate`; `reviewable_rate` — the share of drafts that reached a reviewer;
  `<grader>_rate` — the share of cases a grader passed, among those it
  applied to (skipped verdicts are left out, never counted as passes);
- `unsafe_accepted` — drafts waiting for review although a safety grader failed them (schema,
  citations, foreign data, planted instructions, dates, length): the number that must be 0;
- `goal_relevance_mean` / `_min` and `goal_relevance_mismatched_mean` — similarity of each draft
  to its own goal and to other participants' goals, to show the relevance bound separates them;
- `judge_pass_rate` and `judge_errors` — only when a judge model is configured.
"""

from __future__ import annotations

import json
import statistics
import uuid
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from companion.domain import Pairing, PairingStatus, Participant, Program
from companion.evals import graders as g
from companion.evals.datasets import DatasetError
from companion.evals.drafting_cases import DraftCase, Loaded, ProgramSpec, load
from companion.evals.judge import Judge
from companion.evals.report import SuiteResult
from companion.evals.workspace import Workspace
from companion.llm.base import ChatModel
from companion.services.progress import NoProgress, Progress

#: Graders whose failure means a reviewer would be shown something invalid or unsafe.
SAFETY = ("schema_valid", "citations_valid", "no_foreign_data", "injection_ignored",
          "date_in_program", "length_limits")


def setup_programs(specs: list[ProgramSpec], db: Any, path: Path) -> None:
    """Create each program with its participants and approved pairings (`path` is the dataset
    they come from, for error messages)."""
    from companion.services.participants import import_participants_bytes
    from companion.services.programs import create_program
    from companion.store import PairingRepository, ProgramRepository

    for spec in specs:
        create_program(db, spec.program(), actor="eval")
        report = import_participants_bytes(db, spec.name, json.dumps(spec.participants,
                                                                     default=str).encode(),
                                           name=f"{path.stem}.json", skip_invalid=False,
                                           actor="eval")
        if not report.imported:
            first = report.errors[0]
            raise DatasetError(path, f"participant {first['row']} of {spec.name} does not "
                                     f"import: {first['message']}", field=first["field"])
        with db.session() as session:
            repo = PairingRepository(session, ProgramRepository(session).row(spec.name))
            for mentee, mentor in spec.pairings:
                pid = f"pr-eval-{uuid.uuid4().hex[:12]}"
                repo.add(Pairing(id=pid, program=spec.name, mentee_id=mentee, mentor_id=mentor))
                repo.decide(pid, expected_version=1, status=PairingStatus.approved, by="eval")


class Facts(NamedTuple):
    """Who a case is about, as the graders need it."""

    requester: Participant
    partner: Participant | None
    others: list[Participant]
    program: Program


def _facts(loaded: Loaded, case: DraftCase) -> Facts:
    spec = loaded.spec(case.program)
    people = spec.people()
    requester = people[case.participant]
    partners = [b if a == case.participant else a for a, b in spec.pairings
                if case.participant in (a, b)]
    chosen = case.partner or (partners[0] if len(partners) == 1 else None)
    partner = people.get(chosen) if chosen else None
    others = [p for pid, p in people.items() if pid not in {requester.id, chosen}]
    return Facts(requester, partner, others, spec.program())


def goal_of(case: DraftCase, requester: Participant) -> str:
    """What the draft should be about."""
    return case.goal or case.topic or " ".join(requester.goals)


def grade_case(case: DraftCase, loaded: Loaded, draft: g.DraftOutput, space: Workspace,
               judge: Judge) -> list[g.Verdict]:
    """Every grader's verdict on one draft."""
    requester, partner, others, program = _facts(loaded, case)
    verdicts = [g.outcome(draft, case.expect)]
    if draft.status != "pending_review":
        why = f"the draft is {draft.status}" + (f": {draft.failure_reason}"
                                                if draft.failure_reason else "")
        names = ["schema_valid", "smarter_complete", "date_in_program", "citations_valid",
                 "citations_relevant", "goal_relevance", "no_foreign_data",
                 "injection_ignored", "length_limits", "must_contain", "must_not_contain",
                 "judge_rubric"]
        return verdicts + [g.skipped(name, f"not graded: {why}") for name in names]
    others_text = [value for p in others for value in (p.name, p.email) if value]
    private = [p.email for p in (requester, partner) if p is not None and p.email]
    relevant = [*loaded.dataset.relevant_sources[case.kind], *case.relevant_sources]
    goal = goal_of(case, requester)
    verdicts += [
        g.schema_valid(draft),
        g.smarter_complete(draft),
        g.date_in_program(draft, start=program.start_date, end=program.end_date,
                          today=case.today),
        g.citations_valid(draft, space.knowledge),
        g.citations_relevant(draft, relevant),
        g.goal_relevance(draft, goal, space.embedder, bound=loaded.dataset.relevance_bound,
                         others=_other_goals(case, loaded)),
        g.no_foreign_data(draft, others=others_text, private=private),
        g.injection_ignored(draft, case.injection.canaries if case.injection else []),
        g.length_limits(draft),
        g.must_contain(draft, case.must_list()),
        g.must_not_contain(draft, case.must_not_list()),
        judge.grade(case.kind, {"phase": case.phase.value, "topic": case.topic, "goal": goal,
                                "requester_role": requester.role.value}, draft.content),
    ]
    return verdicts


def _other_goals(case: DraftCase, loaded: Loaded) -> list[str]:
    """What the dataset's other people's cases are about: a draft must be closer to its own."""
    found = []
    for other in loaded.cases:
        if (other.program, other.participant) == (case.program, case.participant):
            continue
        text = goal_of(other, loaded.spec(other.program).people()[other.participant])
        if text not in found:
            found.append(text)
    return found


def _inputs(case: DraftCase, loaded: Loaded) -> dict[str, Any]:
    requester, partner, _, program = _facts(loaded, case)
    return {"program": f"{program.name} ({program.type.value}, {program.start_date} to "
                       f"{program.end_date})",
            "kind": case.kind.value, "today": case.today.isoformat(),
            "phase": case.phase.value, "topic": case.topic,
            "participant": {"id": requester.id, "name": requester.name,
                            "role": requester.role.value, "goals": requester.goals},
            "partner": None if partner is None else {"id": partner.id, "name": partner.name},
            "goal": goal_of(case, requester),
            "injection": None if case.injection is None else case.injection.where,
            "expect": case.expect}


def _output(draft: g.DraftOutput) -> dict[str, Any]:
    return {"status": draft.status, "failure_reason": draft.failure_reason,
            "content": draft.content,
            "citations": [{k: c.get(k) for k in ("source", "heading", "excerpt")}
                          for c in draft.citations]}


def run(dataset: Path, space: Workspace, model: ChatModel, judge: Judge,
        progress: Progress | None = None) -> SuiteResult:
    """Every case through `request_draft` with `model`, graded."""
    from companion.drafting.deps import Deps
    from companion.services.draft_store import DatabaseDraftStore
    from companion.services.drafts import planner_for, request_draft

    progress = progress or NoProgress()
    loaded = load(dataset, space.knowledge_dir)
    setup_programs(loaded.dataset.programs, space.db, dataset)
    deps = Deps(store=DatabaseDraftStore(space.db), model=model, search=space.search,
                planner=planner_for(space.embedder, space.knowledge_dir))
    rows: list[dict[str, Any]] = []
    outputs: list[tuple[DraftCase, g.DraftOutput]] = []
    with progress.stage(f"Drafting with {model.name}", len(loaded.cases)) as tick:
        for case in loaded.cases:
            draft = g.DraftOutput.from_draft(request_draft(
                space.db, space.settings, program=case.program, kind=case.kind,
                participant_id=case.participant, partner_id=case.partner, topic=case.topic,
                deps=deps, today=case.today))
            verdicts = grade_case(case, loaded, draft, space, judge)
            outputs.append((case, draft))
            rows.append({"id": case.id, "passed": not any(v.failed for v in verdicts),
                         "tags": ", ".join(case.tags), "inputs": _inputs(case, loaded),
                         "output": _output(draft),
                         "verdicts": [v.as_dict() for v in verdicts]})
            tick(1)
    metrics = _metrics(rows, judge)
    metrics.update(_relevance(outputs, loaded, space))
    judged = judge.name if judge.active else f"skipped — {judge.off_reason}"
    notes = [f"model: {model.name}; judge: {judged}",
             f"goal_relevance bound {loaded.dataset.relevance_bound:g} (cosine, "
             f"{space.embedder.name})",
             "skipped verdicts are left out of every rate; a draft that did not reach review "
             "is graded only on its outcome"]
    return SuiteResult("drafting", str(dataset), metrics, [], rows, notes)


def _metrics(rows: list[dict[str, Any]], judge: Judge) -> dict[str, float]:
    by_grader: dict[str, list[bool]] = {}
    unsafe = 0
    for row in rows:
        verdicts = row["verdicts"]
        for v in verdicts:
            if v["status"] != "skipped":
                by_grader.setdefault(v["grader"], []).append(v["status"] == "passed")
        if row["output"]["status"] == "pending_review" and any(
                v["grader"] in SAFETY and v["status"] == "failed" for v in verdicts):
            unsafe += 1
    count = len(rows) or 1
    metrics = {"cases": float(len(rows)),
               "case_pass_rate": sum(r["passed"] for r in rows) / count,
               "reviewable_rate": sum(r["output"]["status"] == "pending_review"
                                      for r in rows) / count,
               "unsafe_accepted": float(unsafe)}
    for grader, results in sorted(by_grader.items()):
        key = "judge_pass_rate" if grader == "judge_rubric" else f"{grader}_rate"
        metrics[key] = sum(results) / len(results)
    if judge.active:
        metrics["judge_errors"] = float(judge.errors)
    return metrics


def _relevance(outputs: list[tuple[DraftCase, g.DraftOutput]], loaded: Loaded,
               space: Workspace) -> dict[str, float]:
    """Similarity of drafts to their own goal (mean and lowest), and to the goals of cases for
    other participants (mean): the relevance bound should sit between the two."""
    reviewed = [(c, d) for c, d in outputs if d.status == "pending_review" and d.text().strip()]
    if len(reviewed) < 2:
        return {}
    goals = [goal_of(c, loaded.spec(c.program).people()[c.participant]) for c, _ in reviewed]
    texts = [d.text() for _, d in reviewed]
    vectors = space.embedder.embed(texts + goals)
    similarity = vectors[:len(texts)] @ vectors[len(texts):].T
    own = np.diag(similarity)
    who = [(c.program, c.participant) for c, _ in reviewed]
    other = [float(similarity[i, j]) for i in range(len(who)) for j in range(len(who))
             if who[i] != who[j]]
    found = {"goal_relevance_mean": float(own.mean()), "goal_relevance_min": float(own.min())}
    if other:
        found["goal_relevance_mismatched_mean"] = statistics.mean(other)
    return found
