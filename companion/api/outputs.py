"""Documented response shapes of the routes beyond the core JSON shapes of `schemas`: each
names the keys a client may rely on; extra keys are allowed (`Open`)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from companion.api.schemas import Open, PageMeta


class HealthOut(Open):
    status: str = Field(examples=["ok"])
    version: str


class ReadyOut(Open):
    status: str = Field(description="ok | unavailable")
    checks: dict[str, str] = Field(description="Each component's status, and the model.")
    unavailable: list[str] | None = None


class MeOut(Open):
    participant_id: str | None
    role: str


class SearchOut(Open):
    query: str
    results: list[dict[str, Any]] = Field(description="Passages, best first: source, "
                                          "heading, text and score.")


class AuditEventOut(Open):
    id: int | None
    at: str
    actor: str
    action: str
    entity_type: str
    entity_id: str
    program: str | None


class AuditEventsOut(PageMeta):
    events: list[AuditEventOut]


class TokenRecordOut(Open):
    id: str
    participant_id: str
    role: str
    program: str | None
    organization: str | None
    status: str
    created_at: str | None
    expires_at: str | None
    revoked_at: str | None
    last_used_at: str | None


class TokensOut(PageMeta):
    tokens: list[TokenRecordOut]


class ProgramOut(Open):
    name: str
    type: str
    start_date: str
    end_date: str
    months: int


class ProgramsOut(PageMeta):
    programs: list[ProgramOut]


class ProgramCreatedOut(ProgramOut):
    warnings: list[str] = Field(default_factory=list)


class ProgramEditedOut(ProgramOut):
    renamed_from: str | None
    changed: dict[str, list[Any]] = Field(description="Each changed setting: [before, after].")
    warnings: list[str]


class ProgramDeletedOut(Open):
    deleted: str = Field(description="The program's name; the other keys count what went "
                         "with it.")


class ParticipantOut(Open):
    """The whole record (coordinators, oneself) or the fields a partner may see."""

    id: str


class ReportOut(Open):
    program: str
    mentees: int
    coverage: dict[str, Any]
    rejected: int
    scores: dict[str, Any]
    by_department: list[dict[str, Any]]
    by_organization: list[dict[str, Any]]
    by_level: list[dict[str, Any]]
    unmatched: list[dict[str, Any]]


class OrgChartOut(Open):
    program: str
    org_people: list[dict[str, Any]]
    reporting_conflicts: list[dict[str, Any]]


class ExclusionOut(Open):
    program: str
    mentee_id: str
    mentor_id: str
    added: bool = Field(description="False when the pair was excluded already.")


class WithdrawalOut(Open):
    program: str
    participant_id: str
    withdrawn_at: str
    already_withdrawn: bool
    ended: list[dict[str, Any]]
    rejected: list[dict[str, Any]]


class DraftVersionOut(Open):
    number: int
    generator: str
    author: str
    note: str | None
    diff: str | None
    content: dict[str, Any]


class DraftVersionsOut(Open):
    draft_id: str
    versions: list[DraftVersionOut]


class PairingHealthItem(Open):
    pairing_id: str
    health: str = Field(description="too_early | on_track | needs_checkin | at_risk")
    days_since_last_session: int | None
    status: str
    reasons: list[str]


class PairingHealthOut(Open):
    program: str
    as_of: str
    counts: dict[str, int]
    pairings: list[PairingHealthItem]


class DashboardOut(Open):
    program: str
    as_of: str
    coverage: dict[str, Any]
    pairs_by_status: dict[str, int]
    pairs_by_health: dict[str, int]
    sessions_held: int
    meetings_per_month: list[dict[str, Any]]
    goals: dict[str, Any]
    checkins: dict[str, Any]
    breakdowns: dict[str, list[dict[str, Any]]]


class NoticeOut(Open):
    id: int | None
    pairing_id: str | None
    kind: str
    reason: str | None
    channel: str
    created_at: str | None
    read: bool


class NoticesOut(PageMeta):
    notifications: list[NoticeOut]
    unread: int


class NoticeReadOut(Open):
    id: int
    changed: bool = Field(description="False when it was read already.")


class TrackOut(Open):
    pairing_id: str
    draft_id: str
    created: bool
    goals: list[dict[str, Any]]


class CheckpointOut(Open):
    id: int
    goal_id: str
    position: int
    due_on: str
    check: str
    done: bool
    done_at: str | None
    done_by: str | None


class CompletionItem(Open):
    pairing_id: str
    goals: int
    done: int
    by_status: dict[str, int]
    checkpoints: int
    checkpoints_done: int


class CompletionOut(PageMeta):
    pairings: list[CompletionItem]


class CheckinOut(Open):
    id: int
    program: str
    pairing_id: str
    participant_id: str
    kind: str
    due_on: str
    submitted: bool
    submitted_at: str | None


class CheckinsOut(PageMeta):
    checkins: list[CheckinOut]


class CheckinSummaryOut(Open):
    program: str
    min_group: int
    overall: dict[str, Any]
    by_department: list[dict[str, Any]]
    by_organization: list[dict[str, Any]]
    comments: list[str] | None = Field(description="null: fewer than min_group respondents.")
    open: int
    overdue: list[dict[str, Any]]
