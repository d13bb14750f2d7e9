"""Embeddings: the cache, the weights check, and the bundled model itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from companion import embeddings
from companion.config import Settings
from companion.domain import Participant
from companion.embeddings import (
    BUNDLED_MODEL_SHA256,
    CachedEmbedder,
    EmbeddingCache,
    HashingEmbedder,
    bundled_model_path,
    get_embedder,
    sha256_file,
    verify_weights,
)
from companion.errors import ConfigurationError
from companion.matching.engine import MatchPool
from tests import factories


def test_cache_embeds_each_text_once_per_model(tmp_path: Path) -> None:
    inner = HashingEmbedder()
    cached = CachedEmbedder(inner, EmbeddingCache(tmp_path / "e.sqlite"))
    first = cached.embed(["alpha beta", "gamma delta", "alpha beta"])
    again = cached.embed(["gamma delta", "alpha beta"])
    assert inner.calls == [["alpha beta", "gamma delta"]]
    assert np.allclose(first[1], again[0]) and np.allclose(first[0], first[2])
    assert (cached.hits, cached.misses) == (3, 2)
    assert cached.cache.count(inner.name) == 2
    other = CachedEmbedder(HashingEmbedder(dimension=64), cached.cache)
    other.embed(["alpha beta"])
    assert other.misses == 1  # another model never reuses these vectors


def test_recent_queries_are_answered_from_memory_and_big_calls_are_not_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cached = CachedEmbedder(HashingEmbedder(), EmbeddingCache(tmp_path / "e.sqlite"))
    first = cached.embed(["how do I give feedback"])
    monkeypatch.setattr(embeddings, "RECENT_VECTORS", 2)
    big = [f"goal {i}" for i in range(embeddings.RECENT_CALL + 1)]
    cached.embed(big)  # a batch (a whole pool) does not flush the queries out

    def no_file(*_args: object) -> dict[str, bytes]:
        raise AssertionError("a recent query went to the SQLite cache")

    monkeypatch.setattr(cached.cache, "get_blobs", no_file)
    assert np.array_equal(cached.embed(["how do I give feedback"]), first)
    monkeypatch.undo()
    monkeypatch.setattr(embeddings, "RECENT_VECTORS", 2)
    cached.embed(["one"])
    cached.embed(["two"])  # the oldest of three falls out of memory...
    read: list[int] = []
    original = cached.cache.get_blobs

    def counted(model: str, hashes: list[str]) -> dict[str, bytes]:
        read.append(len(hashes))
        return original(model, hashes)

    monkeypatch.setattr(cached.cache, "get_blobs", counted)
    model_calls = len(cached.inner.calls)  # type: ignore[attr-defined]
    assert np.array_equal(cached.embed(["how do I give feedback"]), first)
    assert read == [1]  # ...and comes back from the SQLite cache,
    assert len(cached.inner.calls) == model_calls  # type: ignore[attr-defined]  # not the model


def test_load_runs_the_model_even_when_the_query_is_cached(tmp_path: Path) -> None:
    inner = HashingEmbedder()
    cached = CachedEmbedder(inner, EmbeddingCache(tmp_path / "e.sqlite"))
    cached.embed(["warm up"])
    cached.embed(["warm up"])
    assert len(inner.calls) == 1
    cached.load()  # what the server's start-up warm-up calls
    assert len(inner.calls) == 2


def test_editing_one_profile_re_embeds_only_that_profile(tmp_path: Path) -> None:
    inner = HashingEmbedder()
    cached = CachedEmbedder(inner, EmbeddingCache(tmp_path / "e.sqlite"))
    people = [factories.mentor("m1"), factories.mentor("m2", expertise="Sales leadership."),
              factories.mentee("e1"), factories.mentee("e2", goals="Negotiate better")]
    program = factories.program()
    MatchPool(program, [Participant.model_validate(p) for p in people], cached)
    people[3] = factories.mentee("e2", goals="Negotiate supplier contracts with confidence")
    inner.calls.clear()
    MatchPool(program, [Participant.model_validate(p) for p in people], cached)
    assert inner.calls == [["Negotiate supplier contracts with confidence"]]


def test_weights_check_refuses_a_mismatch_and_remembers_a_match(tmp_path: Path) -> None:
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"not really weights")
    good = sha256_file(weights)
    stamp = tmp_path / "stamp.json"
    with pytest.raises(ConfigurationError, match="corrupt or has been replaced"):
        verify_weights(weights, "0" * 64, stamp=stamp)
    assert not stamp.exists()
    verify_weights(weights, good, stamp=stamp)
    assert stamp.exists()
    weights.write_bytes(b"tampered with!!!!!")  # same size is not enough: mtime changes too
    with pytest.raises(ConfigurationError, match="corrupt"):
        verify_weights(weights, good, stamp=stamp)
    with pytest.raises(ConfigurationError, match="not found"):
        verify_weights(tmp_path / "missing.safetensors", good)


def test_unknown_model_name_fails_clearly_without_downloading(settings: Settings,
                                                               monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    from companion.embeddings import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(str(settings.home / "no-such-model"))
    with pytest.raises(ConfigurationError, match="never downloads models"):
        embedder.embed(["hello"])


@pytest.mark.slow
def test_bundled_model_is_verified_and_understands_paraphrase(settings: Settings) -> None:
    assert sha256_file(bundled_model_path() / "model.safetensors") == BUNDLED_MODEL_SHA256
    embedder = get_embedder(settings)
    goal, expert, unrelated = embedder.embed([
        "I freeze when senior leaders challenge my numbers in quarterly reviews",
        "I coach managers on presenting to executive committees and handling hard questions",
        "I grow tomatoes and run marathons at the weekend",
    ])
    assert goal.shape == (384,)
    assert float(np.linalg.norm(goal)) == pytest.approx(1.0, abs=1e-4)
    assert float(goal @ expert) > float(goal @ unrelated)
    assert (settings.home / "cache" / "model-verified.json").exists()
    assert embedder.cache.count(embedder.name) == 3


# -- precision (issue 16) ------------------------------------------------------------------

def test_precision_auto_follows_the_cpu_and_fp32_can_be_forced(monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    monkeypatch.setattr(embeddings, "cpu_bf16", lambda: True)
    assert embeddings.resolve_precision("auto") == "bf16"
    assert embeddings.resolve_precision("fp32") == "fp32"
    monkeypatch.setattr(embeddings, "cpu_bf16", lambda: False)
    assert embeddings.resolve_precision("auto") == "fp32"
    assert embeddings.resolve_precision("bf16") == "bf16"  # forced: slow, but honoured
    with pytest.raises(ConfigurationError, match="auto, fp32 or bf16"):
        embeddings.resolve_precision("int8")


def test_bad_precision_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from companion.config import SettingsError, load_settings

    monkeypatch.setenv("COMPANION_EMBEDDING_PRECISION", "half")
    with pytest.raises(SettingsError, match="COMPANION_EMBEDDING_PRECISION.*'half'"):
        load_settings()


def test_cpu_flags_are_read_from_cpuinfo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import builtins

    real_open = builtins.open
    info = tmp_path / "cpuinfo"

    def fake_open(path: Any, *args: Any, **kwargs: Any) -> Any:
        return real_open(info if path == "/proc/cpuinfo" else path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    info.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_vnni\n")
    assert embeddings.cpu_bf16() is False
    info.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16 amx_tile\n")
    assert embeddings.cpu_bf16() is True


def test_precision_is_part_of_the_cache_key_not_of_the_index_name(tmp_path: Path) -> None:
    fp32 = embeddings.SentenceTransformerEmbedder(precision="fp32")
    bf16 = embeddings.SentenceTransformerEmbedder(precision="bf16")
    # fp32 keeps the name vectors were always cached under (no re-embedding on upgrade)
    assert fp32.name == f"{embeddings.BUNDLED_MODEL_NAME}@{BUNDLED_MODEL_SHA256[:12]}"
    assert bf16.name == fp32.name + "+bf16"
    cache = EmbeddingCache(tmp_path / "e.sqlite")
    assert CachedEmbedder(fp32, cache).name != CachedEmbedder(bf16, cache).name
    # one guideline index for both: a deployment's ingested guidelines survive the switch
    assert embeddings.index_name(CachedEmbedder(bf16, cache)) == \
        embeddings.index_name(CachedEmbedder(fp32, cache)) == fp32.name


@pytest.mark.slow
def test_bf16_vectors_keep_the_fp32_neighbours(tmp_path: Path) -> None:
    """The same texts in both precisions: each text's nearest neighbour is the same, the
    two vectors of a text nearly identical, the order of the caller kept."""
    texts = [
        "I freeze when senior leaders challenge my numbers in quarterly reviews",
        "Present forecasts to the executive committee with confidence",
        "Delegate more of the weekly reporting to my team",
        "Give honest feedback to a peer who misses deadlines",
        "Build a business case for a new analytics platform",
        "Lead my first cross-functional project across three countries",
        "Handle conflict between two senior engineers on my team",
        "Grow tomatoes and run marathons at the weekend",
        "Short",
        "Negotiate budget with finance without losing the relationship, "
        "and explain trade-offs to stakeholders who are not technical",
    ]
    fp32 = embeddings.SentenceTransformerEmbedder(precision="fp32").embed(texts)
    bf16 = embeddings.SentenceTransformerEmbedder(precision="bf16").embed(texts)
    assert bf16.dtype == np.float32 and bf16.shape == fp32.shape
    same = np.sum(fp32 * bf16, axis=1)
    assert float(same.min()) > 0.99, same
    for vectors in (fp32, bf16):
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    # rows stay in the caller's order although the model sees them longest first
    one_by_one = np.vstack([embeddings.SentenceTransformerEmbedder(precision="fp32").embed([t])
                            for t in texts[:3]])
    assert np.allclose(one_by_one, fp32[:3], atol=1e-4)
    scores32, scores16 = fp32 @ fp32.T, bf16 @ bf16.T
    np.fill_diagonal(scores32, -1)
    np.fill_diagonal(scores16, -1)
    assert (scores32.argmax(axis=1) == scores16.argmax(axis=1)).all()
