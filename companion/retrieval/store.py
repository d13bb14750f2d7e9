"""The vector store for guideline passages: a small wrapper around Chroma.

The only module that imports chromadb. Embedded (`PersistentClient` under
`$COMPANION_HOME/chroma`) unless COMPANION_CHROMA_URL names a `chroma run` server. Vectors always
come from Companion's own `Embedder`: Chroma's embedding functions would download models.
One collection per embedding model, so switching models never mixes vectors.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings as ChromaSettings

from companion.config import Settings
from companion.domain.passages import Passage
from companion.errors import ConfigurationError, StoreError

_LISTS = ("topics", "audience")  # Passage list fields, stored as comma-joined strings
_BATCH = 1000
_clients: dict[tuple[str, ...], ClientAPI] = {}
_stores: dict[tuple[str, ...], KnowledgeStore] = {}
_lock = threading.Lock()


class StoredFile(NamedTuple):
    """What the store holds for one guideline file."""

    content_hash: str
    ids: list[str]


def collection_name(model: str) -> str:
    """A Chroma collection name for an embedding model name: 3-63 characters of [a-zA-Z0-9._-],
    alphanumeric at both ends. A hash of the original name is added whenever it had to change,
    so two models never share a collection."""
    clean = re.sub(r"[^a-zA-Z0-9_-]+", "-", model).strip("-_")
    name = f"knowledge-{clean}"
    if clean != model or len(name) > 63:
        digest = hashlib.sha256(model.encode()).hexdigest()[:10]
        name = f"{name[:52].rstrip('-_')}-{digest}"
    return name


def _parse_url(url: str) -> tuple[str, int, bool]:
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in ("http", "https") or not parts.hostname or port == -1 \
            or parts.path.strip("/") or parts.query:
        raise ConfigurationError(
            f"COMPANION_CHROMA_URL={url!r} is not an http://host:port address; set it to e.g. "
            "http://127.0.0.1:8000 (a `chroma run` server) or unset it for the embedded store")
    ssl = parts.scheme == "https"
    return parts.hostname, port or (443 if ssl else 8000), ssl


def _key(settings: Settings) -> tuple[str, ...]:
    if settings.chroma_url:
        host, port, ssl = _parse_url(settings.chroma_url)
        return ("http", host, str(port), str(ssl))
    return ("path", str(settings.home / "chroma"))


def _client(settings: Settings, key: tuple[str, ...]) -> ClientAPI:
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    with _lock:
        if key in _clients:
            return _clients[key]
        if key[0] == "http":
            host, port, ssl = key[1], int(key[2]), key[3] == "True"
            try:
                client = chromadb.HttpClient(host=host, port=port, ssl=ssl,
                                             settings=chroma_settings)
                client.heartbeat()
            except Exception as exc:
                raise ConfigurationError(
                    f"cannot reach the Chroma server at {settings.chroma_url} "
                    f"(COMPANION_CHROMA_URL): {exc}. Start it with `chroma run --path DIR "
                    "--port PORT`, fix the address, or unset COMPANION_CHROMA_URL to use the "
                    "embedded store") from exc
        else:
            path = settings.home / "chroma"
            try:
                path.mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=path, settings=chroma_settings)
            except Exception as exc:
                raise StoreError(f"cannot open the embedded Chroma store at {path}: {exc}. "
                                 "Check that COMPANION_HOME is writable") from exc
        _clients[key] = client
        return client


def reset_clients() -> None:
    """Forget every open client and store (tests: each gets a fresh home)."""
    with _lock:
        _clients.clear()
        _stores.clear()
        SharedSystemClient.clear_system_cache()


def _to_metadata(passage: Passage, folder: str, file_hash: str) -> dict[str, Any]:
    data = passage.model_dump(exclude={"id", "text", "score"})
    for key in _LISTS:
        data[key] = ",".join(data[key])
    return {**data, "folder": folder, "file_hash": file_hash}


def _to_passage(id_: str, text: str | None, meta: dict[str, Any], score: float) -> Passage:
    fields = {k: meta[k] for k in ("source", "heading", "title", "phase", "kind") if k in meta}
    lists = {k: [v for v in str(meta.get(k) or "").split(",") if v] for k in _LISTS}
    return Passage(id=id_, text=text or "", score=score, **fields, **lists)


class KnowledgeStore:
    """Passages of the guideline files, with their vectors, for one embedding model."""

    def __init__(self, collection: Collection, where: str) -> None:
        self.collection = collection
        self.where = where
        self._folders: set[str] = set()  # folders known to have passages (saves a round trip)

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        try:
            yield
        except Exception as exc:  # chromadb raises many types; users need one clear message
            raise StoreError(f"Chroma at {self.where} failed to {action}: {exc}") from exc

    @property
    def name(self) -> str:
        return self.collection.name

    def count(self) -> int:
        with self._guard("count passages"):
            return self.collection.count()

    def has_folder(self, folder: str) -> bool:
        """Whether any passage came from the folder named `folder`."""
        if folder not in self._folders:
            with self._guard("read passages"):
                found = self.collection.get(where={"folder": folder}, limit=1, include=[])
            if found["ids"]:
                self._folders.add(folder)
        return folder in self._folders

    def files(self, folder: str) -> dict[str, StoredFile]:
        """Stored files of `folder` by source, each with its content hash and passage ids."""
        with self._guard("read passages"):
            found = self.collection.get(where={"folder": folder}, include=["metadatas"])
        files: dict[str, StoredFile] = {}
        for id_, meta in zip(found["ids"], found["metadatas"] or [], strict=True):
            entry = files.setdefault(str(meta["source"]), StoredFile(str(meta["file_hash"]), []))
            entry.ids.append(id_)
        return files

    def write(self, passages: Sequence[Passage], vectors: np.ndarray, *, folder: str,
              file_hash: str) -> None:
        """Insert or replace `passages` (one file's, with their vectors)."""
        for start in range(0, len(passages), _BATCH):
            part = passages[start:start + _BATCH]
            with self._guard("write passages"):
                self.collection.upsert(
                    ids=[p.id for p in part],
                    embeddings=np.asarray(vectors[start:start + _BATCH], dtype=np.float32),
                    documents=[p.text for p in part],
                    metadatas=[_to_metadata(p, folder, file_hash) for p in part])

    def delete(self, ids: Sequence[str]) -> None:
        self._folders.clear()
        for start in range(0, len(ids), _BATCH):
            with self._guard("delete passages"):
                self.collection.delete(ids=list(ids[start:start + _BATCH]))

    def query(self, vector: np.ndarray, top: int, where: dict[str, Any] | None = None
              ) -> list[Passage]:
        """The `top` passages nearest to `vector`, best first; score = 1 - cosine distance."""
        with self._guard("search"):
            found = self.collection.query(
                query_embeddings=np.asarray(vector, dtype=np.float32).reshape(1, -1),
                n_results=top,
                where=where, include=["documents", "metadatas", "distances"])
        ids = found["ids"][0]
        documents = (found["documents"] or [[]])[0]
        metadatas = (found["metadatas"] or [[]])[0]
        distances = (found["distances"] or [[]])[0]
        return [_to_passage(i, d, dict(m), round(1.0 - float(dist), 6))
                for i, d, m, dist in zip(ids, documents, metadatas, distances, strict=True)]


def open_store(settings: Settings, model: str) -> KnowledgeStore:
    """The passage store for embedding model `model` (created on first use, cosine space)."""
    key = _key(settings)
    name = collection_name(model)
    if (*key, name) in _stores:
        return _stores[(*key, name)]
    client = _client(settings, key)
    where = settings.chroma_url or str(settings.home / "chroma")
    try:
        collection = client.get_or_create_collection(
            name, embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}}, metadata={"embedding_model": model})
    except Exception as exc:
        raise StoreError(f"cannot open the knowledge collection in Chroma at {where}: {exc}"
                         ) from exc
    store = _stores[(*key, name)] = KnowledgeStore(collection, where)
    return store
