"""Committed thresholds and tolerances (`evals/<suite>/thresholds.yaml`) and the committed
baseline (`evals/baseline.json`): a run fails when a metric misses its threshold, or falls
further than its tolerance below (or above, for `max` metrics) the baseline."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from companion.evals.datasets import DatasetError, read_data
from companion.evals.report import SuiteResult, Threshold, load_thresholds

DEFAULT_TOLERANCE = 0.02


@dataclass
class SuiteConfig:
    """One suite's thresholds and how far each metric may move against the baseline."""

    thresholds: list[Threshold]
    tolerance: dict[str, float] = field(default_factory=dict)

    def tolerance_for(self, metric: str) -> float:
        return self.tolerance.get(metric, self.tolerance.get("default", DEFAULT_TOLERANCE))


def load_config(path: Path, suite: str) -> SuiteConfig:
    """`thresholds.yaml`: `{<suite>: {metric: {min|max: x}}, tolerance: {default: x, metric:
    x}}`."""
    data = read_data(path)
    if not isinstance(data, dict) or not isinstance(data.get(suite), dict):
        raise DatasetError(path, f"needs a '{suite}:' mapping of metric: {{min: x}} or "
                                 "{max: x}", field=suite)
    try:
        thresholds = load_thresholds(data[suite])
    except ValueError as exc:
        raise DatasetError(path, str(exc), field=suite) from None
    raw = data.get("tolerance", {}) or {}
    if not isinstance(raw, dict) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and v >= 0
            for v in raw.values()):
        raise DatasetError(path, "tolerance must map metric names (or 'default') to numbers "
                                 "≥ 0", field="tolerance")
    return SuiteConfig(thresholds, {str(k): float(v) for k, v in raw.items()})


def load_baseline(path: Path) -> dict[str, Any]:
    """The committed baseline's suites (empty when there is no baseline file yet)."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DatasetError(path, f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
    suites = data.get("suites") if isinstance(data, dict) else None
    if not isinstance(suites, dict):
        raise DatasetError(path, "needs a 'suites' object", field="suites")
    return suites


def compare(result: SuiteResult, config: SuiteConfig, baseline: dict[str, Any] | None
            ) -> tuple[list[str], list[str]]:
    """(regressions, notes) of `result` against its suite's baseline entry.

    Only metrics with a threshold are compared: the threshold says which way is better."""
    if not baseline:
        return [], [f"no baseline for {result.suite} yet: record one with "
                    "`companion eval --update-baseline`"]
    values = baseline.get("metrics", {})
    regressions: list[str] = []
    improved: list[str] = []
    for threshold in config.thresholds:
        metric = threshold.metric
        if metric not in result.metrics or not isinstance(values.get(metric), int | float):
            continue
        now, then = result.metrics[metric], float(values[metric])
        if math.isnan(now):
            continue
        tolerance = config.tolerance_for(metric)
        worse = then - now if threshold.kind == "min" else now - then
        if worse > tolerance + 1e-9:
            direction = "fell" if threshold.kind == "min" else "rose"
            regressions.append(f"{metric} {direction} from {then:.4g} (baseline) to {now:.4g}, "
                               f"more than the {tolerance:g} tolerance")
        elif -worse > tolerance + 1e-9:
            improved.append(f"{metric} {then:.4g} → {now:.4g}")
    where = f"baseline measured with {baseline.get('model', '?')}"
    if baseline.get("measured_at"):
        where += f" on {baseline['measured_at']}"
    notes = [f"compared with the {where}"]
    if improved:
        notes.append("better than the baseline (record it with --update-baseline): "
                      + ", ".join(improved))
    return regressions, notes


def update_baseline(path: Path, results: list[SuiteResult], info: dict[str, dict[str, str]]
                    ) -> None:
    """Write the results' metrics into the baseline file, keeping other suites' entries."""
    suites = load_baseline(path)
    today = datetime.now(UTC).date().isoformat()
    for result in results:
        suites[result.suite] = {**info.get(result.suite, {}), "measured_at": today,
                                "metrics": {k: round(v, 6) for k, v in result.metrics.items()
                                            if not math.isnan(v)}}
    payload = {"about": "Metrics of `companion eval` measured on the default offline model and "
                        "the bundled embedder; a run fails when a thresholded metric moves "
                        "further than its suite's tolerance (evals/<suite>/thresholds.yaml) "
                        "in the wrong direction. Rewrite with `companion eval "
                        "--update-baseline` after an intended change.",
               "suites": dict(sorted(suites.items()))}
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
