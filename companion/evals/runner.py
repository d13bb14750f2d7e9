"""Running the suites: datasets and thresholds from `evals/`, a scratch home for the suites that
draft or search, the committed baseline, reports under `evals/reports/`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from companion.config import Settings
from companion.embeddings import Embedder
from companion.evals.baseline import compare, load_baseline, load_config, update_baseline
from companion.evals.report import SuiteResult
from companion.evals.workspace import Workspace, workspace
from companion.llm.base import ChatModel
from companion.services.progress import NoProgress, Progress

SUITES = ("matching", "retrieval", "drafting", "adversarial", "usefulness")


def default_root() -> Path:
    """The evals/ folder of the checkout (datasets, thresholds and the baseline live there)."""
    return Path(__file__).resolve().parents[2] / "evals"


@dataclass
class RunOptions:
    """What `companion eval` was asked to do."""

    suites: tuple[str, ...] = SUITES
    root: Path = field(default_factory=default_root)
    judge: str | None = None
    baseline: Path | None = None

    @property
    def baseline_path(self) -> Path:
        return self.baseline or self.root / "baseline.json"


@dataclass
class Context:
    settings: Settings
    embedder: Embedder
    space: Workspace
    options: RunOptions
    progress: Progress


def _matching(ctx: Context) -> SuiteResult:
    from companion.evals import formats, matching

    root = ctx.options.root / "matching"
    result = matching.run(root / "paraphrase.yaml", ctx.embedder, progress=ctx.progress)
    extra_path = root / "formats.yaml"
    if extra_path.is_file():
        extra = formats.run(extra_path, ctx.embedder, ctx.space.db, ctx.progress)
        result.metrics.update(extra.metrics)
        result.cases += extra.rows
        result.notes += extra.notes
        result.dataset += f", {extra_path}"
    result.notes.append(f"model setting: {ctx.settings.model} (the matching suite calls no "
                        "language model; it measures the embedder and the engine)")
    return result


def _retrieval(ctx: Context) -> SuiteResult:
    from companion.evals import retrieval

    return retrieval.run(ctx.options.root / "retrieval" / "queries.yaml",
                         lambda query, top: ctx.space.search(query, top),
                         knowledge=ctx.space.knowledge_dir, embedder_name=ctx.embedder.name,
                         progress=ctx.progress)


def chat_model(settings: Settings) -> ChatModel:
    """The model the drafting suites draft with: `boilerplate` is the frozen boilerplate
    drafter (no litellm), anything else goes through `model_from_settings`."""
    from companion.evals.boilerplate import BOILERPLATE_ALIAS, BoilerplateChatModel

    if settings.model.strip() == BOILERPLATE_ALIAS:
        return BoilerplateChatModel()
    from companion.llm import model_from_settings

    return model_from_settings(settings)


def _drafting(ctx: Context) -> SuiteResult:
    from companion.evals import drafting
    from companion.evals.judge import judge_from_settings, load_rubric

    root = ctx.options.root / "drafting"
    judge = judge_from_settings(load_rubric(root / "judge.yaml"), model=ctx.options.judge,
                                llm_api_base=ctx.settings.llm_api_base,
                                llm_api_key=ctx.settings.llm_api_key)
    return drafting.run(root / "cases.yaml", ctx.space, chat_model(ctx.settings), judge,
                        ctx.progress)


def _usefulness(ctx: Context) -> SuiteResult:
    from companion.evals import usefulness

    return usefulness.run(ctx.options.root / "usefulness" / "cases.yaml", ctx.space,
                          chat_model(ctx.settings), ctx.progress)


def _adversarial(ctx: Context) -> SuiteResult:
    from companion.evals import adversarial

    return adversarial.run(ctx.options.root / "adversarial" / "replays.yaml", ctx.space,
                           ctx.progress)


RUNNERS: dict[str, Callable[[Context], SuiteResult]] = {
    "matching": _matching, "retrieval": _retrieval, "drafting": _drafting,
    "adversarial": _adversarial, "usefulness": _usefulness,
}


def run_suites(settings: Settings, embedder: Embedder, options: RunOptions,
               progress: Progress | None = None) -> list[SuiteResult]:
    """Each chosen suite, with its thresholds applied and compared with the baseline."""
    progress = progress or NoProgress()
    baseline = load_baseline(options.baseline_path)
    results: list[SuiteResult] = []
    with workspace(settings, embedder) as space:
        ctx = Context(settings, embedder, space, options, progress)
        for name in options.suites:
            config = load_config(options.root / name / "thresholds.yaml", name)
            started = time.perf_counter()
            result = RUNNERS[name](ctx)
            result.seconds = round(time.perf_counter() - started, 2)
            result.thresholds = config.thresholds
            regressions, notes = compare(result, config, baseline.get(name))
            result.regressions = regressions
            result.notes += notes
            _mark_threshold_cases(result)
            results.append(result)
    return results


def _mark_threshold_cases(result: SuiteResult) -> None:
    """A case that stands for suite metrics (`metrics: [...]`) fails with them."""
    for case in result.cases:
        metrics = case.get("metrics")
        if isinstance(metrics, list):
            missed = [m for m in metrics if result.missed(m)]
            if missed:
                case["passed"] = False
                case["thresholds missed"] = ", ".join(missed)


def baseline_info(settings: Settings, embedder: Embedder) -> dict[str, dict[str, str]]:
    """What each suite's baseline was measured with."""
    return {
        "matching": {"model": "none (embedder and engine only)", "embedder": embedder.name},
        "retrieval": {"model": "none (embedder and Chroma only)", "embedder": embedder.name},
        "drafting": {"model": settings.model, "embedder": embedder.name},
        "adversarial": {"model": "recorded replies (openai/replay)", "embedder": embedder.name},
        "usefulness": {"model": settings.model, "embedder": embedder.name},
    }


def record_baseline(path: Path, results: list[SuiteResult], settings: Settings,
                    embedder: Embedder) -> None:
    update_baseline(path, results, baseline_info(settings, embedder))
