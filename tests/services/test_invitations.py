"""Invitations by e-mail, delivered to a real SMTP server on 127.0.0.1 (aiosmtpd), on SQLite
and PostgreSQL: the message arrives and its link signs in once; a failing server leaves the
message for a retry; only a host coordinator (or an admin) may invite."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from companion.config import Settings
from companion.domain import AccessRole
from companion.errors import AccessDenied, BadInputError
from companion.services import mail, web_auth
from companion.services.audit import read_as
from companion.services.invitations import invite_as, invitees_as
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.services.tokens import Principal
from companion.store import Database
from tests import factories


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """aiosmtpd handler: keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def pilot(any_db: Database, tmp_path: Path) -> Database:
    create_program(any_db, build_program("Pilot", months=12, host_organization="Harbourline"))
    import_participants_file(any_db, "Pilot", factories.write_csv(tmp_path / "p.csv", [
        factories.mentee("e1", name="Ada Mensah", email="ada@example.org"),
        factories.mentor("m1", name="Sam Ortiz", email="sam@example.org"),
        factories.mentee("e2", name="Noor Haddad"),  # no e-mail address
        factories.mentee("b1", name="Kit Both", role="both", capacity="1",
                         email="kit@example.org"),
    ]), skip_invalid=False)
    return any_db


def coordinator(org: str | None = None) -> Principal:
    return Principal("t-coord", "coord", AccessRole.coordinator, "Pilot", org)


def _smtp_settings(settings: Settings, port: int) -> Settings:
    return settings.model_copy(update={"mail_backend": "smtp", "smtp_host": "127.0.0.1",
                                       "smtp_port": port, "smtp_timeout": 5.0,
                                       "mail_from": "Pilot <pilot@example.org>"})


def _secret(body: str) -> str:
    found = re.search(r"/sign-in/(\S+)", body)
    assert found, body
    return found.group(1)


def test_an_invitation_arrives_by_smtp_and_its_link_signs_in_once(
        pilot: Database, settings: Settings, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    cfg = _smtp_settings(settings, port)
    done = invite_as(pilot, cfg, coordinator(), ["e1", "m1", "e2", "ghost"])
    assert [p.id for p in done.invited] == ["e1", "m1"]
    assert [p.name for p in done.without_email] == ["Noor Haddad"]
    assert done.unknown == ["ghost"]
    assert "/sign-in/" not in str(done.json())  # the coordinator never sees a link

    delivery = mail.deliver_outbox(pilot, cfg)
    assert delivery.sent == 2 and delivery.failed == []
    by_rcpt = {rcpt[0]: msg for rcpt, msg in inbox.messages}
    assert set(by_rcpt) == {"ada@example.org", "sam@example.org"}
    ada = by_rcpt["ada@example.org"]
    assert ada["To"] == "ada@example.org" and ada["From"] == "Pilot <pilot@example.org>"
    assert "Pilot" in ada["Subject"]
    body = ada.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "Ada Mensah" in body and "coord" in body and "72 hours" not in body
    assert "3 days" in body and "as a mentee" in body

    web = web_auth.use_link(pilot, cfg, _secret(body))
    assert web is not None
    assert web.principal.participant_id == "e1" and web.principal.role is AccessRole.mentee
    assert web.principal.program == "Pilot"
    assert web_auth.use_link(pilot, cfg, _secret(body)) is None  # once
    sam = by_rcpt["sam@example.org"].get_payload(decode=True).decode()  # type: ignore[union-attr]
    mentor = web_auth.use_link(pilot, cfg, _secret(sam))
    assert mentor is not None and mentor.principal.role is AccessRole.mentor

    assert mail.deliver_outbox(pilot, cfg).sent == 0  # nothing is sent twice
    assert [m.status for m in mail.list_outbox(pilot)] == ["sent", "sent"]
    audit = read_as(pilot, Principal("t-admin", "admin", AccessRole.admin, None, None),
                    program="Pilot")
    sent = [e for e in audit if e.action == "invitation.send"]
    assert {e.entity_id for e in sent} == {"e1", "m1"}
    assert {e.actor for e in sent} == {"coordinator:coord"}


def test_someone_who_is_both_is_invited_as_a_mentee_unless_asked(
        pilot: Database, settings: Settings, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    cfg = _smtp_settings(settings, port)
    invite_as(pilot, cfg, coordinator(), ["b1"])
    invite_as(pilot, cfg, coordinator(), ["b1"], both_as="mentor")
    assert mail.deliver_outbox(pilot, cfg).sent == 2
    roles = []
    for _rcpt, msg in inbox.messages:
        body = msg.get_payload(decode=True).decode()  # type: ignore[union-attr]
        web = web_auth.use_link(pilot, cfg, _secret(body))
        assert web is not None
        roles.append(web.principal.role)
    assert sorted(r.value for r in roles) == ["mentee", "mentor"]


def test_a_failing_smtp_server_keeps_the_message_for_a_retry(
        pilot: Database, settings: Settings, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    closed = _free_port()  # nothing listens there
    down = _smtp_settings(settings, closed)
    invite_as(pilot, down, coordinator(), ["e1"])
    first = mail.deliver_outbox(pilot, down)
    assert first.sent == 0 and len(first.failed) == 1
    failed = first.failed[0]
    assert failed.attempts == 1 and failed.sent_at is None
    assert failed.error and "refused" in failed.error.lower()
    assert mail.list_outbox(pilot)[0].status == "waiting"
    people = {p.id: p for p in invitees_as(pilot, coordinator())}
    assert people["e1"].last is not None and people["e1"].last.status == "retrying"
    assert people["m1"].last is None and people["e2"].last is None

    retry = mail.deliver_outbox(pilot, _smtp_settings(settings, port))
    assert retry.sent == 1
    [(rcpt, _msg)] = inbox.messages
    assert rcpt == ["ada@example.org"]
    [listed] = mail.list_outbox(pilot)
    assert listed.status == "sent" and listed.attempts == 2 and listed.error is None
    last = {p.id: p for p in invitees_as(pilot, coordinator())}["e1"].last
    assert last is not None and last.status == "sent" and last.at == listed.sent_at


def test_delivery_gives_up_after_five_attempts(pilot: Database, settings: Settings) -> None:
    down = _smtp_settings(settings, _free_port())
    invite_as(pilot, down, coordinator(), ["e1"])
    for _ in range(7):
        mail.deliver_outbox(pilot, down)
    [listed] = mail.list_outbox(pilot)
    assert listed.attempts == mail.MAX_ATTEMPTS and listed.status == "failed"
    last = {p.id: p for p in invitees_as(pilot, coordinator())}["e1"].last
    assert last is not None and last.status == "failed"


@pytest.mark.parametrize("principal", [
    Principal("t-e1", "e1", AccessRole.mentee, "Pilot", None),
    Principal("t-m1", "m1", AccessRole.mentor, "Pilot", None),
    coordinator("Partnerco"),  # a partner organisation's coordinator
])
def test_only_host_coordinators_invite(pilot: Database, settings: Settings,
                                       principal: Principal) -> None:
    with pytest.raises(AccessDenied):
        invite_as(pilot, settings, principal, ["e1"])
    with pytest.raises(AccessDenied):
        invitees_as(pilot, principal)
    assert mail.list_outbox(pilot) == []


def test_a_coordinator_of_another_program_cannot_invite(pilot: Database,
                                                        settings: Settings) -> None:
    other = Principal("t-x", "coord", AccessRole.coordinator, "Elsewhere", None)
    with pytest.raises(AccessDenied) as denied:
        invite_as(pilot, settings, other, ["e1"], program="Pilot")
    assert denied.value.status == 404


def test_an_admin_invites_and_the_list_shows_who_has_no_email(pilot: Database,
                                                              settings: Settings) -> None:
    admin = Principal("t-admin", "admin", AccessRole.admin, None, None)
    people = {p.id: p for p in invitees_as(pilot, admin, "Pilot")}
    assert people["e2"].email is None and people["e1"].email == "ada@example.org"
    with pytest.raises(BadInputError):
        invite_as(pilot, settings, admin, ["e1"])  # which program?
    with pytest.raises(BadInputError):
        invite_as(pilot, settings, admin, [], program="Pilot")
    done = invite_as(pilot, settings, admin, ["e1"], program="Pilot")
    assert [p.id for p in done.invited] == ["e1"]


def test_console_and_file_backends(pilot: Database, settings: Settings, tmp_path: Path
                                   ) -> None:
    import io

    invite_as(pilot, settings, coordinator(), ["e1"])
    stream = io.StringIO()
    assert mail.deliver_outbox(pilot, settings, backend=mail.ConsoleBackend(stream)).sent == 1
    assert "To: ada@example.org" in stream.getvalue() and "/sign-in/" in stream.getvalue()

    invite_as(pilot, settings, coordinator(), ["m1"])
    cfg = settings.model_copy(update={"mail_backend": "file"})
    assert mail.deliver_outbox(pilot, cfg).sent == 1
    [eml] = (cfg.home / "outbox").glob("*.eml")
    message = message_from_bytes(eml.read_bytes())
    assert message["To"] == "sam@example.org"
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert web_auth.use_link(pilot, cfg, _secret(body)) is not None
