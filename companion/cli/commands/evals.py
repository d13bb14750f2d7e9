"""`companion eval`: run the eval suites, write reports, compare with the baseline, fail below
threshold or on a regression."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

from companion.cli.app import app, get_embedder, settings
from companion.cli.output import BarProgress, OutputFormat, err, esc, out, print_json, table
from companion.errors import BadInputError

#: companion.evals.runner's SUITES, spelled out because --suite's help needs them at import
#: and the runner imports the embeddings, the store and the drafting models
#: (tests/cli/test_startup.py keeps the two equal).
SUITES = ("matching", "retrieval", "drafting", "adversarial", "usefulness")


def evals_root() -> Path:
    """The evals/ folder of the checkout (datasets and thresholds live there)."""
    from companion.evals.runner import default_root

    return default_root()


@app.command("eval")
def eval_(
    suite: str = typer.Option("all", "--suite", help=f"One of: all, {', '.join(SUITES)}."),
    model: str = typer.Option(None, "--model", help="litellm model string for the suites "
                              "that call a model (drafting, usefulness; default "
                              "COMPANION_MODEL), or 'boilerplate' for the deliberately "
                              "boilerplate drafter those suites are checked against."),
    judge: str = typer.Option(None, "--judge", help="litellm model string for the "
                              "LLM-as-judge grader (default COMPANION_EVAL_JUDGE_MODEL; "
                              "unset = judge skipped)."),
    reports: Path = typer.Option(None, "--reports", help="Folder for reports "
                                 "(default evals/reports)."),
    baseline: Path = typer.Option(None, "--baseline", help="Baseline file (default "
                                  "evals/baseline.json)."),
    update_baseline: bool = typer.Option(False, "--update-baseline", help="Record this run's "
                                         "metrics as the new baseline (refused when a "
                                         "threshold is missed)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """Run the eval suites; exit 1 when a committed threshold is missed or a metric regresses
    beyond its tolerance against the committed baseline."""
    from companion.evals.report import write_reports
    from companion.evals.runner import RunOptions, record_baseline, run_suites

    chosen = SUITES if suite == "all" else (suite,)
    unknown = [s for s in chosen if s not in SUITES]
    if unknown:
        raise BadInputError(f"unknown suite '{unknown[0]}': use all or {', '.join(SUITES)}",
                            field="suite")
    if model is not None:
        if not model.strip():
            raise BadInputError("--model is empty: give a litellm model string, 'offline' or "
                                "'boilerplate'", field="model")
        from companion.config import get_settings

        os.environ["COMPANION_MODEL"] = model.strip()
        get_settings.cache_clear()
    root = evals_root()
    options = RunOptions(suites=tuple(chosen), root=root, judge=judge, baseline=baseline)
    current = settings()
    embedder = get_embedder(current)
    results = run_suites(current, embedder, options, progress=BarProgress())
    updated = False
    if update_baseline:
        if any(r.failures for r in results):
            err.print("[bold red]baseline not updated:[/] a threshold is missed; fix that "
                      "first (or change the threshold on purpose)")
        else:
            record_baseline(options.baseline_path, results, current, embedder)
            updated = True
            for result in results:  # the new baseline is this run: nothing regressed from it
                result.regressions = []
                result.notes.append(f"recorded as the new baseline in {options.baseline_path}")
    folder = reports or root / "reports"
    summary: list[dict[str, Any]] = []
    for result in results:
        json_path, md_path = write_reports(result, folder)
        summary.append({"suite": result.suite, "passed": result.passed,
                        "metrics": result.metrics, "failures": result.failures,
                        "regressions": result.regressions, "seconds": result.seconds,
                        "report": str(md_path), "json": str(json_path)})
    passed = all(s["passed"] for s in summary)
    if fmt is OutputFormat.json:
        print_json({"suites": summary, "passed": passed, "baseline_updated": updated})
    else:
        _show(results, summary, updated, options.baseline_path)
    if not passed:
        err.print("[bold red]eval failed:[/] " + esc("; ".join(
            f"{s['suite']}: {', '.join(s['failures'] + s['regressions'])}"
            for s in summary if not s["passed"])))
        raise typer.Exit(1)


def _show(results: list[Any], summary: list[dict[str, Any]], updated: bool,
          baseline: Path) -> None:
    for result, item in zip(results, summary, strict=True):
        bounds = {t.metric: t.describe() for t in result.thresholds}
        status = "PASSED" if item["passed"] else "FAILED"
        table(f"Eval {result.suite}: {status} ({result.seconds:.1f} s)",
              ["metric", "value", "threshold", ""],
              [[m, f"{v:.3f}", bounds.get(m, ""),
                "" if m not in bounds else ("MISSED" if result.missed(m) else "ok")]
               for m, v in result.metrics.items()])
        for regression in item["regressions"]:
            out.print(f"  [bold red]regression:[/] {esc(regression)}")
        failing = [c["id"] for c in result.cases if not c.get("passed")]
        if failing:
            out.print(f"  failing cases ({len(failing)}): {esc(', '.join(failing[:12]))}"
                      + (" …" if len(failing) > 12 else ""))
        for note in result.notes:  # notes may quote dataset text
            out.print(f"  {esc(note)}")
        out.print(f"  report: {esc(item['report'])}")
    table("Summary", ["suite", "result", "cases", "failing cases", "seconds"],
          [[s["suite"], "passed" if s["passed"] else
            "FAILED: " + "; ".join(s["failures"] + s["regressions"]),
            len(r.cases), sum(1 for c in r.cases if not c.get("passed")), f"{s['seconds']:.1f}"]
           for r, s in zip(results, summary, strict=True)])
    if updated:
        out.print(f"baseline updated: {esc(baseline)}")
