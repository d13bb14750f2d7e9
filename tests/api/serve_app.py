"""The real app for tests that run `uvicorn` processes: the deterministic hashing embedder
instead of the model weights, and — with COMPANION_TEST_SLOW_MODEL=SECONDS — a drafting model
that takes that long to answer (after COMPANION_TEST_FAST_CALLS quick ones), so a test can
kill the process in the middle of a draft."""

from __future__ import annotations

import os
import time
from typing import Any

from fastapi import FastAPI


def create() -> FastAPI:
    from companion import embeddings
    from companion.embeddings import HashingEmbedder

    embedder = HashingEmbedder()
    embeddings.get_embedder = lambda _settings: embedder  # type: ignore[assignment]
    slow = float(os.environ.get("COMPANION_TEST_SLOW_MODEL", "0") or 0)
    if slow:
        _slow_drafting(slow)
    from companion.api.app import create_app

    return create_app()


def _slow_drafting(seconds: float) -> None:
    from companion.drafting.deps import Deps
    from companion.llm.base import ChatResult
    from companion.services import drafts
    from companion.services.draft_store import DatabaseDraftStore
    from tests.drafting.conftest import PASSAGE, answer

    fast_calls = int(os.environ.get("COMPANION_TEST_FAST_CALLS", "0") or 0)
    calls = [0]

    class Slow:
        name = "slow-fake"

        def complete(self, messages: Any, *, json_mode: bool = True) -> ChatResult:
            calls[0] += 1
            if calls[0] > fast_calls:
                time.sleep(seconds)
            import json

            return ChatResult(text=json.dumps(answer()), model=self.name)

    def deps(db: Any, settings: Any) -> Deps:
        return Deps(store=DatabaseDraftStore(db), model=Slow(),  # type: ignore[arg-type]
                    search=lambda q, top, where: [PASSAGE])

    drafts.default_deps = deps  # type: ignore[assignment]
