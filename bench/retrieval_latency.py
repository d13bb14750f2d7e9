"""Knowledge search latency: p50/p95 of `search` with the bundled model, warm.

Ingests knowledge/ with the real embedder, warms up, then runs N distinct queries (none seen
before, so every query embedding is computed, as for a real user). Per query, in the same run
and interleaved so machine load hits all of them alike, it times:

- `search(settings, embedder, query, top=5)`: what the CLI, the API and the drafter call
  (query embedding through the cached embedder, Chroma query, Passage objects);
- baseline 1: the bare model, `embedder.inner.embed([query])` (no cache, no store);
- baseline 2: brute-force cosine in numpy over all passage vectors (exact top 5), next to the
  Chroma query alone; `search`'s top 5 is compared with the exact one (recall of HNSW).

    .venv/bin/python bench/retrieval_latency.py [--queries 200] [--torch-threads N]

Each run starts from an empty COMPANION_HOME in a temp folder, so the ingest is cold (every
passage embedded) and no query vector is cached from an earlier run.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import random
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

STEMS = ["how do I {}", "what should a mentor do about {}", "tips for {}", "questions about {}",
         "a mentee is struggling with {}", "guideline on {}", "how to prepare for {}",
         "what does the program say about {}", "example goal for {}", "framework for {}"]
TOPICS = ["giving feedback on missed deadlines", "the closing session", "the kickoff meeting",
          "confidentiality with my manager", "delegating to my team", "a difficult conversation",
          "setting measurable goals", "career direction", "stakeholder influence",
          "leading through a reorganisation", "a setback at work", "executive presence",
          "group mentoring ground rules", "peer mentoring triads", "reverse mentoring",
          "mentoring across two companies", "a match that is not working",
          "the mid-program check-in", "time zones and languages", "ending the relationship",
          "strategic thinking", "resilience and stress", "inclusive leadership",
          "taking useful notes", "reporting to sponsors", "importing participants"]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def queries(n: int, seed: int = 7) -> list[str]:
    combos = [s.format(t) for s, t in itertools.product(STEMS, TOPICS)]
    random.Random(seed).shuffle(combos)
    if n + 20 > len(combos):
        raise SystemExit(f"at most {len(combos) - 20} distinct queries")
    return combos[:n + 20]  # the first 20 are the warm-up


def machine() -> str:
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        model = next(line.split(":", 1)[1].strip() for line in lscpu.splitlines()
                     if line.startswith("Model name"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        model = platform.processor() or "unknown CPU"
    return f'`lscpu` "{model}", {os.cpu_count()} cores, Python {platform.python_version()}'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--torch-threads", type=int, default=0,
                        help="set torch's intra-op threads (0: leave torch's default)")
    args = parser.parse_args()
    os.environ["COMPANION_HOME"] = str(Path(tempfile.mkdtemp()) / "home")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.pop("COMPANION_CHROMA_URL", None)
    os.environ.pop("COMPANION_KNOWLEDGE_DIR", None)
    import torch

    from companion.config import get_settings
    from companion.embeddings import get_embedder
    from companion.retrieval import ingest, search
    from companion.retrieval.store import open_store

    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    settings = get_settings()
    embedder = get_embedder(settings)
    started = time.perf_counter()
    report = ingest(settings, embedder)
    ingest_s = time.perf_counter() - started
    store = open_store(settings, embedder.name)
    stored = store.collection.get(include=["embeddings"])
    ids = list(stored["ids"])
    matrix = np.asarray(stored["embeddings"], dtype=np.float32)

    texts = queries(args.queries)
    for text in texts[:20]:
        search(settings, embedder, text, top=args.top)
    times: dict[str, list[float]] = {k: [] for k in ("search", "model", "chroma", "numpy")}
    agree = 0
    load_before = os.getloadavg()[0]
    for text in texts[20:]:
        t0 = time.perf_counter()
        vector = embedder.inner.embed([text])[0]
        t1 = time.perf_counter()
        found = search(settings, embedder, text, top=args.top)
        t2 = time.perf_counter()
        store.query(vector, args.top)
        t3 = time.perf_counter()
        scores = matrix @ vector
        best = np.argpartition(-scores, args.top)[:args.top]
        exact = [ids[i] for i in best[np.argsort(-scores[best])]]
        t4 = time.perf_counter()
        times["model"].append(t1 - t0)
        times["search"].append(t2 - t1)
        times["chroma"].append(t3 - t2)
        times["numpy"].append(t4 - t3)
        agree += len({p.id for p in found} & set(exact))
    load_after = os.getloadavg()[0]

    ms = {k: (1000 * pct(v, 0.5), 1000 * pct(v, 0.95)) for k, v in times.items()}
    baseline = tuple(ms["model"][i] + ms["numpy"][i] for i in (0, 1))
    print(f"machine: {machine()}; torch {torch.__version__}, {torch.get_num_threads()} "
          f"intra-op threads; load average {load_before:.1f} before, {load_after:.1f} after")
    files = report.files_added + report.files_updated + report.files_unchanged
    print(f"cold ingest: {report.chunks_total} passages from {files} files embedded and "
          f"stored in {ingest_s:.1f} s (model load included)")
    print(f"{args.queries} distinct queries after 20 warm-up searches, top {args.top}\n")
    print("| step | p50 ms | p95 ms |\n|---|---|---|")
    rows = [("`search` (embed query + Chroma + passages)", "search"),
            ("baseline: bare model `embed([query])`", "model"),
            ("Chroma query alone", "chroma"),
            ("baseline: numpy brute-force cosine, exact top 5", "numpy")]
    for label, key in rows:
        print(f"| {label} | {ms[key][0]:.1f} | {ms[key][1]:.1f} |")
    print(f"| baseline total (bare model + numpy) | {baseline[0]:.1f} | {baseline[1]:.1f} |")
    print(f"\nsearch / baseline: p50 {ms['search'][0] / baseline[0]:.2f}×, "
          f"p95 {ms['search'][1] / baseline[1]:.2f}×; target p95 ≤ 30 ms: "
          f"{'met' if ms['search'][1] <= 30 else 'MISSED'}")
    print(f"`search` top {args.top} vs exact brute force: {agree}/{args.top * args.queries} "
          "ids agree")


if __name__ == "__main__":
    main()
