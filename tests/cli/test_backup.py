"""`companion backup` / `companion restore`: a pending draft survives the round trip, a live
database is captured consistently, bad archives are refused without touching the home."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import tarfile
import threading
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from companion.config import Settings, get_settings
from companion.domain import Pairing, PairingStatus
from companion.embeddings import HashingEmbedder
from companion.errors import BadInputError, ConflictError
from companion.services import backup as service
from companion.services import drafts
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.store import (
    AuditLog,
    Database,
    PairingRepository,
    ProgramRepository,
    get_database,
    reset_databases,
)
from companion.store.db import head_revision
from companion.store.tables import AuditRow
from tests import factories
from tests.cli.conftest import Run
from tests.conftest import POSTGRES_ADMIN_URL

Cli = Callable[..., Run]


def use_home(monkeypatch: pytest.MonkeyPatch, home: Path) -> Settings:
    """Point COMPANION_HOME somewhere else, as a new shell would."""
    monkeypatch.setenv("COMPANION_HOME", str(home))
    get_settings.cache_clear()
    reset_databases()
    return get_settings()


def snapshot(home: Path) -> dict[str, bytes]:
    """Every file under `home` with its bytes (what "nothing changed" compares)."""
    if not home.exists():
        return {}
    return {str(p.relative_to(home)): p.read_bytes() for p in sorted(home.rglob("*"))
            if p.is_file()}


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]


def write_archive(path: Path, files: dict[str, bytes],
                  *extra: tarfile.TarInfo) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in extra:
            tar.addfile(info)
    return path


def with_manifest(files: dict[str, bytes], **changes: Any) -> dict[str, bytes]:
    """`files` with a manifest whose checksums match them (plus `changes` to its top level)."""
    manifest = json.loads(files["manifest.json"])
    manifest["files"] = [{"path": n, "size": len(d), "sha256": hashlib.sha256(d).hexdigest()}
                         for n, d in files.items() if n != "manifest.json"]
    manifest.update(changes)
    return {**files, "manifest.json": json.dumps(manifest).encode()}


@pytest.fixture
def hashing_embedder(monkeypatch: pytest.MonkeyPatch) -> HashingEmbedder:
    embedder = HashingEmbedder()
    monkeypatch.setattr("companion.embeddings.get_embedder", lambda _settings: embedder)
    return embedder


def build_world(tmp_path: Path) -> str:
    """A program, participants, an approved pairing and a PENDING draft by the offline model
    in the current settings' database; returns the draft's id."""
    settings = get_settings()
    db = get_database(settings)
    create_program(db, build_program("Pilot", start=date.today() - timedelta(days=60)))
    report = import_participants_file(db, "Pilot", factories.write_csv(
        tmp_path / "people.csv", [factories.mentor("m1", name="Mara Mentor"),
                                  factories.mentee("e1", name="Ella Mentee",
                                                   goals="Delegate more to my team")]),
        skip_invalid=False)
    assert report.imported, report.errors
    with db.session() as session:
        repo = PairingRepository(session, ProgramRepository(session).row("Pilot"))
        repo.add(Pairing(id="pr-1", program="Pilot", mentee_id="e1", mentor_id="m1"))
        repo.decide("pr-1", expected_version=1, status=PairingStatus.approved, by="coord")
    draft = drafts.request_draft(db, settings, program="Pilot", kind="agenda",
                                 participant_id="e1")
    assert draft.status.value == "pending_review", draft.failure_reason
    return draft.id


@pytest.fixture
def world(migrated_home: Path, hashing_embedder: HashingEmbedder, tmp_path: Path) -> str:
    """The world of `build_world` in the test's SQLite home."""
    return build_world(tmp_path)


@pytest.fixture
def archive(migrated_home: Path, tmp_path: Path) -> Path:
    """A backup of the (empty, migrated) test home."""
    return service.backup(get_settings(), tmp_path / "empty.tar.gz").archive


# -- 1. the round trip ----------------------------------------------------------------------------

def test_pending_draft_survives_backup_and_restore_into_a_new_home(
        cli: Cli, world: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    draft_id = world
    before = drafts.get_draft(get_database(get_settings()), draft_id)
    path = tmp_path / "backup.tar.gz"
    made = cli("backup", str(path), "--format", "json")
    assert made.code == 0, made.err
    saved = members(path)
    # the checkpoints are what used to be missing: they hold the paused agent of this draft
    assert "home/checkpoints.sqlite" in saved
    checkpoints = tmp_path / "checkpoints-copy.sqlite"
    checkpoints.write_bytes(saved["home/checkpoints.sqlite"])
    with sqlite3.connect(checkpoints) as conn:
        threads = {r[0] for r in conn.execute("SELECT DISTINCT thread_id FROM checkpoints")}
    assert draft_id in threads

    settings = use_home(monkeypatch, tmp_path / "new-home")
    restored = cli("restore", str(path))
    assert restored.code == 0, restored.err
    db = get_database(settings)
    approved = drafts.review_draft(db, settings, draft_id, "approve", by="e1",
                                   version=before.version)
    assert approved.status.value == "approved"
    assert approved.version == before.version + 1
    with db.session() as session:
        actions = [(e.action, e.actor) for e in AuditLog(session).list(entity_id=draft_id)]
        pairing = PairingRepository(session, ProgramRepository(session).row("Pilot")).get("pr-1")
    assert ("draft.approve", "e1") in actions
    assert ("draft.request", "e1") in actions  # the history came along too
    assert pairing.status is PairingStatus.approved


def test_restoring_only_the_database_leaves_the_draft_undecidable(
        world: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the issue saw: companion.db alone, without checkpoints.sqlite, cannot resume the
    agent, so the backup must carry the checkpoints (the test above)."""
    source = get_settings().home / "companion.db"
    reset_databases()
    settings = use_home(monkeypatch, tmp_path / "db-only")
    settings.ensure_home()
    shutil.copyfile(source, settings.home / "companion.db")
    db = get_database(settings)
    assert drafts.get_draft(db, world).status.value == "pending_review"
    with pytest.raises(Exception):  # noqa: B017  (a KeyError deep in LangGraph: HTTP 500)
        drafts.review_draft(db, settings, world, "approve", by="e1")
    assert drafts.get_draft(db, world).status.value == "pending_review"


# -- 2. a live database --------------------------------------------------------------------------

def test_backup_of_a_live_database_is_consistent(
        migrated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = get_settings()
    writer_db = Database(settings.resolved_database_url)  # its own connections, like a server
    committed: list[int] = []
    started = threading.Event()
    stop = threading.Event()
    failures: list[BaseException] = []

    def write() -> None:
        try:
            while not stop.is_set():
                with writer_db.session() as session:
                    event = AuditLog(session).append("writer", "test.write", "row", "x",
                                                     detail={"pad": "x" * 2000})
                assert event.id is not None
                committed.append(event.id)
                if len(committed) == 200:
                    started.set()
        except BaseException as exc:
            failures.append(exc)
            started.set()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        assert started.wait(60)
        before = set(committed)  # every row here was committed before the backup started
        wal = Path(str(migrated_home / "companion.db") + "-wal")
        assert wal.exists() and wal.stat().st_size > 0  # a plain file copy would miss these
        result = service.backup(settings, tmp_path / "live.tar.gz")
        during = len(committed)
    finally:
        stop.set()
        thread.join()
        writer_db.dispose()
    assert not failures, failures
    assert result.revision == head_revision()
    assert len(committed) > len(before)  # the writer did run alongside

    restored = use_home(monkeypatch, tmp_path / "restored")
    service.restore(restored, result.archive)
    path = restored.home / "companion.db"
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db = get_database(restored)
    with db.session() as session:
        ids = set(session.scalars(select(AuditRow.id).where(AuditRow.action == "test.write")))
    assert before <= ids
    # a snapshot, not rows written after it (+1: a row committed but not yet counted)
    assert len(ids) <= during + 1


# -- 3. bad archives -----------------------------------------------------------------------------

def _random_bytes(archive: Path, out: Path) -> Path:
    out.write_bytes(os.urandom(4096))
    return out


def _truncated(archive: Path, out: Path) -> Path:
    out.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    return out


def _no_manifest(archive: Path, out: Path) -> Path:
    files = members(archive)
    del files["manifest.json"]
    return write_archive(out, files)


def _checksum_mismatch(archive: Path, out: Path) -> Path:
    files = members(archive)
    data = bytearray(files["database/companion.db"])
    data[-1] ^= 0xFF
    files["database/companion.db"] = bytes(data)
    return write_archive(out, files)


def _dotdot_member(archive: Path, out: Path) -> Path:
    return write_archive(out, with_manifest({**members(archive), "home/../evil": b"pwned"}))


def _bare_dotdot_member(archive: Path, out: Path) -> Path:
    return write_archive(out, with_manifest({**members(archive), "../evil": b"pwned"}))


def _absolute_member(archive: Path, out: Path) -> Path:
    return write_archive(out, with_manifest({**members(archive), "/tmp/evil": b"pwned"}))


def _symlink_member(archive: Path, out: Path) -> Path:
    link = tarfile.TarInfo("home/link")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    return write_archive(out, members(archive), link)


def _newer_revision(archive: Path, out: Path) -> Path:
    files = members(archive)
    db = out.with_suffix(".db")
    db.write_bytes(files["database/companion.db"])
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.close()
    files["database/companion.db"] = db.read_bytes()
    manifest = json.loads(files["manifest.json"])
    manifest["database"]["revision"] = "9999"
    files["manifest.json"] = json.dumps(manifest).encode()
    return write_archive(out, with_manifest(files))


def _not_a_companion_manifest(archive: Path, out: Path) -> Path:
    return write_archive(out, with_manifest(members(archive), format="something-else"))


@pytest.mark.parametrize("make, message", [
    (_random_bytes, "not a .tar.gz archive"),
    (_truncated, "truncated or corrupt"),
    (_no_manifest, "no manifest.json"),
    (_not_a_companion_manifest, "not a Companion backup manifest"),
    (_checksum_mismatch, "checksum mismatch for 'database/companion.db'"),
    (_dotdot_member, "outside COMPANION_HOME"),
    (_bare_dotdot_member, "outside COMPANION_HOME"),
    (_absolute_member, "outside COMPANION_HOME"),
    (_symlink_member, "link or device"),
    (_newer_revision, "revision '9999' is newer than this Companion knows"),
])
def test_a_bad_archive_is_refused_and_nothing_is_written(
        cli: Cli, archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        make: Callable[[Path, Path], Path], message: str) -> None:
    bad = make(archive, tmp_path / "bad.tar.gz")
    target = use_home(monkeypatch, tmp_path / "target").home
    result = cli("restore", str(bad))
    assert result.code == 2, result.err
    assert message in " ".join(result.err.split())
    assert "Traceback" not in result.err
    assert not target.exists()
    assert not (tmp_path / "evil").exists() and not Path("/tmp/evil").exists()


def test_the_service_raises_bad_input_for_a_bad_archive(
        archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = use_home(monkeypatch, tmp_path / "target")
    settings.home.mkdir()  # an existing, empty home stays empty
    with pytest.raises(BadInputError, match="not a .tar.gz archive"):
        service.restore(settings, _random_bytes(archive, tmp_path / "x.tgz"))
    assert list(settings.home.iterdir()) == []


def test_an_older_schema_is_migrated_on_restore(
        migrated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from alembic import command
    from alembic.config import Config

    from companion.store.db import MIGRATIONS

    old = use_home(monkeypatch, tmp_path / "old")
    old.ensure_home()
    database = Database(old.resolved_database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0003")
    database.dispose()
    made = service.backup(old, tmp_path / "old.tar.gz")
    assert made.revision == "0003"

    new = use_home(monkeypatch, tmp_path / "new")
    restored = service.restore(new, made.archive)
    assert (restored.backup_revision, restored.revision) == ("0003", head_revision())
    assert restored.migrated


# -- 4. a home that is not empty -----------------------------------------------------------------

def test_restore_into_a_home_with_state_needs_force_and_moves_it_aside(
        cli: Cli, archive: Path, migrated_home: Path) -> None:
    (migrated_home / "checkpoints.sqlite").write_bytes(b"old checkpoints")
    (migrated_home / "cache").mkdir()
    (migrated_home / "cache" / "note.txt").write_text("old cache")
    before = snapshot(migrated_home)

    refused = cli("restore", str(archive))
    assert refused.code == 2
    said = " ".join(refused.err.split())  # the message wraps with the terminal width
    assert "already holds Companion state" in said and "--force" in said
    assert snapshot(migrated_home) == before

    forced = cli("restore", str(archive), "--force", "--format", "json")
    assert forced.code == 0, forced.err
    aside = Path(json.loads(forced.out)["moved_aside"])
    assert aside.parent == migrated_home and aside.name.startswith("replaced-")
    assert snapshot(aside) == before  # every old file kept, byte for byte
    assert not (migrated_home / "cache").exists()  # the backup had none
    assert not (migrated_home / "checkpoints.sqlite").exists()
    with sqlite3.connect(migrated_home / "companion.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_the_service_refuses_a_home_with_a_database(archive: Path, settings: Settings) -> None:
    with pytest.raises(ConflictError, match=r"companion\.db"):
        service.restore(settings, archive)


# -- 5. output -----------------------------------------------------------------------------------

def test_json_output_of_backup_and_restore(
        cli: Cli, migrated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (migrated_home / "cache").mkdir()
    (migrated_home / "cache" / "model-verified.json").write_text("{}")
    (migrated_home / "cache" / "stale.lock").write_text("")
    made = cli("backup", str(tmp_path), "--format", "json")  # a folder: a timestamped name
    assert made.code == 0, made.err
    data = json.loads(made.out)
    assert set(data) >= {"archive", "size", "created_at", "companion_version", "database",
                         "files", "skipped", "notes"}
    assert data["database"] == {"kind": "sqlite", "included": True,
                                "revision": head_revision(), "pg_dump": None}
    paths = {f["path"] for f in data["files"]}
    assert paths == {"database/companion.db", "home/cache/model-verified.json"}
    assert all(len(f["sha256"]) == 64 and f["size"] > 0 for f in data["files"])
    assert any("cache/stale.lock" in s for s in data["skipped"])
    archive = Path(data["archive"])
    assert archive.parent == tmp_path and archive.name.endswith(".tar.gz")
    assert data["size"] == archive.stat().st_size
    manifest = json.loads(members(archive)["manifest.json"])
    assert manifest["files"] == data["files"]
    assert manifest["database"]["revision"] == head_revision()

    again = cli("backup", str(archive))
    assert again.code == 2 and "already exists" in again.err

    use_home(monkeypatch, tmp_path / "elsewhere")
    restored = cli("restore", str(archive), "--format", "json")
    assert restored.code == 0, restored.err
    out = json.loads(restored.out)
    assert out["home"] == str(tmp_path / "elsewhere")
    assert out["database"] == {"kind": "sqlite", "backup_revision": head_revision(),
                               "revision": head_revision(), "migrated": False}
    assert out["files"] == data["files"] and out["moved_aside"] is None
    assert (tmp_path / "elsewhere" / "cache" / "model-verified.json").read_text() == "{}"


def test_table_output_names_what_was_saved(cli: Cli, tmp_path: Path) -> None:
    made = cli("backup", str(tmp_path / "b.tar.gz"))
    assert made.code == 0, made.err
    assert f"sqlite at revision {head_revision()}" in made.out


# -- PostgreSQL ----------------------------------------------------------------------------------

def test_postgresql_backup_saves_files_and_names_the_pg_dump_command(
        cli: Cli, migrated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No server needed (nothing listens on port 9): the database is not read beyond its
    # revision, and failing to read that is a note, not an error.
    monkeypatch.setenv("COMPANION_DATABASE_URL",
                       "postgresql+psycopg://companion:secret@127.0.0.1:9/mentoring")
    get_settings.cache_clear()
    (migrated_home / "chroma").mkdir()
    (migrated_home / "chroma" / "index.bin").write_bytes(b"\x00" * 10)
    made = cli("backup", str(tmp_path / "pg.tar.gz"), "--format", "json")
    assert made.code == 0, made.err
    data = json.loads(made.out)
    assert data["database"]["kind"] == "postgresql" and not data["database"]["included"]
    command = data["database"]["pg_dump"]
    assert command.startswith("pg_dump --format=custom --host 127.0.0.1 --port 9 "
                              "--username companion --dbname mentoring --file mentoring-")
    assert "secret" not in made.out
    assert {f["path"] for f in data["files"]} >= {"home/chroma/index.bin"}
    assert not any(f["path"].startswith("database/") for f in data["files"])
    shown = cli("backup", str(tmp_path / "pg2.tar.gz"))
    assert "NOT included" in shown.out and "pg_dump --format=custom" in shown.out


@pytest.mark.postgres
def test_postgresql_round_trip_with_the_printed_pg_dump(
        cli: Cli, postgres_url: str, hashing_embedder: HashingEmbedder, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The promise on PostgreSQL: archive + the pg_dump it names (checkpoints included) bring
    a pending draft back, decidable, in a new database and home."""
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("pg_dump / pg_restore are not installed")
    monkeypatch.setenv("COMPANION_DATABASE_URL", postgres_url)
    get_settings.cache_clear()
    draft_id = build_world(tmp_path)
    made = cli("backup", str(tmp_path / "pg.tar.gz"), "--format", "json")
    assert made.code == 0, made.err
    data = json.loads(made.out)
    assert data["database"]["revision"] == head_revision()
    dumped = subprocess.run(shlex.split(data["database"]["pg_dump"]), cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert dumped.returncode == 0, dumped.stderr
    dump = next(tmp_path.glob("*.dump"))

    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"{make_url(postgres_url).database}_restored"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(postgres_url).set(database=name)
        restored_pg = subprocess.run(
            ["pg_restore", "--no-owner", "--host", url.host or "127.0.0.1", "--port",
             str(url.port or 5432), "--username", url.username or "postgres", "--dbname",
             name, str(dump)], capture_output=True, text=True, timeout=120)
        assert restored_pg.returncode == 0, restored_pg.stderr
        monkeypatch.setenv("COMPANION_DATABASE_URL", url.render_as_string(hide_password=False))
        settings = use_home(monkeypatch, tmp_path / "new-home")
        restored = cli("restore", str(tmp_path / "pg.tar.gz"), "--format", "json")
        assert restored.code == 0, restored.err
        assert any("pg_restore" in note for note in json.loads(restored.out)["notes"])
        db = get_database(settings)
        approved = drafts.review_draft(db, settings, draft_id, "approve", by="e1")
        assert approved.status.value == "approved"
    finally:
        reset_databases()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
