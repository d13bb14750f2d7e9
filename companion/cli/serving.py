"""Several `companion serve` workers, each with a listening socket of its own (SO_REUSEPORT).

uvicorn's `--workers N` shares one listening socket between the workers, and asyncio accepts
every pending connection in one go when its socket wakes up: clients that connect at once
(a proxy's upstream pool, a load test, a browser's six connections) mostly land on the
worker that woke first and stay there for as long as they are kept alive, so `--workers 2`
served them with one core (measured in docs/benchmarks.md, "API reads under load").

With SO_REUSEPORT every worker binds the same address with its own socket and the kernel
spreads new connections across them by a hash of the client's address and port. uvicorn's
supervisor (restarts of dead or hung workers, SIGHUP rolling restarts, SIGTTIN/SIGTTOU) is
kept as it is: only the socket each worker listens on changes. Linux shares a port this way
only between sockets of the same user, and a worker whose bind fails stops the server as
uvicorn does for a bad address.
"""

from __future__ import annotations

import errno
import logging
import socket
import sys
from typing import Any

from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors import multiprocess

logger = logging.getLogger("uvicorn.error")


def supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT") and sys.platform.startswith("linux")


def reuse_port_socket(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A listening TCP socket on host:port that other workers of this user may bind too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.listen(backlog)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock


class _OwnSocketProcess(multiprocess.Process):
    """A uvicorn worker process that binds its own SO_REUSEPORT socket when it starts."""

    def target(self, sockets: list[socket.socket] | None = None) -> None:  # pragma: no cover
        exit_cleanly_on_sigterm()  # before uvicorn captures the signals (it restores this)
        try:
            own = reuse_port_socket(self.config.host, self.config.port, self.config.backlog)
        except OSError as exc:
            logger.error("cannot listen on %s:%s: %s", self.config.host, self.config.port, exc)
            sys.exit(STARTUP_FAILURE)
        super().target([own])


def exit_cleanly_on_sigterm() -> None:
    """After its graceful shutdown on SIGTERM, uvicorn raises the signal again, and the
    default action ends the process without Python's exit handlers: SQLAlchemy's pooled
    connections were never closed, so SQLite left companion.db-wal and -shm beside the file
    (a coordinator copying companion.db would miss the last commits). SIGTERM now exits like
    SIGINT does: through Python, handlers run, code 0."""
    import signal

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)


def check_free(host: str, port: int) -> None:
    """Fail at once, in the parent, when the address is taken: by a process that does not
    share it (the workers would each fail the same way), or by one that does — another
    `companion serve` of this user, which SO_REUSEPORT would otherwise let the new workers
    join silently, splitting the traffic between old and new code."""
    target = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    try:
        with socket.create_connection((target, port), timeout=0.5):
            raise OSError(errno.EADDRINUSE, "address already in use (a server answers there)")
    except (ConnectionRefusedError, TimeoutError):
        pass
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:  # bound, never listening
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        probe.bind((host, port))


def run(config: Config) -> None:
    """uvicorn's multi-process supervisor, each worker on its own SO_REUSEPORT socket."""
    original: Any = multiprocess.Process
    multiprocess.Process = _OwnSocketProcess  # type: ignore[misc]
    try:
        multiprocess.Multiprocess(config, sockets=[]).run()
    finally:
        multiprocess.Process = original  # type: ignore[misc]
