"""`companion eval`: run the eval suites, write reports, fail below threshold."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

from companion.cli.app import app, settings
from companion.cli.output import BarProgress, OutputFormat, err, esc, out, print_json, table
from companion.config import get_settings
from companion.errors import BadInputError

SUITES = ("matching",)


def evals_root() -> Path:
    """The evals/ folder of the checkout (datasets and thresholds live there)."""
    return Path(__file__).resolve().parents[3] / "evals"


@app.command("eval")
def eval_(
    suite: str = typer.Option("all", "--suite", help=f"One of: all, {', '.join(SUITES)}."),
    reports: Path = typer.Option(None, "--reports", help="Folder for reports "
                                 "(default evals/reports)."),
    model: str = typer.Option(None, "--model", help="litellm model string for the suites "
                              "that call a model (default COMPANION_MODEL)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """Run the eval suites; exit 1 when a committed threshold is missed."""
    from companion.embeddings import get_embedder
    from companion.evals import matching
    from companion.evals.report import write_reports

    chosen = SUITES if suite == "all" else (suite,)
    unknown = [s for s in chosen if s not in SUITES]
    if unknown:
        raise BadInputError(f"unknown suite '{unknown[0]}': use all or {', '.join(SUITES)}",
                            field="suite")
    if model is not None:
        if not model.strip():
            raise BadInputError("--model is empty: give a litellm model string or 'offline'",
                                field="model")
        os.environ["COMPANION_MODEL"] = model.strip()
        get_settings.cache_clear()
    root = evals_root()
    folder = reports or root / "reports"
    results = []
    for name in chosen:
        if name == "matching":
            results.append(matching.run(root / "matching" / "paraphrase.yaml",
                                        get_embedder(settings()), progress=BarProgress()))
    summary: list[dict[str, Any]] = []
    for result in results:
        if result.suite == "matching":
            result.notes.append(f"model setting: {settings().model} (the matching suite calls "
                                "no language model; it measures the embedder and the engine)")
        json_path, md_path = write_reports(result, folder)
        summary.append({"suite": result.suite, "passed": result.passed,
                        "metrics": result.metrics, "failures": result.failures,
                        "report": str(md_path), "json": str(json_path)})
    if fmt is OutputFormat.json:
        print_json({"suites": summary, "passed": all(s["passed"] for s in summary)})
    else:
        for result, item in zip(results, summary, strict=True):
            bounds = {t.metric: t.describe() for t in result.thresholds}
            table(f"Eval {result.suite}: {'PASSED' if result.passed else 'FAILED'}",
                  ["metric", "value", "threshold", ""],
                  [[m, f"{v:.3f}", bounds.get(m, ""),
                    "" if m not in bounds else ("ok" if m not in " ".join(result.failures)
                                                else "MISSED")]
                   for m, v in result.metrics.items()])
            for note in result.notes:  # notes may quote dataset text
                out.print(f"  {esc(note)}")
            out.print(f"  report: {esc(item['report'])}")
    if not all(s["passed"] for s in summary):
        err.print("[bold red]eval failed:[/] " + esc("; ".join(
            f"{s['suite']}: {', '.join(s['failures'])}" for s in summary if not s["passed"])))
        raise typer.Exit(1)
