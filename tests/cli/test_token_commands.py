"""`companion token create|list|revoke`: the contract JSON, clear errors (exit 2), secrets
shown once and never listed; and `companion demo` hands out a sample token with curl lines."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from companion.config import get_settings
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.services.tokens import authenticate
from companion.store import get_database
from tests import factories
from tests.cli.conftest import Run

Cli = Callable[..., Run]


@pytest.fixture
def programs(migrated_home: Path) -> None:
    """Pilot: mentor m1, mentee e1, both b1 (who is also in Second)."""
    db = get_database(get_settings())
    for name in ("Pilot", "Second"):
        create_program(db, build_program(name, months=12))
    rows = {"Pilot": [factories.mentor("m1"), factories.mentee("e1"),
                      factories.mentee("b1", role="both", capacity="1")],
            "Second": [factories.mentee("b1")]}
    for name, people in rows.items():
        report = import_participants_file(db, name, factories.write_csv(
            migrated_home.parent / f"{name}.csv", people), skip_invalid=False)
        assert report.imported, report.errors


def _json(run: Run) -> dict[str, object]:
    assert run.code == 0, run.err
    data = json.loads(run.out)
    assert isinstance(data, dict)
    return data


def test_create_prints_the_contract_shape_and_the_token_works(cli: Cli, programs: None
                                                               ) -> None:
    data = _json(cli("token", "create", "--participant", "e1", "--role", "mentee",
                     "--program", "Pilot", "--days", "3", "--format", "json"))
    assert {"token", "participant_id", "role", "expires_at"} <= data.keys()
    assert data["participant_id"] == "e1" and data["role"] == "mentee"
    assert isinstance(data["token"], str) and data["token"].startswith("cmp_")
    expires = datetime.fromisoformat(str(data["expires_at"]))
    assert 2.9 < (expires - datetime.now(expires.tzinfo)).total_seconds() / 86400 <= 3
    principal = authenticate(get_database(get_settings()), str(data["token"]))
    assert principal is not None and principal.participant_id == "e1"
    assert principal.program == "Pilot"


def test_create_finds_the_only_program_of_a_participant(cli: Cli, programs: None) -> None:
    data = _json(cli("token", "create", "--participant", "m1", "--role", "mentor",
                     "--format", "json"))
    assert data["program"] == "Pilot" and data["role"] == "mentor"


def test_admin_and_coordinator_tokens(cli: Cli, programs: None) -> None:
    admin = _json(cli("token", "create", "--participant", "root", "--role", "admin",
                      "--format", "json"))
    assert admin["role"] == "admin" and admin["program"] is None
    coord = _json(cli("token", "create", "--participant", "c1", "--role", "coordinator",
                      "--program", "Pilot", "--format", "json"))
    assert coord["role"] == "coordinator" and coord["program"] == "Pilot"


def test_table_output_shows_the_token_once_with_a_curl_hint(cli: Cli, programs: None) -> None:
    run = cli("token", "create", "--participant", "e1", "--role", "mentee", "--program",
              "Pilot")
    assert run.code == 0, run.err
    assert "cmp_" in run.out and "curl" in run.out and "Authorization: Bearer" in run.out


@pytest.mark.parametrize(("args", "message"), [
    (("--participant", "ghost", "--role", "mentee", "--program", "Pilot"),
     "no participant 'ghost' in Pilot"),
    (("--participant", "e1", "--role", "mentor", "--program", "Pilot"),
     "'e1' is a mentee in Pilot, not a mentor"),
    (("--participant", "m1", "--role", "mentee", "--program", "Pilot"),
     "'m1' is a mentor in Pilot, not a mentee"),
    (("--participant", "b1", "--role", "mentee"), "needs a program ('b1' is in 2 programs)"),
    (("--participant", "ghost", "--role", "mentee"), "needs a program"),
    (("--participant", "c9", "--role", "coordinator"), "needs a program"),
    (("--participant", "e1", "--role", "mentee", "--program", "Nope"), "Nope"),
    (("--participant", "e1", "--role", "wizard", "--program", "Pilot"), "unknown role"),
    (("--participant", "e1", "--role", "mentee", "--program", "Pilot", "--days", "0"),
     "days must be between 1 and 366"),
    (("--participant", "root", "--role", "admin", "--organization", "Acme"),
     "not bound to an organisation"),
], ids=["unknown participant", "mentor token for a mentee", "mentee token for a mentor",
        "two programs, none named", "in no program", "coordinator without program",
        "unknown program", "unknown role", "zero days", "admin with organisation"])
def test_create_errors_exit_2_with_a_clear_message(cli: Cli, programs: None,
                                                   args: tuple[str, ...], message: str) -> None:
    run = cli("token", "create", *args, "--format", "json")
    assert run.code == 2, (run.out, run.err)
    assert message in " ".join(run.err.split()), run.err
    assert "Traceback" not in run.err and run.out == ""


@pytest.mark.parametrize("participant", ["b1", "ghost", "c9"])
def test_a_missing_program_is_hinted_with_the_cli_flag(cli: Cli, programs: None,
                                                      participant: str) -> None:
    # the service says what is missing (field "program"); the CLI names its own flag for it
    role = "coordinator" if participant == "c9" else "mentee"
    run = cli("token", "create", "--participant", participant, "--role", role)
    assert run.code == 2
    assert "hint: use --program NAME" in " ".join(run.err.split()), run.err


def test_both_role_may_hold_mentee_and_mentor_tokens(cli: Cli, programs: None) -> None:
    for role in ("mentee", "mentor"):
        data = _json(cli("token", "create", "--participant", "b1", "--role", role,
                         "--program", "Pilot", "--format", "json"))
        assert data["role"] == role


def test_list_never_shows_secrets_and_revoke_stops_the_token(cli: Cli, programs: None
                                                               ) -> None:
    issued = _json(cli("token", "create", "--participant", "e1", "--role", "mentee",
                       "--program", "Pilot", "--format", "json"))
    other = _json(cli("token", "create", "--participant", "m1", "--role", "mentor",
                      "--program", "Pilot", "--format", "json"))
    secret = str(issued["token"])
    secret_part = secret.rsplit("_", 1)[1]
    for fmt in ("json", "table"):
        run = cli("token", "list", "--format", fmt)
        assert run.code == 0, run.err
        assert secret_part not in run.out and str(other["token"]) not in run.out
    listed = _json(cli("token", "list", "--format", "json"))["tokens"]
    assert isinstance(listed, list)
    assert {t["id"] for t in listed} == {issued["id"], other["id"]}
    assert all("token" not in t and "secret_hash" not in t for t in listed)
    assert {t["status"] for t in listed} == {"active"}
    only_e1 = _json(cli("token", "list", "--participant", "e1", "--format", "json"))["tokens"]
    assert [t["id"] for t in only_e1] == [issued["id"]]  # type: ignore[union-attr]

    revoked = _json(cli("token", "revoke", str(issued["id"]), "--format", "json"))
    assert revoked["status"] == "revoked" and revoked["revoked_at"]
    assert authenticate(get_database(get_settings()), secret) is None
    assert authenticate(get_database(get_settings()), str(other["token"])) is not None
    run = cli("token", "revoke", str(issued["id"]))  # twice is harmless
    assert run.code == 0 and "revoked" in run.out
    statuses = {t["id"]: t["status"] for t in _json(cli("token", "list", "--format",
                                                        "json"))["tokens"]}  # type: ignore[union-attr]
    assert statuses == {issued["id"]: "revoked", other["id"]: "active"}


def test_revoke_an_unknown_token_exits_2(cli: Cli) -> None:
    run = cli("token", "revoke", "nope")
    assert run.code == 2 and "no token 'nope'" in run.err


@pytest.mark.slow
def test_demo_prints_sample_tokens_and_curl_lines(cli: Cli, monkeypatch: pytest.MonkeyPatch
                                                   ) -> None:
    """The demo's HTTP section: working tokens and curl lines (hashing embedder: fast)."""
    from companion.embeddings import HashingEmbedder

    embedder = HashingEmbedder()
    monkeypatch.setattr("companion.cli.commands.demo.get_embedder", lambda _s: embedder)
    monkeypatch.setattr("companion.embeddings.get_embedder", lambda _s: embedder)
    run = cli("demo")
    assert run.code == 0, run.err
    text = run.out
    assert "HTTP API" in text
    lines = [line.strip().removeprefix("export ").strip() for line in text.splitlines()]
    tokens = {line.split("=", 1)[0]: line.split("=", 1)[1] for line in lines
              if line.startswith(("COORD=cmp_", "MENTEE=cmp_"))}
    assert set(tokens) == {"COORD", "MENTEE"}
    curls = [line for line in lines if line.startswith("curl ")]
    assert len(curls) >= 3
    assert all('-H "Authorization: Bearer $' in line for line in curls)
    assert any("/api/v1/me" in line for line in curls)
    db = get_database(get_settings())
    coord, mentee = authenticate(db, tokens["COORD"]), authenticate(db, tokens["MENTEE"])
    assert coord is not None and coord.role.value == "coordinator"
    assert mentee is not None and mentee.role.value == "mentee"
    # the demo ends with one-time sign-in links to the web app for each role
    assert "companion serve" in text and "open a link in your browser" in text
    urls = [line for line in lines if line.startswith("http://127.0.0.1:8000/sign-in/")]
    assert len(urls) == 3
    from companion.services.web_auth import use_link

    sessions = [use_link(db, get_settings(), url.rsplit("/", 1)[1]) for url in urls]
    assert [s.principal.role.value for s in sessions if s] == ["coordinator", "mentee",
                                                                "mentor"]
    assert {s.principal.program for s in sessions if s} == {"Leadership Accelerator"}
    from companion.domain import PairingStatus
    from companion.services.pairings import list_pairings

    approved = {(p.mentee_id, p.mentor_id) for p in list_pairings(
        db, "Leadership Accelerator", PairingStatus.approved)}
    pair = (sessions[1].principal.participant_id,  # type: ignore[union-attr]
            sessions[2].principal.participant_id)  # type: ignore[union-attr]
    assert pair in approved  # the mentee and mentor of the demo's approved pairing
