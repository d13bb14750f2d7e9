"""The background read after `companion import participants` (issue 16).

The import starts a process before it reads the file. While the import runs, that process
imports torch and loads the model and the language detector (the longest part of a first
embedding); once the import has committed it is sent the goals and expertise the vector cache
lacks, embeds them and exits — or, sent nothing, exits at once. It never opens the database
(the import hands it the texts), so it imports neither the store nor the services. It holds
the program's read lock (a file beside the vector cache) from before it starts until it
exits: a command that matches meanwhile waits for it (`preparation.wait_for`) instead of
embedding the same texts beside it.

Light on purpose: the import command loads this module first, so the process starts as early
as it can; everything heavier is imported inside the functions.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from companion.embeddings import CachedEmbedder, Embedder

if TYPE_CHECKING:
    from companion.store import Database

log = logging.getLogger(__name__)


def read_lock(embedder: CachedEmbedder, program: str) -> Path:
    """The file a background read of `program` for this model holds locked (beside the
    vector cache it writes to: one per home)."""
    digest = hashlib.sha256(f"{embedder.name}\0{program}".encode()).hexdigest()[:24]
    return embedder.cache.path.parent / "reading" / f"{digest}.lock"


def try_lock(handle: IO[str], kind: int) -> bool:
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
    """The process, seen from the import: `start` once the import committed, `cancel` when
    nothing was imported."""

    pipe: IO[str]
    embedder: CachedEmbedder

    def start(self, db: Database, program: str) -> None:
        """The import committed: the process is sent the program's texts the cache lacks —
        or, when it lacks none (people already read, in this program or another), sent
        nothing and stops, so a command that matches next does not wait for a model load
        nobody needs."""
        from companion.services.preparation import profile_texts

        self._send(self.embedder.missing_texts(profile_texts(db, program)))

    def cancel(self) -> None:
        self._send([])

    def _send(self, texts: list[str]) -> None:
        if self.pipe.closed:
            return
        try:
            self.pipe.write(json.dumps(texts) + "\n" if texts else "\n")
            self.pipe.close()
        except OSError:  # it already exited (it could not start): nothing to tell
            pass


def read_in_background(embedder: Embedder, program: str, home: Path) -> BackgroundRead | None:
    """Start the process. None when another read of the program is under way (it holds the
    lock: `wait_for` waits for it, and the texts it misses are read by the command that
    matches) or the embedder keeps no vectors."""
    if not isinstance(embedder, CachedEmbedder):
        return None
    lock = read_lock(embedder, program)
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as handle:
        if not try_lock(handle, fcntl.LOCK_EX):
            return None
        # the child inherits the locked file: the lock lasts until it exits, and no command
        # can find the program unlocked between this import and the child's start
        told, tell = os.pipe()
        errors_file = home / "logs" / "background-read.log"
        errors_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            with errors_file.open("ab") as errors:
                subprocess.Popen(
                    [sys.executable, "-P", "-c", _CHILD, str(told)],
                    pass_fds=(handle.fileno(), told), stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=errors, start_new_session=True)
        except OSError as exc:
            os.close(tell)
            log.warning("could not start the background read: %s", exc)
            return None
        finally:
            os.close(told)
    return BackgroundRead(os.fdopen(tell, "w"), embedder)


#: The process. One thread waits to be told what to read (told nothing, it ends the process
#: at once, releasing the lock), one imports torch (~1-2.5 s on 2 cores), and the main thread
#: loads the model and the language detector, all while the import command reads the file;
#: then `read`.
_CHILD = """\
import json, os, queue, sys, threading
told = queue.Queue()
def listen():
    with os.fdopen(int(sys.argv[1])) as pipe:
        message = pipe.read().strip()
    if not message:
        os._exit(0)
    told.put(json.loads(message))
threading.Thread(target=listen, daemon=True).start()
threading.Thread(target=__import__, args=("torch",), daemon=True).start()
from companion.services.reading import read, prepare
embedder = prepare()
read(embedder, told.get())
os._exit(0)
"""


def prepare() -> CachedEmbedder:
    """In the process, before it is told: the configured embedder with its model (the one
    a large call runs on) and its language detector loaded."""
    from companion.config import get_settings
    from companion.embeddings import get_embedder

    embedder = get_embedder(get_settings())
    warm = getattr(embedder.inner, "warm", None)
    if warm is not None:
        warm()
    return embedder


def read(embedder: CachedEmbedder, texts: list[str]) -> None:
    """In the process: `texts` embedded into the vector cache."""
    import atexit

    try:
        embedder.embed(texts)
    finally:
        atexit._run_exitfuncs()  # the caches' closers: no journal left behind
