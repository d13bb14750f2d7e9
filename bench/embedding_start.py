"""A process's first vectors: sentence-transformers against `BertMeanPooling` (issue 16).

What a coordinator's first `match assign` (or a CLI draft's first guideline search) pays
before matching starts: importing the embedding stack, loading the bundled all-MiniLM-L6-v2
and embedding the texts. Each sample is a fresh Python process that imports
`companion.embeddings`, builds `SentenceTransformerEmbedder(lean=...)` and embeds `--texts`
distinct goal and expertise texts of a generated program (the texts of
bench/embedding_precision.py), reporting its own import, load and encode seconds; the wall
clock of the whole process is measured outside. Rounds run both variants in a shuffled order
and the table gives the median of each and their ratio. The vectors of the two are compared
too (max absolute difference, min cosine).

    .venv/bin/python bench/embedding_start.py [--texts 900] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

CHILD = r'''
import json, sys, time
start = time.perf_counter()
from companion.embeddings import SentenceTransformerEmbedder
import numpy as np
texts = json.load(open(sys.argv[1]))
lean = sys.argv[2] == "lean"
embedder = SentenceTransformerEmbedder(lean=lean)
imported = time.perf_counter()
embedder._load()
loaded = time.perf_counter()
vectors = embedder.embed(texts)
done = time.perf_counter()
np.save(sys.argv[3], vectors)
heavy = [m for m in ("sentence_transformers", "transformers", "sklearn", "scipy", "pandas")
         if m in sys.modules]
print(json.dumps({"import_s": imported - start, "load_s": loaded - imported,
                  "encode_s": done - loaded, "heavy": heavy}))
'''


def main() -> None:
    from embedding_precision import cpu_model, texts_of_a_program

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=900)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    texts = texts_of_a_program(args.texts)
    rng = random.Random(16)
    samples: dict[str, list[dict[str, float]]] = {"sentence-transformers": [], "lean": []}
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        (tmp / "texts.json").write_text(json.dumps(texts))
        vectors: dict[str, np.ndarray] = {}
        for _ in range(args.rounds):
            order = list(samples)
            rng.shuffle(order)
            for kind in order:
                out = tmp / f"{kind}.npy"
                started = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, "-c", CHILD, str(tmp / "texts.json"),
                     "lean" if kind == "lean" else "st", str(out)],
                    capture_output=True, text=True, check=True)
                wall = time.perf_counter() - started
                inside = json.loads(done.stdout.strip().splitlines()[-1])
                samples[kind].append({"wall_s": wall, **{k: v for k, v in inside.items()
                                                         if k.endswith("_s")}})
                vectors[kind] = np.load(out)
    a, b = vectors["sentence-transformers"], vectors["lean"]
    report = {
        "cpu": cpu_model(), "cores": os.cpu_count(), "load_start": load_start[0],
        "load_end": os.getloadavg()[0], "texts": len(texts), "rounds": args.rounds,
        "medians": {kind: {key: round(statistics.median(s[key] for s in runs), 3)
                           for key in runs[0]} for kind, runs in samples.items()},
        "max_abs_difference": float(np.abs(a - b).max()),
        "min_cosine": float(np.sum(a * b, axis=1).min()),
    }
    st, lean = report["medians"]["sentence-transformers"], report["medians"]["lean"]
    report["wall_ratio"] = round(st["wall_s"] / lean["wall_s"], 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
