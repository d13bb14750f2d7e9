"""The mentoring relationship after approval: sessions, tracked goals, check-ins,
notifications and how a pairing ends — the vocabularies and records the services hand around
(docs/relationship.md describes the whole model)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field


class SessionStatus(StrEnum):
    """A mentoring session's life: scheduled, then held or cancelled (both final)."""

    scheduled = "scheduled"
    held = "held"
    cancelled = "cancelled"


class SessionFormat(StrEnum):
    """Where a session happens."""

    in_person = "in_person"
    video = "video"
    phone = "phone"


class EndReason(StrEnum):
    """Why a pairing was closed. `no_fault`: no blame recorded; either member of the pair
    may leave so on their own during the trial period (until more than the program's
    `trial_sessions` sessions are held), a coordinator at any time (`services.closing`)."""

    completed = "completed"
    no_fault = "no_fault"
    withdrawn = "withdrawn"


class GoalStatus(StrEnum):
    """A tracked goal's progress."""

    not_started = "not_started"
    on_track = "on_track"
    at_risk = "at_risk"
    done = "done"
    dropped = "dropped"


class CheckinKind(StrEnum):
    """A pulse survey on the program's schedule, or the closing survey at the end."""

    pulse = "pulse"
    closing = "closing"


class Health(StrEnum):
    """How an active pairing is doing (services.health classifies)."""

    too_early = "too_early"
    on_track = "on_track"
    needs_checkin = "needs_checkin"
    at_risk = "at_risk"


class NotificationKind(StrEnum):
    """What a notification is about. `nudge`: the pair has not met for `threshold_days`
    (one of the program's `nudge_days`) past the program's cadence; `coordinator_queue`: the
    pairing joins the coordinators' queue (`coordinator_queue_days` past the cadence). The
    thresholds are per program, so they are a column, not part of the kind."""

    nudge = "nudge"
    coordinator_queue = "coordinator_queue"
    checkin_due = "checkin_due"
    checkpoint_due = "checkpoint_due"
    session_changed = "session_changed"
    pairing_ended = "pairing_ended"


class Channel(StrEnum):
    """How a notification reaches its recipient: e-mail (through the outbox) or in the app."""

    email = "email"
    in_app = "in_app"


class MentoringSession(BaseModel):
    """One meeting of a pair: planned, held (with private notes) or cancelled.

    `notes` and `action_items` are the pair's own: only the pair (and an admin) ever read
    them; coordinators see status and dates."""

    model_config = ConfigDict(extra="forbid")

    id: str
    program: str
    pairing_id: str
    starts_at: datetime = Field(description="UTC, timezone-aware.")
    minutes: int
    format: SessionFormat = SessionFormat.video
    location: str | None = Field(None, description="A room, an address or a meeting link.")
    timezone: str | None = Field(None, description="The IANA zone the scheduler gave the "
                                 "time in (shown in the calendar as the event's zone).")
    status: SessionStatus = SessionStatus.scheduled
    agenda_draft_id: str | None = None
    sequence: int = Field(0, description="iCalendar SEQUENCE: bumped on every change.")
    uid: str = Field(description="Stable iCalendar UID.")
    notes: str | None = None
    action_items: list[str] = Field(default_factory=list)
    created_by: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    held_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    version: int = 1

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)


class Goal(BaseModel):
    """One version of a tracked goal. Readjusting writes a new version with the same
    `goal_key`; the old one stays, `is_current` False and `superseded_by` the new id."""

    model_config = ConfigDict(extra="forbid")

    id: str
    program: str
    pairing_id: str
    participant_id: str = Field(description="Whose goal (the mentee).")
    source_draft_id: str | None = None
    goal_key: str = Field(description="Stable across versions.")
    version: int = 1
    statement: str
    details: dict[str, Any] = Field(default_factory=dict, description="specific, measurable, "
                                    "achievable, relevant, readjusted — as drafted.")
    time_bound: date | None = None
    status: GoalStatus = GoalStatus.not_started
    is_current: bool = True
    superseded_by: str | None = None
    created_by: str
    created_at: datetime | None = None
    updated_at: datetime | None = None


class GoalCheckpoint(BaseModel):
    """A dated check of a goal (the draft's `evaluated` entries)."""

    model_config = ConfigDict(extra="forbid")

    id: int | None = None
    goal_id: str
    position: int
    due_on: date
    check: str
    done_at: datetime | None = None
    done_by: str | None = None


class GoalUpdate(BaseModel):
    """A progress update on a goal: a status and the evidence for it."""

    model_config = ConfigDict(extra="forbid")

    id: int | None = None
    goal_id: str
    author_id: str
    status: GoalStatus
    evidence: str | None = None
    created_at: datetime | None = None


class Checkin(BaseModel):
    """One person's pulse (or closing) survey of a pairing, due on `due_on`. Answers are for
    the coordinators in aggregate only."""

    model_config = ConfigDict(extra="forbid")

    id: int | None = None
    program: str
    pairing_id: str
    participant_id: str
    kind: CheckinKind = CheckinKind.pulse
    due_on: date
    submitted_at: datetime | None = None
    rating: int | None = Field(None, ge=1, le=5, description="The relationship, 1–5.")
    meetings_per_month: float | None = Field(None, ge=0, le=31)
    recommend: int | None = Field(None, ge=0, le=10, description="Closing: 0–10.")
    comment: str | None = None


class Notification(BaseModel):
    """A nudge, reminder or notice. `recipient_id` None: the coordinators' queue.
    `dedup_key` is unique: the same notice is never written twice, however many processes
    run `nudges run` at once."""

    model_config = ConfigDict(extra="forbid")

    id: int | None = None
    program: str
    pairing_id: str | None = None
    recipient_id: str | None = None
    kind: NotificationKind
    threshold_days: int | None = Field(None, description="nudge / coordinator_queue: the "
                                       "threshold (days past the cadence) that fired.")
    reason: str
    dedup_key: str
    channel: Channel = Channel.in_app
    outbox_id: int | None = None
    created_at: datetime | None = None
    sent_at: datetime | None = None
    read_at: datetime | None = None


class PairingEnd(BaseModel):
    """How a closed pairing ended."""

    model_config = ConfigDict(extra="forbid")

    ended_at: datetime
    reason: EndReason
    note: str | None = None
    ended_by: str


# -- pure rules of sessions -------------------------------------------------------------------

#: Shortest and longest session Companion accepts (minutes).
SESSION_MINUTES = (5, 480)


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone `name` (UTC when None); ValueError naming it when unknown."""
    if not name:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone '{name}': use an IANA name such as "
                         "Europe/Berlin or America/New_York") from exc


def parse_start(text: str, zone_name: str | None) -> datetime:
    """A session's start from ISO 8601 text, in UTC. Text without an offset
    (`2027-01-12T15:00`) is a wall-clock time in `zone_name` (the scheduling person's own
    zone; UTC when None). ValueError with what to type when it is no date-time."""
    cleaned = text.strip()
    example = "use ISO 8601 with a time, e.g. 2027-01-12T15:00 (your own time zone) or " \
              "2027-01-12T15:00+01:00"
    try:
        parsed = datetime.fromisoformat(cleaned.replace("z", "Z"))
    except ValueError:
        raise ValueError(f"'{text}' is not a date-time: {example}") from None
    if "T" not in cleaned.upper() and " " not in cleaned:
        raise ValueError(f"'{text}' has no time of day: {example}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone(zone_name))
    return parsed.astimezone(UTC)


def local_time(at: datetime, zone_name: str | None) -> datetime:
    """`at` as the wall-clock time of `zone_name` (UTC when None or unknown)."""
    try:
        return at.astimezone(zone(zone_name))
    except ValueError:
        return at.astimezone(UTC)
