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
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from companion.domain import Participant, Role
from companion.embeddings import CachedEmbedder, Embedder
from companion.errors import AccessDenied
from companion.matching.centre import reference_texts
from companion.matching.texts import expertise_phrases, goal_texts
from companion.progress import NoProgress, Progress, Tick
from companion.services.access import access_to, people_of
from companion.services.reading import read_lock, try_lock
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
        _wait_for_process(read_lock(embedder, program), timeout, embedder, people, progress)


# --- a read in another process: after `companion import participants` ----------------------


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
        return not try_lock(handle, fcntl.LOCK_SH)


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
        while not try_lock(handle, fcntl.LOCK_SH) and time.monotonic() < deadline:
            time.sleep(0.05)
            if texts and time.monotonic() - polled > 0.5:
                read = total - embedder.missing(texts)
                tick(max(0, read - shown))
                shown, polled = max(shown, read), time.monotonic()
        if texts:
            tick(max(0, total - embedder.missing(texts) - shown))


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
        if not try_lock(handle, fcntl.LOCK_EX):  # another process of this home is at it
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
        lock = read_lock(embedder, running.program)
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
