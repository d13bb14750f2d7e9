"""The closed vocabularies of a mentoring program."""

from __future__ import annotations

from enum import StrEnum


class ProgramType(StrEnum):
    """How a program pairs people."""

    one_to_one = "one_to_one"
    group = "group"
    peer = "peer"
    reverse = "reverse"
    cross_org = "cross_org"


class Phase(StrEnum):
    """The three phases every program runs through."""

    launch = "launch"
    development = "development"
    completion = "completion"


class Role(StrEnum):
    """A participant's part in the program."""

    mentor = "mentor"
    mentee = "mentee"
    both = "both"

    @property
    def mentors(self) -> bool:
        return self in (Role.mentor, Role.both)

    @property
    def is_mentored(self) -> bool:
        return self in (Role.mentee, Role.both)


class MentoringFormat(StrEnum):
    """The format a participant prefers."""

    one_to_one = "one_to_one"
    group = "group"
    peer = "peer"
    reverse = "reverse"


class PairingStatus(StrEnum):
    """A pairing's life: suggested (pending) until a coordinator decides."""

    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    active = "active"
    closed = "closed"


class DraftKind(StrEnum):
    """What the drafting agent can write."""

    agenda = "agenda"
    questions = "questions"
    goals = "goals"
    framework = "framework"


class DraftStatus(StrEnum):
    """A draft's life: only `approved` drafts are visible beyond their reviewer.

    `drafting`: the agent is writing it (a first draft, or a redraft after a rejection with
    feedback); a run interrupted by a crash is resumed or ends `failed` with the reason."""

    drafting = "drafting"
    pending_review = "pending_review"
    approved = "approved"
    rejected = "rejected"
    failed = "failed"


class AccessRole(StrEnum):
    """Who a bearer token speaks for."""

    mentee = "mentee"
    mentor = "mentor"
    coordinator = "coordinator"
    admin = "admin"
