"""Pairings, drafts and audit events as the services hand them around."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from companion.domain.enums import DraftKind, DraftStatus, PairingStatus


class Pairing(BaseModel):
    """A proposed or decided mentor–mentee pairing."""

    model_config = ConfigDict(extra="forbid")

    id: str
    program: str
    mentee_id: str
    mentor_id: str
    status: PairingStatus = PairingStatus.pending
    score: float = 0.0
    components: dict[str, float] = Field(default_factory=dict)
    reasons: list[str] = Field(default_factory=list)
    cohort: str | None = Field(None, description="Group id in group and peer programs.")
    locked: bool = False
    version: int = 1
    decided_by: str | None = None
    decided_at: datetime | None = None
    note: str | None = None
    created_at: datetime | None = None
    approved_at: datetime | None = Field(None, description="When a coordinator approved it "
                                         "(check-ins and health count from here).")
    ended_at: datetime | None = None
    end_reason: str | None = Field(None, description="completed | no_fault | withdrawn "
                                   "(domain.relationship.EndReason) once closed.")
    end_note: str | None = None
    ended_by: str | None = None


class Citation(BaseModel):
    """A guideline passage a draft relied on."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(description="knowledge/<file>.md")
    heading: str
    excerpt: str
    passage_id: str | None = None


class CheckResult(BaseModel):
    """One check run on a draft."""

    model_config = ConfigDict(extra="forbid")

    name: str
    passed: bool
    detail: str = ""


class Draft(BaseModel):
    """A drafted artifact and its review state (the draft JSON shape of docs/architecture.md)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    program: str
    kind: DraftKind
    participant_id: str
    status: DraftStatus = DraftStatus.pending_review
    generator: str = Field(description="Model or drafter that wrote the current version.")
    content: dict[str, Any] = Field(default_factory=dict)
    citations: list[Citation] = Field(default_factory=list)
    checks: list[CheckResult] = Field(default_factory=list)
    version: int = 1
    topic: str | None = None
    prompt_name: str | None = None
    prompt_version: str | None = None
    model: str | None = None
    retrieved_ids: list[str] = Field(default_factory=list)
    reviewer_id: str | None = None
    failure_reason: str | None = None
    pairing_id: str | None = Field(None, description="The pairing the draft was made for; "
                                   "its partner sees it once approved. None: private to the "
                                   "requester.")
    partner_id: str | None = None
    stage: str | None = Field(None, description="While `drafting`: where the run is "
                              "(queued, gathering, drafting, checking, revising); None after.")
    rationale: dict[str, Any] = Field(
        default_factory=dict, description="Why the drafter chose what it chose (framework, "
        "sections, template, reviewer notes followed or not, safety flags, the plan), and its "
        "`note` for the reviewer. Seen by whoever may see the content.")
    created_at: datetime | None = None
    updated_at: datetime | None = None


class DraftVersion(BaseModel):
    """One version of a draft: what it said, who made it and why (the reviewer's history)."""

    model_config = ConfigDict(extra="forbid")

    number: int
    content: dict[str, Any] = Field(default_factory=dict)
    citations: list[dict[str, Any]] = Field(default_factory=list)
    checks: list[dict[str, Any]] = Field(default_factory=list)
    generator: str
    diff: str | None = Field(None, description="Unified diff from the previous version.")
    author: str
    note: str | None = Field(None, description="The reviewer's note with the decision.")
    rationale: dict[str, Any] = Field(default_factory=dict,
                                      description="Why the drafter wrote this version so.")
    created_at: datetime | None = None


class AuditEvent(BaseModel):
    """One line of the append-only audit log."""

    model_config = ConfigDict(extra="forbid")

    id: int | None = None
    at: datetime
    actor: str = Field(description="Participant id, token subject or 'cli'.")
    action: str = Field(description="e.g. program.create, participants.import, pairing.approve")
    entity_type: str
    entity_id: str
    program: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)
    token_id: str | None = Field(None, description="The API token the action was taken with.")
