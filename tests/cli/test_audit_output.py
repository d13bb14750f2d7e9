"""`companion audit list` shows what requests put in the audit log without letting a request
path drive the operator's terminal: control characters are shown escaped in the table (JSON
escapes them by itself), and the stored request line is bounded."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from companion.api.app import create_app
from companion.cli import output
from companion.cli.output import visible

#: ESC [2J (clear screen), ESC ]0;…BEL (retitle the window), BS, FF, VT, the one-character
#: CSI U+009B and the right-to-left override U+202E, as percent-encoded in a URL.
NASTY_PATH = "/api/v1/drafts/x%1b[2J%1b]0;pwned%07%08%0c%0b%c2%9b31m%e2%80%aey"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]")


@pytest.fixture
def denied_path() -> str:
    """One denied request with control characters in its path, audited by the real app."""
    with TestClient(create_app()) as client:
        assert client.get(NASTY_PATH).status_code == 401
    return NASTY_PATH


def test_the_audit_table_shows_control_characters_escaped(
        cli, denied_path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output.out, "width", 300)  # the entity on one line
    run = cli("audit", "list")
    assert run.code == 0, run.err
    assert not RAW.search(run.out), repr(run.out)
    assert "GET /api/v1/drafts/x\\x1b[2J\\x1b]0;pwned\\x07\\x08\\x0c\\x0b\\x9b31m\\u202ey" in \
        run.out, run.out


def test_audit_json_keeps_the_path_exactly_and_escaped(cli, denied_path: str) -> None:
    run = cli("audit", "list", "--format", "json")
    assert run.code == 0, run.err
    assert not RAW.search(run.out)
    [event] = [e for e in json.loads(run.out)["events"] if e["action"] == "access.denied"]
    assert event["entity_id"] == "GET /api/v1/drafts/x\x1b[2J\x1b]0;pwned\x07\x08\x0c\x0b\x9b31m" \
        "\u202ey"


def test_the_stored_request_line_is_bounded(cli) -> None:
    with TestClient(create_app()) as client:
        assert client.get("/api/v1/drafts/" + "%1b" * 5000).status_code in (401, 404, 414)
    [event] = json.loads(cli("audit", "list", "--format", "json").out)["events"]
    assert len(event["entity_id"]) == 128


@pytest.mark.parametrize(("text", "newlines", "shown"), [
    ("plain [bold]text[/]", True, "plain [bold]text[/]"),
    ("two\nlines\tand tab", True, "two\nlines\tand tab"),
    ("two\nlines\tand tab", False, "two\\x0alines\\x09and tab"),
    ("\x1b[31mred\x1b[0m", True, "\\x1b[31mred\\x1b[0m"),
    ("\x00\x7f\x9b", True, "\\x00\\x7f\\x9b"),
    ("abc\u202edef\u2066", True, "abc\\u202edef\\u2066"),
    ("naïve café ✓", True, "naïve café ✓"),
])
def test_visible(text: str, newlines: bool, shown: str) -> None:
    assert visible(text, newlines=newlines) == shown


def test_every_table_escapes_control_characters(cli) -> None:
    assert cli("program", "create", "Pilot\x1b[2J", "--start", "2027-01-11").code in (0, 2)
    run = cli("program", "list")
    assert "\x1b" not in run.out
