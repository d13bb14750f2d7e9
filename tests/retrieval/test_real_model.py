"""The bundled all-MiniLM-L6-v2 model over the real knowledge/ (slow: loads the model and
embeds every passage)."""

from __future__ import annotations

import pytest

from companion.config import Settings
from companion.embeddings import Embedder, get_embedder
from companion.retrieval import ingest, search

pytestmark = pytest.mark.slow

FEEDBACK = "how do I give feedback on missed deadlines"


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Embedder]:
    """The repository's knowledge/ embedded once for this module with the bundled model."""
    settings = Settings(home=tmp_path_factory.mktemp("real-model"))
    embedder = get_embedder(settings)
    report = ingest(settings, embedder)
    assert not report.errors and report.files_added >= 12
    return settings, embedder


@pytest.mark.parametrize(("query", "where", "source"), [
    pytest.param(FEEDBACK, None, "knowledge/conversation-frameworks.md", marks=pytest.mark.xfail(
        strict=True, reason="measured: the Feedback conversation framework ranks ~20th; the "
        "SMART-ER worked example 'Giving feedback' (about missed deadlines) and time-bound "
        "goal passages rank above it for this model")),
    (FEEDBACK, {"kind": "framework"}, "knowledge/conversation-frameworks.md"),
    ("what happens in the closing session", None, "knowledge/session-templates.md"),
    ("agenda for the closing session", {"source": "knowledge/session-templates.md"},
     "knowledge/session-templates.md"),
])
def test_the_bundled_model_finds_the_right_guideline(
        real: tuple[Settings, Embedder], query: str, where: dict[str, str] | None,
        source: str) -> None:
    found = search(*real, query, top=3, where=where)

    assert source in [p.source for p in found]


def test_the_closing_template_is_the_best_match_within_its_file(
        real: tuple[Settings, Embedder]) -> None:
    found = search(*real, "what happens in the closing session", top=1,
                   where={"source": "knowledge/session-templates.md"})

    assert [p.heading for p in found] == ["Session templates > Closing session"]
    assert found[0].phase == "completion" and 0.3 < found[0].score < 1
