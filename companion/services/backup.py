"""Backup and restore of Companion's state: one .tar.gz holding a consistent snapshot of
everything under COMPANION_HOME that matters, with a manifest of checksums.

SQLite files (the database, LangGraph's `checkpoints.sqlite`, Chroma's and the embedding cache's
files) are copied with SQLite's online backup API inside one read transaction, so a database in
WAL mode is captured whole while a server keeps writing. A PostgreSQL database is not in the
archive: `pg_dump` saves it, and the result says how.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import lzma
import os
import shlex
import shutil
import sqlite3
import sys
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from companion import __version__
from companion.config import Settings
from companion.errors import BadInputError, ConflictError, StoreError
from companion.services.progress import NoProgress, Progress, Tick
from companion.store import Database, get_database, reset_databases
from companion.store.db import head_revision, known_revisions, parse_url

FORMAT = "companion-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = "database/companion.db"
HOME_PREFIX = "home/"
ASIDE_PREFIX = "replaced-"
_STAGING_PREFIXES = (".restore-", ".backup-")
# Transient files: SQLite rebuilds them, and a stale -wal next to a restored database would be
# replayed into it.
_TRANSIENT_SUFFIXES = ("-wal", "-shm", "-journal", ".lock", ".partial")
_SQLITE_HEADER = b"SQLite format 3\x00"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class BackupFile:
    """One file in an archive: its member name, size and sha256."""

    path: str
    size: int
    sha256: str

    def json(self) -> dict[str, Any]:
        return {"path": self.path, "size": self.size, "sha256": self.sha256}


@dataclass(frozen=True)
class BackupResult:
    """What `backup` wrote."""

    archive: Path
    size: int
    created_at: datetime
    database_kind: str
    database_included: bool
    revision: str | None
    files: tuple[BackupFile, ...]
    skipped: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    pg_dump: str | None = None

    def json(self) -> dict[str, Any]:
        return {"archive": str(self.archive), "size": self.size,
                "created_at": self.created_at.isoformat(), "companion_version": __version__,
                "database": {"kind": self.database_kind, "included": self.database_included,
                             "revision": self.revision, "pg_dump": self.pg_dump},
                "files": [f.json() for f in self.files], "skipped": list(self.skipped),
                "notes": list(self.notes)}


@dataclass(frozen=True)
class RestoreResult:
    """What `restore` put in place."""

    archive: Path
    home: Path
    database_kind: str
    backup_revision: str | None
    revision: str | None
    created_at: str
    files: tuple[BackupFile, ...]
    moved_aside: Path | None = None
    notes: tuple[str, ...] = ()

    @property
    def migrated(self) -> bool:
        return self.backup_revision != self.revision

    def json(self) -> dict[str, Any]:
        return {"archive": str(self.archive), "home": str(self.home),
                "backup_created_at": self.created_at,
                "database": {"kind": self.database_kind, "backup_revision":
                             self.backup_revision, "revision": self.revision,
                             "migrated": self.migrated},
                "files": [f.json() for f in self.files],
                "moved_aside": None if self.moved_aside is None else str(self.moved_aside),
                "notes": list(self.notes)}


@dataclass
class _Plan:
    """Files staged for one archive (member name -> staged copy) and what the manifest says."""

    staged: dict[str, Path] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# -- backup --------------------------------------------------------------------------------------

def backup(settings: Settings, path: Path | str, progress: Progress | None = None
           ) -> BackupResult:
    """Write one archive of COMPANION_HOME's state to `path` (a file that must not exist yet,
    or a folder to write a timestamped file into)."""
    progress = progress or NoProgress()
    created = datetime.now(UTC).replace(microsecond=0)
    target = _archive_path(Path(path).expanduser(), created)
    home = settings.home
    kind = settings.database_kind
    db_file = _sqlite_path(settings)
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=target.parent) as scratch:
        plan = _Plan()
        staging = Path(scratch)
        revision: str | None = None
        pg_dump: str | None = None
        # The database before the checkpoints: the agent writes a draft's row, then its
        # checkpoint, so the later checkpoint snapshot holds every draft the database does.
        if db_file is not None:
            if not db_file.is_file():
                raise BadInputError(f"there is no database at {db_file} to back up; check "
                                    "COMPANION_HOME and COMPANION_DATABASE_URL")
            copy = staging / DATABASE_MEMBER
            with progress.stage("Database snapshot", None):
                _snapshot_sqlite(db_file, copy)
            plan.staged[DATABASE_MEMBER] = copy
            revision = _sqlite_revision(copy)
        else:
            revision = _live_revision(settings, plan)
            pg_dump = pg_dump_command(settings, created)
            plan.notes.append(f"the {kind} database is not in this archive: save it with "
                              f"`{pg_dump}`" if pg_dump else f"the {kind} database is not in "
                              "this archive: save it with that database's own backup tool")
            if kind == "postgresql":
                plan.notes.append("LangGraph checkpoints (pending drafts' review state) live in "
                                  "PostgreSQL and are saved by the same pg_dump")
        _stage_home(home, staging / "home", plan, exclude={target, db_file}, progress=progress)
        if not (home / "chroma").is_dir() and not settings.chroma_url:
            plan.notes.append("no embedded Chroma store yet (ingesting the knowledge "
                              "builds it)")
        files = _write_archive(target, plan, created, kind, revision, pg_dump, progress)
    return BackupResult(archive=target, size=target.stat().st_size, created_at=created,
                        database_kind=kind, database_included=db_file is not None,
                        revision=revision, files=files, skipped=tuple(plan.skipped),
                        notes=tuple(plan.notes), pg_dump=pg_dump)


def pg_dump_command(settings: Settings, when: datetime | None = None) -> str | None:
    """The pg_dump command line that saves the configured PostgreSQL database (no password:
    pg_dump asks for it or reads ~/.pgpass / PGPASSWORD)."""
    if settings.database_kind != "postgresql":
        return None
    url = parse_url(settings.resolved_database_url)
    name = url.database or "postgres"
    stamp = (when or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    args = ["pg_dump", "--format=custom"]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    args += ["--dbname", name, "--file", f"{name}-{stamp}.dump"]
    return shlex.join(args)


def _archive_path(path: Path, created: datetime) -> Path:
    if path.is_dir():
        path = path / f"companion-backup-{created:%Y%m%dT%H%M%SZ}.tar.gz"
    if path.exists():
        raise BadInputError(f"{path} already exists; choose another file name or a folder")
    if not path.parent.is_dir():
        raise BadInputError(f"folder {path.parent} does not exist; create it first")
    if not os.access(path.parent, os.W_OK):
        raise BadInputError(f"cannot write into {path.parent}; choose a writable folder")
    return path.resolve()


def _sqlite_path(settings: Settings) -> Path | None:
    """The SQLite database file, or None when the database is a server."""
    if settings.database_kind != "sqlite":
        return None
    location = parse_url(settings.resolved_database_url).database
    if not location or location == ":memory:":
        raise BadInputError("an in-memory SQLite database cannot be backed up")
    return Path(location).expanduser().resolve()


def _live_revision(settings: Settings, plan: _Plan) -> str | None:
    try:
        return get_database(settings).current_revision()
    except Exception as exc:  # the archive is still worth having without the revision
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        plan.notes.append(f"could not read the database's schema revision: {reason}")
        return None


def _snapshot_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite file: one backup step (pages=-1) runs inside one read
    transaction, so writers carry on in the WAL and the copy is the state at its start. (A
    stepwise backup restarts whenever another connection writes, and may never finish.)"""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        src = sqlite3.connect(source, timeout=30)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)
                ok = dst.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise StoreError(f"cannot snapshot {source}: {exc}. Check that the file is a readable "
                         "SQLite database") from exc
    if ok != "ok":
        raise StoreError(f"{source} fails SQLite's quick_check ({ok}); it is damaged, so a "
                         "backup of it would be too. Restore an earlier backup instead")


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(16) == _SQLITE_HEADER
    except OSError:
        return False


def _skip_reason(rel: PurePosixPath, is_dir: bool) -> str | None:
    top = rel.parts[0]
    if len(rel.parts) == 1 and top.startswith(ASIDE_PREFIX) and is_dir:
        return "files an earlier restore moved aside"
    if top.startswith(_STAGING_PREFIXES):
        return "unfinished backup or restore"
    if not is_dir and rel.name.endswith(_TRANSIENT_SUFFIXES):
        return "transient file"
    if not is_dir and rel.name.startswith("companion-backup-"):
        return "an earlier backup archive"
    return None


def _stage_home(home: Path, staging: Path, plan: _Plan, *, exclude: set[Path | None],
                progress: Progress) -> None:
    found: list[tuple[PurePosixPath, Path]] = []
    for root, dirs, names in os.walk(home):  # nothing when the home does not exist
        base = Path(root)
        rel_base = PurePosixPath(base.relative_to(home).as_posix())
        for name in list(dirs):
            reason = _skip_reason(rel_base / name, True)
            if reason:
                plan.skipped.append(f"{rel_base / name}/ ({reason})")
                dirs.remove(name)
        for name in sorted(names):
            rel, full = rel_base / name, base / name
            if full.resolve() in exclude or full.is_symlink():
                continue
            reason = _skip_reason(rel, False)
            if reason:
                plan.skipped.append(f"{rel} ({reason})")
            else:
                found.append((rel, full))
    total = sum(_size(full) for _rel, full in found)
    with progress.stage("Snapshot of COMPANION_HOME", total) as tick:
        for rel, full in found:
            copy = staging / rel
            try:
                if _is_sqlite(full):
                    _snapshot_sqlite(full, copy)
                else:
                    copy.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(full, copy)
            except FileNotFoundError:  # removed while we walked (e.g. a rotated temp file)
                continue
            plan.staged[HOME_PREFIX + str(rel)] = copy
            tick(_size(full))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _write_archive(target: Path, plan: _Plan, created: datetime, kind: str,
                   revision: str | None, pg_dump: str | None, progress: Progress
                   ) -> tuple[BackupFile, ...]:
    files = tuple(BackupFile(name, copy.stat().st_size, _sha256(copy))
                  for name, copy in sorted(plan.staged.items()))
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "companion_version": __version__,
        "created_at": created.isoformat(),
        "database": {"kind": kind, "included": DATABASE_MEMBER in plan.staged,
                     "revision": revision, "pg_dump": pg_dump},
        "chroma": {"included": any(f.path.startswith(HOME_PREFIX + "chroma/") for f in files),
                   "rebuildable": True,
                   "note": "an index of knowledge/; ingesting the knowledge again rebuilds it"},
        "files": [f.json() for f in files], "skipped": plan.skipped, "notes": plan.notes,
    }
    partial = target.with_name(target.name + ".partial")
    try:
        with progress.stage("Writing archive", sum(f.size for f in files)) as tick:
            with partial.open("wb") as raw:
                with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                    data = json.dumps(manifest, indent=2).encode()
                    _add(tar, MANIFEST, io.BytesIO(data), len(data), created, lambda _n: None)
                    for f in files:
                        with plan.staged[f.path].open("rb") as handle:
                            _add(tar, f.path, handle, f.size, created, tick)
                raw.flush()
                os.fsync(raw.fileno())
        os.replace(partial, target)  # never a half-written archive under the final name
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return files


class _Ticking:
    def __init__(self, inner: Any, tick: Tick) -> None:
        self._inner, self._tick = inner, tick

    def read(self, n: int = -1) -> bytes:
        chunk: bytes = self._inner.read(n)
        self._tick(len(chunk))
        return chunk


def _add(tar: tarfile.TarFile, name: str, handle: Any, size: int, when: datetime,
         tick: Tick) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(when.timestamp()), 0o600
    tar.addfile(info, _Ticking(handle, tick))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _sqlite_revision(path: Path) -> str | None:
    database = Database(f"sqlite:///{path}")
    try:
        return database.current_revision()
    finally:
        database.dispose()


# -- restore -------------------------------------------------------------------------------------

def restore(settings: Settings, path: Path | str, force: bool = False) -> RestoreResult:
    """Put an archive's state into COMPANION_HOME. A home that already holds state is refused
    unless `force`, which moves that state aside into `replaced-<time>/` (never deletes it).
    Stop every server and worker using the home first."""
    archive = Path(path).expanduser().resolve()
    if not archive.is_file():
        raise BadInputError(f"{archive} is not a file; give the path of a backup archive "
                            "made by Companion's backup")
    home = settings.home
    db_file = _sqlite_path(settings)
    present = _present_state(home, db_file, archive)
    if present and not force:
        raise ConflictError(
            f"{home} already holds Companion state ({', '.join(present[:5])}"
            f"{', ...' if len(present) > 5 else ''}); restore into an empty COMPANION_HOME, or "
            "force the restore to move the current files aside into a replaced-<time> folder")
    home_existed = home.exists()
    home.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=home))
    try:
        manifest, files = _unpack(archive, staging)
        backup_revision = _check_compatible(archive, manifest, settings, staging)
        aside = _move_aside(home, db_file, staging, archive) if present else None
        _install(staging, home, db_file)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if not home_existed:
            with contextlib.suppress(OSError):
                home.rmdir()  # only if empty: it may hold files moved aside
        raise
    shutil.rmtree(staging, ignore_errors=True)
    _forget_open_state()
    notes: list[str] = []
    revision = backup_revision
    if db_file is not None:
        database = Database(settings.resolved_database_url)
        try:
            database.upgrade()
            revision = database.current_revision()
        finally:
            database.dispose()
    else:
        notes.append(f"this archive holds no database: restore the {settings.database_kind} "
                     "database from its pg_dump file with `pg_restore --clean --if-exists "
                     f"--no-owner --dbname {_database_name(settings)} FILE.dump`")
    if not settings.chroma_url and not manifest["chroma"].get("included"):
        notes.append("the archive has no Chroma store: ingest the knowledge again to rebuild it")
    return RestoreResult(archive=archive, home=home, database_kind=settings.database_kind,
                         backup_revision=backup_revision, revision=revision,
                         created_at=str(manifest.get("created_at")), files=files,
                         moved_aside=aside, notes=tuple(notes))


def _database_name(settings: Settings) -> str:
    return shlex.quote(parse_url(settings.resolved_database_url).database or "postgres")


def _kept(entry: Path, archive: Path) -> bool:
    """Home entries a restore leaves where they are: the archive itself, earlier moved-aside
    folders and unfinished staging folders."""
    return entry == archive or entry.name.startswith(_STAGING_PREFIXES) or (
        entry.is_dir() and entry.name.startswith(ASIDE_PREFIX))


def _present_state(home: Path, db_file: Path | None, archive: Path) -> list[str]:
    """What in the home (and the database file) a restore would replace."""
    present = []
    if home.is_dir():
        for entry in sorted(home.iterdir()):
            if not _kept(entry, archive):
                present.append(entry.name + ("/" if entry.is_dir() else ""))
    if db_file is not None and db_file.parent != home and db_file.exists():
        present.append(str(db_file))
    return present


def _bad(archive: Path, problem: str) -> BadInputError:
    return BadInputError(f"{archive} cannot be restored: {problem}. Nothing was changed; "
                         "use an archive made by Companion's backup")


def _unpack(archive: Path, staging: Path) -> tuple[dict[str, Any], tuple[BackupFile, ...]]:
    """Extract into `staging`, checking every member's name, size and checksum."""
    seen: dict[str, BackupFile] = {}
    try:
        tar = tarfile.open(archive, "r:*")
    except (tarfile.TarError, EOFError, zlib.error):
        raise _bad(archive, "it is not a .tar.gz archive") from None
    try:
        with tar:
            for member in tar:
                name = _checked_name(archive, member.name)
                if member.isdir():
                    continue
                if not member.isfile():
                    raise _bad(archive, f"member {member.name!r} is a link or device file")
                if name in seen:
                    raise _bad(archive, f"member {name!r} appears twice")
                source = tar.extractfile(member)
                assert source is not None
                seen[name] = _extract(source, staging, name)
    except (tarfile.TarError, EOFError, zlib.error, lzma.LZMAError, OSError,
            UnicodeDecodeError) as exc:  # OSError: gzip's CRC and length checks
        raise _bad(archive, f"it is truncated or corrupt ({exc})") from None
    if MANIFEST not in seen:
        raise _bad(archive, f"it has no {MANIFEST}, so it is not a Companion backup")
    manifest = _read_manifest(archive, staging / MANIFEST)
    listed = {f["path"]: f for f in manifest["files"]}
    for name, got in seen.items():
        if name == MANIFEST:
            continue
        want = listed.get(name)
        if want is None:
            raise _bad(archive, f"member {name!r} is not listed in its manifest")
        if (got.size, got.sha256) != (want.get("size"), want.get("sha256")):
            raise _bad(archive, f"checksum mismatch for {name!r}: the archive is corrupt or "
                       "was altered")
    missing = sorted(set(listed) - set(seen))
    if missing:
        raise _bad(archive, f"files listed in its manifest are missing: {', '.join(missing)}")
    return manifest, tuple(seen[name] for name in sorted(listed))


def _checked_name(archive: Path, name: str) -> str:
    pure = PurePosixPath(name)
    if not pure.parts or pure.is_absolute() or ".." in pure.parts or "\\" in name \
            or ":" in pure.parts[0]:
        raise _bad(archive, f"member {name!r} would be written outside COMPANION_HOME")
    clean = str(pure)
    if not (clean in (MANIFEST, DATABASE_MEMBER, "home", "database")
            or clean.startswith(HOME_PREFIX)):
        raise _bad(archive, f"unexpected member {name!r}")
    if clean.endswith(_TRANSIENT_SUFFIXES):
        raise _bad(archive, f"member {name!r} is a transient SQLite/lock file")
    return clean


def _extract(source: IO[bytes], staging: Path, name: str) -> BackupFile:
    digest, size, target = hashlib.sha256(), 0, staging / name
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        out = target.open("wb")
    except OSError as exc:
        raise StoreError(f"cannot write {target}: {exc}") from exc
    with out:
        while chunk := source.read(_CHUNK):  # a read error is the archive's (see _unpack)
            digest.update(chunk)
            size += len(chunk)
            try:
                out.write(chunk)
            except OSError as exc:
                raise StoreError(f"cannot write {target}: {exc}. Free some space in "
                                 f"{target.parent} and try again") from exc
    return BackupFile(name, size, digest.hexdigest())


def _read_manifest(archive: Path, path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad(archive, f"its {MANIFEST} is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _bad(archive, f"its {MANIFEST} is not a Companion backup manifest")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise _bad(archive, f"it was made by a newer Companion (backup format {version}); "
                   "upgrade Companion first")
    files, database = manifest.get("files"), manifest.get("database")
    if not isinstance(files, list) or not all(isinstance(f, dict) and isinstance(
            f.get("path"), str) for f in files) or not isinstance(database, dict):
        raise _bad(archive, f"its {MANIFEST} lacks a valid file list or database section")
    if not isinstance(manifest.get("chroma"), dict):
        manifest["chroma"] = {}
    return manifest


def _check_compatible(archive: Path, manifest: dict[str, Any], settings: Settings,
                      staging: Path) -> str | None:
    """The backup's schema revision, after checking this code and settings can take it."""
    database = manifest["database"]
    kind, revision = database.get("kind"), database.get("revision")
    has_file = (staging / DATABASE_MEMBER).is_file()
    if has_file and settings.database_kind != "sqlite":
        raise _bad(archive, f"it holds a SQLite database but COMPANION_DATABASE_URL points at "
                   f"{settings.database_kind}; unset COMPANION_DATABASE_URL to restore it")
    if not has_file and settings.database_kind == "sqlite":
        raise _bad(archive, f"it holds no database (it was taken from a {kind} database); set "
                   "COMPANION_DATABASE_URL to the database you restored with pg_restore")
    if has_file:
        actual = _sqlite_revision(staging / DATABASE_MEMBER)
        if actual != revision:
            raise _bad(archive, f"its database is at revision {actual}, its manifest says "
                       f"{revision}")
    known = known_revisions()
    if revision is not None and revision not in known:
        raise _bad(archive, f"its schema revision {revision!r} is newer than this Companion "
                   f"knows (newest {head_revision()!r}); upgrade Companion, then restore")
    return revision if isinstance(revision, str) else None


def _move_aside(home: Path, db_file: Path | None, staging: Path, archive: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = home / f"{ASIDE_PREFIX}{stamp}"
    n = 1
    while aside.exists():
        n += 1
        aside = home / f"{ASIDE_PREFIX}{stamp}-{n}"
    aside.mkdir()
    for entry in sorted(home.iterdir()):
        if entry == aside or _kept(entry, archive):
            continue
        os.replace(entry, aside / entry.name)
    if db_file is not None and db_file.parent != home:
        for sibling in [db_file, *(db_file.with_name(db_file.name + s)
                                   for s in ("-wal", "-shm", "-journal"))]:
            if sibling.exists():
                shutil.move(sibling, aside / sibling.name)
    return aside


def _install(staging: Path, home: Path, db_file: Path | None) -> None:
    staged_home = staging / "home"
    if staged_home.is_dir():
        for entry in sorted(staged_home.iterdir()):
            os.replace(entry, home / entry.name)
    if db_file is not None and (staging / DATABASE_MEMBER).is_file():
        db_file.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(staging / DATABASE_MEMBER, db_file)


def _forget_open_state() -> None:
    """This process's cached engines and Chroma clients may point at the files just replaced."""
    reset_databases()
    store = sys.modules.get("companion.retrieval.store")  # only if it was ever imported
    if store is not None:
        store.reset_clients()


