"""Job queue candidates for background drafting (issue 15), measured side by side.

Each candidate runs a no-op job (it records when it started) in its own worker process,
started and stopped by this script:

* procrastinate on PostgreSQL — Companion's own path: `companion.queue.JobQueue.submit`
  (queueing lock = the draft id) and `companion.queue.worker_app` (the stalled-job sweep
  included), in a fresh database `queuebench`;
* dramatiq with the Redis broker (keys under the `queuebench` namespace);
* dramatiq with the RabbitMQ broker (queue `queuebench`, publisher confirms on, so a send
  that returns is as durable as a committed procrastinate job);
* arq on Redis (queue `queuebench:arq`, `job_timeout=30` instead of the default 300 s).

Measured, per candidate and round (candidates in a shuffled order each round; ratios against
procrastinate of the same run):

(a) enqueue latency from a sync caller, with an idle worker listening;
(b) enqueue → start latency with an idle worker (the next job is sent 0.5–2.5 s after the
    previous one started, so polling workers have backed off as they do in a quiet hour);
(c) throughput: N no-op jobs queued while no worker runs, then one worker with 2 threads
    drains them (jobs/s between the first and the last start);
(d) once each (``--kill``): a job sleeping 5 s is running when the worker gets SIGKILL; a new
    worker is started at once; is the job run again, and how long after the kill;
(e) whether the enqueue can share the database transaction that writes the draft row —
    shown for procrastinate (a rolled-back transaction leaves no job, a committed one leaves
    exactly one); a Redis or RabbitMQ send cannot (a dual write).

Needs PostgreSQL, Redis and RabbitMQ on 127.0.0.1 (a candidate whose service does not answer
is skipped) and the `bench` extra: ``.venv/bin/pip install -e '.[bench]'`` (dramatiq, arq).

    .venv/bin/python bench/job_queue.py [--quick] [--rounds 2] [--jobs 1000] [--samples 25]
                                        [--only procrastinate,dramatiq-redis,...] [--no-kill]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

PG_HOST = "postgresql://postgres@127.0.0.1:5432"
PG_DB = os.environ.get("QUEUEBENCH_DB", "queuebench")
REDIS_URL = "redis://127.0.0.1:6379/0"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
NAMESPACE = "queuebench"
ARQ_QUEUE = "queuebench:arq"
NAMES = ("procrastinate", "dramatiq-redis", "dramatiq-rabbitmq", "arq-redis")


# -- what every job does: append "key start|end time" to a file (one write, O_APPEND) --------

class Record:
    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def mark(self, key: str, what: str) -> None:
        os.write(self.fd, f"{key} {what} {time.time():.6f}\n".encode())


def _sleep_of(key: str) -> float:
    """Jobs named `s<seconds>-…` sleep that long; every other job is a no-op."""
    return float(key[1:key.index("-")]) if key.startswith("s") else 0.0


class Log:
    """The main process's reader of the workers' record file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.offset = 0
        self.starts: dict[str, list[float]] = {}

    def poll(self) -> None:
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        end = data.rfind(b"\n") + 1
        self.offset += end
        for line in data[:end].decode().splitlines():
            key, what, at = line.split()
            if what == "start":
                self.starts.setdefault(key, []).append(float(at))

    def wait(self, done: Callable[[], bool], timeout: float, step: float = 0.005) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            self.poll()
            if done():
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(step)


# -- worker processes (this script with --worker NAME) -----------------------------------------

def _worker_procrastinate(record: Record, threads: int) -> None:
    from companion.queue import Handlers, worker_app

    def draft(draft_id: str, attempt: int, last: bool) -> None:
        record.mark(draft_id, "start")
        time.sleep(_sleep_of(draft_id))
        record.mark(draft_id, "end")

    app = worker_app(f"{PG_HOST}/{PG_DB}", Handlers(draft, lambda: 0))
    with app.open():
        record.mark("worker", "start")
        app.run_worker(queues=["drafts"], concurrency=threads, name=f"qb-{os.getpid()}")


def _dramatiq_broker(kind: str) -> Any:
    if kind == "redis":
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(url=REDIS_URL, namespace=NAMESPACE)
    from dramatiq.brokers.rabbitmq import RabbitmqBroker

    return RabbitmqBroker(url=AMQP_URL, confirm_delivery=True)


def _dramatiq_actor(broker: Any, record: Record | None) -> Any:
    import dramatiq

    def job(key: str) -> None:
        assert record is not None
        record.mark(key, "start")
        time.sleep(_sleep_of(key))
        record.mark(key, "end")

    return dramatiq.actor(job, actor_name="noop", queue_name=NAMESPACE, broker=broker,
                          max_retries=3)


def _worker_dramatiq(kind: str, record: Record, threads: int) -> None:
    import dramatiq

    broker = _dramatiq_broker(kind)
    dramatiq.set_broker(broker)
    _dramatiq_actor(broker, record)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    worker = dramatiq.Worker(broker, worker_threads=threads, queues={NAMESPACE})
    worker.start()
    record.mark("worker", "start")
    stop.wait()
    worker.stop()
    broker.close()


def _worker_arq(record: Record, threads: int) -> None:
    from arq.connections import RedisSettings
    from arq.worker import Worker, func

    async def noop(ctx: dict[str, Any], key: str) -> None:
        record.mark(key, "start")
        await asyncio.sleep(_sleep_of(key))
        record.mark(key, "end")

    async def started(ctx: dict[str, Any]) -> None:
        record.mark("worker", "start")

    asyncio.set_event_loop(asyncio.new_event_loop())
    Worker(functions=[func(noop, name="noop")], redis_settings=RedisSettings.from_dsn(REDIS_URL),
           queue_name=ARQ_QUEUE, max_jobs=threads, job_timeout=30, on_startup=started,
           handle_signals=True).run()


def worker_main(name: str, record_path: str, threads: int) -> None:
    import faulthandler

    faulthandler.register(signal.SIGUSR1, all_threads=True)  # where a stuck worker waits
    record = Record(record_path)
    if name == "procrastinate":
        _worker_procrastinate(record, threads)
    elif name.startswith("dramatiq-"):
        _worker_dramatiq(name.split("-")[1], record, threads)
    else:
        _worker_arq(record, threads)


# -- the senders (main process) ----------------------------------------------------------------

class Candidate:
    name = ""

    def setup(self) -> None: ...
    def clear(self) -> None: ...
    def send(self, key: str) -> None: ...
    def close(self) -> None: ...


class Procrastinate(Candidate):
    name = "procrastinate"

    def setup(self) -> None:
        import procrastinate
        import psycopg

        with psycopg.connect(f"{PG_HOST}/test", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DB}")
        app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector(
            conninfo=f"{PG_HOST}/{PG_DB}"))
        with app.open():
            app.schema_manager.apply_schema()
        from companion.queue import JobQueue

        self.queue = JobQueue(f"{PG_HOST}/{PG_DB}")

    def clear(self) -> None:
        import psycopg

        with psycopg.connect(f"{PG_HOST}/{PG_DB}", autocommit=True) as conn:
            conn.execute("TRUNCATE procrastinate_jobs, procrastinate_events, "
                         "procrastinate_periodic_defers CASCADE")

    def send(self, key: str) -> None:
        assert self.queue.submit(key)

    def close(self) -> None:
        self.queue.close()


class Dramatiq(Candidate):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.name = f"dramatiq-{kind}"

    def setup(self) -> None:
        self.broker = _dramatiq_broker(self.kind)
        self.actor = _dramatiq_actor(self.broker, None)
        self.clear()

    def clear(self) -> None:
        if self.kind == "redis":
            client = self.broker.client
            for k in client.scan_iter(f"{NAMESPACE}:*"):
                client.delete(k)
        else:
            try:
                self.broker.flush_all()
            except Exception:  # an idle blocking pika connection misses heartbeats and is
                self.broker.close()  # dropped by RabbitMQ during another candidate's round
                self.setup()

    def send(self, key: str) -> None:
        self.actor.send(key)

    def close(self) -> None:
        self.clear()
        self.broker.close()


class Arq(Candidate):
    name = "arq-redis"

    def setup(self) -> None:
        from arq import create_pool
        from arq.connections import RedisSettings

        self.loop = asyncio.new_event_loop()
        self.pool = self.loop.run_until_complete(
            create_pool(RedisSettings.from_dsn(REDIS_URL), default_queue_name=ARQ_QUEUE))
        self.clear()

    def clear(self) -> None:
        async def go() -> None:
            await self.pool.delete(ARQ_QUEUE)
            for pattern in ("arq:*:qb-*", "arq:*:s5-qb-*"):
                async for k in self.pool.scan_iter(pattern):
                    await self.pool.delete(k)

        self.loop.run_until_complete(go())

    def send(self, key: str) -> None:
        job = self.loop.run_until_complete(self.pool.enqueue_job("noop", key, _job_id=key))
        assert job is not None

    def close(self) -> None:
        self.clear()
        self.loop.run_until_complete(self.pool.aclose())
        self.loop.close()


def candidates(only: set[str]) -> list[Candidate]:
    made: list[Candidate] = [Procrastinate(), Dramatiq("redis"), Dramatiq("rabbitmq"), Arq()]
    ready = []
    for c in made:
        if c.name not in only:
            continue
        try:
            c.setup()
        except Exception as exc:  # a service that does not answer: skip that candidate
            print(f"  {c.name}: skipped ({type(exc).__name__}: {exc})", flush=True)
            continue
        ready.append(c)
    return ready


# -- one worker's life ------------------------------------------------------------------------

class Worker:
    def __init__(self, name: str, log: Log, threads: int = 2) -> None:
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--worker", name, "--record", log.path,
             "--threads", str(threads)],
            stdout=subprocess.DEVNULL, stderr=open(log.path + ".err", "ab"))  # noqa: SIM115
        self.ready = len(log.starts.get("worker", []))

    def wait_ready(self) -> None:
        if not self.log.wait(lambda: len(self.log.starts.get("worker", [])) > self.ready, 60):
            raise RuntimeError("worker not ready in 60 s")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()


def _key(prefix: str = "qb") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def one_round(c: Candidate, log: Log, jobs: int, samples: int) -> dict[str, list[float]]:
    """(c) a backlog drained by a fresh 2-thread worker, then (a)+(b) with it idle."""
    c.clear()
    keys = [_key() for _ in range(jobs)]
    t0 = time.perf_counter()
    for k in keys:
        c.send(k)
    backlog_s = time.perf_counter() - t0
    worker = Worker(c.name, log)
    try:
        if not log.wait(lambda: all(k in log.starts for k in keys), timeout=300, step=0.05):
            raise RuntimeError(f"{c.name}: backlog not drained in 300 s")
        first = min(log.starts[k][0] for k in keys)
        last = max(log.starts[k][0] for k in keys)
        out: dict[str, list[float]] = {
            "throughput": [(jobs - 1) / (last - first)],
            "backlog_enqueue": [backlog_s / jobs * 1000]}
        enq, start = [], []
        for _ in range(samples):
            time.sleep(random.uniform(0.5, 2.5))
            k = _key()
            w0 = time.time()
            p0 = time.perf_counter()
            c.send(k)
            enq.append((time.perf_counter() - p0) * 1000)
            if not log.wait(lambda k=k: k in log.starts, timeout=30):
                raise RuntimeError(f"{c.name}: job not started in 30 s")
            start.append((log.starts[k][0] - w0) * 1000)
        out["enqueue"] = enq
        out["start"] = start
        return out
    finally:
        worker.stop()


def kill_test(c: Candidate, log: Log, cap: float) -> str:
    """(d) SIGKILL the worker while a 5 s job runs; start a new one; wait for the rerun."""
    c.clear()
    worker = Worker(c.name, log)
    worker.wait_ready()
    time.sleep(1)
    k = _key("s5-qb")
    c.send(k)
    if not log.wait(lambda: k in log.starts, timeout=30):
        worker.stop()
        return "job did not start"
    time.sleep(1)
    worker.kill()
    killed = time.time()
    again = Worker(c.name, log)
    try:
        if log.wait(lambda: len(log.starts.get(k, [])) > 1, timeout=cap, step=0.05):
            return f"run again {log.starts[k][1] - killed:.1f} s after the kill"
        return f"not run again within {cap:.0f} s"
    finally:
        time.sleep(0.5)
        again.stop()


def same_transaction() -> str:
    """(e) procrastinate: the job deferred on the connection that writes the draft row."""
    import procrastinate
    import psycopg

    from companion.queue import DRAFT_TASK, QUEUE

    url = f"{PG_HOST}/{PG_DB}"
    app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector(conninfo=url))
    results = []
    with app.open(), psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_drafts (id text PRIMARY KEY)")
        conn.commit()
        for outcome in ("rollback", "commit"):
            draft = _key("tx")
            with conn.transaction(force_rollback=outcome == "rollback"):
                conn.execute("INSERT INTO bench_drafts VALUES (%s)", (draft,))
                app.configure_task(DRAFT_TASK, queue=QUEUE, queueing_lock=draft,
                                   connection=conn).defer(draft_id=draft)
            with psycopg.connect(url) as other:
                rows = other.execute("SELECT count(*) FROM bench_drafts WHERE id = %s",
                                     (draft,)).fetchone()
                jobs = other.execute("SELECT count(*) FROM procrastinate_jobs "
                                     "WHERE queueing_lock = %s", (draft,)).fetchone()
            assert rows is not None and jobs is not None
            results.append(f"{outcome}: {rows[0]} draft row, {jobs[0]} job")
    return "; ".join(results)


# -- report ------------------------------------------------------------------------------------

def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="1 round, 200 jobs, 8 samples, no kill")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--jobs", type=int, default=1000)
    p.add_argument("--samples", type=int, default=25)
    p.add_argument("--only", default=",".join(NAMES))
    p.add_argument("--no-kill", action="store_true")
    p.add_argument("--kill-cap", type=float, default=180.0,
                   help="seconds to wait for a killed worker's job to run again")
    p.add_argument("--worker", choices=NAMES, help=argparse.SUPPRESS)
    p.add_argument("--record", help=argparse.SUPPRESS)
    p.add_argument("--threads", type=int, default=2, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        worker_main(args.worker, args.record, args.threads)
        return
    if args.quick:
        args.rounds, args.jobs, args.samples, args.no_kill = 1, 200, 8, True
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.2f}; {args.rounds} round(s), {args.jobs} jobs, "
          f"{args.samples} samples", flush=True)
    ready = candidates(set(args.only.split(",")))
    if not ready:
        print("no candidate's service answers; nothing measured")
        return
    tmp = tempfile.mkdtemp(prefix="queuebench-")
    log = Log(str(Path(tmp) / "record"))
    Path(log.path).touch()
    figures: dict[str, dict[str, list[float]]] = {c.name: {} for c in ready}
    try:
        for r in range(args.rounds):
            order = random.sample(ready, len(ready))
            for c in order:
                got = one_round(c, log, args.jobs, args.samples)
                for k, v in got.items():
                    figures[c.name].setdefault(k, []).extend(v)
                print(f"  round {r + 1} {c.name}: {got['throughput'][0]:.0f} jobs/s, start "
                      f"p50 {statistics.median(got['start']):.1f} ms, load "
                      f"{os.getloadavg()[0]:.2f}", flush=True)
        base = figures.get("procrastinate")

        def ratio(name: str, key: str, value: float, q: float | None = None) -> str:
            if base is None or name == "procrastinate":
                return ""
            b = statistics.median(base[key]) if q is None else _pct(base[key], q)
            return f" ({value / b:.2f}×)"

        print("\ncandidate | enqueue p50 / p95 ms | enqueue→start p50 / p95 ms | "
              "backlog enqueue ms/job | throughput jobs/s (2 threads)")
        for name, f in figures.items():
            e50, e95 = _pct(f["enqueue"], 0.5), _pct(f["enqueue"], 0.95)
            s50, s95 = _pct(f["start"], 0.5), _pct(f["start"], 0.95)
            thr = statistics.median(f["throughput"])
            bl = statistics.median(f["backlog_enqueue"])
            print(f"{name} | {e50:.2f}{ratio(name, 'enqueue', e50, 0.5)} / "
                  f"{e95:.2f}{ratio(name, 'enqueue', e95, 0.95)} | "
                  f"{s50:.1f}{ratio(name, 'start', s50, 0.5)} / "
                  f"{s95:.1f}{ratio(name, 'start', s95, 0.95)} | "
                  f"{bl:.2f}{ratio(name, 'backlog_enqueue', bl)} | "
                  f"{thr:.0f}{ratio(name, 'throughput', thr)} "
                  f"(rounds: {', '.join(f'{t:.0f}' for t in f['throughput'])})")
        if not args.no_kill:
            print("\nworker SIGKILLed during a 5 s job, a new worker started at once:")
            for c in ready:
                print(f"  {c.name}: {kill_test(c, log, args.kill_cap)}", flush=True)
        if any(c.name == "procrastinate" for c in ready):
            print(f"\nenqueue in the draft's transaction (procrastinate): {same_transaction()}")
            print("dramatiq / arq: the send goes to Redis or RabbitMQ, outside any PostgreSQL "
                  "transaction (a dual write)")
    finally:
        for c in ready:
            try:
                c.close()
            except Exception as exc:  # e.g. an idle AMQP connection dropped by the broker
                print(f"  {c.name}: close failed ({type(exc).__name__})")
        errors = Path(log.path + ".err")
        if errors.exists() and errors.stat().st_size:
            print(f"(worker stderr kept in {errors})")


if __name__ == "__main__":
    main()
