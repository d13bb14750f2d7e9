"""The whole server (web app + API) for browser tests run in a `uvicorn` process: the
deterministic hashing embedder instead of the model weights, everything else real."""

from __future__ import annotations

from fastapi import FastAPI


def create() -> FastAPI:
    from companion import embeddings
    from companion.embeddings import HashingEmbedder

    embedder = HashingEmbedder()
    embeddings.get_embedder = lambda _settings: embedder  # type: ignore[assignment]
    from companion.web.app import create_app

    return create_app()


def create_slow() -> FastAPI:
    """The same server with a slow embedder behind the real vector cache: reading a
    program's profiles takes a few seconds, as the model takes on a first run."""
    import time
    from collections.abc import Sequence
    from typing import Any

    from companion import embeddings
    from companion.config import get_settings
    from companion.embeddings import CachedEmbedder, EmbeddingCache, HashingEmbedder

    class Slow(HashingEmbedder):
        def __init__(self) -> None:
            super().__init__()
            self.name = "slow-hashing"

        def embed(self, texts: Sequence[str], *, tick: Any = None) -> Any:
            vectors = super().embed(texts)
            for start in range(0, len(texts), 4):
                time.sleep(0.08)
                if tick is not None:
                    tick(len(texts[start:start + 4]))
            return vectors

    cache = EmbeddingCache(get_settings().ensure_home() / "cache" / "slow.sqlite")
    embedder = CachedEmbedder(Slow(), cache)
    embeddings.get_embedder = lambda _settings: embedder  # type: ignore[assignment]
    from companion.web.app import create_app

    return create_app()
