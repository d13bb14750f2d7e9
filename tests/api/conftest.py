"""A small world for the HTTP API: two programs, people of two organisations, pairings in
every state, drafts, and a token for every role."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from companion import embeddings
from companion.api.app import create_app
from companion.api.common import embedder_dep
from companion.config import get_settings
from companion.domain import Pairing, PairingStatus
from companion.embeddings import HashingEmbedder
from companion.llm.base import block_model_requests
from companion.services import drafts
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.services.tokens import create_token
from companion.store import (
    Database,
    PairingRepository,
    ProgramRepository,
    get_database,
    reset_databases,
)
from tests import factories

START = date.today() - timedelta(days=60)  # a running program, whatever the day


@dataclass
class World:
    db: Database
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)
    token_ids: dict[str, str] = field(default_factory=dict)
    drafts: dict[str, str] = field(default_factory=dict)
    template: Path | None = None
    copies: int = 0

    def headers(self, who: str | None) -> dict[str, str]:
        return {} if who is None else {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, who: str | None, url: str, **kwargs: object) -> object:
        return self.client.get(url, headers=self.headers(who), **kwargs)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def hashing_embedder(monkeypatch: pytest.MonkeyPatch) -> HashingEmbedder:
    embedder = HashingEmbedder()
    monkeypatch.setattr("companion.embeddings.get_embedder", lambda _settings: embedder)
    return embedder


def _people(home: Path, name: str, rows: list[dict[str, object]], db: Database) -> None:
    home.mkdir(parents=True, exist_ok=True)
    report = import_participants_file(db, name, factories.write_csv(
        home.parent / f"{name}.csv", rows), skip_invalid=False)
    assert report.imported, report.errors


def _pair(db: Database, program: str, pid: str, mentee: str, mentor: str,
          status: PairingStatus) -> None:
    with db.session() as session:
        repo = PairingRepository(session, ProgramRepository(session).row(program))
        repo.add(Pairing(id=pid, program=program, mentee_id=mentee, mentor_id=mentor,
                         score=0.7, components={"semantic": 0.7},
                         reasons=[f"goal of {mentee} matches expertise of {mentor}"]))
        if status is not PairingStatus.pending:
            repo.decide(pid, expected_version=1, status=PairingStatus.approved, by="setup")
        if status is PairingStatus.active:
            repo.decide(pid, expected_version=2, status=PairingStatus.active, by="setup")


@dataclass
class Template:
    home: Path
    tokens: dict[str, str]
    token_ids: dict[str, str]
    drafts: dict[str, str]


def _build(home: Path, embedder: HashingEmbedder) -> Template:
    """Pilot (host Acme, partner Globex): e1–m1 approved, e2–m2 pending, e3 unpaired.
    Other: o1 mentee. Tokens: admin, coord (Pilot host), partner (Pilot, Globex), e1, m1, e2,
    e3, other (coordinator of Other), o1."""
    settings = get_settings()
    db = get_database(settings)
    create_program(db, build_program("Pilot", start=START, months=12,
                                     host_organization="Acme",
                                     partner_organizations=["Globex"]))
    create_program(db, build_program("Other", start=START, months=12))
    _people(home, "Pilot", [
        factories.mentor("m1", name="Mara Mentor", organization="Acme",
                         email="mara@acme.example", expertise="delegation; leading teams"),
        factories.mentor("m2", name="Gus Globex", organization="Globex",
                         email="gus@globex.example", expertise="negotiation"),
        factories.mentee("e1", name="Ella Acme", organization="Acme", email="ella@acme.example",
                         goals="Delegate more to my team;;Present to the board"),
        factories.mentee("e2", name="Gia Globex", organization="Globex",
                         email="gia@globex.example", goals="Negotiate budgets"),
        factories.mentee("e3", name="Ed Acme", organization="Acme", email="ed@acme.example",
                         goals="Private goal of Ed"),
    ], db)
    _people(home, "Other", [factories.mentee("o1", name="Olga Other")], db)
    _pair(db, "Pilot", "pr-approved", "e1", "m1", PairingStatus.approved)
    _pair(db, "Pilot", "pr-pending", "e2", "m2", PairingStatus.pending)
    tokens: dict[str, str] = {}
    ids: dict[str, str] = {}
    for who, (pid, role, program, org) in ROLES.items():
        issued = create_token(db, participant_id=pid, role=role, program=program,
                              organization=org, created_by="test")
        tokens[who], ids[who] = issued.token, issued.id
    # e1's pending agenda (only e1 may see it), e1's approved questions, e3's pending goals
    pending = drafts.request_draft(db, settings, program="Pilot", kind="agenda",
                                   participant_id="e1")
    assert pending.status.value == "pending_review", pending.failure_reason
    approved = drafts.request_draft(db, settings, program="Pilot", kind="questions",
                                    participant_id="e1")
    approved = drafts.review_draft(db, settings, approved.id, "approve", by="e1")
    e3 = drafts.request_draft(db, settings, program="Pilot", kind="goals",
                              participant_id="e3")
    assert e3.status.value == "pending_review", e3.failure_reason
    return Template(home, tokens, ids, {"pending": pending.id, "approved": approved.id,
                                        "e3": e3.id})


ROLES: dict[str, tuple[str, str, str | None, str | None]] = {
    "admin": ("root", "admin", None, None),
    "coord": ("c-pilot", "coordinator", "Pilot", None),
    "partner": ("c-globex", "coordinator", "Pilot", "Globex"),
    "e1": ("e1", "mentee", "Pilot", None), "m1": ("m1", "mentor", "Pilot", None),
    "e2": ("e2", "mentee", "Pilot", None), "e3": ("e3", "mentee", "Pilot", None),
    "other": ("c-other", "coordinator", "Other", None),
    "o1": ("o1", "mentee", "Other", None),
}


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    """The world, built once; each test gets a copy of its home."""
    home = tmp_path_factory.mktemp("api-template") / "home"
    saved = {k: v for k, v in os.environ.items() if k.startswith("COMPANION_")}
    for key in saved:
        os.environ.pop(key)
    os.environ["COMPANION_HOME"] = str(home)
    embedder = HashingEmbedder()
    original = embeddings.get_embedder
    embeddings.get_embedder = lambda _settings: embedder  # type: ignore[assignment]
    get_settings.cache_clear()
    reset_databases()
    try:
        with block_model_requests():
            built = _build(home, embedder)
        reset_databases()  # close the files before tests copy them
        yield built
    finally:
        embeddings.get_embedder = original  # type: ignore[assignment]
        os.environ.pop("COMPANION_HOME", None)
        os.environ.update(saved)
        get_settings.cache_clear()
        reset_databases()


@pytest.fixture
def world(template: Template, companion_home: Path, hashing_embedder: HashingEmbedder
          ) -> Iterator[World]:
    shutil.copytree(template.home, companion_home, dirs_exist_ok=True)
    get_settings.cache_clear()
    reset_databases()
    db = get_database(get_settings())
    app = create_app()
    app.dependency_overrides[embedder_dep] = lambda: hashing_embedder
    client = TestClient(app, raise_server_exceptions=False)
    w = World(db=db, client=client, tokens=dict(template.tokens),
              token_ids=dict(template.token_ids), drafts=dict(template.drafts),
              template=template.home)
    with client:
        yield w


def reset_world(world: World) -> None:
    """Point the app at a fresh copy of the template (a new COMPANION_HOME)."""
    assert world.template is not None
    world.copies += 1
    home = Path(os.environ["COMPANION_HOME"]).parent / f"home-copy-{world.copies}"
    shutil.copytree(world.template, home)
    os.environ["COMPANION_HOME"] = str(home)
    get_settings.cache_clear()
    reset_databases()
    world.db = get_database(get_settings())
