"""`companion knowledge ...`: ingest guideline folders and search them."""

from __future__ import annotations

from pathlib import Path

import typer

from companion.cli.app import app, get_embedder, settings
from companion.cli.output import BarProgress, OutputFormat, out, print_json, table

knowledge_app = typer.Typer(help="Program guidelines: ingest them and search them.",
                            no_args_is_help=True)
app.add_typer(knowledge_app, name="knowledge")

FORMAT = typer.Option(OutputFormat.table, "--format", help="table for people, json for scripts.")
EXCERPT = 160


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT else flat[:EXCERPT - 1].rsplit(" ", 1)[0] + " …"


@knowledge_app.command("ingest")
def ingest_(
    path: Path = typer.Argument(None, help="A folder of guideline .md files (or one file) to "
                                "add alongside the bundled knowledge/; default: knowledge/."),
    fmt: OutputFormat = FORMAT,
) -> None:
    """Bring the search index up to date: new and changed files are embedded, unchanged ones
    skipped, files deleted from an ingested folder removed. Exit 2 if any file was invalid
    (the others are still ingested)."""
    current = settings()
    from companion.retrieval import ingest

    report = ingest(current, get_embedder(current), None if path is None else [path],
                    progress=BarProgress())
    if fmt is OutputFormat.json:
        print_json(report.as_dict())
    else:
        table("Knowledge ingested", ["", "count"], [
            ["files added", report.files_added], ["files updated", report.files_updated],
            ["files unchanged", report.files_unchanged], ["files removed", report.files_removed],
            ["passages written", report.chunks_written],
            ["passages deleted", report.chunks_deleted],
            ["passages in the index", report.chunks_total]],
            caption=f"collection {report.collection}")
        if report.errors:
            table(f"Files not ingested ({len(report.errors)})", ["file", "problem"],
                  [[e.file, e.message] for e in report.errors])
    if report.errors:
        raise typer.Exit(2)


@knowledge_app.command("search")
def search_(
    query: str = typer.Argument(..., help="What to look for, in your own words."),
    top: int = typer.Option(5, "--top", help="How many passages (1-50)."),
    phase: str = typer.Option(None, "--phase", help="launch, development or completion "
                              "(passages for all phases are included) or all."),
    kind: str = typer.Option(None, "--kind", help="guide, template, framework or "
                             "question_bank."),
    source: str = typer.Option(None, "--source", help="Only this file, e.g. "
                               "knowledge/session-templates.md."),
    fmt: OutputFormat = FORMAT,
) -> None:
    """The guideline passages closest in meaning to QUERY, best first."""
    from companion.embeddings import for_queries
    from companion.retrieval import search

    current = settings()
    found = search(current, for_queries(get_embedder(current), current), query, top=top,
                   where={"phase": phase, "kind": kind, "source": source})
    if fmt is OutputFormat.json:
        print_json({"query": query, "passages": [p.model_dump(mode="json") for p in found]})
        return
    if not found:
        out.print("No passages match those filters.")
        return
    table(f"Guidelines for “{query}”", ["#", "score", "source", "heading", "excerpt"],
          [[rank, f"{p.score:.3f}", p.source, p.heading, _excerpt(p.text)]
           for rank, p in enumerate(found, 1)])
