"""The adversarial suite: recorded bad model answers replayed through the real litellm path.

A fake OpenAI-compatible server on 127.0.0.1 serves each case's recorded replies in order; a
`LiteLLMChatModel("openai/replay")` pointed at it drafts through the real drafting graph, its
checks and its revise loop. A case is handled when the draft is either repaired (waiting for
review, and every safety grader accepts it) or failed with a reason. Metrics:

- `handled_rate` — the share of cases handled;
- `unsafe_accepted` — drafts waiting for review that a safety grader rejects (must be 0);
- `expected_outcome_rate` — the share that ended as the recording says it should (status and
  reason).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from companion.domain import DraftKind, Passage
from companion.evals import graders as g
from companion.evals.datasets import DatasetError, cases_of, read_data, validate
from companion.evals.drafting import setup_programs
from companion.evals.drafting_cases import ProgramSpec
from companion.evals.fake_server import FakeOpenAIServer, Reply
from companion.evals.report import SuiteResult
from companion.evals.workspace import Workspace
from companion.services.progress import NoProgress, Progress

SAFETY = ("schema_valid", "citations_valid", "no_foreign_data", "injection_ignored",
          "date_in_program", "length_limits")


class ReplySpec(BaseModel):
    """One recorded answer."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = None
    json_: Any = Field(None, alias="json")
    status: int = Field(200, ge=200, le=599)
    retry_after: float | None = Field(None, ge=0)
    delay: float = Field(0.0, ge=0, le=30)

    @model_validator(mode="after")
    def _one_body(self) -> ReplySpec:
        if self.status == 200 and (self.text is None) == (self.json_ is None):
            raise ValueError("a 200 reply needs exactly one of text or json")
        return self

    def reply(self) -> Reply:
        if self.status != 200:
            headers = {} if self.retry_after is None else {"Retry-After": f"{self.retry_after:g}"}
            code = "rate_limit_exceeded" if self.status == 429 else "server_error"
            return Reply.error(self.status, f"recorded HTTP {self.status}", code, headers)
        text = self.text if self.text is not None else json.dumps(self.json_)
        return Reply(content=text, delay=self.delay)

    def describe(self) -> str:
        if self.status != 200:
            return f"HTTP {self.status}"
        body = self.text if self.text is not None else json.dumps(self.json_)
        shown = body if len(body) <= 90 else body[:87] + "..."
        return (f"after {self.delay:g} s: " if self.delay else "") + repr(shown)


class ReplayCase(BaseModel):
    """One recording and the outcome it should lead to."""

    model_config = ConfigDict(extra="forbid")

    id: str
    tags: list[str] = Field(min_length=1)
    kind: DraftKind
    topic: str | None = None
    replies: list[ReplySpec] = Field(min_length=1)
    expect: Literal["pending_review", "failed"]
    reason: str | None = None
    canaries: list[str] = Field(default_factory=list)


class ReplayDataset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    timeout_seconds: float = Field(gt=0, le=30)
    today: date
    program: ProgramSpec
    participant: str
    passages: list[str] = Field(min_length=1)
    answers: dict[str, Any] = Field(default_factory=dict)
    cases: list[dict[str, Any]]


def load(path: Path, knowledge: Path) -> tuple[ReplayDataset, list[ReplayCase], list[Passage]]:
    from companion.retrieval import chunk_text

    data = read_data(path)
    cases_of(data, path)
    dataset = validate(ReplayDataset, data, path)
    cases = [validate(ReplayCase, raw, path, case=raw["id"]) for raw in data["cases"]]
    if dataset.participant not in {r.get("id") for r in dataset.program.participants}:
        raise DatasetError(path, f"'{dataset.participant}' is not in the program",
                           field="participant")
    available: dict[str, Passage] = {}
    for file in sorted(knowledge.glob("*.md")):
        for passage in chunk_text(file.read_text(encoding="utf-8"), f"knowledge/{file.name}"):
            available[passage.id] = passage
    missing = [p for p in dataset.passages if p not in available]
    if missing:
        raise DatasetError(path, f"no passage {missing[0]} in {knowledge}", field="passages")
    return dataset, cases, [available[p] for p in dataset.passages]


def run(dataset_path: Path, space: Workspace, progress: Progress | None = None) -> SuiteResult:
    """Replay every case through a fresh fake server and the real drafting service."""
    from companion.drafting.deps import Deps
    from companion.llm.base import allow_model_requests
    from companion.llm.litellm_model import LiteLLMChatModel
    from companion.services.draft_store import DatabaseDraftStore
    from companion.services.drafts import request_draft

    progress = progress or NoProgress()
    dataset, cases, passages = load(dataset_path, space.knowledge_dir)
    setup_programs([dataset.program], space.db, dataset_path)
    people = dataset.program.people()
    program = dataset.program.program()
    others = [v for pid, p in people.items() if pid != dataset.participant
              for v in (p.name, p.email) if v and not _partner(dataset, pid)]

    def search(query: str, top: int, where: dict[str, str] | None) -> list[Passage]:
        source = (where or {}).get("source")
        return [p for p in passages if source is None or p.source == source]

    rows: list[dict[str, Any]] = []
    # The server is ours, on 127.0.0.1: replaying to it is not a real model request.
    with FakeOpenAIServer() as server, allow_model_requests(), \
            progress.stage("Replaying adversarial model answers", len(cases)) as tick:
        model = LiteLLMChatModel("openai/replay", api_base=server.base_url, api_key="replay",
                                 timeout=dataset.timeout_seconds, max_retries=1,
                                 sleep=lambda _s: None, name="replay")
        deps = Deps(store=DatabaseDraftStore(space.db), model=model, search=search)
        for case in cases:
            server.reset()
            server.script(*(r.reply() for r in case.replies))
            draft = g.DraftOutput.from_draft(request_draft(
                space.db, space.settings, program=program.name, kind=case.kind,
                participant_id=dataset.participant, topic=case.topic, deps=deps,
                today=dataset.today))
            verdicts = _grade(case, draft, space, others, program, dataset.today)
            rows.append(_row(case, draft, verdicts, len(server.requests)))
            tick(1)
    n = len(rows)
    metrics = {
        "cases": float(n),
        "handled_rate": sum(r["handled"] for r in rows) / n,
        "unsafe_accepted": float(sum(r["unsafe"] for r in rows)),
        "expected_outcome_rate": sum(r["as_expected"] for r in rows) / n,
    }
    notes = [f"replayed through litellm (openai/replay) against a fake server on 127.0.0.1; "
             f"client time-out {dataset.timeout_seconds:g} s, one retry for 429 and time-outs",
             "--model does not apply here: the recordings are the model"]
    return SuiteResult("adversarial", str(dataset_path), metrics, [], rows, notes)


def _partner(dataset: ReplayDataset, pid: str) -> bool:
    return any(dataset.participant in pair and pid in pair for pair in dataset.program.pairings)


def _grade(case: ReplayCase, draft: g.DraftOutput, space: Workspace, others: list[str],
           program: Any, today: date) -> list[g.Verdict]:
    verdicts = [g.outcome(draft, [case.expect])]
    if case.reason and draft.status == "failed":
        found = case.reason.casefold() in (draft.failure_reason or "").casefold()
        verdicts.append((g.passed if found else g.failed)(
            "failure_reason", f"the reason {'names' if found else 'does not name'} "
                              f"{case.reason!r}: {draft.failure_reason}"))
    if draft.status != "pending_review":
        return verdicts
    verdicts += [
        g.schema_valid(draft),
        g.citations_valid(draft, space.knowledge),
        g.no_foreign_data(draft, others=others),
        g.injection_ignored(draft, case.canaries),
        g.date_in_program(draft, start=program.start_date, end=program.end_date,
                          today=today),
        g.length_limits(draft),
    ]
    return verdicts


def _row(case: ReplayCase, draft: g.DraftOutput, verdicts: list[g.Verdict],
         requests: int) -> dict[str, Any]:
    unsafe = draft.status == "pending_review" and any(
        v.failed for v in verdicts if v.grader in SAFETY)
    handled = (draft.status == "pending_review" and not unsafe) or (
        draft.status == "failed" and bool((draft.failure_reason or "").strip()))
    as_expected = not any(v.failed for v in verdicts if v.grader in ("outcome",
                                                                     "failure_reason"))
    return {"id": case.id, "passed": handled and as_expected, "tags": ", ".join(case.tags),
            "handled": handled, "unsafe": unsafe, "as_expected": as_expected,
            "inputs": {"kind": case.kind.value, "replies": [r.describe() for r in case.replies],
                       "expect": case.expect, "reason": case.reason},
            "output": {"status": draft.status, "failure_reason": draft.failure_reason,
                       "requests_served": requests, "content": draft.content},
            "verdicts": [v.as_dict() for v in verdicts]}
