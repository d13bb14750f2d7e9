"""HTTP API under load on loopback: throughput and p50/p95/p99 per scenario, with locust.

Builds the sample program ("Leadership Accelerator", as `companion demo` does: the seeded
participants, a whole-pool assignment, one approved pairing) in a temp COMPANION_HOME with the
real bundled embedder, issues tokens, starts `companion serve` on a free loopback port and
drives it with locust (headless, N closed-loop users over kept-alive TCP connections, bounded
by --seconds per scenario). Scenarios:

- health:      GET /api/v1/health — the framework floor (uvicorn + FastAPI, no auth, no DB);
- reads:       GET /me (mentee), participants and pairings lists (coordinator), GET a draft
               (its owner), equally mixed;
- suggestions: GET suggestions?mentee_id=<random mentee>&top=5 (coordinator);
- drafts:      POST drafts as random mentees (agenda / questions / goals / framework with a
               topic), the offline model — the whole pipeline, checkpointed.

Baseline in the same run: each scenario's route functions called in-process, serially, with
the same arguments and no HTTP (token look-up and access check included; no FastAPI
validation, serialisation, uvicorn, socket or load generator). Every figure is warm: the first
suggestion and draft requests (model load, knowledge ingestion, pool caches) are made before
anything is timed. The server log is scanned for 5xx and tracebacks.

    .venv/bin/python bench/http_load.py [--seconds 20] [--clients 1,8] [--workers 1]
                                        [--mentees 120 --mentors 40]

Needs locust in the venv (`.venv/bin/pip install locust`). JSON goes to stdout and to
bench/.cache/http_load.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
LOCUSTFILE = HERE / "_http_locustfile.py"
SCENARIOS = ("health", "reads", "suggestions", "drafts")
KINDS = ("agenda", "questions", "goals", "framework")
TOPIC = "feedback on missed deadlines"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


# -- state --------------------------------------------------------------------------------
def setup(args: argparse.Namespace, home: Path) -> dict[str, Any]:
    """The demo's program, an approved pairing, tokens, and one draft of each kind per mentee
    with a token (to read, and to warm every cache the scenarios touch)."""
    from companion.cli.commands.demo import DEMO_PROGRAM, demo_program
    from companion.config import get_settings
    from companion.domain import Role
    from companion.embeddings import get_embedder
    from companion.sample import generate_program, write_records
    from companion.services import drafts, matching, pairings
    from companion.services.participants import import_participants_file, list_participants
    from companion.services.programs import create_program
    from companion.services.tokens import create_token
    from companion.store import get_database

    settings = get_settings()
    db = get_database(settings)
    sample = generate_program(mentees=args.mentees, mentors=args.mentors, seed=2027)
    create_program(db, demo_program(date.today(), sample.organizations))
    write_records(sample.records, home / "people.csv")
    report = import_participants_file(db, DEMO_PROGRAM, home / "people.csv", skip_invalid=False)
    assert report.imported, report.errors[:3]
    people = list_participants(db, DEMO_PROGRAM)
    embedder = get_embedder(settings)
    result = matching.assign(db, DEMO_PROGRAM, embedder, actor="bench").json()
    best = max(result["assignments"], key=lambda a: a["score"])
    pairings.review(db, best["pairing_id"], "approve", by="bench-coordinator",
                    note="approved by the HTTP bench")
    rng = random.Random(5)
    mentee_ids = [p.id for p in people if p.role is Role.mentee]
    chosen = rng.sample(mentee_ids, min(args.tokens, len(mentee_ids)))
    if best["mentee_id"] not in chosen and best["mentee_id"] in mentee_ids:
        chosen[0] = best["mentee_id"]
    mentees = [[pid, create_token(db, participant_id=pid, role="mentee", program=DEMO_PROGRAM,
                                  created_by="bench").token] for pid in chosen]
    coordinator = create_token(db, participant_id="bench-coordinator", role="coordinator",
                               program=DEMO_PROGRAM, created_by="bench").token
    deps = drafts.default_deps(db, settings)
    made = []
    # one draft of every kind per mentee with a token: knowledge/ is ingested and every
    # retrieval query the scenarios can make is embedded (warm caches), and reads get drafts
    for pid, token in mentees:
        for kind in KINDS:
            draft = drafts.request_draft(db, settings, program=DEMO_PROGRAM, kind=kind,
                                         participant_id=pid, deps=deps,
                                         topic=TOPIC if kind == "framework" else None)
            assert draft.status.value == "pending_review", draft.failure_reason
            made.append([draft.id, token])
    return {"program": DEMO_PROGRAM, "coordinator": coordinator, "mentees": mentees,
            "drafts": made, "people": len(people), "mentee_count": len(mentee_ids),
            "pairings": len(result["assignments"]) + len(result.get("kept", []))}


# -- baseline: the same route functions in-process ----------------------------------------
def in_process(fixture: dict[str, Any], seconds: float) -> dict[str, dict[str, Any]]:
    from fastapi import Response

    from companion.api.common import access_to
    from companion.api.routes import drafts as draft_routes
    from companion.api.routes import matching as matching_routes
    from companion.api.routes import people as people_routes
    from companion.api.routes import programs as program_routes
    from companion.api.schemas import DraftRequest
    from companion.config import get_settings
    from companion.embeddings import get_embedder
    from companion.services.drafts import default_deps
    from companion.services.tokens import authenticate
    from companion.store import get_database

    settings = get_settings()
    db = get_database(settings)
    embedder = get_embedder(settings)
    program, coordinator = fixture["program"], fixture["coordinator"]
    mentees, made = fixture["mentees"], fixture["drafts"]
    rng = random.Random(11)

    def principal(token: str) -> Any:
        found = authenticate(db, token)
        assert found is not None
        return found

    def reads() -> None:
        pick = rng.randrange(4)
        if pick == 0:
            people_routes.me(principal(rng.choice(mentees)[1]), db)
        elif pick == 1:
            program_routes.participants(access_to(db, principal(coordinator), program), db)
        elif pick == 2:
            matching_routes.list_pairings(access_to(db, principal(coordinator), program), db)
        else:
            draft_id, token = rng.choice(made)
            draft_routes.get_draft(draft_id, principal(token), db, Response())

    def suggestions() -> None:
        access = access_to(db, principal(coordinator), program)
        matching_routes.suggestions(access, db, embedder, mentee_id=rng.choice(mentees)[0],
                                    top=5)

    def draft() -> None:
        token = rng.choice(mentees)[1]
        kind = rng.choice(KINDS)
        body = DraftRequest(kind=kind, topic=TOPIC if kind == "framework" else None)
        access = access_to(db, principal(token), program)
        out = draft_routes.request_draft(access, body, db, settings,
                                         default_deps(db, settings), Response())
        assert out["status"] == "pending_review", out.get("failure_reason")

    results = {}
    for name, fn in (("reads", reads), ("suggestions", suggestions), ("drafts", draft)):
        for _ in range(5):  # warm-up
            fn()
        times: list[float] = []
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
        elapsed = sum(times) / 1000
        results[name] = {"calls": len(times), "calls_per_s": round(len(times) / elapsed, 1),
                         "p50_ms": round(pct(times, 0.5), 1),
                         "p95_ms": round(pct(times, 0.95), 1),
                         "p99_ms": round(pct(times, 0.99), 1), "load": load()}
    return results


# -- the server -----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its descendants (uvicorn workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total


class Server:
    def __init__(self, workdir: Path, workers: int) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "server.log"
        exe = Path(sys.executable).with_name("companion")
        command = [str(exe) if exe.exists() else shutil.which("companion") or "companion",
                   "serve", "--host", "127.0.0.1", "--port", str(self.port),
                   "--workers", str(workers)]
        self.log = self.log_path.open("w")
        self.proc = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=os.environ.copy())
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/api/v1/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                self.log.close()
                raise SystemExit(f"the server did not start:\n{self.log_path.read_text()}")
            time.sleep(0.2)

    def request(self, method: str, path: str, token: str | None = None,
                body: dict[str, Any] | None = None) -> int:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.base + path, data=data, headers=headers,
                                     method=method)
        with urllib.request.urlopen(req, timeout=120) as r:
            r.read()
            return int(r.status)

    def log_text(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def warm_up(server: Server, fixture: dict[str, Any], workers: int) -> None:
    """First suggestion and draft per worker load the model, ingest, build caches."""
    from urllib.parse import quote

    program = quote(fixture["program"], safe="")
    coordinator, mentees = fixture["coordinator"], fixture["mentees"]
    for i in range(4 * workers):
        mentee, token = mentees[i % len(mentees)]
        draft_id, owner = fixture["drafts"][i % len(fixture["drafts"])]
        server.request("GET", "/api/v1/health")
        server.request("GET", "/api/v1/me", token)
        server.request("GET", f"/api/v1/programs/{program}/participants", coordinator)
        server.request("GET", f"/api/v1/programs/{program}/pairings", coordinator)
        server.request("GET", f"/api/v1/drafts/{draft_id}", owner)
        server.request("GET", f"/api/v1/programs/{program}/suggestions?mentee_id={mentee}"
                       "&top=5", coordinator)
        kind = KINDS[i % len(KINDS)]
        server.request("POST", f"/api/v1/programs/{program}/drafts", token,
                       {"kind": kind, **({"topic": TOPIC} if kind == "framework" else {})})


ACCESS = re.compile(r'"(GET|POST|PUT|DELETE|PATCH) (\S+) HTTP/[\d.]+" (\d{3})')


def run_locust(scenario: str, clients: int, seconds: float, server: Server,
               fixture_path: Path, workdir: Path, record: bool = True) -> dict[str, Any]:
    prefix = workdir / f"{scenario}-{clients}-{seconds}"
    env = {**os.environ, "BENCH_HTTP_SCENARIO": scenario,
           "BENCH_HTTP_FIXTURE": str(fixture_path)}
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
               "-u", str(clients), "-r", str(clients), "--run-time",
               f"{seconds}s", "--stop-timeout", "60", "--host", server.base,
               "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"]
    log_from = len(server.log_text())
    load_before = load()
    server_cpu = tree_cpu_seconds(server.proc.pid)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True,
                          timeout=seconds + 300)
    wall = time.perf_counter() - start
    if not record:  # a warm-up: its figures are not kept
        return {}
    server_cpu = tree_cpu_seconds(server.proc.pid) - server_cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    locust_cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    stats = prefix.with_name(prefix.name + "_stats.csv")
    rows = list(csv.DictReader(stats.open())) if stats.exists() else []
    if not rows:
        raise SystemExit(f"locust wrote no stats:\n{done.stdout}\n{done.stderr}")
    log = server.log_text()[log_from:]
    statuses = Counter(m.group(3) for m in ACCESS.finditer(log))

    def figures(row: dict[str, str]) -> dict[str, Any]:
        return {"requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "req_per_s": round(float(row["Requests/s"]), 1),
                "p50_ms": float(row["50%"]), "p95_ms": float(row["95%"]),
                "p99_ms": float(row["99%"]), "mean_ms": round(float(row["Average Response Time"]),
                                                              1),
                "max_ms": float(row["Max Response Time"])}

    exceptions = prefix.with_name(prefix.name + "_exceptions.csv")
    raised = list(csv.DictReader(exceptions.open())) if exceptions.exists() else []
    if raised:  # an error in the load generator itself, not a server answer
        raise SystemExit(f"locust users raised in {scenario}: {raised[0]['Message']}\n"
                         f"{raised[0]['Traceback']}")
    total = next(r for r in rows if r["Name"] == "Aggregated")
    if not int(total["Request Count"]):
        raise SystemExit(f"no request completed in {scenario}:\n{done.stderr[-2000:]}")
    endpoints = {r["Name"]: figures(r) for r in rows if r["Name"] != "Aggregated"}
    warnings = sorted({line.strip() for line in done.stderr.splitlines()
                       if "CPU usage" in line or "Error" in line or "Traceback" in line})
    return {**figures(total), "clients": clients, "seconds": seconds,
            "endpoints": endpoints, "server_statuses": dict(statuses),
            "server_tracebacks": log.count("Traceback"),
            "server_cpu_cores": round(server_cpu / wall, 2),
            "locust_cpu_cores": round(locust_cpu / wall, 2),
            "load_before": load_before, "load_after": load(), "locust_warnings": warnings[:5]}


# -- report ---------------------------------------------------------------------------------
def table(report: dict[str, Any]) -> str:
    http, base = report["http"], report["in_process"]
    lines = ["| scenario | clients | requests | req/s | p50 ms | p95 ms | p99 ms | errors "
             "| server CPU | locust CPU | load before |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, runs in http.items():
        for r in runs.values():
            lines.append(f"| {name} | {r['clients']} | {r['requests']} | {r['req_per_s']} | "
                         f"{r['p50_ms']:g} | {r['p95_ms']:g} | {r['p99_ms']:g} | "
                         f"{r['failures']} | {r['server_cpu_cores']} | "
                         f"{r['locust_cpu_cores']} | {r['load_before']} |")
        if name in base:
            b = base[name]
            lines.append(f"| {name}: in-process, serial | 1 | {b['calls']} | "
                         f"{b['calls_per_s']} | {b['p50_ms']:g} | {b['p95_ms']:g} | "
                         f"{b['p99_ms']:g} | 0 | — | — | {b['load']} |")
    for clients, r in http.get("reads", {}).items():
        lines += ["", f"| reads at {clients} clients: endpoint | requests | req/s | p50 ms | "
                  "p95 ms | p99 ms |", "|---|---|---|---|---|---|"]
        for name, e in r["endpoints"].items():
            lines.append(f"| {name} | {e['requests']} | {e['req_per_s']} | {e['p50_ms']:g} | "
                         f"{e['p95_ms']:g} | {e['p99_ms']:g} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="locust run time per scenario")
    parser.add_argument("--clients", default="1,8",
                        help="concurrent locust users; a comma-separated list runs each "
                             "scenario at each count")
    parser.add_argument("--warmup-seconds", type=int, default=3,
                        help="an unrecorded locust run before each scenario (0: none)")
    parser.add_argument("--workers", type=int, default=1, help="`companion serve --workers`")
    parser.add_argument("--mentees", type=int, default=120, help="sample program mentees")
    parser.add_argument("--mentors", type=int, default=40, help="sample program mentors")
    parser.add_argument("--tokens", type=int, default=40,
                        help="mentees with a token (the clients pick among them)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS),
                        help="comma-separated subset of " + ", ".join(SCENARIOS))
    parser.add_argument("--baseline-seconds", type=float, default=None,
                        help="in-process baseline time per scenario (default: --seconds / 2)")
    parser.add_argument("--keep", action="store_true", help="keep the temp home and logs")
    args = parser.parse_args()
    try:
        import locust  # noqa: F401
    except ImportError:
        raise SystemExit("bench/http_load.py needs locust: .venv/bin/pip install locust") \
            from None
    scenarios = [s for s in args.scenarios.split(",") if s]
    counts = list(dict.fromkeys(int(c) for c in str(args.clients).split(",") if c))
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        raise SystemExit(f"unknown scenarios: {', '.join(sorted(unknown))}")
    workdir = Path(tempfile.mkdtemp(prefix="companion-http-"))
    home = workdir / "home"
    os.environ["COMPANION_HOME"] = str(home)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    report: dict[str, Any] = {
        "machine": f"{cpu_model()}, {os.cpu_count()} cores", "python": platform.python_version(),
        "server": f"companion serve --workers {args.workers} (uvicorn, SQLite, access log on)",
        "generator": "locust FastHttpUser, closed loop, no think time, keep-alive",
        "load_at_start": load()}
    start = time.perf_counter()
    fixture = setup(args, home)
    report["program"] = {k: fixture[k] for k in ("program", "people", "mentee_count",
                                                 "pairings")}
    report["setup_s"] = round(time.perf_counter() - start, 1)
    fixture_path = workdir / "fixture.json"
    fixture_path.write_text(json.dumps(fixture))
    report["in_process"] = in_process(
        fixture, args.baseline_seconds if args.baseline_seconds is not None
        else args.seconds / 2) if set(scenarios) - {"health"} else {}
    server = Server(workdir, args.workers)
    try:
        warm_up(server, fixture, args.workers)
        report["http"] = {}
        for scenario in scenarios:
            runs = report["http"][scenario] = {}
            if args.warmup_seconds:  # unrecorded: the first run after a pause is slower
                run_locust(scenario, max(counts), args.warmup_seconds, server, fixture_path,
                           workdir, record=False)
            for clients in counts:
                r = runs[str(clients)] = run_locust(scenario, clients, args.seconds, server,
                                                    fixture_path, workdir)
                print(f"{scenario} at {clients}: {r['req_per_s']} req/s, p50 {r['p50_ms']:g} "
                      f"ms, load {r['load_before']}", file=sys.stderr, flush=True)
    finally:
        server.stop()
    log = server.log_path.read_text(errors="replace")
    report["server_log"] = {"tracebacks": log.count("Traceback"),
                            "5xx": sum(1 for m in ACCESS.finditer(log)
                                       if m.group(3).startswith("5")),
                            "database_locked": log.count("database is locked"),
                            "path": str(server.log_path) if args.keep else None}
    if "drafts" in scenarios:
        report["draft_statuses"] = draft_statuses()
    report["ratios"] = ratios(report["http"], report["in_process"])
    report["load_at_end"] = load()
    print(table(report))
    out = json.dumps(report, indent=2)
    print(out)
    cache = HERE / ".cache"
    cache.mkdir(exist_ok=True)
    (cache / "http_load.json").write_text(out)
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"kept {workdir}", file=sys.stderr)


def ratios(http: dict[str, dict[str, Any]], base: dict[str, Any]) -> dict[str, Any]:
    """HTTP over in-process: p50 at the fewest clients (overhead with little queueing) and
    req/s at the most (what the server sustains) over serial calls/s."""
    found: dict[str, Any] = {}
    for name, runs in http.items():
        fewest = runs[min(runs, key=int)]
        most = runs[max(runs, key=int)]
        if name in base:
            found[name] = {
                f"http_p50_at_{fewest['clients']}_over_in_process_p50": round(
                    fewest["p50_ms"] / base[name]["p50_ms"], 2),
                f"http_req_per_s_at_{most['clients']}_over_in_process_calls_per_s": round(
                    most["req_per_s"] / base[name]["calls_per_s"], 2)}
        if "health" in http and name != "health":
            health = http["health"][max(http["health"], key=int)]
            found.setdefault(name, {})["health_req_per_s_over_this"] = round(
                health["req_per_s"] / most["req_per_s"], 1) if most["req_per_s"] else None
    return found


def draft_statuses() -> dict[str, int]:
    """Every draft in the home by status (a request can answer 201 with a failed draft)."""
    from companion.config import get_settings
    from companion.services.drafts import list_drafts
    from companion.store import get_database

    db = get_database(get_settings())
    return dict(Counter(d.status.value for d in list_drafts(db)))


if __name__ == "__main__":
    main()
