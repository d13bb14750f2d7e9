"""`companion knowledge ingest|search` through the real entry point."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from companion.cli import output
from companion.embeddings import HashingEmbedder
from tests import factories
from tests.retrieval.conftest import guideline

run = factories.run_cli


@pytest.fixture(autouse=True)
def fast_embedder(monkeypatch: pytest.MonkeyPatch) -> HashingEmbedder:
    embedder = HashingEmbedder()
    monkeypatch.setattr("companion.cli.commands.knowledge.get_embedder", lambda _s: embedder)
    return embedder


def test_ingest_json_then_table(capsys: pytest.CaptureFixture[str], knowledge: Path) -> None:
    code, out, err = run(capsys, "knowledge", "ingest", "--format", "json")

    assert code == 0, err
    data = json.loads(out)
    assert (data["files_added"], data["files_unchanged"], data["errors"]) == (14, 0, [])
    assert data["chunks_written"] == data["chunks_total"] > 100

    code, out, _ = run(capsys, "knowledge", "ingest")
    assert code == 0
    assert "files unchanged" in out and "│ 14 " in out
    assert f"passages in the index │ {data['chunks_total']}" in out


def test_ingest_a_folder_with_a_bad_file_reports_it_and_exits_2(
        capsys: pytest.CaptureFixture[str], knowledge: Path,
        write_guideline: Callable[..., Path]) -> None:
    good = write_guideline("playbook/rituals.md")
    write_guideline("playbook/broken.md", "---\ntitle: [oops\n---\n")

    code, out, err = run(capsys, "knowledge", "ingest", str(good.parent), "--format", "json")

    assert code == 2
    data = json.loads(out)
    assert data["files_added"] == 1
    assert [e["file"] for e in data["errors"]] == ["playbook/broken.md"]
    assert "not valid YAML" in data["errors"][0]["message"]
    assert "Traceback" not in err

    code, out, _ = run(capsys, "knowledge", "ingest", str(good.parent))
    assert code == 2 and "Files not ingested (1)" in out and "playbook/broken.md" in out


def test_ingest_a_missing_path_is_a_usage_error(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    code, out, err = run(capsys, "knowledge", "ingest", str(tmp_path / "nope"))

    assert code == 2 and out == ""
    assert "no such file or folder" in " ".join(err.split()) and "Traceback" not in err


def test_search_json_has_the_query_and_passages(capsys: pytest.CaptureFixture[str],
                                                knowledge: Path) -> None:
    code, out, err = run(capsys, "knowledge", "search", "session template agenda", "--top", "2",
                         "--phase", "completion", "--kind", "template", "--format", "json")

    assert code == 0, err
    data = json.loads(out)
    assert data["query"] == "session template agenda"
    (passage,) = data["passages"]  # only one template is for the completion phase
    assert set(passage) == {"id", "source", "heading", "text", "title", "topics", "phase",
                            "audience", "kind", "score"}
    assert passage["heading"] == "Session templates > Closing session"
    assert "- **Mutual feedback** (20 min) — " in passage["text"]


def test_search_table_escapes_user_text(capsys: pytest.CaptureFixture[str], knowledge: Path,
                                        write_guideline: Callable[..., Path],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output.out, "_width", 250)  # no folding inside the markup
    path = write_guideline("playbook/rituals.md", guideline(
        "'[bold]Rituals[/bold]'", "# Rituals\n\n## [red]Stand-ups[/red]\n\nKeep stand-ups "
        "short: [link=x]fifteen[/link] minutes.\n"))
    assert run(capsys, "knowledge", "ingest", str(path.parent))[0] == 0

    code, out, _ = run(capsys, "knowledge", "search", "stand-ups short fifteen minutes",
                       "--top", "1")

    assert code == 0, out
    assert "[red]Stand-ups[/red]" in out and "[link=x]fifteen[/link]" in out
    assert "playbook/rituals.md" in out and "score" in out


@pytest.mark.parametrize(("args", "message"), [
    (["  "], "search query is empty"),
    (["feedback", "--top", "0"], "top must be"),
    (["feedback", "--phase", "soon"], "phase 'soon' is not one of"),
])
def test_search_bad_input_exits_2(capsys: pytest.CaptureFixture[str], args: list[str],
                                  message: str) -> None:
    code, out, err = run(capsys, "knowledge", "search", *args)

    assert code == 2 and out == ""
    assert message in err
