"""Incremental ingestion of guideline folders into the passage store.

Each stored passage carries its file's content hash, so the store itself knows what it holds
(true for a shared `chroma run` server too): an unchanged file is skipped without embedding
anything, a changed file's passages are replaced, and a file gone from an ingested folder loses
its passages. A file is named by `<folder name>/<path inside the folder>`, e.g.
`knowledge/mentor-guide.md`, and that name is its identity.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from companion.config import Settings
from companion.domain.passages import Passage
from companion.embeddings import Embedder, index_name
from companion.errors import BadInputError, CompanionError, ConfigurationError
from companion.progress import NoProgress, Progress, Tick

from .chunking import chunk_text, content_hash, embedding_text
from .store import FileWrite, KnowledgeStore, open_store

KNOWLEDGE_DIR_ENV = "COMPANION_KNOWLEDGE_DIR"


def default_knowledge_dir() -> Path:
    """The bundled guidelines (the repository's `knowledge/`), or COMPANION_KNOWLEDGE_DIR."""
    configured = os.environ.get(KNOWLEDGE_DIR_ENV, "").strip()
    if configured:
        return Path(configured).expanduser().resolve()
    return Path(__file__).resolve().parents[2] / "knowledge"


@dataclass
class IngestError:
    """A file that could not be ingested (the others still were)."""

    file: str
    message: str


@dataclass
class IngestReport:
    """What one ingest did, counted in files and passages (chunks)."""

    files_added: int = 0
    files_updated: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    chunks_written: int = 0
    chunks_deleted: int = 0
    errors: list[IngestError] = field(default_factory=list)
    collection: str = ""
    chunks_total: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Target:
    folder: str  # the name sources start with
    root: Path
    files: list[Path]
    complete: bool  # a whole folder: stored files missing from it are removed


@dataclass
class _Change:
    folder: str
    source: str
    path: Path
    file_hash: str
    old_ids: list[str] | None  # None: a new file
    passages: list[Passage] = field(default_factory=list)


def _visible(path: Path, root: Path) -> bool:
    return not any(part.startswith(".") for part in path.relative_to(root).parts)


def _targets(paths: Iterable[Path]) -> list[_Target]:
    default = default_knowledge_dir()
    targets: dict[Path, _Target] = {}
    for given in paths:
        path = Path(given).expanduser().resolve()
        if path.is_dir():
            files = sorted(p for p in path.rglob("*.md") if p.is_file() and _visible(p, path))
            target = _Target(path.name, path, files, complete=True)
        elif path.is_file() and path.suffix.lower() == ".md":
            target = _Target(path.parent.name, path.parent, [path], complete=False)
        elif path.exists():
            raise BadInputError(f"{given}: not a Markdown (.md) file or a folder of them",
                                field="path")
        elif path == default:
            raise ConfigurationError(f"the guidelines folder {path} does not exist; set "
                                     f"{KNOWLEDGE_DIR_ENV} to a folder of guideline files")
        else:
            raise BadInputError(f"{given}: no such file or folder", field="path")
        if target.folder == default.name and target.root != default:
            raise BadInputError(
                f"{given}: the folder name {default.name!r} is taken by the bundled guidelines "
                f"({default}); put your guidelines in a folder with another name", field="path")
        known = targets.get(target.root)
        if known is None or target.complete:
            targets[target.root] = target
        elif not known.complete:
            known.files = sorted({*known.files, *target.files})
    return list(targets.values())


def _plan(store: KnowledgeStore, target: _Target, report: IngestReport, tick: Tick
          ) -> tuple[list[_Change], list[str]]:
    """The files of `target` that need chunking, and the passage ids of removed files."""
    stored = store.files(target.folder)
    changes: list[_Change] = []
    seen: set[str] = set()
    for path in target.files:
        tick(1)
        source = f"{target.folder}/{path.relative_to(target.root).as_posix()}"
        seen.add(source)
        try:
            data = path.read_bytes()
        except OSError as exc:
            report.errors.append(IngestError(source, f"cannot read the file: {exc}"))
            continue
        digest = content_hash(data)
        old = stored.get(source)
        if old is not None and old.content_hash == digest:
            report.files_unchanged += 1
            continue
        change = _Change(target.folder, source, path, digest, None if old is None else old.ids)
        try:
            change.passages = chunk_text(data.decode("utf-8"), source)
        except UnicodeDecodeError:
            report.errors.append(IngestError(source, f"{source}: not UTF-8 text"))
            continue
        except BadInputError as exc:
            report.errors.append(IngestError(source, str(exc)))
            continue
        changes.append(change)
    removed: list[str] = []
    if target.complete:
        for source in sorted(set(stored) - seen):
            removed.extend(stored[source].ids)
            report.files_removed += 1
    return changes, removed


def ingest(settings: Settings, embedder: Embedder, paths: Iterable[Path] | None = None,
           progress: Progress | None = None) -> IngestReport:
    """Bring the store up to date with guideline folders (or single .md files); default: the
    bundled `knowledge/`. Bad files are reported in `errors` (their previous passages, if any,
    are kept) and the rest are ingested; a missing path raises BadInputError."""
    progress = progress or NoProgress()
    targets = _targets([default_knowledge_dir()] if paths is None else paths)
    store = open_store(settings, index_name(embedder))
    report = IngestReport(collection=store.name)
    changes: list[_Change] = []
    removed: list[str] = []
    with progress.stage("Reading guidelines", sum(len(t.files) for t in targets)) as tick:
        for target in targets:
            found, gone = _plan(store, target, report, tick)
            changes += found
            removed += gone
    passages = [p for change in changes for p in change.passages]
    if passages:
        with progress.stage("Embedding passages", len(passages)) as tick:
            vectors = embedder.embed([embedding_text(p) for p in passages], tick=tick)
        if vectors.shape[0] != len(passages):
            raise CompanionError(f"the embedder {embedder.name} returned {vectors.shape[0]} "
                                 f"vectors for {len(passages)} passages")
    else:
        vectors = np.zeros((0, 0), dtype=np.float32)
    writes: list[FileWrite] = []
    stale: list[str] = list(removed)
    start = 0
    for change in changes:
        end = start + len(change.passages)
        writes.append(FileWrite(change.passages, vectors[start:end], change.folder,
                                change.file_hash))
        start = end
        stale += sorted(set(change.old_ids or []) - {p.id for p in change.passages})
        report.chunks_written += len(change.passages)
        if change.old_ids is None:
            report.files_added += 1
        else:
            report.files_updated += 1
    if writes or stale:
        with progress.stage("Writing passages", None):
            store.apply(writes, stale)
            if stale or report.files_updated:
                store.rebuild()
    report.chunks_deleted = len(stale)
    report.chunks_total = store.count()
    return report
