"""Write companion/data/reference_vectors.npz: the bundled model's vectors of the matching
engine's frozen reference corpus (a build step, not a benchmark; run_all skips it).

Every installation embeds these 376 texts the first time it matches (for centring and
calibration) — 30% of the texts of a 500-person program's first `match assign`. They are the
same texts and the same SHA-checked model everywhere, so they ship with the package, stored
under each name the cache knows the bundled float32 model by (with and without the
multilingual reader: the corpus is English, so both give the same vectors — checked here).
The bfloat16 model's vectors ship too, under its names: what a bf16 deployment computes
(here on a CPU with avx512_bf16; other CPUs' bf16 kernels may differ in the last bits, which
--check bounds at 5e-3), so its matching centres them with a centre of the same precision —
float32 reference vectors would leave bf16's common error (a quarter of it, measured) in
every program vector.

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


def compute(precision: str = "fp32") -> tuple[list[str], list[str], np.ndarray]:
    texts = list(dict.fromkeys(reference_texts()))
    plain = SentenceTransformerEmbedder(precision=precision)
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
    bf16_models, bf16_hashes, bf16_vectors = compute("bf16")
    assert bf16_hashes == hashes
    if args.check:
        shipped = np.load(OUT)
        ok = True
        for key, names, values, bound in (("", models, vectors, 1e-5),
                                          ("bf16_", bf16_models, bf16_vectors, 5e-3)):
            same = (list(shipped[f"{key}models"]) == names
                    and list(shipped["hashes"]) == hashes)
            gap = (float(np.abs(shipped[f"{key}vectors"] - values).max()) if same
                   else float("inf"))
            print(f"{OUT.name} {key or 'fp32_'}vectors: names and texts "
                  f"{'match' if same else 'DIFFER'}, max |difference| {gap:.2e}")
            ok = ok and same and gap < bound
        sys.exit(0 if ok else 1)
    np.savez_compressed(OUT, models=np.array(models), hashes=np.array(hashes),
                        vectors=vectors.astype(np.float32), bf16_models=np.array(bf16_models),
                        bf16_vectors=bf16_vectors.astype(np.float32))
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes): {len(hashes)} texts, models "
          f"{models + bf16_models}")


if __name__ == "__main__":
    main()
