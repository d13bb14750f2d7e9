"""Health, `nudges run` and the dashboard at 10,000 pairs, against a bare baseline in the
same run.

A program with 10,000 approved pairings (20,000 people), approved over January 2027; by
15 June: 60% met every four weeks, 25% met twice and lapsed, 15% never met (about 40,000
held sessions), two goals per pair with a checkpoint each (due over June, a quarter done), a
pulse check-in per mentee answered. Seeded straight through the repositories (sessions,
goals, checkpoints and check-ins with one bulk INSERT each). The first `nudges run` also
writes the check-ins due (each member's latest pulse) and reminds of them and of the
checkpoints due within a week or overdue.

Baseline: the one query every step needs at least — each live pairing's latest held session
(`SELECT pairing_id, max(starts_at) … GROUP BY`) plus the pairings themselves, read with the
raw DB-API driver and nothing else. The ratios say what classifying, writing notices (and
e-mails through the outbox) and aggregating cost on top.

    .venv/bin/python bench/relationship_at_scale.py [--pairs 10000] [--repeat 3]
        [--database-url postgresql+psycopg://...]   # default: a fresh SQLite file
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text, update

from companion.domain import Pairing, PairingStatus, Participant, Program, ProgramType
from companion.domain.clock import FixedClock
from companion.services.dashboard import export_rows, program_dashboard
from companion.services.health import program_health
from companion.services.nudges import run_nudges
from companion.store import Database, PairingRepository, ParticipantRepository, ProgramRepository
from companion.store.tables import (
    CheckinRow,
    GoalCheckpointRow,
    GoalRow,
    MentoringSessionRow,
    PairingRow,
)

NAME = "Bench"
START = date(2027, 1, 4)
NOW = datetime(2027, 6, 15, 6, tzinfo=UTC)
DEPARTMENTS = ("Finance", "Engineering", "Sales", "Operations", "People", "Legal")


def _at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)


def seed(db: Database, pairs: int) -> int:
    """The program; returns the number of held sessions."""
    with db.session(write=True) as session:
        programs = ProgramRepository(session)
        programs.create(Program(name=NAME, type=ProgramType.one_to_one, start_date=START))
        row = programs.row(NAME)
        people = [Participant(id=f"e{i}", name=f"Mentee {i}", role="mentee",
                              email=f"e{i}@example.org", department=DEPARTMENTS[i % 6],
                              organization="Harbourline", level=2 + i % 4)
                  for i in range(pairs)]
        people += [Participant(id=f"m{i}", name=f"Mentor {i}", role="mentor",
                               email=f"m{i}@example.org", department=DEPARTMENTS[(i + 3) % 6],
                               organization="Harbourline", level=5 + i % 3)
                   for i in range(pairs)]
        ParticipantRepository(session, row.id).upsert(people, [])
        repo = PairingRepository(session, row)
        for i in range(pairs):
            repo.add(Pairing(id=f"pr-{i}", program=NAME, mentee_id=f"e{i}",
                             mentor_id=f"m{i}"))
        sessions: list[dict[str, Any]] = []
        goals: list[dict[str, Any]] = []
        checkins: list[dict[str, Any]] = []
        checkpoints: list[dict[str, Any]] = []
        for i in range(pairs):
            approved = START + timedelta(days=i % 28)
            session.execute(update(PairingRow).where(PairingRow.id == f"pr-{i}").values(
                status=PairingStatus.approved.value, approved_at=_at(approved),
                decided_at=_at(approved), decided_by="bench", version=2))
            kind = i % 20
            count = 0 if kind < 3 else 2 if kind < 8 else 99  # 15% never, 25% lapse
            day, n = approved + timedelta(days=7), 0
            while n < count and _at(day) < NOW:
                sid = f"ss-{i}-{n}"
                sessions.append({"id": sid, "program_id": row.id, "pairing_id": f"pr-{i}",
                                 "starts_at": _at(day), "minutes": 60, "format": "video",
                                 "status": "held", "sequence": 0, "uid": f"{sid}@companion",
                                 "notes": "private", "action_items": [],
                                 "created_by": "bench", "created_at": _at(day),
                                 "updated_at": _at(day), "held_at": _at(day), "version": 1})
                day, n = day + timedelta(days=28), n + 1
            for g in range(2):
                goals.append({"id": f"g-{i}-{g}", "program_id": row.id,
                              "pairing_id": f"pr-{i}", "participant_id": f"e{i}",
                              "goal_key": f"k-{i}-{g}", "version": 1, "statement": "private",
                              "details": {}, "status": ("done", "on_track", "at_risk",
                                                        "not_started")[(i + g) % 4],
                              "is_current": True, "created_by": "bench",
                              "created_at": _at(approved), "updated_at": _at(approved)})
                # one checkpoint per goal, due over June (done for the goals done): about
                # 7,300 open ones are due within the week or overdue on 15 June
                due_on = date(2027, 6, 1) + timedelta(days=(2 * i + g) % 30)
                finished = (i + g) % 4 == 0
                checkpoints.append({"goal_id": f"g-{i}-{g}", "position": 0, "due_on": due_on,
                                    "check_text": "private",
                                    "done_at": _at(due_on) if finished else None,
                                    "done_by": f"e{i}" if finished else None})
            due = approved + timedelta(days=30)
            checkins.append({"program_id": row.id, "pairing_id": f"pr-{i}",
                             "participant_id": f"e{i}", "kind": "pulse", "due_on": due,
                             "submitted_at": _at(due), "rating": 1 + i % 5,
                             "comment": "private", "created_at": _at(due)})
        session.execute(update(PairingRow).where(PairingRow.id.in_(
            {s["pairing_id"] for s in sessions})).values(status="active"))
        for table, rows in ((MentoringSessionRow, sessions), (GoalRow, goals),
                            (GoalCheckpointRow, checkpoints), (CheckinRow, checkins)):
            for chunk in range(0, len(rows), 5000):
                session.execute(insert(table), rows[chunk:chunk + 5000])
    return len(sessions)


def baseline(db: Database) -> float:
    """The pairings and each one's latest held session, through the raw driver."""
    start = time.perf_counter()
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SELECT id, mentee_id, mentor_id, status, approved_at FROM pairings "
                       "WHERE status IN ('approved', 'active')")
        pairings = cursor.fetchall()
        cursor.execute("SELECT pairing_id, max(starts_at) FROM mentoring_sessions "
                       "WHERE status = 'held' GROUP BY pairing_id")
        last = dict(cursor.fetchall())
        assert len(pairings) >= len(last)
    finally:
        raw.close()
    return time.perf_counter() - start


def timed(step: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = step()
    return time.perf_counter() - start, result


def one_run(url: str | None, folder: Path, pairs: int, run: int) -> dict[str, Any]:
    db = Database(url or f"sqlite:///{folder / f'bench{run}.db'}")
    if url:
        with db.engine.begin() as conn:  # a fresh schema per run
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    db.upgrade()
    held = seed(db, pairs)
    clock = FixedClock(NOW)
    figures: dict[str, Any] = {"held_sessions": held}
    figures["baseline"] = min(baseline(db) for _ in range(3))
    figures["health"], found = timed(lambda: program_health(db, NAME, clock=clock))
    figures["classes"] = found.counts()
    figures["nudges_first"], first = timed(lambda: run_nudges(db, NAME, clock=clock))
    figures["notices"] = len(first.nudges)
    figures["by_kind"] = dict(sorted(Counter(n.kind.value for n in first.nudges).items()))
    figures["nudges_again"], again = timed(lambda: run_nudges(db, NAME, clock=clock))
    assert again.nudges == []
    figures["dashboard"], _ = timed(lambda: program_dashboard(db, NAME, clock=clock))
    figures["export_xlsx"], _ = timed(lambda: export_rows(db, NAME, clock=clock).bytes("xlsx"))
    with db.engine.connect() as conn:
        figures["outbox"] = conn.execute(text("SELECT count(*) FROM outbox")).scalar()
    db.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL URL (its public schema is dropped!); default SQLite")
    args = parser.parse_args()
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.repeat):
            runs.append(one_run(args.database_url, Path(tmp), args.pairs, run))
    steps = ("baseline", "health", "nudges_first", "nudges_again", "dashboard", "export_xlsx")
    med = {s: statistics.median(r[s] for r in runs) for s in steps}
    report = {
        "machine": f"{platform.machine()} {platform.processor() or ''} "
                   f"python {platform.python_version()}".strip(),
        "database": "postgresql" if args.database_url else "sqlite",
        "pairs": args.pairs, "held_sessions": runs[0]["held_sessions"],
        "classes": runs[0]["classes"], "notices_written": runs[0]["notices"],
        "notices_by_kind": runs[0]["by_kind"],
        "emails_queued": runs[0]["outbox"],
        "seconds": {s: round(v, 3) for s, v in med.items()},
        "vs_baseline": {s: round(v / med["baseline"], 1) for s, v in med.items()
                        if s != "baseline"},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
