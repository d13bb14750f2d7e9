"""Search: ranking, scores, filters, bad queries, and the first search ingesting knowledge/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from companion.config import Settings
from companion.embeddings import HashingEmbedder
from companion.errors import BadInputError, ConfigurationError
from companion.retrieval import ingest, search
from companion.retrieval.chunking import embedding_text
from companion.retrieval.search import chroma_where
from companion.retrieval.store import open_store
from tests.retrieval.conftest import guideline


@pytest.fixture
def indexed(settings: Settings, embedder: HashingEmbedder, knowledge: Path) -> None:
    ingest(settings, embedder)


def test_the_first_search_ingests_the_bundled_guidelines(
        settings: Settings, embedder: HashingEmbedder, knowledge: Path) -> None:
    assert open_store(settings, embedder.name).count() == 0

    query = "The closing session is the last formal meeting of the mentoring pair"
    found = search(settings, embedder, query, top=3)

    assert found[0].id == "knowledge/session-templates.md#session-templates-closing-session"
    assert open_store(settings, embedder.name).count() > 100
    calls = len(embedder.calls)
    search(settings, embedder, "kickoff", top=1)
    assert len(embedder.calls) == calls + 1  # just the query: nothing ingested again


def test_results_are_ranked_with_cosine_scores(
        settings: Settings, embedder: HashingEmbedder, indexed: None) -> None:
    # The hashing embedder matches words, not meaning: the query quotes the passage it wants.
    text = ("Delegation and empowerment: what stops me from handing over work I know I "
            "should delegate?")
    found = search(settings, embedder, text, top=10)
    query = embedder.embed([text])[0]

    assert len(found) == 10
    assert [p.score for p in found] == sorted((p.score for p in found), reverse=True)
    assert found[0].id == "knowledge/question-bank.md#question-bank-delegation-and-empowerment"
    expected = float(embedder.embed([embedding_text(found[0])])[0] @ query)
    assert found[0].score == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(("where", "check"), [
    ({"kind": "template"}, lambda p: p.kind == "template"),
    ({"phase": "completion"}, lambda p: p.phase in ("completion", "all")),
    ({"phase": "all"}, lambda p: p.phase == "all"),
    ({"source": "knowledge/mentee-guide.md"}, lambda p: p.source == "knowledge/mentee-guide.md"),
    ({"phase": "launch", "kind": "template"},
     lambda p: p.phase == "launch" and p.kind == "template"),
    ({"phase": None, "kind": "framework", "source": None}, lambda p: p.kind == "framework"),
])
def test_filters(settings: Settings, embedder: HashingEmbedder, indexed: None,
                 where: dict[str, Any], check: Any) -> None:
    unfiltered = search(settings, embedder, "session agenda goals feedback", top=50)
    found = search(settings, embedder, "session agenda goals feedback", top=50, where=where)

    assert found and all(check(p) for p in found)
    assert not all(check(p) for p in unfiltered)  # the filter did something


def test_a_phase_also_matches_guidance_for_all_phases(
        settings: Settings, embedder: HashingEmbedder, indexed: None) -> None:
    found = search(settings, embedder, "session agenda goals feedback", top=50,
                   where={"phase": "completion"})

    assert {p.phase for p in found} == {"completion", "all"}


def test_phase_filter_picks_the_template_for_that_phase(
        settings: Settings, embedder: HashingEmbedder, indexed: None) -> None:
    found = search(settings, embedder, "session template agenda", top=3,
                   where={"phase": "completion", "kind": "template"})

    assert [p.heading for p in found] == ["Session templates > Closing session"]


@pytest.mark.parametrize(("query", "top", "where", "field"), [
    ("", 5, None, "query"),
    ("   \n", 5, None, "query"),
    ("feedback", 0, None, "top"),
    ("feedback", 51, None, "top"),
    ("feedback", 5, {"audience": "mentor"}, "audience"),
    ("feedback", 5, {"phase": "someday"}, "phase"),
    ("feedback", 5, {"kind": "poem"}, "kind"),
])
def test_bad_requests_are_refused(settings: Settings, embedder: HashingEmbedder, query: str,
                                  top: int, where: dict[str, str] | None, field: str) -> None:
    with pytest.raises(BadInputError) as error:
        search(settings, embedder, query, top=top, where=where)

    assert error.value.field == field
    assert embedder.calls == []  # refused before any work


@pytest.mark.parametrize(("where", "expected"), [
    (None, None),
    ({"phase": None}, None),
    ({"kind": "guide"}, {"kind": "guide"}),
    ({"phase": "launch"}, {"phase": {"$in": ["launch", "all"]}}),
    ({"phase": "all", "source": "knowledge/a.md"},
     {"$and": [{"phase": "all"}, {"source": "knowledge/a.md"}]}),
])
def test_chroma_where(where: dict[str, str | None] | None, expected: Any) -> None:
    assert chroma_where(where) == expected


def test_without_the_bundled_folder_the_users_own_guidelines_are_searched(
        settings: Settings, embedder: HashingEmbedder, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPANION_KNOWLEDGE_DIR", str(tmp_path / "missing" / "knowledge"))
    with pytest.raises(ConfigurationError, match="COMPANION_KNOWLEDGE_DIR"):
        search(settings, embedder, "stand-ups", top=1)  # nothing to search at all
    own = tmp_path / "playbook"
    own.mkdir()
    (own / "rituals.md").write_text(guideline(), encoding="utf-8")
    ingest(settings, embedder, [own])

    (hit,) = search(settings, embedder, "daily stand-up", top=1)

    assert hit.source == "playbook/rituals.md"
