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
import warnings
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, NamedTuple, TypeVar
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
# HNSW stops exploring once it holds ef_search candidates. With the default 100, a query close
# to a single passage was answered with the wrong one in ~3% of fresh indexes of the bundled
# knowledge (hashing vectors: little gradient to follow); with 1000 (more than any program's
# guidelines have passages) the search covers the whole graph: 0 of 150.
EF_SEARCH = 1000
_CONFIGURATION: Any = {"hnsw": {"space": "cosine", "ef_search": EF_SEARCH}}
_T = TypeVar("_T")
_clients: dict[tuple[str, ...], ClientAPI] = {}
_stores: dict[tuple[str, ...], KnowledgeStore] = {}
_lock = threading.Lock()


class StoredFile(NamedTuple):
    """What the store holds for one guideline file."""

    content_hash: str
    ids: list[str]


class FileWrite(NamedTuple):
    """One guideline file's new passages and their vectors."""

    passages: Sequence[Passage]
    vectors: np.ndarray
    folder: str
    file_hash: str


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


def _key(settings: Settings) -> tuple[str, ...]:
    """("http", host, port, ssl) for COMPANION_CHROMA_URL, else ("path", folder)."""
    url = settings.chroma_url
    if not url:
        return ("path", str(settings.home / "chroma"))
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
    return ("http", parts.hostname, str(port or (443 if ssl else 8000)), str(ssl))


def _client(settings: Settings, key: tuple[str, ...]) -> ClientAPI:
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    with _lock:
        if key in _clients:
            return _clients[key]
        if key[0] == "http":
            try:
                client = chromadb.HttpClient(host=key[1], port=int(key[2]), ssl=key[3] == "True",
                                             settings=chroma_settings)
                client.heartbeat()
            except Exception as exc:
                raise ConfigurationError(
                    f"cannot reach the Chroma server at {settings.chroma_url} "
                    f"(COMPANION_CHROMA_URL): {exc}. Start it with `chroma run --path DIR "
                    "--port PORT`, fix the address, or unset COMPANION_CHROMA_URL to use the "
                    "embedded store") from exc
        else:
            try:
                client = chromadb.PersistentClient(path=key[1], settings=chroma_settings)
            except Exception as exc:
                raise StoreError(f"cannot open the embedded Chroma store at {key[1]}: {exc}. "
                                 "Check that COMPANION_HOME is writable") from exc
        _clients[key] = client
        return client


def ping(settings: Settings) -> None:
    """Raise unless the vector store answers: the `chroma run` server at COMPANION_CHROMA_URL
    (its heartbeat), or the embedded store under COMPANION_HOME (opened, its catalogue read)."""
    key = _key(settings)
    client = _client(settings, key)
    try:
        client.heartbeat()
        client.count_collections()
    except Exception as exc:  # chromadb raises many types; one clear message
        where = settings.chroma_url or key[1]
        raise StoreError(f"Chroma at {where} does not answer: {exc}") from exc


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


def _upsert(collection: Collection, records: Sequence[tuple[str, Any, str, Any]]) -> None:
    ids, vectors, documents, metadatas = zip(*records, strict=True)
    collection.upsert(ids=list(ids), embeddings=np.asarray(vectors, dtype=np.float32),
                      documents=list(documents), metadatas=list(metadatas))


def _delete(collection: Collection, ids: Sequence[str]) -> None:
    collection.delete(ids=list(ids))


class KnowledgeStore:
    """Passages of the guideline files, with their vectors, for one embedding model."""

    def __init__(self, client: ClientAPI, collection: Collection, where: str) -> None:
        self.client = client
        self.collection = collection
        self.where = where
        self._folders: set[str] = set()  # folders known to have passages (saves a round trip)

    @property
    def name(self) -> str:
        return self.collection.name

    def _call(self, action: str, run: Callable[[Collection], _T]) -> _T:
        try:
            return run(self.collection)
        except Exception as exc:  # chromadb raises many types; users need one clear message
            raise StoreError(f"Chroma at {self.where} failed to {action}: {exc}") from exc

    def count(self) -> int:
        return self._call("count passages", lambda c: c.count())

    def has_folder(self, folder: str) -> bool:
        """Whether any passage came from the folder named `folder`."""
        if folder not in self._folders:
            found = self._call("read passages", lambda c: c.get(
                where={"folder": folder}, limit=1, include=[]))
            if found["ids"]:
                self._folders.add(folder)
        return folder in self._folders

    def files(self, folder: str) -> dict[str, StoredFile]:
        """Stored files of `folder` by source, each with its content hash and passage ids."""
        found = self._call("read passages", lambda c: c.get(
            where={"folder": folder}, include=["metadatas"]))
        files: dict[str, StoredFile] = {}
        for id_, meta in zip(found["ids"], found["metadatas"] or [], strict=True):
            entry = files.setdefault(str(meta["source"]), StoredFile(str(meta["file_hash"]), []))
            entry.ids.append(id_)
        return files

    def apply(self, writes: Sequence[FileWrite], delete: Sequence[str] = ()) -> None:
        """Store the passages of `writes` (replacing any with the same ids), then delete the
        passages named in `delete`: a failure in between leaves extra passages, never a file
        with none."""
        records = [(p.id, vector, p.text, _to_metadata(p, w.folder, w.file_hash))
                   for w in writes for p, vector in zip(w.passages, w.vectors, strict=True)]
        for start in range(0, len(records), _BATCH):
            self._call("write passages", partial(_upsert, records=records[start:start + _BATCH]))
        if delete:
            self._folders.clear()
        for start in range(0, len(delete), _BATCH):
            self._call("delete passages", partial(_delete, ids=delete[start:start + _BATCH]))

    def rebuild(self) -> None:
        """Recreate the collection from its own records (no re-embedding). Chroma 1.5's HNSW
        index can lose live records from search after deletes and upserts (chroma issue
        #7758; seen here as a passage no longer finding itself), so after replacing or
        deleting passages the index is rebuilt. Guideline collections are small: ~130 passages
        take a fraction of a second."""
        def read(c: Collection) -> Any:
            return c.get(include=["embeddings", "documents", "metadatas"])

        found = self._call("read passages", read)
        name, metadata = self.collection.name, self.collection.metadata
        try:
            self.client.delete_collection(name)
            self.collection = self.client.create_collection(
                name, embedding_function=None, configuration=_CONFIGURATION,
                metadata=metadata)
        except Exception as exc:
            raise StoreError(f"Chroma at {self.where} failed to rebuild {name}: {exc}") from exc
        records = list(zip(found["ids"], found["embeddings"], found["documents"],
                           found["metadatas"], strict=True))
        for start in range(0, len(records), _BATCH):
            self._call("write passages", partial(_upsert, records=records[start:start + _BATCH]))

    def query(self, vector: np.ndarray, top: int, where: dict[str, Any] | None = None
              ) -> list[Passage]:
        """The `top` passages nearest to `vector`, best first; score = 1 - cosine distance."""
        found = self._call("search", lambda c: c.query(
            query_embeddings=np.asarray(vector, dtype=np.float32).reshape(1, -1),
            n_results=top, where=where, include=["documents", "metadatas", "distances"]))
        documents = (found["documents"] or [[]])[0]
        metadatas = (found["metadatas"] or [[]])[0]
        distances = (found["distances"] or [[]])[0]
        return [_to_passage(i, d, dict(m), round(1.0 - float(dist), 6))
                for i, d, m, dist in zip(found["ids"][0], documents, metadatas, distances,
                                         strict=True)]


def open_store(settings: Settings, model: str) -> KnowledgeStore:
    """The passage store for embedding model `model` (created on first use, cosine space)."""
    key = _key(settings)
    name = collection_name(model)
    if (*key, name) in _stores:
        return _stores[(*key, name)]
    client = _client(settings, key)
    where = settings.chroma_url or key[1]
    try:
        collection = client.get_or_create_collection(
            name, embedding_function=None, configuration=_CONFIGURATION,
            metadata={"embedding_model": model})
        with warnings.catch_warnings():  # "legacy" = no embedding function: as intended
            warnings.filterwarnings("ignore", "legacy embedding function config")
            hnsw: Any = collection.configuration.get("hnsw") or {}
            if hnsw.get("ef_search", 0) < EF_SEARCH:  # a collection made by an older build
                collection.modify(configuration={"hnsw": {"ef_search": EF_SEARCH}})
    except Exception as exc:
        raise StoreError(f"cannot open the knowledge collection in Chroma at {where}: {exc}"
                         ) from exc
    store = _stores[(*key, name)] = KnowledgeStore(client, collection, where)
    return store
