"""SQLAlchemy 2 tables. Schema changes go through Alembic migrations in `migrations/`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Timezone-aware now, the only clock the store uses."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on every database (SQLite hands back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Declarative base of all Companion tables."""

    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class ProgramRow(Base):
    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    type: Mapped[str] = mapped_column(String(20))
    start_date: Mapped[date] = mapped_column(Date)
    months: Mapped[int] = mapped_column(Integer)
    # The rest of the Program model (phases, cadence, weights, field policies) as JSON: it is
    # read and written whole, never queried by part.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ParticipantRow(Base):
    __tablename__ = "participants"
    __table_args__ = (
        UniqueConstraint("program_id", "pid", name="uq_participants_program_pid"),
        Index("ix_participants_program_role", "program_id", "role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    pid: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(10))
    email: Mapped[str | None] = mapped_column(String(254))
    organization: Mapped[str | None] = mapped_column(String(120))
    department: Mapped[str | None] = mapped_column(String(120))
    title: Mapped[str | None] = mapped_column(String(160))
    level: Mapped[int | None] = mapped_column(Integer)
    manager_id: Mapped[str | None] = mapped_column(String(64))
    location: Mapped[str | None] = mapped_column(String(120))
    timezone: Mapped[str | None] = mapped_column(String(64))
    languages: Mapped[list[Any]] = mapped_column(JSON, default=list)
    capacity: Mapped[int | None] = mapped_column(Integer)
    expertise: Mapped[str | None] = mapped_column(Text)
    goals: Mapped[list[Any]] = mapped_column(JSON, default=list)
    skills: Mapped[list[Any]] = mapped_column(JSON, default=list)
    format: Mapped[str | None] = mapped_column(String(20))
    prefer_cross_department: Mapped[bool | None] = mapped_column(Boolean)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    #: withdrawn from the program (issue 14): never matched again, pairings closed
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OrgPersonRow(Base):
    """Someone of the organisation a manager id points to who is not a participant: kept
    for the reporting-line rule only (never matched, never listed)."""

    __tablename__ = "org_people"
    __table_args__ = (UniqueConstraint("program_id", "pid", name="uq_org_people_program_pid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    pid: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(120))
    manager_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


#: Pairing statuses that hold a mentee: at most one such pairing per mentee and program.
LIVE_PAIRING_STATUSES = ("pending", "approved", "active")
_LIVE = text("status IN ('pending', 'approved', 'active')")


class PairingRow(Base):
    __tablename__ = "pairings"
    __table_args__ = (
        Index("ix_pairings_program_status", "program_id", "status"),
        # the database's own guarantee against duplicate live pairings, whatever the races
        Index("uq_pairings_live_mentee", "program_id", "mentee_id", unique=True,
              sqlite_where=_LIVE, postgresql_where=_LIVE),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    mentee_id: Mapped[str] = mapped_column(String(64))
    mentor_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    components: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    cohort: Mapped[str | None] = mapped_column(String(64))
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: set once, by the approval (decided_at moves with every later decision)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: how a closed pairing ended (migration 0008)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(12))
    end_note: Mapped[str | None] = mapped_column(Text)
    ended_by: Mapped[str | None] = mapped_column(String(64))


class DraftRow(Base):
    __tablename__ = "drafts"
    __table_args__ = (
        Index("ix_drafts_program_participant", "program_id", "participant_id"),
        Index("ix_drafts_status", "status"),
        Index("ix_drafts_pairing", "pairing_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    participant_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    generator: Mapped[str] = mapped_column(String(120))
    topic: Mapped[str | None] = mapped_column(Text)
    prompt_name: Mapped[str | None] = mapped_column(String(80))
    prompt_version: Mapped[str | None] = mapped_column(String(20))
    model: Mapped[str | None] = mapped_column(String(120))
    retrieved_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reviewer_id: Mapped[str | None] = mapped_column(String(64))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    #: the pairing the draft was made for (None: the requester's own, with no partner)
    pairing_id: Mapped[str | None] = mapped_column(String(32))
    partner_id: Mapped[str | None] = mapped_column(String(64))
    #: what was asked, so an interrupted run can be started again after a crash
    request: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: the process drafting it now (host:pid) and until when its claim holds
    worker: Mapped[str | None] = mapped_column(String(160))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: where a `drafting` run is (queued, gathering, drafting 2/3, checking ...): its progress
    stage: Mapped[str | None] = mapped_column(String(60))
    #: the current version's rationale (why the drafter chose what it chose)
    rationale: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict,
                                                      server_default=text("'{}'"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModelSlotRow(Base):
    """One of an organisation's concurrent model-call slots (issue 15): a call holds a slot
    while it runs; a holder that died stops holding it when its lease runs out."""

    __tablename__ = "model_call_slots"

    scope: Mapped[str] = mapped_column(String(160), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DraftVersionRow(Base):
    __tablename__ = "draft_versions"
    __table_args__ = (UniqueConstraint("draft_id", "number", name="uq_draft_versions_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    draft_id: Mapped[str] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    citations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    checks: Mapped[list[Any]] = mapped_column(JSON, default=list)
    generator: Mapped[str] = mapped_column(String(120))
    diff: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    rationale: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict,
                                                      server_default=text("'{}'"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditRow(Base):
    """Append-only: the migration installs triggers that refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(128))
    program: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: the API token the action was taken with (None: the local CLI)
    token_id: Mapped[str | None] = mapped_column(String(32))


class DoNotMatchRow(Base):
    """Pairs a coordinator recorded as never to be matched in a program."""

    __tablename__ = "do_not_match"
    __table_args__ = (
        UniqueConstraint("program_id", "mentee_id", "mentor_id", name="uq_do_not_match_pair"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    mentee_id: Mapped[str] = mapped_column(String(64))
    mentor_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HolderColumns:
    """Who a credential speaks for: API tokens, sign-in links and browser sessions alike."""

    participant_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(12))
    program: Mapped[str | None] = mapped_column(String(100))
    organization: Mapped[str | None] = mapped_column(String(120))


class TokenRow(HolderColumns, Base):
    """API bearer tokens. Only the SHA-256 of the secret is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IdempotencyRow(Base):
    """Idempotency keys of requests that create things (draft requests): the first request
    with a key claims it; a retry with the same key gets the same result."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("principal", "key", name="uq_idempotency_principal_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    principal: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SigninLinkRow(HolderColumns, Base):
    """One-time sign-in links for the web app. Only the SHA-256 of the secret is stored."""

    __tablename__ = "signin_links"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebSessionRow(HolderColumns, Base):
    """A signed-in browser. The cookie holds the secret; the database only its SHA-256."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: how the person got in: "link:<id>", or "oidc:<issuer>" (single sign-on)
    via: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxRow(Base):
    """E-mail waiting to be sent (and a record of what was): written in the transaction that
    decides to send it, delivered afterwards by the configured backend."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_unsent", "sent_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    program: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


# -- the mentoring relationship after approval (migration 0008, docs/relationship.md) --------


class MentoringSessionRow(Base):
    """A meeting of a pair. `notes` and `action_items` are the pair's private record."""

    __tablename__ = "mentoring_sessions"
    __table_args__ = (
        Index("ix_mentoring_sessions_pairing", "pairing_id", "starts_at"),
        Index("ix_mentoring_sessions_program", "program_id", "status", "starts_at"),
        CheckConstraint("minutes > 0", name="ck_mentoring_sessions_minutes"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    pairing_id: Mapped[str] = mapped_column(ForeignKey("pairings.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[int] = mapped_column(Integer)
    format: Mapped[str] = mapped_column(String(12))
    location: Mapped[str | None] = mapped_column(String(500))
    timezone: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))
    agenda_draft_id: Mapped[str | None] = mapped_column(String(32))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    uid: Mapped[str] = mapped_column(String(200), unique=True)
    notes: Mapped[str | None] = mapped_column(Text)
    action_items: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)


class CalendarTokenRow(Base):
    """A participant's calendar feed URL secret. Only its SHA-256 is stored."""

    __tablename__ = "calendar_tokens"
    __table_args__ = (Index("ix_calendar_tokens_participant", "program_id", "participant_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    participant_id: Mapped[str] = mapped_column(String(64))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class GoalRow(Base):
    """One version of a tracked goal; a readjustment adds a version with the same key."""

    __tablename__ = "goals"
    __table_args__ = (
        UniqueConstraint("goal_key", "version", name="uq_goals_key_version"),
        Index("ix_goals_pairing", "pairing_id", "is_current"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    pairing_id: Mapped[str] = mapped_column(ForeignKey("pairings.id", ondelete="CASCADE"))
    participant_id: Mapped[str] = mapped_column(String(64))
    source_draft_id: Mapped[str | None] = mapped_column(String(32))
    goal_key: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)
    statement: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    time_bound: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    superseded_by: Mapped[str | None] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GoalCheckpointRow(Base):
    __tablename__ = "goal_checkpoints"
    __table_args__ = (Index("ix_goal_checkpoints_due", "due_on", "done_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    goal_id: Mapped[str] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    check_text: Mapped[str] = mapped_column(Text)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by: Mapped[str | None] = mapped_column(String(64))


class GoalUpdateRow(Base):
    __tablename__ = "goal_updates"
    __table_args__ = (Index("ix_goal_updates_goal", "goal_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    goal_id: Mapped[str] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"))
    author_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))
    evidence: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CheckinRow(Base):
    """A pulse or closing survey of one person about one pairing, due on a day: created when
    due (unsubmitted), answered once."""

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("pairing_id", "participant_id", "kind", "due_on",
                         name="uq_checkins_due"),
        Index("ix_checkins_program", "program_id", "kind", "submitted_at"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)",
                        name="ck_checkins_rating"),
        CheckConstraint("recommend IS NULL OR (recommend >= 0 AND recommend <= 10)",
                        name="ck_checkins_recommend"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    pairing_id: Mapped[str] = mapped_column(ForeignKey("pairings.id", ondelete="CASCADE"))
    participant_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    due_on: Mapped[date] = mapped_column(Date)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[int | None] = mapped_column(Integer)
    meetings_per_month: Mapped[float | None] = mapped_column(Float)
    recommend: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotificationRow(Base):
    """Nudges, reminders and notices. `dedup_key` is unique, so writing the same notice
    twice (two `nudges run` at once) is a no-op for the second writer."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_recipient", "program_id", "recipient_id", "read_at"),
        Index("ix_notifications_pairing", "pairing_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    pairing_id: Mapped[str | None] = mapped_column(ForeignKey("pairings.id",
                                                              ondelete="CASCADE"))
    #: a participant id; None: the coordinators' queue
    recipient_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(24))
    threshold_days: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(8))
    outbox_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
