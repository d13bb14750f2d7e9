"""Read endpoints of the HTTP API under load, against /api/v1/health served by the same server.

Builds a realistic program in a temp COMPANION_HOME (the `companion demo` program: sample
participants, a whole-pool assignment with half the pairings approved, a pending draft for
each mentee with a token, the guidelines ingested) on SQLite and/or on PostgreSQL (its own
database, created and dropped by the run), issues tokens, starts the real server
(`companion serve --workers N`) and drives it from this process with C concurrent clients:
asyncio, one kept-alive HTTP/1.1 connection each, closed loop (the next request as soon as the
answer is read), no think time. The load generator is a few dozen lines over asyncio streams
rather than a client library so that it costs the shared cores as little as possible; its
CPU is reported.

Rounds, interleaved: every cycle runs each endpoint alone for --round-seconds (health
included), then the mixed read round; cycles repeat with a rotated order, so slow drift of
the machine's load touches every endpoint alike. Each endpoint's req/s is set against the
health rounds of the same cycle (the ratio: health req/s / endpoint req/s; the target is
≤ 3), and the per-endpoint p50/p95/p99 come from every request of every cycle. Connections
are opened afresh for every round (not timed) and which worker holds each is recorded: with
keep-alive a connection stays on the worker that accepted it.

    .venv/bin/python bench/api_load.py --quick                 # ~2 min: both databases
    .venv/bin/python bench/api_load.py                         # ~8 min: 3 cycles of 5 s rounds
    .venv/bin/python bench/api_load.py --db sqlite --cycles 1 --round-seconds 3

PostgreSQL: --postgres names a server URL the run may create a database on (default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres); `--db sqlite` skips it. JSON goes to
stdout and bench/.cache/api_load.json, a Markdown summary to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
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
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

HERE = Path(__file__).parent
API = "/api/v1"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
#: What mentees and mentors ask the guidelines (knowledge search): a fixed pool, as real
#: users repeat the same few dozen questions; `knowledge (new query)` sends never-seen ones.
QUERIES = [f"{stem} {topic}" for stem in ("how do I", "questions for", "agenda about")
           for topic in ("give feedback", "set SMART goals", "a first meeting",
                         "closing the relationship", "missed deadlines", "career moves",
                         "delegating work", "building trust", "a difficult conversation",
                         "work-life balance", "reverse mentoring", "group sessions",
                         "confidentiality")]


# -- helpers ---------------------------------------------------------------------------------
def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def children_of(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    return found


def process_cpu_seconds(pid: int) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / tick


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and all its descendants."""
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += process_cpu_seconds(current)
        todo += children_of(current)
    return total


def socket_owners(pids: list[int], server_port: int) -> dict[int, int]:
    """Client port → pid of the worker holding the server side of that loopback connection
    (from /proc/net/tcp and each worker's file descriptors)."""
    inodes: dict[str, int] = {}
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    target = os.readlink(fd)
                except OSError:
                    continue
                if target.startswith("socket:["):
                    inodes[target[8:-1]] = pid
        except OSError:
            continue
    owners: dict[int, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            local_port = int(parts[1].rsplit(":", 1)[1], 16)
            remote_port = int(parts[2].rsplit(":", 1)[1], 16)
            if local_port == server_port and parts[9] in inodes:
                owners[remote_port] = inodes[parts[9]]
    return owners


# -- seeding (a child process: its own settings, nothing of Companion in the driver) ----------
def seed(fixture_path: Path, mentees: int, mentors: int, tokens: int) -> None:
    """The demo program with half its pairings approved, tokens, one pending draft per mentee
    with a token, the guidelines ingested; the fixture (tokens, ids) as JSON."""
    from datetime import date

    from companion.cli.commands.demo import DEMO_PROGRAM, demo_program
    from companion.config import get_settings
    from companion.domain import Role
    from companion.embeddings import get_embedder
    from companion.errors import CompanionError
    from companion.retrieval import search
    from companion.sample import generate_program, write_records
    from companion.services import drafts, matching, pairings
    from companion.services.participants import import_participants_file, list_participants
    from companion.services.programs import create_program
    from companion.services.tokens import create_token
    from companion.store import get_database

    started = time.perf_counter()
    settings = get_settings()
    db = get_database(settings)
    sample = generate_program(mentees=mentees, mentors=mentors, seed=2027)
    create_program(db, demo_program(date.today(), sample.organizations))
    people_csv = settings.ensure_home() / "people.csv"
    write_records(sample.records, people_csv)
    report = import_participants_file(db, DEMO_PROGRAM, people_csv, skip_invalid=False)
    assert report.imported, report.errors[:3]
    people = list_participants(db, DEMO_PROGRAM)
    embedder = get_embedder(settings)
    result = matching.assign(db, DEMO_PROGRAM, embedder, actor="bench").json()
    approved: list[dict[str, Any]] = []
    for i, made in enumerate(sorted(result["assignments"], key=lambda a: a["mentee_id"])):
        if i % 2:
            continue
        try:
            pairings.review(db, made["pairing_id"], "approve", by="bench-coordinator",
                            note="approved by bench/api_load.py")
            approved.append(made)
        except CompanionError:  # a rule said no (capacity, reporting line): left pending
            pass
    rng = random.Random(15)
    partnered = sorted(a["mentee_id"] for a in approved)
    mentee_ids = sorted(p.id for p in people if p.role is Role.mentee)
    chosen = rng.sample(partnered, min(tokens, len(partnered)))
    program = DEMO_PROGRAM
    holders = [{"id": pid, "token": create_token(db, participant_id=pid, role="mentee",
                                                 program=program, created_by="bench").token}
               for pid in chosen]
    coordinator = create_token(db, participant_id="bench-coordinator", role="coordinator",
                               program=program, created_by="bench").token
    deps = drafts.default_deps(db, settings)
    for holder in holders:  # a draft waiting for its owner's review: the mentee's queue
        draft = drafts.request_draft(db, settings, program=program, kind="agenda",
                                     participant_id=holder["id"], deps=deps)
        holder["draft"] = draft.id
    search(settings, embedder, "warm up", top=1)  # guidelines ingested, as a server has them
    Path(fixture_path).write_text(json.dumps({
        "program": program, "coordinator": coordinator, "mentees": holders,
        "people": len(people), "mentee_count": len(mentee_ids),
        "pairings": len(result["assignments"]), "approved": len(approved),
        "seconds": round(time.perf_counter() - started, 1)}))


# -- the load generator ----------------------------------------------------------------------
class Connection:
    """One kept-alive HTTP/1.1 connection over asyncio streams (GET only)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> int:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return int(self.writer.get_extra_info("sockname")[1])

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def get(self, request: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length, chunked, close = 0, False, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                parts.append(await self.reader.readexactly(size + 2))
                if size == 0:
                    break
            body = b"".join(p[:-2] for p in parts)
        else:
            body = await self.reader.readexactly(length)
        if close:
            self.close()
        return status, body


@dataclass
class Endpoint:
    """One read as the role that would make it; `requests` yields the raw request bytes."""

    name: str
    paths: list[tuple[str, str | None]]  # (path, bearer token)
    fresh_queries: bool = False
    _counter: int = 0

    def pick(self, rng: random.Random, host: str) -> bytes:
        if self.fresh_queries:  # a query no one asked before: the model embeds it
            self._counter += 1
            path, token = rng.choice(self.paths)
            path = f"{path}%20{rng.getrandbits(40):x}{self._counter}"
        else:
            path, token = rng.choice(self.paths)
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        return f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{auth}\r\n".encode("latin-1")


def endpoints(fixture: dict[str, Any]) -> dict[str, Endpoint]:
    program = quote(fixture["program"], safe="")
    coordinator = fixture["coordinator"]
    mentees = fixture["mentees"]

    def as_mentees(path: str) -> list[tuple[str, str | None]]:
        return [(path, m["token"]) for m in mentees]

    found = [
        Endpoint("health", [(f"{API}/health", None)]),
        Endpoint("me", as_mentees(f"{API}/me")),
        Endpoint("program", as_mentees(f"{API}/programs/{program}")),
        Endpoint("participants page", [(f"{API}/programs/{program}/participants?limit=50",
                                        coordinator)]),
        Endpoint("pairings page", [(f"{API}/programs/{program}/pairings?limit=50",
                                    coordinator)]),
        Endpoint("draft", [(f"{API}/drafts/{m['draft']}", m["token"]) for m in mentees]),
        Endpoint("review queue (mentee)", as_mentees(f"{API}/me/queue")),
        Endpoint("review queue (coordinator)", [(f"{API}/me/queue?limit=50", coordinator)]),
        Endpoint("dashboard", [(f"{API}/programs/{program}/dashboard", coordinator)]),
        Endpoint("knowledge search", [(f"{API}/knowledge/search?q={quote(q)}&top=5",
                                       m["token"]) for q in QUERIES for m in mentees[:3]]),
    ]
    # every read equally often, whatever the number of paths it has
    mixed = [pair for e in found if e.name != "health"
             for pair in (e.paths * 24)[:24]]
    found.append(Endpoint("mixed reads", mixed))
    found.append(Endpoint("knowledge (new query)", [
        (f"{API}/knowledge/search?top=5&q={quote(q)}", mentees[0]["token"]) for q in QUERIES],
        fresh_queries=True))
    return {e.name: e for e in found}


@dataclass
class RoundResult:
    endpoint: str
    cycle: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    by_path: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    workers: dict[int, int] = field(default_factory=dict)  # worker pid -> connections

    @property
    def req_per_s(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0


def _label(request: bytes, labels: dict[str, str]) -> str:
    path = request.split(b" ", 2)[1].decode()
    return labels.get(path, path)


async def run_round(endpoint: Endpoint, *, clients: int, seconds: float, port: int,
                    cycle: int, server: Server, labels: dict[str, str]) -> RoundResult:
    host = f"127.0.0.1:{port}"
    connections = [Connection("127.0.0.1", port) for _ in range(clients)]
    local_ports = [await c.open() for c in connections]
    owners = socket_owners(server.worker_pids(), port)
    result = RoundResult(endpoint.name, cycle, seconds)
    for local in local_ports:
        pid = owners.get(local, 0)
        result.workers[pid] = result.workers.get(pid, 0) + 1
    rngs = [random.Random(hash((endpoint.name, cycle, i))) for i in range(clients)]
    server_cpu = tree_cpu_seconds(server.proc.pid)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    end = start + seconds

    async def client(i: int) -> None:
        conn, rng = connections[i], rngs[i]
        while time.perf_counter() < end:
            request = endpoint.pick(rng, host)
            sent = time.perf_counter()
            try:
                status, _ = await conn.get(request)
            except (asyncio.IncompleteReadError, ConnectionError):
                conn.close()  # the server closed an idle connection: reconnect and resend
                status, _ = await conn.get(request)
            elapsed = (time.perf_counter() - sent) * 1000
            result.latencies_ms.append(elapsed)
            result.statuses[status] += 1
            if endpoint.name == "mixed reads":
                result.by_path[_label(request, labels)].append(elapsed)

    await asyncio.gather(*(client(i) for i in range(clients)))
    result.seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    result.client_cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    result.server_cpu = tree_cpu_seconds(server.proc.pid) - server_cpu
    for conn in connections:
        conn.close()
    return result


# -- the server -------------------------------------------------------------------------------
class Server:
    """`companion serve` on loopback, its output in a log file."""

    def __init__(self, workdir: Path, port: int, workers: int, env: dict[str, str]) -> None:
        self.port, self.workers = port, workers
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = workdir / "server.log"
        exe = Path(sys.executable).with_name("companion")
        command = [str(exe) if exe.exists() else shutil.which("companion") or "companion",
                   "serve", "--host", "127.0.0.1", "--port", str(port),
                   "--workers", str(workers)]
        self.log = self.log_path.open("w")
        self.proc = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=env, start_new_session=True)
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}{API}/health", timeout=2) as r:
                    if r.status == 200 and len(self.worker_pids()) >= workers:
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"the server did not start:\n{self.log_path.read_text()}")
            time.sleep(0.3)

    def worker_pids(self) -> list[int]:
        """The processes serving requests: uvicorn's workers (and their spawned children),
        or the server itself with one worker."""
        pids = [self.proc.pid]
        todo = children_of(self.proc.pid)
        while todo:
            pid = todo.pop()
            pids.append(pid)
            todo += children_of(pid)
        return pids if self.workers == 1 else pids[1:]

    def log_text(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.5)
    raise SystemExit(f"port {port} is still in use")


# -- one database ------------------------------------------------------------------------------
def create_postgres_database(admin_url: str, name: str) -> str:
    from sqlalchemy import create_engine, make_url, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(admin_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def summarise(rounds: list[RoundResult], names: list[str]) -> dict[str, Any]:
    """Per endpoint: every request of every cycle pooled for the percentiles; req/s and the
    health ratio per cycle (against that cycle's health round), their median reported."""
    health = {r.cycle: r for r in rounds if r.endpoint == "health"}
    out: dict[str, Any] = {}
    for name in names:
        mine = [r for r in rounds if r.endpoint == name]
        if not mine:
            continue
        latencies = [x for r in mine for x in r.latencies_ms]
        seconds = sum(r.seconds for r in mine)
        ratios = [health[r.cycle].req_per_s / r.req_per_s for r in mine
                  if r.cycle in health and r.req_per_s]
        statuses: dict[str, int] = defaultdict(int)
        for r in mine:
            for code, count in r.statuses.items():
                statuses[str(code)] += count
        spread = [sorted(r.workers.values(), reverse=True) for r in mine]
        entry = {
            "requests": len(latencies), "req_per_s": round(len(latencies) / seconds, 1),
            "req_per_s_by_cycle": [round(r.req_per_s, 1) for r in mine],
            "p50_ms": round(pct(latencies, 0.50), 2), "p95_ms": round(pct(latencies, 0.95), 2),
            "p99_ms": round(pct(latencies, 0.99), 2), "max_ms": round(max(latencies), 1),
            "health_over_this": round(sorted(ratios)[len(ratios) // 2], 2) if ratios else None,
            "statuses": dict(statuses),
            "server_cpu_cores": round(sum(r.server_cpu for r in mine) / seconds, 2),
            "server_cpu_ms_per_request": round(1000 * sum(r.server_cpu for r in mine)
                                               / max(1, len(latencies)), 2),
            "client_cpu_ms_per_request": round(1000 * sum(r.client_cpu for r in mine)
                                               / max(1, len(latencies)), 3),
            "connections_per_worker": spread,
        }
        by_path: dict[str, list[float]] = defaultdict(list)
        for r in mine:
            for label, values in r.by_path.items():
                by_path[label] += values
        if by_path:
            entry["by_endpoint"] = {
                label: {"requests": len(v), "p50_ms": round(pct(v, 0.5), 2),
                        "p95_ms": round(pct(v, 0.95), 2), "p99_ms": round(pct(v, 0.99), 2)}
                for label, v in sorted(by_path.items())}
        out[name] = entry
    return out


def run_database(kind: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    home = workdir / kind / "home"
    home.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPANION_")}
    env.update({"COMPANION_HOME": str(home), "HF_HUB_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1"})
    if args.warm_before_serving:
        env["COMPANION_WARM_BEFORE_SERVING"] = "true"
    database = None
    if kind == "postgresql":
        database = f"companion_api_load_{os.getpid()}"
        env["COMPANION_DATABASE_URL"] = create_postgres_database(args.postgres, database)
    try:
        fixture_path = workdir / kind / "fixture.json"
        print(f"[{kind}] seeding {args.mentees + args.mentors} people …", file=sys.stderr,
              flush=True)
        subprocess.run([sys.executable, __file__, "--seed-into", str(fixture_path),
                        "--mentees", str(args.mentees), "--mentors", str(args.mentors),
                        "--tokens", str(args.tokens)], env=env, check=True)
        fixture = json.loads(fixture_path.read_text())
        wait_for_port(args.port)
        started = time.perf_counter()
        server = Server(workdir / kind, args.port, args.workers, env)
        start_s = round(time.perf_counter() - started, 1)
        try:
            return drive(kind, args, fixture, server, start_s)
        finally:
            server.stop()
            log = server.log_path.read_text(errors="replace")
            if args.keep:
                print(f"[{kind}] server log: {server.log_path}", file=sys.stderr)
            if "Traceback" in log:
                print(f"[{kind}] the server log has {log.count('Traceback')} traceback(s)",
                      file=sys.stderr)
    finally:
        if database is not None and not args.keep:
            drop_postgres_database(args.postgres, database)


def drive(kind: str, args: argparse.Namespace, fixture: dict[str, Any], server: Server,
          start_s: float) -> dict[str, Any]:
    found = endpoints(fixture)
    names = [n for n in found if args.only is None or n == "health" or n in args.only]
    # Cold start: the moment /health answers, every client asks the guidelines something
    # new (the 31.6 s outlier was a first knowledge search under load).
    cold = asyncio.run(run_round(found["knowledge (new query)"], clients=args.clients,
                                 seconds=args.cold_seconds, port=args.port, cycle=-2,
                                 server=server, labels={}))
    cold_start = {"seconds_after_health": args.cold_seconds,
                  "requests": len(cold.latencies_ms),
                  "first_ms": [round(x) for x in cold.latencies_ms[:args.clients]],
                  "max_ms": round(max(cold.latencies_ms), 1),
                  "statuses": {str(k): v for k, v in cold.statuses.items()}}
    print(f"[{kind}] cold start: first {args.clients} new-query searches "
          f"{cold_start['first_ms']} ms", file=sys.stderr, flush=True)
    labels = {path: e.name for e in found.values() if e.name != "mixed reads"
              for path, _ in e.paths}
    # Warm-up, not recorded: each worker's first request of every kind (settings, pools,
    # the model and index if the start-up warm-up has not finished), every query embedded.
    warm_started = time.perf_counter()
    for name in names:
        asyncio.run(run_round(found[name], clients=args.clients, seconds=args.warmup_seconds,
                              port=args.port, cycle=-1, server=server, labels=labels))
    for query_path, token in found["knowledge search"].paths:
        req = urllib.request.Request(server.base + query_path,
                                     headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, timeout=120) as r:
            r.read()
    warm_s = round(time.perf_counter() - warm_started, 1)
    rounds: list[RoundResult] = []
    log_from = len(server.log_text())
    for cycle in range(args.cycles):
        order = names[cycle % len(names):] + names[:cycle % len(names)]
        for name in order:
            before = loadavg()
            result = asyncio.run(run_round(found[name], clients=args.clients,
                                           seconds=args.round_seconds, port=args.port,
                                           cycle=cycle, server=server, labels=labels))
            rounds.append(result)
            print(f"[{kind}] cycle {cycle + 1} {name}: {result.req_per_s:.0f} req/s, "
                  f"p95 {pct(result.latencies_ms, 0.95):.1f} ms, workers "
                  f"{sorted(result.workers.values(), reverse=True)}, load {before}",
                  file=sys.stderr, flush=True)
    log = server.log_text()[log_from:]
    return {"database": kind, "fixture": {k: fixture[k] for k in (
                "program", "people", "mentee_count", "pairings", "approved", "seconds")},
            "tokens": len(fixture["mentees"]), "server_start_s": start_s,
            "warm_before_serving": args.warm_before_serving,
            "cold_start": cold_start,
            "warmup_s": warm_s, "endpoints": summarise(rounds, names),
            "server_log": {"tracebacks": log.count("Traceback"),
                           "5xx": len(re.findall(r'HTTP/1.1" 5\d\d', log)),
                           "database_locked": log.count("database is locked")}}


# -- report ---------------------------------------------------------------------------------
def markdown(report: dict[str, Any]) -> str:
    lines = []
    for run in report["runs"]:
        cold = run["cold_start"]
        lines += ["", f"{run['database']}: server answered /health {run['server_start_s']} s "
                  f"after launch; the first {len(cold['first_ms'])} new-query searches "
                  f"right after took {cold['first_ms']} ms"]
        lines += ["", f"{run['database']}: {run['fixture']['people']} people, "
                  f"{run['fixture']['pairings']} pairings ({run['fixture']['approved']} "
                  f"approved), {report['clients']} clients, {report['workers']} workers",
                  "", "| endpoint | req/s | health ÷ this | p50 ms | p95 ms | p99 ms | "
                  "server CPU ms/req | non-2xx |", "|---|---|---|---|---|---|---|---|"]
        for name, e in run["endpoints"].items():
            bad = sum(v for k, v in e["statuses"].items() if not k.startswith("2"))
            lines.append(f"| {name} | {e['req_per_s']:,.0f} | {e['health_over_this'] or '—'} "
                         f"| {e['p50_ms']:.1f} | {e['p95_ms']:.1f} | {e['p99_ms']:.1f} | "
                         f"{e['server_cpu_ms_per_request']} | {bad} |")
        mixed = run["endpoints"].get("mixed reads", {}).get("by_endpoint", {})
        if mixed:
            lines += ["", "| in the mixed rounds | requests | p50 ms | p95 ms | p99 ms |",
                      "|---|---|---|---|---|"]
            lines += [f"| {label} | {e['requests']} | {e['p50_ms']:.1f} | {e['p95_ms']:.1f} | "
                      f"{e['p99_ms']:.1f} |" for label, e in mixed.items()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="one cycle of 2 s rounds (overrides --cycles/--round-seconds)")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES,
                        help="a PostgreSQL server URL the run may create a database on")
    parser.add_argument("--workers", type=int, default=2, help="`companion serve --workers`")
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections")
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--round-seconds", type=float, default=5.0)
    parser.add_argument("--warmup-seconds", type=float, default=1.0)
    parser.add_argument("--warm-before-serving", action="store_true",
                        help="COMPANION_WARM_BEFORE_SERVING=true for the server")
    parser.add_argument("--cold-seconds", type=float, default=3.0,
                        help="new-query searches right after the server answers /health")
    parser.add_argument("--only", default=None,
                        help="comma-separated endpoint names (health is always run)")
    parser.add_argument("--mentees", type=int, default=120)
    parser.add_argument("--mentors", type=int, default=40)
    parser.add_argument("--tokens", type=int, default=24, help="mentees with a token")
    parser.add_argument("--port", type=int, default=8730)
    parser.add_argument("--keep", action="store_true", help="keep the temp homes and logs")
    parser.add_argument("--seed-into", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_into:
        seed(args.seed_into, args.mentees, args.mentors, args.tokens)
        return
    if args.quick:
        args.cycles, args.round_seconds, args.warmup_seconds = 1, 2.0, 0.5
    args.only = set(args.only.split(",")) if args.only else None
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    workdir = Path(tempfile.mkdtemp(prefix="companion-api-load-"))
    report: dict[str, Any] = {
        "machine": f"{cpu_model()}, {os.cpu_count()} cores (shared with other sessions)",
        "python": platform.python_version(), "workers": args.workers,
        "clients": args.clients, "cycles": args.cycles, "round_seconds": args.round_seconds,
        "generator": "asyncio streams, HTTP/1.1 keep-alive, closed loop, no think time, "
                     "one process", "load_at_start": loadavg(), "runs": []}
    try:
        for kind in kinds:
            report["runs"].append(run_database(kind, args, workdir))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept {workdir}", file=sys.stderr)
    report["load_at_end"] = loadavg()
    print(markdown(report), file=sys.stderr)
    out = json.dumps(report, indent=2)
    print(out)
    cache = HERE / ".cache"
    cache.mkdir(exist_ok=True)
    (cache / "api_load.json").write_text(out)


if __name__ == "__main__":
    main()
