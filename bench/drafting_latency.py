"""The whole drafting pipeline with the offline model: p50/p95 per draft after warm-up.

Runs `request_draft` (gather → retrieve → draft → check → submit, checkpointed) on the sample
program with the real embedder and Chroma, and compares it with a baseline measured in the
same run: the bare offline drafter call through litellm on the same context (what a pipeline
with no retrieval, checks, storage or checkpointing would cost).

    .venv/bin/python bench/drafting_latency.py [--runs 40]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="drafts per kind after warm-up")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp()) / "home"
    os.environ["COMPANION_HOME"] = str(home)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from companion.config import get_settings
    from companion.domain import DraftKind
    from companion.llm import model_from_settings
    from companion.sample import generate_program, write_records
    from companion.services import drafts
    from companion.services.participants import import_participants_file
    from companion.services.programs import build_program, create_program
    from companion.store import get_database

    settings = get_settings()
    db = get_database(settings)
    create_program(db, build_program("Bench", start=date(2027, 1, 11)))
    sample = generate_program()
    write_records(sample.records, home / "people.csv")
    import_participants_file(db, "Bench", home / "people.csv", skip_invalid=False)
    deps = drafts.default_deps(db, settings)
    today = date(2027, 4, 1)
    jobs = {DraftKind.agenda: ("me-00001", None), DraftKind.questions: ("me-00002", None),
            DraftKind.goals: ("me-00003", None),
            DraftKind.framework: ("mr-0003", "feedback on missed deadlines")}
    for kind, (who, topic) in jobs.items():  # warm-up: model load, ingestion, imports
        for _ in range(3):
            drafts.request_draft(db, settings, program="Bench", kind=kind, participant_id=who,
                                 topic=topic, deps=deps, today=today)
    report: dict[str, object] = {"machine": f"{os.cpu_count()} cores", "runs_per_kind":
                                 args.runs}
    everything: list[float] = []
    for kind, (who, topic) in jobs.items():
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            draft = drafts.request_draft(db, settings, program="Bench", kind=kind,
                                         participant_id=who, topic=topic, deps=deps,
                                         today=today)
            times.append((time.perf_counter() - start) * 1000)
            assert draft.status.value == "pending_review", (kind, draft.failure_reason)
        everything += times
        report[kind.value] = {"p50_ms": round(pct(times, 0.5), 1),
                              "p95_ms": round(pct(times, 0.95), 1)}
    report["all_kinds"] = {"p50_ms": round(pct(everything, 0.5), 1),
                           "p95_ms": round(pct(everything, 0.95), 1)}
    # baseline: the bare drafter call on one realistic context
    model = model_from_settings(settings)
    context = {"kind": "agenda", "topic": None, "phase": "development", "today": "2027-04-01",
               "program": {"name": "Bench", "type": "one_to_one", "start_date": "2027-01-11",
                           "end_date": "2028-01-10", "session_minutes": 60,
                           "cadence_weeks": 4},
               "requester": {"id": "me-00001", "goals": ["Delegate more"]}, "partner": None,
               "passages": [], "feedback": []}
    messages = [{"role": "user", "content": "```json context\n" + json.dumps(context) +
                 "\n```"}]
    bare = []
    for _ in range(args.runs):
        start = time.perf_counter()
        model.complete(messages)
        bare.append((time.perf_counter() - start) * 1000)
    report["baseline_bare_drafter_call"] = {"p50_ms": round(statistics.median(bare), 2),
                                            "p95_ms": round(pct(bare, 0.95), 2)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
