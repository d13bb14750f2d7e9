"""`companion outbox send|list`: queued invitations are delivered by the configured backend,
listed without their bodies (which hold sign-in links)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from companion.config import get_settings
from companion.domain import AccessRole
from companion.services.invitations import invite_as
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.services.tokens import Principal
from companion.store import get_database
from tests import factories
from tests.cli.conftest import Run


def test_outbox_send_then_list(cli: Callable[..., Run], tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPANION_MAIL_BACKEND", "file")
    get_settings.cache_clear()
    settings = get_settings()
    db = get_database(settings)
    create_program(db, build_program("Pilot", months=12))
    import_participants_file(db, "Pilot", factories.write_csv(tmp_path / "p.csv", [
        factories.mentee("e1", email="ada@example.org")]), skip_invalid=False)
    coordinator = Principal("t", "coord", AccessRole.coordinator, "Pilot", None)
    invite_as(db, settings, coordinator, ["e1"])

    waiting = json.loads(cli("outbox", "list", "--format", "json").out)["messages"]
    assert [(m["to"], m["status"]) for m in waiting] == [("ada@example.org", "waiting")]
    run = cli("outbox", "send")
    assert run.code == 0 and "Sent 1 message(s) with the file backend" in run.out
    assert len(list((settings.home / "outbox").glob("*.eml"))) == 1
    listed = cli("outbox", "list")
    assert listed.code == 0 and "sent" in listed.out and "/sign-in/" not in listed.out
    again = json.loads(cli("outbox", "send", "--format", "json").out)
    assert again == {"sent": 0, "failed": []}


def test_outbox_send_exits_1_when_a_message_fails(cli: Callable[..., Run], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    monkeypatch.setenv("COMPANION_MAIL_BACKEND", "smtp")
    monkeypatch.setenv("COMPANION_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("COMPANION_SMTP_PORT", str(closed))
    get_settings.cache_clear()
    settings = get_settings()
    db = get_database(settings)
    create_program(db, build_program("Pilot", months=12))
    import_participants_file(db, "Pilot", factories.write_csv(tmp_path / "p.csv", [
        factories.mentee("e1", email="ada@example.org")]), skip_invalid=False)
    invite_as(db, settings, Principal("t", "coord", AccessRole.coordinator, "Pilot", None),
              ["e1"])
    run = cli("outbox", "send")
    assert run.code == 1 and "Not sent to ada@example.org (attempt 1 of 5)" in run.err
    assert "Traceback" not in run.err
