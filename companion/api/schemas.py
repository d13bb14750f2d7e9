"""Request bodies and documented response shapes of the HTTP API (the JSON shapes of
docs/architecture.md; extra keys are allowed in responses)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from companion.domain import DraftKind, ProgramType

ID = Field(min_length=1, max_length=64)
#: Versions are whole numbers (`true` and `1.0` are not) that fit the database's integer.
MAX_VERSION = 2**31 - 1


class Open(BaseModel):
    """A response model that documents required keys and lets extra keys through."""

    model_config = ConfigDict(extra="allow")


class Body(BaseModel):
    """A request body: unknown keys are a client mistake, named in the 422. NUL characters
    are refused in every string (PostgreSQL cannot store them)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("NUL characters (\\u0000) are not accepted")
        return value


def _has_nul(value: Any) -> bool:
    """Whether a NUL character is anywhere in `value` (iterative: bodies may nest deeply)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


# -- requests -----------------------------------------------------------------------------
class ProgramCreate(Body):
    name: str = Field(min_length=1, max_length=100, examples=["leaders-2027"])
    type: ProgramType = ProgramType.one_to_one
    start_date: date | None = Field(None, description="Default: today.",
                                    examples=["2027-01-11"])
    months: int = Field(12, ge=3, le=36)
    host_organization: str | None = Field(None, max_length=120)
    partner_organizations: list[str] = Field(default_factory=list, max_length=20)

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"name": "leaders-2027", "type": "one_to_one", "start_date": "2027-01-11",
         "months": 9}]})


class FairnessRequest(Body):
    """Place at least `min_share` of each group's mentees (one-to-one style programs)."""

    group_by: Literal["department", "organization", "organisation"] = Field(
        description="The participant field whose values form the groups; mentees without a "
                    "value form the group \"(unspecified)\".")
    min_share: float = Field(ge=0, le=1, allow_inf_nan=False, strict=True, examples=[0.5],
                             description="Share of each group's mentees to place (0-1), "
                                         "rounded up to whole people.")


class AssignRequest(Body):
    objective: Literal["best_total", "most_matched"] = "best_total"
    fairness: FairnessRequest | None = Field(
        None, description="A minimum coverage per group; the answer then has a `fairness` "
                          "object: each group's coverage and the price of fairness.")


class ExclusionRequest(Body):
    mentee_id: str = ID
    mentor_id: str = ID
    reason: str = Field(min_length=1, max_length=1000)


class PairingReview(Body):
    decision: Literal["approve", "reject", "swap", "lock", "activate"]
    version: int | None = Field(None, ge=1, le=MAX_VERSION, strict=True,
                                description="The version you decided on; or send If-Match "
                                "with the pairing's ETag.")
    note: str | None = Field(None, max_length=2000,
                             description="Required to reject: the reason.")
    mentor_id: str | None = Field(None, min_length=1, max_length=64,
                                  description="swap: the new mentor.")
    with_pairing: str | None = Field(None, min_length=1, max_length=32,
                                     description="swap: exchange mentors with this pairing.")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"decision": "approve", "version": 1},
        {"decision": "reject", "version": 1, "note": "same team last year"},
        {"decision": "swap", "version": 2, "mentor_id": "p-0042"}]})


class DraftRequest(Body):
    kind: DraftKind
    participant_id: str | None = Field(None, min_length=1, max_length=64,
                                       description="Default: the caller.")
    topic: str | None = Field(None, max_length=500)
    partner_id: str | None = Field(None, min_length=1, max_length=64)

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"kind": "agenda", "topic": "first session"},
        {"kind": "framework", "topic": "feedback on missed deadlines"}]})


class DraftReview(Body):
    decision: Literal["approve", "reject", "edit"]
    version: int | None = Field(None, ge=1, le=MAX_VERSION, strict=True,
                                description="Or send If-Match with the ETag.")
    note: str | None = Field(None, max_length=4000,
                             description="A rejection's feedback: the draft is redone with it.")
    content: dict[str, Any] | None = Field(None, description="edit: the whole edited content.")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"decision": "approve", "version": 1},
        {"decision": "reject", "version": 1, "note": "shorter, and about delegation"}]})


class TokenCreate(Body):
    participant_id: str = ID
    role: Literal["mentee", "mentor", "coordinator", "admin"]
    program: str | None = Field(None, min_length=1, max_length=100)
    organization: str | None = Field(None, min_length=1, max_length=120)
    days: int = Field(30, ge=1, le=366)


# -- responses ----------------------------------------------------------------------------
class PageMeta(Open):
    """Paging keys of a list answer."""

    limit: int = Field(description="The page size used.")
    next_cursor: str | None = Field(
        None, description="Send as `cursor` to get the next page; null on the last page.")
    total: int | None = Field(None, description="Rows in the whole list (after filters).")
    offset: int | None = Field(None, description="Legacy: where this page starts.")
    next_offset: int | None = Field(None, description="Legacy: the `offset` of the next "
                                    "page; null on the last page. Prefer `next_cursor`.")


class Problem(Open):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None
    request_id: str | None = Field(default=None, description="The request's id (also in the "
                                   "X-Request-ID header); quote it when reporting a problem.")


class Candidate(Open):
    mentor_id: str
    score: float
    components: dict[str, float]
    reasons: list[str]


class MenteeSuggestions(Open):
    mentee_id: str
    candidates: list[Candidate]


class Suggestions(Open):
    program: str
    suggestions: list[MenteeSuggestions]


class Assignment(Open):
    mentee_id: str
    mentor_id: str
    score: float
    status: str


class Unassigned(Open):
    mentee_id: str
    reason: str


class Assignments(Open):
    program: str
    assignments: list[Assignment]
    unassigned: list[Unassigned]


class PairingOut(Open):
    id: str
    program: str
    mentee_id: str
    mentor_id: str
    status: str
    version: int


class Pairings(PageMeta):
    program: str
    pairings: list[PairingOut]


class ReviewResult(Open):
    pairing: PairingOut
    created: list[PairingOut]


class CitationOut(Open):
    source: str
    heading: str
    excerpt: str


class CheckOut(Open):
    name: str
    passed: bool
    detail: str


class DraftOut(Open):
    id: str
    kind: str
    participant_id: str
    status: str
    generator: str
    content: dict[str, Any]
    citations: list[CitationOut]
    checks: list[CheckOut]
    version: int
    rationale: dict[str, Any] = Field(
        default_factory=dict, description="Why the drafter chose what it chose (framework, "
        "sections, template, reviewer notes followed or not, safety flags, the plan) and its "
        "note for the reviewer.")


class DraftReviewOut(DraftOut):
    warnings: list[str] = Field(
        default_factory=list, description="What the reviewer should know about the decision: "
        "one line per check the approved version had failed.")


class Drafts(PageMeta):
    drafts: list[DraftOut]


class Participants(PageMeta):
    participants: list[dict[str, Any]]


class ImportResult(Open):
    created: int
    updated: int
    unchanged: int
    errors: list[dict[str, Any]]
    unknown_columns: list[str] = Field(
        default_factory=list, description="Columns no field takes, as the file names them: "
        "kept as extra fields on each participant, not used for matching.")
    warnings: list[str] = Field(default_factory=list,
                                description="Things worth knowing that did not stop the import.")
    dry_run: bool = Field(False, description="True for `dry_run=true`: nothing was written.")
    columns: list[dict[str, Any]] = Field(
        default_factory=list, description="Each column as the file names it and the field it "
        "fills (`field` null: kept as an extra field).")
    changes: dict[str, Any] | None = Field(
        None, description="Dry runs: ids to be created, updated (with fields) and unchanged.")
    reporting_conflicts: list[dict[str, Any]] = Field(
        default_factory=list, description="Live pairings the new reporting lines forbid "
        "(pairing_id, mentee_id, mentor_id, status, why): flagged by the import; with "
        "`dry_run=true`, those the import would flag.")


class TokenOut(Open):
    token: str
    participant_id: str
    role: str
    expires_at: str


class Queue(PageMeta):
    pairings: list[PairingOut]
    drafts: list[DraftOut]
