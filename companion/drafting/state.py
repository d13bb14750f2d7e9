"""The drafting graph's state: plain JSON-able values, so any checkpointer can store it."""

from __future__ import annotations

from typing import Any, TypedDict


class DraftState(TypedDict, total=False):
    draft_id: str
    program: str
    kind: str
    participant_id: str
    partner_id: str | None
    pairing_id: str | None          # the pairing the draft is for (None: private to requester)
    topic: str | None
    requested_by: str
    today: str                      # ISO date the draft is written for
    context: dict[str, Any]         # what the model may see (privacy-filtered)
    passages: list[dict[str, Any]]  # retrieved guideline passages
    attempt: int                    # 1 for the first draft, +1 per revision
    feedback: list[str]             # failed checks or reviewer feedback for the next attempt
    content: dict[str, Any]
    citations: list[dict[str, Any]]
    rationale: dict[str, Any]       # why the drafter chose what it chose (see answers.Answer)
    checks: list[dict[str, Any]]
    generator: str
    failure: str | None
    decision: dict[str, Any] | None  # the reviewer's last decision
    rejected: dict[str, Any] | None  # content a reviewer sent back, until its redraft is stored
    done: bool
