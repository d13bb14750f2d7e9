"""Sending what the outbox holds: invitations are written to the `outbox` table in the
transaction that decides to send them, and delivered afterwards by the backend the settings
choose (`COMPANION_MAIL_BACKEND`):

* `console` (default) — prints each message, link included, to the server's log (stderr),
  which only the operator sees: enough to try Companion without a mail server.
* `file` — writes one `.eml` file per message under `$COMPANION_HOME/outbox/`.
* `smtp` — sends through `COMPANION_SMTP_HOST`:`COMPANION_SMTP_PORT` (STARTTLS and login when
  configured).

A message that fails keeps its error and is retried by the next delivery, at most
`MAX_ATTEMPTS` times in all.
"""

from __future__ import annotations

import logging
import smtplib
import sys
import threading
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, Protocol, TextIO

from companion.config import Settings
from companion.store import Database, Outbox
from companion.store.tables import OutboxRow, utcnow

log = logging.getLogger("companion.mail")

#: Attempts per message before the outbox gives up on it (`Outbox.unsent` stops at 5).
MAX_ATTEMPTS = 5
#: One delivery at a time per process: the request that queued invitations and another
#: request's delivery would otherwise race for the same messages.
_delivering = threading.Lock()


class MailBackend(Protocol):
    """Sends one message or raises (`OSError`, `smtplib.SMTPException`) saying why not."""

    def send(self, message: EmailMessage) -> None: ...


class ConsoleBackend:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send(self, message: EmailMessage) -> None:
        stream = self.stream or sys.stderr
        rule = "-" * 72
        stream.write(f"{rule}\nE-mail (COMPANION_MAIL_BACKEND=console; set it to smtp to "
                     f"send for real)\n{message.as_string()}\n{rule}\n")
        stream.flush()


class FileBackend:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S")
        name = f"{stamp}-{message['X-Companion-Outbox-Id'] or 'message'}.eml"
        path = self.folder / name
        tmp = path.with_suffix(".tmp")  # a reader never sees half a message
        tmp.write_bytes(bytes(message))
        tmp.replace(path)


class SmtpBackend:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_user:
                password = s.smtp_password.get_secret_value() if s.smtp_password else ""
                smtp.login(s.smtp_user, password)
            smtp.send_message(message)


def backend_for(settings: Settings) -> MailBackend:
    """The backend `COMPANION_MAIL_BACKEND` names."""
    if settings.mail_backend == "file":
        return FileBackend(settings.home / "outbox")
    if settings.mail_backend == "smtp":
        return SmtpBackend(settings)
    return ConsoleBackend()


def build_message(settings: Settings, row: OutboxRow) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = make_msgid(domain="companion.local")
    message["X-Companion-Outbox-Id"] = str(row.id)
    message.set_content(row.body)
    return message


@dataclass(frozen=True)
class OutboxMessage:
    """A message as the outbox lists it: never its body (an invitation's body holds a sign-in
    link, which signs in as its recipient)."""

    id: int
    to: str
    subject: str
    program: str | None
    created_by: str
    created_at: datetime
    sent_at: datetime | None
    attempts: int
    error: str | None

    @property
    def status(self) -> str:
        if self.sent_at is not None:
            return "sent"
        if self.error is not None and self.attempts >= MAX_ATTEMPTS:
            return "failed"
        return "waiting"  # not tried yet, being sent now, or to be tried again

    def json(self) -> dict[str, Any]:
        def at(value: datetime | None) -> str | None:
            return value.isoformat(timespec="seconds") if value else None

        return {"id": self.id, "to": self.to, "subject": self.subject,
                "program": self.program, "created_by": self.created_by,
                "created_at": at(self.created_at), "sent_at": at(self.sent_at),
                "status": self.status, "attempts": self.attempts, "error": self.error}


def _message(row: OutboxRow) -> OutboxMessage:
    return OutboxMessage(row.id, row.to_address, row.subject, row.program, row.created_by,
                         row.created_at, row.sent_at, row.attempts or 0, row.error)


@dataclass(frozen=True)
class Delivery:
    """What one delivery run did."""

    sent: int
    failed: list[OutboxMessage]

    def json(self) -> dict[str, Any]:
        return {"sent": self.sent, "failed": [m.json() for m in self.failed]}


def deliver_outbox(db: Database, settings: Settings, *, backend: MailBackend | None = None,
                   limit: int = 100) -> Delivery:
    """Send the unsent messages (oldest first): each is marked sent, or keeps its error and
    is tried again by the next run until it has failed `MAX_ATTEMPTS` times."""
    backend = backend or backend_for(settings)
    sent = 0
    failed: list[OutboxMessage] = []
    with _delivering:
        with db.session() as session:
            waiting = [(row.id, row.attempts or 0) for row in Outbox(session).unsent(limit)]
        for message_id, attempts in waiting:
            with db.session() as session:
                outbox = Outbox(session)
                if not outbox.claim(message_id, attempts):
                    continue  # another deliverer took it
                row = session.get(OutboxRow, message_id)
                assert row is not None
                message = build_message(settings, row)
            try:
                backend.send(message)
            except (OSError, smtplib.SMTPException, ValueError) as exc:
                error = f"{type(exc).__name__}: {exc}"[:1000]
                log.warning("e-mail %s to %s not sent (attempt %d of %d): %s", message_id,
                            message["To"], attempts + 1, MAX_ATTEMPTS, error)
                with db.session() as session:
                    Outbox(session).finish(message_id, sent_at=None, error=error)
                    row = session.get(OutboxRow, message_id)
                    assert row is not None
                    failed.append(_message(row))
                continue
            with db.session() as session:
                Outbox(session).finish(message_id, sent_at=utcnow(), error=None)
            sent += 1
    return Delivery(sent, failed)


def deliver_in_background(db: Database, settings: Settings) -> threading.Thread:
    """Deliver now without holding up the caller (after a request's transaction committed);
    a failure is logged and the message waits in the outbox for the next delivery."""
    def run() -> None:
        try:
            deliver_outbox(db, settings)
        except Exception:  # a background thread has no one else to tell
            log.exception("delivering the outbox failed; the messages wait for the next delivery")

    thread = threading.Thread(target=run, name="companion-mail", daemon=True)
    thread.start()
    return thread


def list_outbox(db: Database, *, limit: int = 100) -> list[OutboxMessage]:
    """The newest messages, sent or not, without their bodies."""
    with db.session() as session:
        return [_message(row) for row in Outbox(session).recent(limit)]


__all__ = ["MAX_ATTEMPTS", "ConsoleBackend", "Delivery", "FileBackend", "MailBackend",
           "OutboxMessage", "SmtpBackend", "backend_for", "deliver_in_background",
           "deliver_outbox", "list_outbox"]
