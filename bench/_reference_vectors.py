"""Write companion/data/reference_vectors.npz: the bundled model's vectors of the matching
engine's frozen reference corpus (a build step, not a benchmark; run_all skips it).

Every installation embeds these 376 texts the first time it matches (for centring and
calibration) — 30% of the texts of a 500-person program's first `match assign`. They are the
same texts and the same SHA-checked model everywhere, so they ship with the package, stored
under each name the cache knows the bundled float32 model by (with and without the
multilingual reader: the corpus is English, so both give the same vectors — checked here).
A bf16 deployment computes its own (its vectors depend on the CPU's bf16 arithmetic).

    .venv/bin/python bench/_reference_vectors.py          # write the file
    .venv/bin/python bench/_reference_vectors.py --check  # compare it with the model now

tests/test_embeddings_bert.py runs the check's comparison too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from companion import embeddings
from companion.embeddings import (
    MultilingualEmbedder,
    SentenceTransformerEmbedder,
    UniversalSentenceEncoder,
    bundled_projection,
    text_hash,
)
from companion.matching.centre import reference_texts

OUT = Path(embeddings.__file__).parent / embeddings.SHIPPED_VECTORS_FILE


def compute() -> tuple[list[str], list[str], np.ndarray]:
    texts = list(dict.fromkeys(reference_texts()))
    plain = SentenceTransformerEmbedder()
    projection = bundled_projection()
    assert projection is not None, "the multilingual projection does not fit the bundled model"
    multilingual = MultilingualEmbedder(plain, UniversalSentenceEncoder(), projection)
    vectors = plain.embed(texts)
    if not np.array_equal(multilingual.embed(texts), vectors):
        raise SystemExit("the multilingual reader gives other vectors for the corpus: store "
                         "them separately before shipping both names")
    return [plain.name, multilingual.name], [text_hash(t) for t in texts], vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    models, hashes, vectors = compute()
    if args.check:
        shipped = np.load(OUT)
        same = (list(shipped["models"]) == models and list(shipped["hashes"]) == hashes)
        gap = float(np.abs(shipped["vectors"] - vectors).max()) if same else float("inf")
        print(f"{OUT.name}: names and texts {'match' if same else 'DIFFER'}, "
              f"max |difference| {gap:.2e}")
        sys.exit(0 if same and gap < 1e-5 else 1)
    np.savez_compressed(OUT, models=np.array(models), hashes=np.array(hashes),
                        vectors=vectors.astype(np.float32))
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes): {len(hashes)} texts, models {models}")


if __name__ == "__main__":
    main()
