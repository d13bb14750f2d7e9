"""Reading a program's profiles into vectors before a page needs them (issue 16).

A program imported a minute ago has none of its goals and expertise embedded yet: the first
page that matches (the coordinator's overview, the pairing review) would wait 10-20 s on a
2-core machine with nothing on screen. `prepare` starts the embedding in the background (one
run per program and model in a process, shared by every request that asks), waits a moment
in case it is quick, and otherwise hands the face a `Preparation` to show — how many of the
program's texts are read — until it is done. The vectors land in the embedding cache, so the
page that follows finds them all there.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from companion.domain import Participant, Role
from companion.embeddings import CachedEmbedder, Embedder
from companion.errors import AccessDenied
from companion.matching.centre import reference_texts
from companion.matching.texts import expertise_phrases, goal_texts
from companion.progress import NoProgress, Progress, Tick
from companion.services.access import access_to, people_of
from companion.services.tokens import Principal
from companion.store import Database

log = logging.getLogger(__name__)

#: How long a request waits for a preparation before showing its progress instead.
WAIT_SECONDS = 1.5


@dataclass
class Preparation:
    """One program's texts being embedded: `done` of `total` read so far."""

    program: str
    total: int
    key: tuple[int, str, str] = field(repr=False)
    """(database, program, model): where `_running` holds it while it runs."""
    done: int = 0
    error: Exception | None = None
    finished: threading.Event = field(default_factory=threading.Event)

    @property
    def percent(self) -> int:
        return min(99, int(100 * self.done / self.total)) if self.total else 99

    def tick(self, count: int) -> None:
        self.done = min(self.total, self.done + count)


_running: dict[tuple[int, str, str], Preparation] = {}
_lock = threading.Lock()


def profile_texts(db: Database, program: str) -> list[str]:
    """The texts matching embeds for `program`: mentees' goals, mentors' expertise phrases,
    and the frozen reference corpus scores are centred and calibrated on (once per model)."""
    return list(dict.fromkeys([*reference_texts(),
                               *people_texts(people_of(db, program).values())]))


def people_texts(people: Iterable[Participant]) -> list[str]:
    """Mentees' goals and mentors' expertise phrases, as matching embeds them."""
    texts: list[str] = []
    for person in people:
        if person.role.is_mentored:
            texts += goal_texts(person)
        if person.role in (Role.mentor, Role.both):
            texts += expertise_phrases(person)
    return texts


def prepare_as(db: Database, principal: Principal, program: str, embedder: Embedder, *,
               wait: float = WAIT_SECONDS) -> Preparation | None:
    """None when the program's profiles are embedded (or were within `wait` seconds); else the
    preparation still running, for the face to show. Only for a program's coordinators: it
    is their pages that match."""
    access_to(db, principal, program).require_coordinator("see the program's matches")
    if not isinstance(embedder, CachedEmbedder):  # nothing would be kept for the next page
        return None
    running, texts = _claim(db, program, embedder)
    if running is None:
        return None
    if texts:
        threading.Thread(target=_embed, args=(running, embedder, texts),
                         name=f"prepare-{program}", daemon=True).start()
    # finished (an error too: the page itself then fails the same way and says so): None
    return None if running.finished.wait(wait) else running


def _claim(db: Database, program: str, embedder: CachedEmbedder
           ) -> tuple[Preparation | None, list[str]]:
    """The read of `program`'s profiles: (the one under way, []), or (a new one, registered,
    with the texts for the caller to read), or (None, []) when every text is read."""
    key = (id(db), program, embedder.name)
    with _lock:
        running = _running.get(key)
    if running is not None:
        return running, []
    # read outside the lock: other programs' pages need not wait on it
    texts = profile_texts(db, program)
    if not texts or embedder.missing(texts) == 0:
        return None, []
    with _lock:
        running = _running.get(key)
        if running is not None:
            return running, []
        running = _running[key] = Preparation(program, len(texts), key)
    return running, texts


def start_as(db: Database, principal: Principal, program: str, embedder: Embedder
             ) -> Preparation | None:
    """Start reading `program`'s profiles now without waiting — after an import, so the
    first page that matches finds them read (or under way). None when there is nothing to
    read or the principal does not coordinate the program (importing alone does not let
    them see matches)."""
    try:
        return prepare_as(db, principal, program, embedder, wait=0)
    except AccessDenied:
        return None


def wait_for(program: str, embedder: Embedder, timeout: float = 600, *,
             people: Iterable[Participant] = (), progress: Progress | None = None) -> None:
    """Wait for a read of `program`'s profiles under way, in this process or in another
    (`read_in_background`), if there is one: a request that matches meanwhile (an API
    suggestion while the server's warm-up reads the program, `match assign` right after
    `import participants`) would otherwise embed the same texts again beside it, on the same
    cores. With `people` and `progress`, another process's read shows as a stage: how many
    of their texts it has read."""
    with _lock:
        running = [p for (_, name, model), p in _running.items()
                   if name == program and model == embedder.name]
    for preparation in running:
        preparation.finished.wait(timeout)
    if isinstance(embedder, CachedEmbedder):
        _wait_for_process(_read_lock(embedder, program), timeout, embedder, people, progress)


# --- a read in another process: after `companion import participants` ----------------------


def _read_lock(embedder: CachedEmbedder, program: str) -> Path:
    """The file a background read of `program` for this model holds locked (beside the
    vector cache it writes to: one per home)."""
    digest = hashlib.sha256(f"{embedder.name}\0{program}".encode()).hexdigest()[:24]
    return embedder.cache.path.parent / "reading" / f"{digest}.lock"


def _wait_for_process(lock: Path, timeout: float, embedder: CachedEmbedder,
                      people: Iterable[Participant], progress: Progress | None) -> None:
    if not _read_under_way(lock):
        return
    texts = list(dict.fromkeys(people_texts(people))) if progress is not None else []
    with (progress or NoProgress()).stage("Reading profiles (started by the import)",
                                          len(texts)) as tick:
        _follow(lock, timeout, embedder, texts, tick)


def _read_under_way(lock: Path) -> bool:
    if not lock.exists():
        return False
    with lock.open("a") as handle:
        return not _try_lock(handle, fcntl.LOCK_SH)


def _follow(lock: Path, timeout: float, embedder: CachedEmbedder, texts: list[str],
            tick: Tick) -> None:
    """Wait until the process holding `lock` exits (or `timeout`), ticking as many of
    `texts` as it has read into the cache."""
    deadline = time.monotonic() + timeout
    total = len(texts)
    with lock.open("a") as handle:
        shown = total - embedder.missing(texts) if texts else 0
        tick(shown)
        polled = time.monotonic()
        while not _try_lock(handle, fcntl.LOCK_SH) and time.monotonic() < deadline:
            time.sleep(0.05)
            if texts and time.monotonic() - polled > 0.5:
                read = total - embedder.missing(texts)
                tick(max(0, read - shown))
                shown, polled = max(shown, read), time.monotonic()
        if texts:
            tick(max(0, total - embedder.missing(texts) - shown))


def _try_lock(handle: IO[str], kind: int) -> bool:
    """Take `kind` on `handle`'s file if no one holds it the other way; release a shared one
    at once (it only asks whether a read is under way)."""
    try:
        fcntl.flock(handle, kind | fcntl.LOCK_NB)
    except OSError:
        return False
    if kind == fcntl.LOCK_SH:
        fcntl.flock(handle, fcntl.LOCK_UN)
    return True


@dataclass
class BackgroundRead:
    """A process loading the embedding model while an import runs; `start` tells it the
    import committed (it then reads the program's texts not yet read, and exits), `cancel`
    that there is nothing to read (it exits at once). It holds the program's read lock from
    before it starts until it exits, so `wait_for` in any process waits for it."""

    process: subprocess.Popen[bytes]
    pipe: IO[str]
    embedder: CachedEmbedder

    def start(self, db: Database, program: str) -> None:
        """The import committed: the process reads what the cache lacks — or, when it lacks
        nothing (people already read, in this program or another), is told to stop, so a
        command that matches next does not wait for a model load nobody needs."""
        texts = profile_texts(db, program)
        self._send(program if texts and self.embedder.missing(texts) else "")

    def cancel(self) -> None:
        self._send("")

    def _send(self, program: str) -> None:
        if self.pipe.closed:
            return
        try:
            self.pipe.write(program + "\n")
            self.pipe.close()
        except OSError:  # it already exited (it could not start): nothing to tell
            pass


def read_in_background(embedder: Embedder, program: str, home: Path) -> BackgroundRead | None:
    """Start a process that loads the model now and reads `program`'s profiles once told the
    import committed. None when another read of the program is under way (it holds the
    lock: `wait_for` waits for it, and the texts it misses are read by the command that
    matches) or the embedder keeps no vectors."""
    if not isinstance(embedder, CachedEmbedder):
        return None
    lock = _read_lock(embedder, program)
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as handle:
        if not _try_lock(handle, fcntl.LOCK_EX):
            return None
        # the child inherits the locked file: the lock lasts until it exits, and no command
        # can find the program unlocked between this import and the child's start
        told, tell = os.pipe()
        errors_file = home / "logs" / "background-read.log"
        errors_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            with errors_file.open("ab") as errors:
                process = subprocess.Popen(
                    [sys.executable, "-P", "-c", _CHILD, str(told)],
                    pass_fds=(handle.fileno(), told), stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=errors, start_new_session=True)
        except OSError as exc:
            os.close(tell)
            log.warning("could not start the background read: %s", exc)
            return None
        finally:
            os.close(told)
    return BackgroundRead(process, os.fdopen(tell, "w"), embedder)


#: The background process. Before anything else it starts importing torch (the longest of
#: its imports: ~1.7-2.5 s on 2 cores) on a thread, and waits to be told; told to stop, it
#: ends at once (releasing the lock), else it reads the program (`_read`).
_CHILD = """\
import os, sys, threading
threading.Thread(target=__import__, args=("torch",), daemon=True).start()
with os.fdopen(int(sys.argv[1])) as told:
    program = told.readline().strip()
if program:
    from companion.services.preparation import _read
    _read(program)
os._exit(0)  # no wait for the torch import when there was nothing to read
"""


def _read(program: str) -> None:
    """In the background process: the program's texts the cache lacks, read."""
    import atexit

    from companion.config import get_settings
    from companion.embeddings import get_embedder
    from companion.store import get_database

    try:
        settings = get_settings()
        embedder = get_embedder(settings)
        if isinstance(embedder, CachedEmbedder):
            warm = getattr(embedder.inner, "warm", None)  # the model and the detector
            if warm is not None:
                warm()
            embedder.embed(profile_texts(get_database(settings), program))
    finally:
        atexit._run_exitfuncs()  # the engines' and caches' closers: no journal left behind


def prepare_all(db: Database, embedder: Embedder, lock: Path | None = None) -> list[str]:
    """Read every program's profiles that are not read yet, one program after another, in
    this thread (a server's warm-up: programs imported with the CLI, or before a restart,
    would otherwise be read inside the first request that matches them). A page that asks
    meanwhile shows this run's progress. With `lock` (a file beside the vector cache), one
    process of a server does it and the others skip: they share that cache. The programs read.
    """
    from companion.services.programs import list_programs

    if not isinstance(embedder, CachedEmbedder):
        return []
    handle = None
    if lock is not None:
        lock.parent.mkdir(parents=True, exist_ok=True)
        handle = lock.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # another process of this home is at it
            handle.close()
            return []
    try:
        read: list[str] = []
        for program in list_programs(db):
            running, texts = _claim(db, program.name, embedder)
            if texts:  # else nothing to read, or a page started it and that run reads them
                assert running is not None
                _embed(running, embedder, texts)
                read.append(program.name)
        return read
    finally:
        if handle is not None:
            handle.close()


def _embed(running: Preparation, embedder: CachedEmbedder, texts: list[str]) -> None:
    try:
        lock = _read_lock(embedder, running.program)
        if _read_under_way(lock):  # the CLI import's process reads them: follow it instead
            _follow(lock, 600, embedder, texts, running.tick)
        embedder.embed(texts, tick=running.tick)
    except Exception as exc:  # shown by the page that asked, which embeds again and fails
        log.warning("embedding %s's profiles failed: %s", running.program, exc)
        running.error = exc
    finally:
        running.done = running.total
        with _lock:
            _running.pop(running.key, None)
        running.finished.set()
