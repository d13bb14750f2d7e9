"""Pairing approvals under contention: what checking every hard rule inside the transaction,
with the pair's rows locked, costs — and that it holds.

An oversubscribed program: 50 mentors with 2 seats each and 150 pending pairings (3 per
mentor). Baseline: the same approvals one at a time, in the same run. Candidate: 8 threads
approving all of them at once, in shuffled order. Each run then counts mentors over capacity
(must be 0) and mentees with more than one live pairing (must be 0). SQLite and, when it
answers on 127.0.0.1:5432, PostgreSQL.

    .venv/bin/python bench/approval_race.py [--mentors 50] [--threads 8] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text

from companion.domain import Pairing
from companion.errors import ConflictError
from companion.services import pairings
from companion.services.participants import import_participants_bytes
from companion.services.programs import build_program, create_program
from companion.store import Database, PairingRepository, ProgramRepository

PG_ADMIN = os.environ.get("COMPANION_TEST_POSTGRES_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _setup(db: Database, mentors: int) -> list[str]:
    create_program(db, build_program("Race", start=date(2027, 1, 11)))
    rows = [{"id": f"m{i}", "name": f"Mentor {i}", "role": "mentor", "capacity": "2",
             "organization": "Acme"} for i in range(mentors)]
    rows += [{"id": f"e{i}", "name": f"Mentee {i}", "role": "mentee", "organization": "Acme"}
             for i in range(3 * mentors)]
    report = import_participants_bytes(db, "Race", json.dumps(rows).encode(),
                                       name="people.json", skip_invalid=False, actor="bench")
    assert report.imported, report.errors[:3]
    ids = []
    with db.session() as session:
        repo = PairingRepository(session, ProgramRepository(session).row("Race"))
        for i in range(3 * mentors):
            pid = f"pr-{i}"
            repo.add(Pairing(id=pid, program="Race", mentee_id=f"e{i}",
                             mentor_id=f"m{i % mentors}"))
            ids.append(pid)
    return ids


def _run(db: Database, ids: list[str], threads: int) -> dict[str, float]:
    order = ids[:]
    random.Random(7).shuffle(order)
    chunks = [order[k::threads] for k in range(threads)]
    outcome: Counter[str] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def work(chunk: list[str]) -> None:
        barrier.wait()
        for pid in chunk:
            try:
                pairings.review(db, pid, "approve", by="bench", version=1)
                key = "approved"
            except ConflictError:
                key = "conflict"
            with lock:
                outcome[key] += 1

    workers = [threading.Thread(target=work, args=(c,)) for c in chunks]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    seconds = time.perf_counter() - start
    with db.session() as session:  # plain SQL: the same check runs against older code
        live = session.execute(text(
            "SELECT mentee_id, mentor_id, status FROM pairings "
            "WHERE status IN ('pending', 'approved', 'active')")).all()
    held = Counter(mentor for _, mentor, status in live if status == "approved")
    mentees = Counter(mentee for mentee, _, _ in live)
    return {"seconds": seconds, "per_s": len(ids) / seconds, "approved": outcome["approved"],
            "conflicts": outcome["conflict"],
            "over_capacity": sum(n > 2 for n in held.values()),
            "mentees_with_two": sum(n > 1 for n in mentees.values())}


def _database(kind: str, tmp: Path) -> tuple[Database, object]:
    if kind == "sqlite":
        return Database(f"sqlite:///{tmp / f'{uuid.uuid4().hex}.db'}"), None
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return Database(f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"), (admin, name)


def _drop(handle: object) -> None:
    if handle is None:
        return
    admin, name = handle  # type: ignore[misc]
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _postgres() -> bool:
    try:
        engine = create_engine(PG_ADMIN, connect_args={"connect_timeout": 2})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mentors", type=int, default=50)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    kinds = ["sqlite"] + (["postgresql"] if _postgres() else [])
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for kind in kinds:
            rows: dict[str, list[dict[str, float]]] = {"1 thread": [], "parallel": []}
            for _ in range(args.repeat):  # interleaved: baseline, candidate, baseline, ...
                for label, threads in (("1 thread", 1), ("parallel", args.threads)):
                    db, handle = _database(kind, tmp)
                    try:
                        ids = _setup(db, args.mentors)
                        rows[label].append(_run(db, ids, threads))
                    finally:
                        db.dispose()
                        _drop(handle)
            base = statistics.median(r["per_s"] for r in rows["1 thread"])
            for label, runs in rows.items():
                per_s = statistics.median(r["per_s"] for r in runs)
                print(f"{kind:10} {label:9} {per_s:7.1f} approvals/s ({per_s / base:.2f}x) "
                      f"approved {runs[0]['approved']:.0f} conflicts {runs[0]['conflicts']:.0f} "
                      f"over capacity {max(r['over_capacity'] for r in runs):.0f} "
                      f"mentees with two {max(r['mentees_with_two'] for r in runs):.0f}")


if __name__ == "__main__":
    main()
