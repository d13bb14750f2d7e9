"""Semantic search over the guideline passages."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from companion.config import Settings
from companion.domain.passages import Passage
from companion.embeddings import Embedder, index_name
from companion.errors import BadInputError

from .chunking import KINDS, PHASES
from .ingest import default_knowledge_dir, ingest
from .store import open_store

MAX_TOP = 50
_first_ingest = threading.Lock()
FILTERS = ("phase", "kind", "source")


def chroma_where(where: Mapping[str, str | None] | None) -> dict[str, Any] | None:
    """A Chroma filter from {"phase", "kind", "source"} (None values are ignored).

    A phase also matches passages for "all" phases: guidance for every phase applies to each."""
    clauses: list[dict[str, Any]] = []
    for key, value in (where or {}).items():
        if key not in FILTERS:
            raise BadInputError(f"cannot filter passages by {key!r}; use "
                                f"{', '.join(FILTERS)}", field=key)
        if value is None:
            continue
        allowed = {"phase": PHASES, "kind": KINDS}.get(key)
        if allowed is not None and value not in allowed:
            raise BadInputError(f"{key} {value!r} is not one of {', '.join(allowed)}",
                                field=key)
        if key == "phase" and value != "all":
            clauses.append({"phase": {"$in": [value, "all"]}})
        else:
            clauses.append({key: value})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def search(settings: Settings, embedder: Embedder, query: str, top: int = 5,
           where: Mapping[str, str | None] | None = None) -> list[Passage]:
    """The `top` passages most similar to `query`, best first (`score` = 1 - cosine distance),
    optionally only those matching `where` ({"phase", "kind", "source"}).

    The bundled guidelines (knowledge/, or COMPANION_KNOWLEDGE_DIR) are ingested first if the
    store has none of them yet."""
    text = query.strip() if isinstance(query, str) else ""
    if not text:
        raise BadInputError("the search query is empty; ask something, e.g. "
                            "\"how do I give feedback\"", field="query")
    if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= MAX_TOP:
        raise BadInputError(f"top must be a whole number from 1 to {MAX_TOP}, not {top!r}",
                            field="top")
    condition = chroma_where(where)
    store = open_store(settings, index_name(embedder))
    default = default_knowledge_dir()
    if not store.has_folder(default.name):
        with _first_ingest:  # concurrent first searches (API workers' threads) ingest once
            # Without the bundled folder (an installed package), search the user's own
            # guidelines; with nothing at all, ingest's error says what to do.
            if not store.has_folder(default.name) and (default.is_dir() or not store.count()):
                ingest(settings, embedder)
    vector = embedder.embed([text])[0]
    return store.query(vector, top, condition)
