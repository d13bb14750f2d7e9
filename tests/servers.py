"""A real `uvicorn` server process for tests that need one (browser tests, two-process races,
kill -9): started on a free port of 127.0.0.1, waited for, and stopped afterwards."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment without the developer's COMPANION_* settings, pointed at `home`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPANION_")}
    env.update(COMPANION_HOME=str(home), PYTHONPATH=str(ROOT),
               LITELLM_LOCAL_MODEL_COST_MAP="True", **extra)
    return env


@contextmanager
def serve(factory: str, env: dict[str, str], *, port: int | None = None,
          seconds: float = 60) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """(base URL, process) of `uvicorn FACTORY --factory` answering /api/v1/health."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + seconds
        while True:
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start: " + (
                    process.stderr.read().decode()[-2000:] if process.stderr else ""))
            time.sleep(0.2)
        yield url, process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
