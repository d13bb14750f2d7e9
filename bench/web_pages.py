"""Page speed of the web app against the JSON API call behind the same page, in one run.

Two pages, each with its baseline, requested interleaved (page, API, page, API, ...) from one
client against one server process, so both see the same machine, load and database:

* the coordinator's pairing review page `/coordinator/pairings` with 500 pending pairings,
  against `GET /api/v1/programs/{p}/pairings?status=pending` with a coordinator's token;
* the mentee's home `/mentee`, against `GET /api/v1/me` with the mentee's token.

The program (sample participants, 500 pending pairings from the whole-pool assignment, one
approved pairing for the mentee) is seeded through the services into a temporary SQLite home;
the server is a `uvicorn` subprocess on a free port with the hashing embedder. Prints p50 and
p95 of each, the page/API ratio, and the machine (CPU model, cores, load).

    .venv/bin/python bench/web_pages.py [--rounds 40] [--pending 500] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[1]
PROGRAM = "Bench Pages"


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    except OSError:
        out = ""
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(home: Path, pending: int) -> dict[str, Any]:
    """The program, `pending` pending pairings and one approved pairing, through the
    services; returns the credentials the bench signs in with."""
    os.environ["COMPANION_HOME"] = str(home)
    from companion.config import get_settings
    from companion.domain import PairingStatus
    from companion.embeddings import HashingEmbedder
    from companion.sample import generate_program, write_records
    from companion.services import matching, pairings, web_auth
    from companion.services.participants import import_participants_file
    from companion.services.programs import build_program, create_program
    from companion.services.tokens import create_token
    from companion.store import get_database

    settings = get_settings()
    db = get_database(settings)
    create_program(db, build_program(PROGRAM, start=date.today() - timedelta(days=45),
                                     months=12, host_organization=None))
    # one mentee more than the pending pairings wanted: their pairing is the approved one
    sample = generate_program(mentees=pending + 1, mentors=(pending + 1) // 2 + 20, seed=5)
    path = settings.ensure_home() / "people.csv"
    write_records(sample.records, path)
    report = import_participants_file(db, PROGRAM, path, skip_invalid=False)
    assert report.imported, report.errors[:3]
    result = matching.assign(db, PROGRAM, HashingEmbedder(), actor="bench").json()
    first = result["assignments"][0]
    pairings.review(db, first["pairing_id"], "approve", by="bench", note="bench")
    waiting = pairings.list_pairings(db, PROGRAM, PairingStatus.pending)
    for extra in waiting[pending:]:  # people who are both mentor and mentee add a few more
        pairings.review(db, extra.id, "reject", by="bench", note="bench: trimmed")
    waiting = waiting[:pending]
    coordinator = create_token(db, participant_id="bench-coordinator", role="coordinator",
                               program=PROGRAM, created_by="bench")
    mentee = create_token(db, participant_id=first["mentee_id"], role="mentee",
                          program=PROGRAM, created_by="bench")

    def link(who: str, role: str) -> str:
        made = web_auth.create_link(db, settings, participant_id=who, role=role,
                                    program=PROGRAM, created_by="bench")
        return made.url.rsplit("/", 1)[1]

    return {"pending": len(waiting), "unassigned": len(result["unassigned"]),
            "coordinator_token": coordinator.token, "mentee_token": mentee.token,
            "coordinator_link": link("bench-coordinator", "coordinator"),
            "mentee_link": link(first["mentee_id"], "mentee")}


def serve(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPANION_")}
    env.update(COMPANION_HOME=str(home), PYTHONPATH=str(ROOT),
               LITELLM_LOCAL_MODEL_COST_MAP="True",
               COMPANION_PUBLIC_URL=f"http://127.0.0.1:{port}")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "_web_factory:create", "--factory",
         "--app-dir", str(ROOT / "bench"), "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("the server did not start: " + (
                process.stderr.read().decode()[-2000:] if process.stderr else ""))
        time.sleep(0.2)


def browser(url: str, secret: str) -> httpx.Client:
    """A client signed in with a one-time link, holding the session cookie as a browser
    would."""
    client = httpx.Client(base_url=url, timeout=120)
    answer = client.get(f"/sign-in/{secret}", follow_redirects=False)
    if answer.status_code != 303:
        raise RuntimeError(f"sign-in failed: {answer.status_code} {answer.text[:300]}")
    return client


def measure(requests: dict[str, tuple[httpx.Client, str, dict[str, str]]], rounds: int,
            warmup: int = 3) -> dict[str, list[float]]:
    """Milliseconds per request, each request of a round in turn (interleaved)."""
    times: dict[str, list[float]] = {name: [] for name in requests}
    for round_ in range(warmup + rounds):
        for name, (client, path, headers) in requests.items():
            start = time.perf_counter()
            answer = client.get(path, headers=headers)
            elapsed = (time.perf_counter() - start) * 1000
            if answer.status_code != 200:
                raise RuntimeError(f"{name}: {path} answered {answer.status_code}: "
                                   f"{answer.text[:300]}")
            if round_ >= warmup:
                times[name].append(elapsed)
    return times


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--pending", type=int, default=500)
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON too.")
    args = parser.parse_args()

    machine = f"{cpu_model()}, {os.cpu_count()} cores"
    print(f"machine: {machine}; load before: {_load()}")
    with tempfile.TemporaryDirectory(prefix="companion-bench-web-") as tmp:
        home = Path(tmp)
        t0 = time.perf_counter()
        seeded = seed(home, args.pending)
        print(f"seeded {seeded['pending']} pending pairings ({seeded['unassigned']} mentees "
              f"unassigned) in {time.perf_counter() - t0:.1f} s")
        process, url = serve(home)
        try:
            coordinator = browser(url, seeded["coordinator_link"])
            mentee = browser(url, seeded["mentee_link"])
            api = httpx.Client(base_url=url, timeout=120)
            program = quote(PROGRAM)
            requests = {
                "page /coordinator/pairings": (coordinator, "/coordinator/pairings", {}),
                "api pairings?status=pending": (
                    api, f"/api/v1/programs/{program}/pairings?status=pending",
                    {"Authorization": f"Bearer {seeded['coordinator_token']}"}),
                "page /mentee": (mentee, "/mentee", {}),
                "api /me": (api, "/api/v1/me",
                            {"Authorization": f"Bearer {seeded['mentee_token']}"}),
            }
            sizes = {name: len(client.get(path, headers=headers).content)
                     for name, (client, path, headers) in requests.items()}
            times = measure(requests, args.rounds)
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()

    report: dict[str, Any] = {"machine": machine, "load_after": _load(),
                              "python": platform.python_version(),
                              "pending_pairings": seeded["pending"], "rounds": args.rounds,
                              "results": {}}
    print(f"\n{args.rounds} rounds, interleaved; milliseconds per request (one client, one "
          "server process, SQLite)")
    print(f"{'request':<30} {'p50':>8} {'p95':>8} {'mean':>8} {'bytes':>9}")
    for name, values in times.items():
        row = {"p50_ms": round(percentile(values, 0.5), 1),
               "p95_ms": round(percentile(values, 0.95), 1),
               "mean_ms": round(statistics.fmean(values), 1), "bytes": sizes[name]}
        report["results"][name] = row
        print(f"{name:<30} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} {row['mean_ms']:>8.1f} "
              f"{row['bytes']:>9}")
    r = report["results"]
    for page, base in (("page /coordinator/pairings", "api pairings?status=pending"),
                       ("page /mentee", "api /me")):
        ratio = r[page]["p95_ms"] / max(r[base]["p95_ms"], 0.001)
        report["results"][page]["p95_vs_api"] = round(ratio, 2)
        print(f"{page}: p95 {ratio:.2f}× its API call")
    print(f"load after: {report['load_after']}")
    if args.json:
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
