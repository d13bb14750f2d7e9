"""`companion import participants` reads the new profiles in a background process (issue 16).

What was seen: a coordinator's first `match assign` after an import spent 12 s of its 14 s
(500 people, 2-core AMD EPYC Zen 3) importing torch and embedding the goals and expertise,
while the import before it had left the machine idle. Now the import starts a process that
loads the model while the file is read, and reads the texts once the import has committed;
a command that matches meanwhile waits for that read instead of doing it again.
"""

from __future__ import annotations

import fcntl
import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from companion import embeddings
from companion.config import Settings, get_settings
from companion.domain import Participant, Role
from companion.embeddings import CachedEmbedder, EmbeddingCache, HashingEmbedder
from companion.progress import Tick
from companion.sample import generate_program, write_records
from companion.services import preparation, reading
from companion.store import get_database
from tests import factories

_configured = factories.configured_embedder


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPANION_READ_AFTER_IMPORT", "true")
    monkeypatch.setattr(embeddings, "get_embedder", _configured)
    get_settings.cache_clear()


@pytest.fixture
def pilot(cli) -> str:
    assert cli("program", "create", "Pilot", "--start", "2027-01-11").code == 0
    return "Pilot"


@pytest.mark.slow
def test_the_import_reads_the_new_profiles_in_the_background(cli, pilot, reads,
                                                              tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    write_records(generate_program(mentees=12, mentors=6, seed=5).records, people)
    settings = get_settings()
    embedder = _configured(settings)
    texts = preparation.profile_texts(get_database(settings), pilot)
    assert embedder.missing(texts) == 0  # only the shipped reference texts so far

    assert cli("import", "participants", str(people), "--program", pilot).code == 0

    texts = preparation.profile_texts(get_database(settings), pilot)
    assert embedder.missing(texts) > 30
    preparation.wait_for(pilot, embedder, timeout=240)  # the background read's lock
    assert embedder.missing(texts) == 0
    log = settings.home / "logs" / "background-read.log"
    assert not log.exists() or "Traceback" not in log.read_text()


def test_a_dry_run_starts_no_process(cli, pilot, reads, tmp_path: Path) -> None:
    path = factories.write_csv(tmp_path / "people.csv", [factories.mentee("e1")])
    assert cli("import", "participants", str(path), "--program", pilot, "--dry-run").code == 0
    assert not (get_settings().home / "cache" / "reading").exists()


def test_a_refused_import_reads_nothing(cli, pilot, reads, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,role\ne1,Ann,astronaut\n", encoding="utf-8")
    assert cli("import", "participants", str(bad), "--program", pilot).code == 2
    settings = get_settings()
    embedder = _configured(settings)
    assert (settings.home / "cache" / "reading").exists()  # a process was started...
    preparation.wait_for(pilot, embedder, timeout=120)  # ...and told to stop
    assert EmbeddingCache(settings.home / "cache" / "embeddings.sqlite").count() == 0


def test_the_setting_off_starts_no_process(cli, pilot, tmp_path: Path) -> None:
    path = factories.write_csv(tmp_path / "people.csv", [factories.mentee("e1")])
    assert cli("import", "participants", str(path), "--program", pilot).code == 0
    assert not (get_settings().home / "cache" / "reading").exists()


class _Recording:
    def __init__(self) -> None:
        self.stages: list[tuple[str, int, int]] = []

    def stage(self, label: str, total: int):  # noqa: ANN201 - a context manager
        from contextlib import contextmanager

        @contextmanager
        def run():  # noqa: ANN202
            done = [0]

            def tick(count: int) -> None:
                done[0] += count

            tick_: Tick = tick
            yield tick_
            self.stages.append((label, total, done[0]))

        return run()


def test_a_match_waits_for_a_read_under_way_in_another_process(tmp_path: Path) -> None:
    """The read's lock is held from before its process starts until it exits: a command
    that matches meanwhile waits, shows the read's progress, then finds every text read —
    the model is not asked for any of them a second time."""
    inner = HashingEmbedder()
    embedder = CachedEmbedder(inner, EmbeddingCache(tmp_path / "cache" / "e.sqlite"))
    people = [Participant(id="e1", name="Ann", role=Role.mentee,
                          goals=["Delegate the weekly report", "Present to the board"]),
              Participant(id="m1", name="Bo", role=Role.mentor,
                          expertise="I coach first-time managers on delegation.")]
    texts = preparation.people_texts(people)
    lock = reading.read_lock(embedder, "Pilot")
    lock.parent.mkdir(parents=True)
    holder = lock.open("a")
    fcntl.flock(holder, fcntl.LOCK_EX)  # the background read, started by the import

    def background_read() -> None:
        time.sleep(0.3)
        other = CachedEmbedder(HashingEmbedder(), EmbeddingCache(embedder.cache.path))
        other.embed(texts)
        holder.close()  # the process exits

    thread = threading.Thread(target=background_read)
    thread.start()
    progress = _Recording()
    preparation.wait_for("Pilot", embedder, timeout=30, people=people, progress=progress)
    thread.join()
    assert holder.closed
    vectors = embedder.embed(texts)
    assert inner.calls == []  # every text came from the cache the background read filled
    assert vectors.shape == (len(texts), 256) and np.isfinite(vectors).all()
    assert progress.stages == [("Reading profiles (started by the import)", len(texts),
                                len(texts))]


def test_no_read_under_way_means_no_wait(tmp_path: Path) -> None:
    embedder = CachedEmbedder(HashingEmbedder(), EmbeddingCache(tmp_path / "e.sqlite"))
    lock = reading.read_lock(embedder, "Pilot")
    lock.parent.mkdir(parents=True)
    lock.touch()  # a read that has ended: its file stays, unlocked
    progress = _Recording()
    preparation.wait_for("Pilot", embedder, people=[Participant(id="e1", name="Ann",
                                                                role=Role.mentee)],
                         progress=progress)
    assert progress.stages == []  # no stage: nothing was waited for


class _Pipe:
    def __init__(self) -> None:
        self.written = ""
        self.closed = False

    def write(self, text: str) -> None:
        self.written += text

    def close(self) -> None:
        self.closed = True


def test_people_already_read_send_the_process_away_at_once(db, tmp_path: Path) -> None:
    """A re-import, or the same people in a new program: nothing to read, so the process is
    told to stop instead of holding the lock through a model load (a `match assign` right
    after waited ~2 s for it)."""
    from datetime import date

    from companion.services.participants import import_participants_bytes
    from companion.services.programs import build_program, create_program

    for name in ("Pilot", "Second"):
        create_program(db, build_program(name, start=date(2027, 1, 11), months=12))
        import_participants_bytes(db, name, factories.csv_text(
            [factories.mentor("m1"), factories.mentee("e1")]).encode(), name="p.csv",
            skip_invalid=False, actor="cli")
    embedder = CachedEmbedder(HashingEmbedder(), EmbeddingCache(tmp_path / "e.sqlite"))
    told = _Pipe()
    reading.BackgroundRead(told, embedder).start(db, "Pilot")  # type: ignore[arg-type]
    # the process is handed the texts the cache lacks (it never opens the database)
    sent = json.loads(told.written)
    assert told.closed and told.written.endswith("\n")
    assert sent == embedder.missing_texts(preparation.profile_texts(db, "Pilot"))
    assert "Lead my first team" in sent and "Present to the board" in sent
    embedder.embed(sent)  # the process read them
    assert embedder.missing(preparation.profile_texts(db, "Pilot")) == 0
    told = _Pipe()
    reading.BackgroundRead(told, embedder).start(db, "Second")  # type: ignore[arg-type]
    assert told.written == "\n" and told.closed


@pytest.mark.slow
def test_the_process_reads_what_it_is_sent_without_opening_the_database(
        tmp_path: Path) -> None:
    """The import hands the process the texts the cache lacks, so it imports neither the
    store nor the services while torch loads (they competed with torch's import for the
    interpreter: the model was ready ~0.4 s later)."""
    import os
    import subprocess
    import sys

    texts = ["Lead my first team through a reorganisation", "Present to the board"]
    told, tell = os.pipe()
    os.write(tell, (json.dumps(texts) + "\n").encode())
    os.close(tell)
    # the same program, telling at its end what it imported
    child = reading._CHILD.rsplit("os._exit(0)", 1)[0] + (
        "print(sorted(m for m in ('sqlalchemy', 'companion.store',"
        " 'companion.services.preparation', 'torch') if m in sys.modules))\n")
    env = {**os.environ, "COMPANION_HOME": str(tmp_path), "COMPANION_EMBEDDING_PRECISION":
           "fp32", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run([sys.executable, "-P", "-c", child, str(told)], pass_fds=(told,),
                          capture_output=True, text=True, timeout=300, env=env, check=False)
    os.close(told)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[-2] == "['torch']"
    settings = Settings(home=tmp_path, embedding_precision="fp32")
    assert _configured(settings).missing(texts) == 0
