"""`companion serve --workers 2` spreads kept-alive connections over both workers.

With uvicorn's one shared listening socket, clients that connect at once mostly land on the
worker whose event loop woke first (asyncio accepts every pending connection in one go) and
stay there while kept alive: two workers, one busy core. Each worker now listens on its own
SO_REUSEPORT socket and the kernel spreads connections by their address. Measured here the
way a proxy's upstream pool or a load test connects: connections opened at once, held."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from companion.cli import serving
from tests.servers import ROOT, clean_env, free_port

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not serving.supported(), reason="Linux SO_REUSEPORT")]


def _start(tmp_path: Path, port: int, **env: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-c", "from companion.cli import main; main()", "serve",
         "--workers", "2", "--port", str(port)],
        cwd=ROOT, env=clean_env(tmp_path / "home", **env), stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while True:  # both workers up: each answers on its own socket
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code \
                    == 200 and len(_workers(process)) == 2 and _listening(process, port) == 2:
                return process
        except httpx.HTTPError:
            pass
        assert process.poll() is None and time.monotonic() < deadline, "no server"
        time.sleep(0.3)


def _workers(process: subprocess.Popen[bytes]) -> list[psutil.Process]:
    """uvicorn's workers (spawned), not multiprocessing's resource tracker."""
    return [c for c in psutil.Process(process.pid).children()
            if "spawn_main" in " ".join(c.cmdline())]


def _listening(process: subprocess.Popen[bytes], port: int) -> int:
    return sum(1 for w in _workers(process) for c in w.net_connections("tcp")
               if c.status == psutil.CONN_LISTEN and c.laddr.port == port)


def _held_by_worker(process: subprocess.Popen[bytes], port: int) -> list[int]:
    return sorted(sum(1 for c in w.net_connections("tcp")
                      if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port)
                  for w in _workers(process))


def test_connections_opened_at_once_reach_both_workers(tmp_path: Path) -> None:
    """20 times, 8 clients connect at the same instant (asyncio), ask once and stay
    connected; the smaller share of a worker is summed over the rounds. Measured on
    2 cores: uvicorn's shared socket gave all 8 to one worker in half the rounds (sum of the
    smaller shares ~20); one socket per worker follows the kernel's hash (binomial: ~58,
    standard deviation ~5)."""
    port = free_port()
    process = _start(tmp_path, port)

    async def one_round() -> list[int]:
        opened = await asyncio.gather(*[asyncio.open_connection("127.0.0.1", port)
                                        for _ in range(8)])
        try:
            for _, writer in opened:
                writer.write(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            for reader, _ in opened:
                assert (await reader.read(4096)).startswith(b"HTTP/1.1 200")
            return _held_by_worker(process, port)
        finally:
            for _, writer in opened:
                writer.close()

    try:
        shares = [asyncio.run(one_round()) for _ in range(20)]
    finally:
        process.terminate()
        process.communicate(timeout=30)
    assert all(sum(held) == 8 for held in shares), shares
    assert sum(held[0] for held in shares) >= 35, f"connections per worker: {shares}"


def test_a_taken_port_is_refused_before_any_worker_starts(tmp_path: Path) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        done = subprocess.run(
            [sys.executable, "-c", "from companion.cli import main; main()", "serve",
             "--workers", "2", "--port", str(port)],
            cwd=ROOT, env=clean_env(tmp_path / "home"), capture_output=True, timeout=120)
    finally:
        taken.close()
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr.decode()
    assert "Traceback" not in done.stderr.decode()


def test_a_second_server_on_the_same_port_is_refused(tmp_path: Path) -> None:
    """SO_REUSEPORT lets any process of the same user bind the port: a second `companion
    serve` (an old one left running during an upgrade) would silently take half the
    connections. It is refused instead, as a plain bind would be."""
    port = free_port()
    first = _start(tmp_path / "first", port)
    try:
        done = subprocess.run(
            [sys.executable, "-c", "from companion.cli import main; main()", "serve",
             "--workers", "2", "--port", str(port)],
            cwd=ROOT, env=clean_env(tmp_path / "second" / "home"), capture_output=True,
            timeout=120)
        assert done.returncode == 2, done.stderr.decode()[-2000:]
        assert f"cannot listen on 127.0.0.1:{port}" in done.stderr.decode()
        assert _listening(first, port) == 2  # the first server is untouched
    finally:
        first.terminate()
        first.communicate(timeout=30)
