"""Cold embedding: fp32 against bf16, interleaved in one process (issue 16).

The texts a first run embeds: the goal sentences and expertise phrases of a generated
program (`companion.sample`, the same generator as `companion demo`), `--texts` of them.
One model of each precision is loaded (the bundled all-MiniLM-L6-v2 through
`SentenceTransformerEmbedder`, the class Companion uses; bf16 as `auto` picks it on a CPU
with avx512_bf16 or amx_bf16); then rounds alternate fp32 and bf16 in a shuffled order,
each embedding every text once, and the table gives the **median of each** and their
ratio (not a best-of-N against a single baseline run). Quality: for every text, its 5
nearest neighbours among the others by cosine, fp32 vs bf16 (recall@5), and the cosine
between the two vectors of the same text.

    .venv/bin/python bench/embedding_precision.py [--texts 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time

import numpy as np

from companion.embeddings import SentenceTransformerEmbedder, cpu_bf16
from companion.matching.texts import expertise_phrases, goal_texts
from companion.sample import generate_program


def texts_of_a_program(count: int) -> list[str]:
    """Distinct goal and expertise texts of generated programs, `count` of them."""
    from companion.domain import Participant

    found: dict[str, None] = {}
    seed = 2027
    while len(found) < count:
        sample = generate_program(mentees=400, mentors=200, seed=seed)
        for record in sample.records:
            person = Participant.model_validate(
                {k: v for k, v in record.items() if v not in ("", None)})
            for text in [*goal_texts(person), *expertise_phrases(person)]:
                found.setdefault(text, None)
        seed += 1
    return list(found)[:count]


def recall_at(reference: np.ndarray, candidate: np.ndarray, k: int = 5) -> float:
    def neighbours(vectors: np.ndarray) -> np.ndarray:
        scores = vectors @ vectors.T
        np.fill_diagonal(scores, -np.inf)
        return np.argpartition(-scores, k, axis=1)[:, :k]

    ref, cand = neighbours(reference), neighbours(candidate)
    return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(ref, cand, strict=True)]))


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    texts = texts_of_a_program(args.texts)
    print(f"{cpu_model()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}, "
          f"bf16 in the CPU: {cpu_bf16()}; {len(texts)} texts, {args.rounds} rounds",
          flush=True)
    models = {name: SentenceTransformerEmbedder(precision=name) for name in ("fp32", "bf16")}
    loads = {}
    for name, model in models.items():
        start = time.perf_counter()
        model.embed(["warm up"])
        loads[name] = time.perf_counter() - start
    times: dict[str, list[float]] = {name: [] for name in models}
    vectors: dict[str, np.ndarray] = {}
    for r in range(args.rounds):
        for name in random.sample(list(models), len(models)):
            start = time.perf_counter()
            vectors[name] = models[name].embed(texts)
            times[name].append(time.perf_counter() - start)
        print(f"  round {r + 1}: " + ", ".join(f"{n} {times[n][-1]:.2f} s" for n in models),
              flush=True)
    fp32, bf16 = (statistics.median(times[n]) for n in ("fp32", "bf16"))
    same = np.sum(vectors["fp32"] * vectors["bf16"], axis=1)
    report = {
        "cpu": cpu_model(), "cores": os.cpu_count(), "load": os.getloadavg()[0],
        "texts": len(texts), "rounds": args.rounds,
        "model_load_s": loads,
        "fp32_median_s": fp32, "bf16_median_s": bf16,
        "fp32_texts_per_s": len(texts) / fp32, "bf16_texts_per_s": len(texts) / bf16,
        "speed_up": fp32 / bf16,
        "recall_at_5": recall_at(vectors["fp32"], vectors["bf16"]),
        "same_text_cosine_min": float(same.min()), "same_text_cosine_median":
            float(np.median(same)),
    }
    print(json.dumps(report, indent=2))
    print(f"\n| precision | median s ({args.rounds} rounds) | texts/s | ratio |\n"
          "|---|---|---|---|\n"
          f"| fp32 | {fp32:.2f} | {len(texts) / fp32:.0f} | 1 |\n"
          f"| bf16 | {bf16:.2f} | {len(texts) / bf16:.0f} | **{fp32 / bf16:.2f}×** |\n\n"
          f"recall@5 (bf16 vs fp32) {report['recall_at_5']:.4f}; cosine of a text's two "
          f"vectors: min {report['same_text_cosine_min']:.4f}, median "
          f"{report['same_text_cosine_median']:.5f}")


if __name__ == "__main__":
    main()
