"""Reading a program's profiles before matching (issue 16), through the test client: the
assignment page waits with its progress like the overview, and a web import starts the
reading at once so the coordinator's next page finds it done or under way."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from companion.api.common import embedder_dep
from companion.config import Settings
from companion.embeddings import CachedEmbedder, EmbeddingCache, HashingEmbedder
from companion.services import preparation, reading
from companion.services.participants import import_participants_bytes
from companion.services.programs import build_program, create_program
from companion.store import Database
from tests import factories
from tests.web.clients import sign_in


class Gated(HashingEmbedder):
    """A hashing embedder that holds every call until `release` is set (a first run's model
    as long as the test likes)."""

    def __init__(self) -> None:
        super().__init__()
        self.name = "gated-hashing"
        self.release = threading.Event()
        self.texts = 0

    def embed(self, texts: Sequence[str], *, tick: Any = None) -> np.ndarray:
        self.release.wait(30)
        self.texts += len(texts)
        if tick is not None:
            tick(len(texts))
        return super().embed(texts)


PEOPLE = [factories.mentor("m1", capacity="2"),
          factories.mentee("s1", goals="Lead finance transformations"),
          factories.mentee("s2", goals="Coach new managers through their first year")]


@pytest.fixture
def site(db: Database, settings: Settings, tmp_path: Path
         ) -> Iterator[tuple[TestClient, Gated, str]]:
    from companion.web.app import create_app

    create_program(db, build_program("Pilot", start=date(2027, 1, 11), months=12))
    inner = Gated()
    embedder = CachedEmbedder(inner, EmbeddingCache(tmp_path / "vectors.sqlite"))
    app = create_app()
    app.dependency_overrides[embedder_dep] = lambda: embedder
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        web = sign_in(client, db, settings)
        try:
            yield client, inner, web.csrf
        finally:
            inner.release.set()


def _pilot_imported_elsewhere(db: Database) -> None:
    """Pilot, its people imported outside the web app (the CLI): no page read them."""
    create_program(db, build_program("Pilot", start=date(2027, 1, 11), months=12))
    import_participants_bytes(db, "Pilot", factories.csv_text(PEOPLE).encode(), name="p.csv",
                              skip_invalid=False, actor="cli")


def _wait_until(check: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_the_assignment_page_waits_for_the_profiles_with_its_progress(
        site: tuple[TestClient, Gated, str], db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    client, inner, csrf = site
    monkeypatch.setattr(preparation, "WAIT_SECONDS", 0.05)
    report = import_participants_bytes(db, "Pilot", factories.csv_text(PEOPLE).encode(),
                                       name="people.csv", skip_invalid=False, actor="test")
    assert report.imported
    html = client.get("/coordinator/assign").text
    assert "Reading the program's profiles" in html and 'name="objective"' not in html
    polled = client.get("/coordinator/assign?preparing=1", headers={"HX-Request": "true"})
    assert polled.status_code == 200 and "of" in polled.text and "read" in polled.text
    inner.release.set()
    _wait_until(lambda: client.get("/coordinator/assign?preparing=1",
                                   headers={"HX-Request": "true"}).status_code == 204)
    done = client.get("/coordinator/assign?preparing=1", headers={"HX-Request": "true"})
    assert done.headers.get("HX-Refresh") == "true"
    html = client.get("/coordinator/assign").text
    assert 'name="objective"' in html and "Reading the program's profiles" not in html


def test_a_web_import_starts_reading_the_new_profiles(site: tuple[TestClient, Gated, str]) -> None:
    client, inner, csrf = site
    data = factories.csv_text(PEOPLE).encode()
    answer = client.post("/coordinator/import", data={"csrf_token": csrf},
                        files={"file": ("people.csv", data, "text/csv")})
    assert answer.status_code == 200, answer.text[:500]
    assert 'id="reading"' in answer.text and "in the background" in answer.text
    assert inner.texts == 0  # still held: the import answered without waiting for it
    inner.release.set()
    _wait_until(lambda: inner.texts > 0)
    _wait_until(lambda: not preparation._running)
    # the next page that matches finds every text read: no progress page
    html = client.get("/coordinator/assign").text
    assert 'name="objective"' in html


def test_an_import_with_nothing_new_to_read_says_nothing(site: tuple[TestClient, Gated, str]
                                                         ) -> None:
    client, inner, csrf = site
    inner.release.set()
    data = factories.csv_text(PEOPLE).encode()
    first = client.post("/coordinator/import", data={"csrf_token": csrf},
                        files={"file": ("people.csv", data, "text/csv")})
    assert first.status_code == 200
    _wait_until(lambda: not preparation._running)
    again = client.post("/coordinator/import", data={"csrf_token": csrf},
                        files={"file": ("people.csv", data, "text/csv")})
    assert again.status_code == 200 and 'id="reading"' not in again.text


def test_a_server_start_reads_the_profiles_of_programs_imported_elsewhere(
        db: Database, tmp_path: Path) -> None:
    """Reproduction: a program imported with the CLI, then `companion serve`: the first API
    suggestion embedded the whole program inside the request. The server's warm-up now reads
    every program not yet read, once per home (a second process finds the lock taken)."""
    _pilot_imported_elsewhere(db)
    inner = HashingEmbedder()
    embedder = CachedEmbedder(inner, EmbeddingCache(tmp_path / "vectors.sqlite"))
    texts = preparation.profile_texts(db, "Pilot")
    assert embedder.missing(texts) > 0
    lock = tmp_path / "prepare.lock"
    with lock.open("a") as held:  # another worker of the same home is reading
        import fcntl

        fcntl.flock(held, fcntl.LOCK_EX)
        assert preparation.prepare_all(db, embedder, lock=lock) == []
        assert embedder.missing(texts) > 0
    assert preparation.prepare_all(db, embedder, lock=lock) == ["Pilot"]
    assert embedder.missing(texts) == 0
    assert preparation.prepare_all(db, embedder, lock=lock) == []  # nothing left to read


def test_a_suggestion_asked_while_the_profiles_are_read_waits_and_reads_nothing_twice(
        db: Database, tmp_path: Path) -> None:
    """An API suggestion that arrives while the server's warm-up reads the program used to
    embed the same texts again beside it, on the same two cores."""
    from companion.services.matching import suggest

    _pilot_imported_elsewhere(db)
    inner = Gated()
    embedder = CachedEmbedder(inner, EmbeddingCache(tmp_path / "vectors.sqlite"))
    warm_up = threading.Thread(target=preparation.prepare_all, args=(db, embedder))
    warm_up.start()
    _wait_until(lambda: any(name == "Pilot" for _, name, _ in preparation._running))
    answers: list[Any] = []
    asking = threading.Thread(target=lambda: answers.append(suggest(db, "Pilot", embedder)))
    asking.start()
    time.sleep(0.3)
    assert asking.is_alive() and not answers  # waiting for the read under way
    read_by_warm_up = len(preparation.profile_texts(db, "Pilot"))
    inner.release.set()
    warm_up.join(10)
    asking.join(10)
    assert answers and answers[0].items
    assert inner.texts == read_by_warm_up  # the suggestion embedded nothing of its own


def test_a_server_follows_a_read_the_cli_import_started_instead_of_reading_beside_it(
        db: Database, tmp_path: Path) -> None:
    """`companion import participants` leaves a process reading the program (holding its
    read lock); a server started meanwhile (its warm-up, or a coordinator's page) waits for
    that process and shows its progress instead of embedding the same texts on the same
    cores."""
    import fcntl

    _pilot_imported_elsewhere(db)
    inner = HashingEmbedder()
    embedder = CachedEmbedder(inner, EmbeddingCache(tmp_path / "vectors.sqlite"))
    texts = preparation.profile_texts(db, "Pilot")
    lock = reading.read_lock(embedder, "Pilot")
    lock.parent.mkdir(parents=True)
    holder = lock.open("a")
    fcntl.flock(holder, fcntl.LOCK_EX)  # the import's background process
    warm_up = threading.Thread(target=preparation.prepare_all, args=(db, embedder))
    warm_up.start()
    _wait_until(lambda: any(name == "Pilot" for _, name, _ in preparation._running))
    time.sleep(0.2)
    assert warm_up.is_alive() and inner.calls == []  # following, not reading
    CachedEmbedder(HashingEmbedder(), EmbeddingCache(embedder.cache.path)).embed(texts)
    holder.close()  # the background process read everything and exited
    warm_up.join(10)
    assert not warm_up.is_alive()
    assert inner.calls == []  # nothing embedded twice
    assert embedder.missing(texts) == 0
