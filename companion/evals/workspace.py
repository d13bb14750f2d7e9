"""A scratch Companion home for one eval run: its own database, Chroma store and checkpoints,
with the bundled guidelines, so an eval never reads or changes the user's data and always
measures the same `knowledge/`. The embedder (and its vector cache) is the user's, so a second
run embeds nothing it has embedded before."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from companion.config import Settings
from companion.domain import Passage
from companion.embeddings import Embedder
from companion.store import Database


@dataclass
class Workspace:
    """Settings pointing at the scratch home, the embedder, and lazily the database."""

    settings: Settings
    embedder: Embedder
    _databases: list[Database] = field(default_factory=list)

    @cached_property
    def db(self) -> Database:
        """The scratch database (SQLite under the scratch home)."""
        self.settings.ensure_home()
        database = Database(self.settings.resolved_database_url)
        self._databases.append(database)
        return database

    def search(self, query: str, top: int, where: dict[str, str] | None = None
               ) -> list[Passage]:
        """Retrieval over the bundled guidelines, as drafting runs it."""
        from companion.retrieval import search

        return search(self.settings, self.embedder, query, top=top, where=where)

    @cached_property
    def knowledge(self) -> dict[str, str]:
        """`knowledge/<file>.md` → the file's text, for graders that check quotations."""
        from companion.retrieval import default_knowledge_dir

        folder = default_knowledge_dir()
        return {f"knowledge/{p.name}": p.read_text(encoding="utf-8")
                for p in sorted(folder.glob("*.md"))}

    @property
    def knowledge_dir(self) -> Path:
        from companion.retrieval import default_knowledge_dir

        return default_knowledge_dir()

    def close(self) -> None:
        for database in self._databases:
            database.dispose()


@contextmanager
def workspace(base: Settings, embedder: Embedder) -> Iterator[Workspace]:
    """A Workspace on a temporary home (removed afterwards) with `base`'s model settings; the
    database and Chroma are always local to it, whatever `base` points at."""
    with tempfile.TemporaryDirectory(prefix="companion-eval-",
                                     ignore_cleanup_errors=True) as folder:
        settings = base.model_copy(update={"home": Path(folder), "database_url": None,
                                           "chroma_url": None})
        space = Workspace(settings, embedder)
        try:
            yield space
        finally:
            space.close()
