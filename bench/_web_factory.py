"""The whole server (web app + API) for bench/web_pages.py, run by `uvicorn --factory`: the
deterministic hashing embedder instead of the model weights (so the bench measures pages, not
model loading), everything else real."""

from __future__ import annotations

from fastapi import FastAPI


def create() -> FastAPI:
    from companion import embeddings
    from companion.embeddings import HashingEmbedder

    embedder = HashingEmbedder()
    embeddings.get_embedder = lambda _settings: embedder  # type: ignore[assignment]
    from companion.web.app import create_app

    return create_app()
