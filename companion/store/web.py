"""Repositories of the web app's sign-in: one-time links, browser sessions, the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from companion.store.tables import OutboxRow, SigninLinkRow, WebSessionRow, utcnow

#: A session seen within this long is not written to again on every page.
_TOUCH = timedelta(minutes=5)


class SignInLinks:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: SigninLinkRow) -> None:
        self.session.add(row)
        self.session.flush()

    def use(self, digest: str) -> SigninLinkRow | None:
        """Spend the unexpired, unused link with this hash: a conditional update, so two
        clicks of one link (or two browsers) cannot both sign in with it."""
        now = utcnow()
        row = self.session.scalar(select(SigninLinkRow).where(
            SigninLinkRow.secret_hash == digest))
        if row is None or row.used_at is not None or row.expires_at <= now:
            return None
        done = self.session.execute(update(SigninLinkRow).where(
            SigninLinkRow.id == row.id, SigninLinkRow.used_at.is_(None)).values(used_at=now))
        return row if done.rowcount == 1 else None  # type: ignore[attr-defined]


class WebSessions:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: WebSessionRow) -> None:
        self.session.add(row)
        self.session.flush()

    def live(self, digest: str) -> WebSessionRow | None:
        """The unexpired, not ended session with this hash (its last sight noted, coarsely)."""
        now = utcnow()
        row = self.session.scalar(select(WebSessionRow).where(
            WebSessionRow.secret_hash == digest))
        if row is None or row.ended_at is not None or row.expires_at <= now:
            return None
        if row.last_seen_at is None or now - row.last_seen_at > _TOUCH:
            row.last_seen_at = now
        return row

    def end(self, digest: str) -> None:
        self.session.execute(update(WebSessionRow).where(
            WebSessionRow.secret_hash == digest, WebSessionRow.ended_at.is_(None)
        ).values(ended_at=utcnow()))


class Outbox:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *, to: str, subject: str, body: str, program: str | None,
            created_by: str) -> int:
        row = OutboxRow(to_address=to, subject=subject, body=body, program=program,
                        created_by=created_by, created_at=utcnow(), attempts=0)
        self.session.add(row)
        self.session.flush()
        return row.id

    def add_many(self, messages: list[dict[str, str | None]], *, created_by: str
                 ) -> list[int]:
        """Queue many messages (`to`, `subject`, `body`, `program`) in one statement; their
        ids in the order given."""
        if not messages:
            return []
        now = utcnow()
        rows = [{"to_address": m["to"], "subject": m["subject"], "body": m["body"],
                 "program": m.get("program"), "created_by": created_by, "created_at": now,
                 "attempts": 0} for m in messages]
        return list(self.session.scalars(insert(OutboxRow).returning(
            OutboxRow.id, sort_by_parameter_order=True), rows))

    def unsent(self, limit: int = 100) -> list[OutboxRow]:
        return list(self.session.scalars(select(OutboxRow).where(
            OutboxRow.sent_at.is_(None), OutboxRow.attempts < 5)
            .order_by(OutboxRow.id).limit(limit)))

    def mark(self, message_id: int, *, sent_at: datetime | None, error: str | None) -> None:
        self.session.execute(update(OutboxRow).where(OutboxRow.id == message_id).values(
            sent_at=sent_at, error=error, attempts=OutboxRow.attempts + 1))

    def claim(self, message_id: int, attempts: int) -> bool:
        """Take one unsent message for a delivery attempt: a compare-and-set on its attempt
        count, so two deliverers running at once do not both send the same attempt."""
        done = self.session.execute(update(OutboxRow).where(
            OutboxRow.id == message_id, OutboxRow.sent_at.is_(None),
            OutboxRow.attempts == attempts).values(attempts=attempts + 1))
        return done.rowcount == 1  # type: ignore[attr-defined]

    def finish(self, message_id: int, *, sent_at: datetime | None, error: str | None) -> None:
        """Record how a claimed attempt ended (the attempt was counted by `claim`)."""
        self.session.execute(update(OutboxRow).where(OutboxRow.id == message_id).values(
            sent_at=sent_at, error=error))

    def recent(self, limit: int = 100) -> list[OutboxRow]:
        """The newest messages, sent or not."""
        return list(self.session.scalars(select(OutboxRow).order_by(OutboxRow.id.desc())
                                         .limit(limit)))

    def latest_by_address(self, program: str) -> dict[str, OutboxRow]:
        """The newest message of `program` to each address (lower-cased)."""
        rows = self.session.scalars(select(OutboxRow).where(OutboxRow.program == program)
                                    .order_by(OutboxRow.id))
        return {row.to_address.lower(): row for row in rows}
