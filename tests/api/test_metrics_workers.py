"""`companion serve --workers 2`: /metrics sums both workers' samples (prometheus-client's
multiprocess mode), whichever worker answers the scrape; the JSON access lines carry ids."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.servers import ROOT, clean_env, free_port

pytestmark = pytest.mark.slow


def _count(text: str, route: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("companion_http_request_duration_seconds_count{")
               and f'route="{route}"' in line)


def test_two_workers_share_their_metrics(tmp_path: Path) -> None:
    port = free_port()
    env = clean_env(tmp_path / "home", COMPANION_LOG_FORMAT="json",
                    COMPANION_LOG_LEVEL="INFO")
    process = subprocess.Popen(
        [sys.executable, "-c", "from companion.cli import main; main()", "serve",
         "--workers", "2", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "no server"
            time.sleep(0.3)
        with httpx.Client(base_url=url, timeout=10) as client:
            for _ in range(40):  # new connections: the kernel spreads them over both workers
                httpx.get(f"{url}/api/v1/health", timeout=5)
            scrapes = [client.get("/metrics").text for _ in range(6)]
        folder = tmp_path / "home" / "prometheus"
        assert len({p.name.rsplit("_", 1)[-1] for p in folder.glob("*.db")}) >= 2, \
            "both workers wrote samples"
        # every scrape, from either worker, sees all the health checks made so far (≥ 41)
        assert all(_count(text, "/api/v1/health") >= 41 for text in scrapes)
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
    access = [json.loads(line) for line in err.decode().splitlines()
              if line.startswith("{") and '"companion.access"' in line]
    assert access and all(line["request_id"] and line["route"] for line in access)
