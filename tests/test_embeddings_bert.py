"""`BertMeanPooling`: the bundled model run on torch directly gives sentence-transformers'
vectors (slow: loads the model twice and imports sentence-transformers)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from companion import embeddings
from companion.config import Settings
from companion.embeddings import (
    BertMeanPooling,
    HashingEmbedder,
    SentenceTransformerEmbedder,
    bundled_model_path,
)
from companion.matching.centre import reference_texts
from tests import factories

TEXTS = [
    "I want to delegate more and stop being the bottleneck for my team.",
    "Skills: SQL, forecasting, stakeholder management",
    "",  # no words: [CLS] [SEP] only
    "Ünïcödé, accents and emoji 🚀 — still one vector.",
    "negotiation " * 400,  # far past max_seq_length: truncated like sentence-transformers
    "Délégation et gestion du temps pour une nouvelle responsable d'équipe.",
    *reference_texts()[:40],
]


def test_the_bundled_model_is_run_directly() -> None:
    assert BertMeanPooling.supports(bundled_model_path())


@pytest.mark.parametrize("change", ["cls-pooling", "no-normalize", "not-bert", "no-folder"])
def test_any_other_kind_of_model_goes_through_sentence_transformers(tmp_path: Path,
                                                                     change: str) -> None:
    model = tmp_path / "model"
    if change != "no-folder":
        shutil.copytree(bundled_model_path(), model,
                        ignore=shutil.ignore_patterns("model.safetensors"))
        (model / "model.safetensors").touch()
    if change == "cls-pooling":
        pooling = model / "1_Pooling" / "config.json"
        config = json.loads(pooling.read_text())
        config.update(pooling_mode_cls_token=True, pooling_mode_mean_tokens=False)
        pooling.write_text(json.dumps(config))
    elif change == "no-normalize":
        modules = json.loads((model / "modules.json").read_text())
        (model / "modules.json").write_text(json.dumps(modules[:2]))
    elif change == "not-bert":
        config = json.loads((model / "config.json").read_text())
        (model / "config.json").write_text(json.dumps({**config, "model_type": "roberta"}))
    assert not BertMeanPooling.supports(model)


@pytest.mark.slow
def test_vectors_equal_sentence_transformers() -> None:
    lean = SentenceTransformerEmbedder().embed(TEXTS)
    reference = SentenceTransformerEmbedder(lean=False).embed(TEXTS)
    assert lean.shape == reference.shape == (len(TEXTS), 384)
    assert float(np.abs(lean - reference).max()) < 1e-5
    assert float(np.sum(lean * reference, axis=1).min()) > 0.99999


@pytest.mark.slow
def test_bf16_stays_close_to_fp32() -> None:
    texts = TEXTS[:12]
    fp32 = SentenceTransformerEmbedder().embed(texts)
    bf16 = SentenceTransformerEmbedder(precision="bf16").embed(texts)
    assert bf16.dtype == np.float32
    assert float(np.sum(fp32 * bf16, axis=1).min()) > 0.99


def _printed_by(code: str, folder: Path) -> str:
    """What `code` prints, run by a new Python process (its imports are its own)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=False, cwd=folder)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_embedding_the_bundled_model_does_not_import_sentence_transformers(
        tmp_path: Path) -> None:
    """The point of `BertMeanPooling`: transformers, scikit-learn, scipy and pandas stay out
    of a process that only embeds (measured 10 s of imports on a 2-core machine)."""
    code = (
        "import sys\n"
        "from companion.embeddings import SentenceTransformerEmbedder\n"
        "vectors = SentenceTransformerEmbedder().embed(['one text', 'another text'])\n"
        "assert vectors.shape == (2, 384), vectors.shape\n"
        "heavy = sorted(m for m in ('sentence_transformers', 'transformers', 'sklearn',\n"
        "                           'scipy', 'pandas') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    assert _printed_by(code, tmp_path).strip() == ""


def test_a_broken_plain_model_fails_with_the_setting_named(tmp_path: Path) -> None:
    model = tmp_path / "model"
    shutil.copytree(bundled_model_path(), model,
                    ignore=shutil.ignore_patterns("model.safetensors"))
    (model / "model.safetensors").write_bytes(b"not safetensors")
    embedder = SentenceTransformerEmbedder(str(model))
    with pytest.raises(embeddings.ConfigurationError, match="cannot load embedding model"):
        embedder.embed(["a text"])


@pytest.mark.slow
@pytest.mark.parametrize(("precision", "bound"), [("fp32", 1e-5), ("bf16", 5e-3)])
def test_the_shipped_reference_vectors_are_the_bundled_models(precision: str,
                                                               bound: float) -> None:
    """bf16: computed on a CPU with avx512_bf16; another CPU's kernels (or torch's emulation
    where there are none) may round differently in the last bits."""
    plain = SentenceTransformerEmbedder(precision=precision)
    texts = list(dict.fromkeys(reference_texts()))
    shipped = embeddings.shipped_vectors(plain.name)
    assert len(shipped) == len(texts) == len(set(shipped))
    computed = plain.embed(texts)
    stored = np.stack([np.frombuffer(shipped[embeddings.text_hash(t)], dtype=np.float32)
                       for t in texts])
    assert float(np.abs(stored - computed).max()) < bound


class _Counting:
    """Stands in for the bundled model under its name; counts the texts it is asked for."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.asked: list[str] = []

    def embed(self, texts: list[str], *, tick: object = None) -> np.ndarray:
        self.asked.extend(texts)
        return np.ones((len(texts), 384), dtype=np.float32) / np.sqrt(384)


@pytest.mark.parametrize("multilingual", [False, True])
def test_reference_texts_are_not_embedded_again(tmp_path: Path, multilingual: bool) -> None:
    name = SentenceTransformerEmbedder().name + ("+use-multilingual-v3" if multilingual else "")
    inner = _Counting(name)
    cached = embeddings.CachedEmbedder(inner, embeddings.EmbeddingCache(tmp_path / "c.sqlite"))
    texts = [*reference_texts()[:50], "a goal nobody shipped"]
    assert cached.missing(texts) == 1
    vectors = cached.embed(texts)
    assert inner.asked == ["a goal nobody shipped"]
    assert vectors.shape == (51, 384)
    shipped = embeddings.shipped_vectors(name)
    assert np.array_equal(vectors[0], np.frombuffer(shipped[embeddings.text_hash(texts[0])],
                                                    dtype=np.float32))
    assert cached.missing(texts) == 0


def test_another_model_gets_no_shipped_vectors(tmp_path: Path) -> None:
    inner = _Counting("my-model")
    cached = embeddings.CachedEmbedder(inner, embeddings.EmbeddingCache(tmp_path / "c.sqlite"))
    cached.embed(reference_texts()[:5])
    assert len(inner.asked) == len(set(reference_texts()[:5]))


def test_bfloat16_takes_its_own_shipped_vectors(tmp_path: Path) -> None:
    """The default precision on a bf16 CPU: the reference set is not embedded again (1.2 s of
    a first `match assign` at 500 people), and its vectors are bf16's, not float32's: the
    program's bf16 vectors are centred on them, and bf16's error has a common part (a quarter
    of it) that a float32 centre would leave in."""
    for name in (SentenceTransformerEmbedder(precision="bf16").name,
                 SentenceTransformerEmbedder(precision="bf16").name + "+use-multilingual-v3"):
        inner = _Counting(name)
        cached = embeddings.CachedEmbedder(inner,
                                           embeddings.EmbeddingCache(tmp_path / "c.sqlite"))
        vectors = cached.embed(reference_texts()[:5])
        assert inner.asked == []
        fp32 = np.frombuffer(embeddings.shipped_vectors(name.replace("+bf16", ""))[
            embeddings.text_hash(reference_texts()[0])], dtype=np.float32)
        assert 0 < float(np.abs(vectors[0] - fp32).max()) < 5e-3


# --- the numpy form for small calls (issue 16: a draft's searches without torch) -----------


def test_numpy_erf_is_erf_to_float32_rounding() -> None:
    import math

    x = np.linspace(-7.0, 7.0, 20001, dtype=np.float32)
    exact = np.array([math.erf(float(v)) for v in x])
    assert float(np.abs(embeddings._erf(x.copy()) - exact).max()) < 1e-6


@pytest.mark.slow
def test_numpy_vectors_equal_torch_vectors() -> None:
    path = bundled_model_path()
    texts = [*TEXTS, "A", "Lead", "Two words"]  # lengths 1-3 tokens, padding in a batch
    on_numpy = embeddings.NumpyBertMeanPooling(path).encode(texts, batch_size=8)
    on_torch = BertMeanPooling(path).encode(texts, batch_size=8)
    assert on_numpy.dtype == np.float32 and on_numpy.shape == on_torch.shape
    assert float(np.abs(on_numpy - on_torch).max()) < 1e-5
    # a text's vector does not depend on its neighbours' padding
    alone = embeddings.NumpyBertMeanPooling(path).encode([texts[0]])
    assert float(np.abs(alone[0] - on_torch[0]).max()) < 1e-5


def _backends(embedder: SentenceTransformerEmbedder) -> tuple[object, object]:
    return embedder._small, embedder._model


def test_small_float32_calls_run_on_numpy_and_large_ones_on_torch() -> None:
    embedder = SentenceTransformerEmbedder()
    embedder.embed(["a search query"])
    small, model = _backends(embedder)
    assert isinstance(small, embeddings.NumpyBertMeanPooling) and model is None
    embedder.embed([f"goal number {i}" for i in range(embeddings.SMALL_CALL + 1)])
    assert isinstance(embedder._model, BertMeanPooling)
    # torch loaded: it is the faster from now on, for small calls too
    assert embedder._model_for(1) is embedder._model


def test_bfloat16_never_runs_on_numpy() -> None:
    """numpy has no bfloat16 arithmetic: a float32 vector cached under the bf16 name would
    mix precisions in one cache entry (and bf16's error has a common part the centre of a
    bf16 pool assumes)."""
    embedder = SentenceTransformerEmbedder(precision="bf16")
    assert embedder._load_small() is None
    assert SentenceTransformerEmbedder(lean=False)._load_small() is None


def test_a_server_warm_up_loads_the_model_of_large_calls(tmp_path: Path) -> None:
    inner = SentenceTransformerEmbedder()
    embeddings.CachedEmbedder(inner, embeddings.EmbeddingCache(tmp_path / "c.sqlite")).load()
    assert isinstance(inner._model, BertMeanPooling)


def test_a_few_texts_in_a_new_process_do_not_import_torch(tmp_path: Path) -> None:
    """The reproduction (issue 16): `companion draft agenda` for a mentee not drafted for
    before took 6.1-6.8 s on a 2-core AMD EPYC (Zen 3), 1.7 s of it torch's import, to embed
    its few search queries; through the configured embedder (multilingual reader included).
    float32 (where the CPU has bf16, `auto` keeps torch: numpy has no bf16)."""
    code = (
        "import sys\n"
        "from companion.config import Settings\n"
        "from companion.embeddings import SMALL_CALL, get_embedder\n"
        f"embedder = get_embedder(Settings(home={str(tmp_path)!r},\n"
        "                                  embedding_precision='fp32'))\n"
        "vectors = embedder.embed(['How do I delegate the weekly report?',\n"
        "                          'Wie delegiere ich den Wochenbericht an mein Team?'])\n"
        "assert vectors.shape == (2, 384), vectors.shape\n"
        "print('torch' in sys.modules)\n"
        "vectors = embedder.embed([f'goal {i} of many' for i in range(SMALL_CALL + 1)])\n"
        "print('torch' in sys.modules)\n"
    )
    assert _printed_by(code, tmp_path).split() == ["False", "True"]


_configured = factories.configured_embedder


def test_queries_on_a_bf16_cpu_run_in_float32_until_torch_is_loaded(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Where `auto` chooses bf16 (the CPU has it), a CLI draft imported torch and loaded the
    bf16 model for its few queries: 2.9 s for a new mentee's draft on a 2-core AMD EPYC
    (Zen 4). Its searches and its planner now take the float32 model, on numpy, in a process
    without torch; matching keeps bf16."""
    monkeypatch.setattr(embeddings, "cpu_bf16", lambda: True)
    monkeypatch.setattr(embeddings, "get_embedder", _configured)
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    settings = Settings(home=tmp_path)  # auto
    configured = embeddings.get_embedder(settings)
    assert "+bf16" in configured.name
    queries = embeddings.for_queries(configured, settings)
    assert queries is not configured
    assert queries.name == configured.name.replace("+bf16", "")
    assert embeddings.index_name(queries) == embeddings.index_name(configured)  # one index
    assert embeddings.get_query_embedder(settings) is queries
    # forced precisions and stand-in embedders are left as they are
    forced = Settings(home=tmp_path, embedding_precision="bf16")
    assert "+bf16" in embeddings.for_queries(embeddings.get_embedder(forced), forced).name
    stand_in = HashingEmbedder()
    assert embeddings.for_queries(stand_in, settings) is stand_in


def test_queries_use_the_configured_model_once_torch_is_loaded(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A server has torch loaded (its warm-up): the bf16 model answers a query faster than
    numpy would, so queries stay on it."""
    import torch  # noqa: F401

    monkeypatch.setattr(embeddings, "cpu_bf16", lambda: True)
    monkeypatch.setattr(embeddings, "get_embedder", _configured)
    settings = Settings(home=tmp_path)
    configured = embeddings.get_embedder(settings)
    assert "+bf16" in configured.name
    assert embeddings.for_queries(configured, settings) is configured


def test_a_draft_search_on_a_bf16_cpu_does_not_import_torch(tmp_path: Path) -> None:
    """The whole path in a new process: the guideline search a draft makes, the CPU said to
    have bf16. (The guidelines are ingested first, a large call: torch may load for that,
    once per home, so the search is timed in a second process.)"""
    setup = (
        "from companion import embeddings\n"
        "embeddings.cpu_bf16 = lambda: True\n"
        "from companion.config import Settings\n"
        "from companion.retrieval import search\n"
        f"settings = Settings(home={str(tmp_path)!r})\n"
        "search(settings, embeddings.get_query_embedder(settings), 'first team')\n"
    )
    _printed_by(setup, tmp_path)
    code = setup + (
        "import sys\n"
        "found = search(settings, embeddings.get_query_embedder(settings),\n"
        "               'how do I give feedback on missed deadlines')\n"
        "assert found and found[0].score > 0.3, found\n"
        "print('torch' in sys.modules)\n"
    )
    assert _printed_by(code, tmp_path).split() == ["False"]


def test_batches_spread_over_the_cores_give_each_text_its_own_vector() -> None:
    """`BertMeanPooling.encode` runs its batches (at most 16 texts) on one thread per core;
    the rows come back in the caller's order, each text's vector what it gets alone."""
    model = BertMeanPooling(bundled_model_path())
    texts = [f"{word} " * (1 + i % 23) + f"goal {i}" for i, word in
             enumerate(["delegate", "present", "coach", "negotiate", "prioritise"] * 9)]
    together = model.encode(texts)
    alone = np.vstack([model.encode([text]) for text in texts])
    assert together.shape == (len(texts), 384)
    assert float(np.abs(together - alone).max()) < 1e-5
    import torch

    assert torch.get_num_threads() == 1  # the batches are spread instead (_torch_cores)


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="no fork here")
def test_a_forked_process_still_embeds() -> None:
    """A process forked after embedding (a job runner, a pre-forking server) has neither
    the parent's threads (its batches would wait for them forever) nor a torch thread pool
    a new thread may use (torch asserts "Invalid thread pool!"): it embeds on the calling
    thread, the same vectors."""
    import os

    model = BertMeanPooling(bundled_model_path())
    texts = [f"goal {i}: lead a team of {i} people" for i in range(40)]
    expected = model.encode(texts)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: embed, report, leave without the parent's exit handlers
        try:
            ok = float(np.abs(model.encode(texts) - expected).max()) < 1e-5
            os.write(write, b"ok" if ok else b"different")
        except BaseException as exc:  # noqa: BLE001 - told to the parent
            os.write(write, repr(exc).encode()[:500])
        finally:
            os._exit(0)
    os.close(write)
    import select
    import signal

    ready, _, _ = select.select([read], [], [], 120)
    answer = os.read(read, 600) if ready else b""
    os.close(read)
    if not ready:
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    assert ready, "the forked process did not finish embedding (its batches waited)"
    assert answer == b"ok", answer.decode()
