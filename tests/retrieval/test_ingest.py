"""Incremental ingestion: unchanged files cost nothing, changed files are replaced, deleted
files disappear, and a bad file does not stop the others."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from companion.config import Settings
from companion.embeddings import HashingEmbedder
from companion.errors import BadInputError
from companion.retrieval import ingest, search
from companion.retrieval.chunking import chunk_text, embedding_text
from companion.retrieval.store import open_store
from tests.retrieval.conftest import guideline


def _embedded(embedder: HashingEmbedder) -> list[str]:
    return [text for call in embedder.calls for text in call]


def _sources(settings: Settings, embedder: HashingEmbedder) -> set[str]:
    return set(open_store(settings, embedder.name).files("knowledge"))


def test_first_ingest_adds_every_file_and_the_second_embeds_nothing(
        settings: Settings, embedder: HashingEmbedder, knowledge: Path) -> None:
    files = sorted(knowledge.glob("*.md"))
    expected = sum(len(chunk_text(f.read_text(encoding="utf-8"), f"knowledge/{f.name}"))
                   for f in files)

    first = ingest(settings, embedder)
    calls = len(embedder.calls)
    second = ingest(settings, embedder)

    assert (first.files_added, first.chunks_written, first.chunks_total) == (
        len(files), expected, expected)
    assert not first.errors and len(_embedded(embedder)) == expected
    assert len(embedder.calls) == calls  # nothing embedded the second time
    assert (second.files_added, second.files_updated, second.files_unchanged,
            second.chunks_written, second.chunks_deleted) == (0, 0, len(files), 0, 0)
    assert second.chunks_total == expected


def test_editing_one_file_re_embeds_only_its_passages(
        settings: Settings, embedder: HashingEmbedder, knowledge: Path) -> None:
    first = ingest(settings, embedder)
    path = knowledge / "mentor-guide.md"
    old = chunk_text(path.read_text(encoding="utf-8"), "knowledge/mentor-guide.md")
    text = path.read_text(encoding="utf-8")
    text = text.replace("## Listening well", "## Listening with full attention")
    text += "\n## Tea with a mentee\n\nA zebracorn tea ritual helps a nervous mentee relax.\n"
    path.write_text(text, encoding="utf-8")
    new = chunk_text(text, "knowledge/mentor-guide.md")
    before = len(embedder.calls)

    report = ingest(settings, embedder)

    assert (report.files_updated, report.files_unchanged) == (1, 13)
    assert [t for call in embedder.calls[before:] for t in call] == [
        embedding_text(p) for p in new]
    assert report.chunks_written == len(new)
    assert report.chunks_deleted == 1  # the old "listening-well" passage
    assert report.chunks_total == first.chunks_total - len(old) + len(new)
    top = search(settings, embedder, "zebracorn tea ritual", top=1)[0]
    assert top.id == "knowledge/mentor-guide.md#mentor-guide-tea-with-a-mentee"
    ids = {p.id for p in search(settings, embedder, "listening", top=50)}
    assert "knowledge/mentor-guide.md#mentor-guide-listening-well" not in ids
    assert "knowledge/mentor-guide.md#mentor-guide-listening-with-full-attention" in ids


def test_a_deleted_file_disappears_from_search(
        settings: Settings, embedder: HashingEmbedder, knowledge: Path) -> None:
    ingest(settings, embedder)
    query = "reverse mentoring junior colleague mentors a senior leader"
    assert "knowledge/reverse-mentoring.md" in {
        p.source for p in search(settings, embedder, query, top=5)}
    gone = len(open_store(settings, embedder.name).files("knowledge")
               ["knowledge/reverse-mentoring.md"].ids)

    (knowledge / "reverse-mentoring.md").unlink()
    report = ingest(settings, embedder)

    assert (report.files_removed, report.chunks_deleted) == (1, gone)
    assert "knowledge/reverse-mentoring.md" not in {
        p.source for p in search(settings, embedder, query, top=50)}
    assert "knowledge/reverse-mentoring.md" not in _sources(settings, embedder)


def test_a_bad_file_is_reported_and_the_others_are_ingested(
        settings: Settings, embedder: HashingEmbedder, knowledge: Path) -> None:
    (knowledge / "notes.md").write_text("# Notes without front matter\n", encoding="utf-8")
    (knowledge / "latin1.md").write_bytes(guideline().encode("utf-8") + b"caf\xe9\n")

    report = ingest(settings, embedder)

    assert report.files_added == 14
    assert sorted((e.file, e.message.split(": ", 1)[1][:20]) for e in report.errors) == [
        ("knowledge/latin1.md", "not UTF-8 text"), ("knowledge/notes.md", "no front matter; a g")]
    assert "knowledge/notes.md" not in _sources(settings, embedder)


def test_a_file_that_turns_bad_keeps_its_last_good_passages(
        settings: Settings, embedder: HashingEmbedder, knowledge: Path) -> None:
    ingest(settings, embedder)
    before = _sources(settings, embedder)
    (knowledge / "peer-mentoring.md").write_text("no front matter any more", encoding="utf-8")

    report = ingest(settings, embedder)

    assert [e.file for e in report.errors] == ["knowledge/peer-mentoring.md"]
    assert _sources(settings, embedder) == before
    assert report.files_updated == 0


def test_the_users_folder_is_added_alongside_and_tracked_on_its_own(
        settings: Settings, embedder: HashingEmbedder, knowledge: Path,
        write_guideline: Callable[..., Path]) -> None:
    ingest(settings, embedder)
    one = write_guideline("playbook/rituals.md")
    two = write_guideline("playbook/sub/hiring.md", guideline(
        "Hiring", "# Hiring\n\n## Interviews\n\nScore every candidate on the same rubric.\n"))
    write_guideline("playbook/.drafts/secret.md")

    report = ingest(settings, embedder, [one.parent])

    assert (report.files_added, report.chunks_written) == (2, 2)
    store = open_store(settings, embedder.name)
    assert set(store.files("playbook")) == {"playbook/rituals.md", "playbook/sub/hiring.md"}
    assert len(store.files("knowledge")) == 14  # untouched
    hit = search(settings, embedder, "interview candidate rubric", top=1)[0]
    assert (hit.id, hit.source) == ("playbook/sub/hiring.md#hiring-interviews",
                                    "playbook/sub/hiring.md")

    two.unlink()
    again = ingest(settings, embedder, [one.parent])
    assert (again.files_unchanged, again.files_removed) == (1, 1)
    assert len(open_store(settings, embedder.name).files("knowledge")) == 14


def test_a_single_file_is_ingested_without_touching_its_neighbours(
        settings: Settings, embedder: HashingEmbedder, knowledge: Path,
        write_guideline: Callable[..., Path]) -> None:
    one = write_guideline("playbook/rituals.md")
    two = write_guideline("playbook/hiring.md")
    ingest(settings, embedder, [one.parent])
    two.write_text(guideline("Hiring"), encoding="utf-8")

    report = ingest(settings, embedder, [one])

    assert (report.files_unchanged, report.files_updated, report.files_removed) == (1, 0, 0)
    assert set(open_store(settings, embedder.name).files("playbook")) == {
        "playbook/rituals.md", "playbook/hiring.md"}


@pytest.mark.parametrize("name", ["missing", "notes.txt", "knowledge"])
def test_bad_paths_are_refused_before_anything_is_written(
        settings: Settings, embedder: HashingEmbedder, knowledge: Path, tmp_path: Path,
        name: str) -> None:
    path = tmp_path / name
    if name == "notes.txt":
        path.write_text("hello", encoding="utf-8")
    elif name == "knowledge":
        path.mkdir()  # another folder called knowledge, not the bundled one

    with pytest.raises(BadInputError) as error:
        ingest(settings, embedder, [path])

    assert str(path) in str(error.value)
    assert open_store(settings, embedder.name).count() == 0


def test_each_embedding_model_gets_its_own_collection(
        settings: Settings, knowledge: Path) -> None:
    small, large = HashingEmbedder(64), HashingEmbedder(128)

    first = ingest(settings, small)
    second = ingest(settings, large)

    assert first.collection != second.collection
    assert second.files_added == 14  # nothing shared with the other model
    assert len(search(settings, large, "feedback", top=3)) == 3
