"""Import throughput: `companion import participants` versus a bare baseline, same run.

Baseline: `csv.DictReader` + one `executemany` INSERT into a plain SQLite table — what an import
with no validation, no cross-row checks and no upsert planning would cost. Companion's import
does all of those; the ratio says what they cost.

    .venv/bin/python bench/import_throughput.py [--rows 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import sqlite3
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from companion.sample import generate_program, write_records
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.store import Database


def baseline(path: Path, db_path: Path) -> float:
    start = time.perf_counter()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    conn = sqlite3.connect(db_path)
    columns = list(rows[0])
    conn.execute(f"CREATE TABLE p ({', '.join(columns)})")
    conn.executemany(f"INSERT INTO p VALUES ({', '.join('?' * len(columns))})",
                     [tuple(r.values()) for r in rows])
    conn.commit()
    conn.close()
    return time.perf_counter() - start


def companion_import(path: Path, home: Path) -> tuple[float, float]:
    """Seconds for a first import (all created) and a re-import (all unchanged)."""
    db = Database(f"sqlite:///{home / 'bench.db'}")
    create_program(db, build_program("Bench", start=date(2027, 1, 11)))
    start = time.perf_counter()
    first = import_participants_file(db, "Bench", path, skip_invalid=False)
    cold = time.perf_counter() - start
    assert first.imported and not first.errors, first.errors[:3]
    start = time.perf_counter()
    again = import_participants_file(db, "Bench", path, skip_invalid=False)
    warm = time.perf_counter() - start
    assert again.unchanged == first.created
    db.dispose()
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="mentees (mentors = rows/5)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[float]] = {"baseline": [], "import": [], "reimport": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sample = generate_program(mentees=args.rows, mentors=args.rows // 5, seed=7)
        path = folder / "people.csv"
        write_records(sample.records, path)
        total = len(sample.records)
        for run in range(args.repeat):
            results["baseline"].append(baseline(path, folder / f"base{run}.db"))
            home = folder / f"home{run}"
            home.mkdir()
            cold, warm = companion_import(path, home)
            results["import"].append(cold)
            results["reimport"].append(warm)
    med = {k: statistics.median(v) for k, v in results.items()}
    report = {
        "machine": f"{platform.machine()} {platform.processor() or ''} "
                   f"python {platform.python_version()}".strip(),
        "rows": total,
        "baseline_s": round(med["baseline"], 3),
        "import_s": round(med["import"], 3),
        "reimport_s": round(med["reimport"], 3),
        "import_rows_per_s": round(total / med["import"]),
        "import_vs_baseline": round(med["import"] / med["baseline"], 1),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
