"""Suite results and their JSON / Markdown reports."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass
class Threshold:
    """A metric that must stay at or above (`min`) or at or below (`max`) a bound.

    An `optional` threshold applies only when the metric was measured (the judge's metrics
    exist only when a judge model is configured)."""

    metric: str
    bound: float
    kind: str  # "min" | "max"
    optional: bool = False

    def passed(self, value: float) -> bool:
        return value >= self.bound if self.kind == "min" else value <= self.bound

    def describe(self) -> str:
        return f"{'≥' if self.kind == 'min' else '≤'} {self.bound:g}" + (
            " (when measured)" if self.optional else "")


@dataclass
class SuiteResult:
    """What one suite measured."""

    suite: str
    dataset: str
    metrics: dict[str, float]
    thresholds: list[Threshold]
    cases: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Metrics worse than the committed baseline by more than the tolerance, in words.
    regressions: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failures(self) -> list[str]:
        """Thresholds missed, in words ('hit_at_3 = 0.5 (needs ≥ 0.85)')."""
        found = []
        for t in self.thresholds:
            value = self.metrics.get(t.metric, float("nan"))
            if t.metric not in self.metrics and t.optional:
                continue
            if not t.passed(value):
                shown = "not measured" if math.isnan(value) else f"{value:.4g}"
                found.append(f"{t.metric} = {shown} (needs {t.describe()})")
        return found

    @property
    def passed(self) -> bool:
        return not self.failures and not self.regressions

    def missed(self, metric: str) -> bool:
        """Whether `metric` missed its threshold."""
        return any(f.startswith(f"{metric} = ") for f in self.failures)


def load_thresholds(data: dict[str, Any]) -> list[Threshold]:
    """`{metric: {min: x}}` or `{metric: {max: x}}` (optionally with `optional: true`) →
    Threshold list."""
    found = []
    for metric, bound in data.items():
        keys = set(bound) if isinstance(bound, dict) else set()
        kinds = keys & {"min", "max"}
        if len(kinds) != 1 or keys - {"min", "max", "optional"}:
            raise ValueError(f"threshold for {metric} must be {{min: x}} or {{max: x}}")
        kind = next(iter(kinds))
        value, optional = bound[kind], bound.get("optional", False)
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not isinstance(optional, bool):
            raise ValueError(f"threshold for {metric} must be {{min: x}} or {{max: x}} with a "
                             "number x (and optional: true|false)")
        found.append(Threshold(metric, float(value), kind, optional))
    return found


def write_reports(result: SuiteResult, folder: Path) -> tuple[Path, Path]:
    """Write `<suite>-<UTC time>.json` and `.md` under `folder`; return both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = folder / f"{result.suite}-{stamp}"
    payload = {**asdict(result), "passed": result.passed, "failures": result.failures}
    json_path = base.with_suffix(".json")
    json_path.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
    md_path = base.with_suffix(".md")
    md_path.write_text(markdown(result))
    return json_path, md_path


def _oneline(text: str) -> str:
    return " ".join(str(text).split())


def _cell(value: Any) -> str:
    return _oneline(str(value).replace("|", "\\|"))


def markdown(result: SuiteResult) -> str:
    lines = [f"# Eval: {result.suite}", "", f"Dataset: `{result.dataset}` — "
             f"**{'PASSED' if result.passed else 'FAILED'}**", "", "| metric | value | threshold |",
             "|---|---|---|"]
    bounds = {t.metric: t.describe() for t in result.thresholds}
    for metric, value in result.metrics.items():
        lines.append(f"| {metric} | {value:.4g} | {bounds.get(metric, '')} |")
    if result.failures:
        lines += ["", "## Thresholds missed", "", *[f"- {f}" for f in result.failures]]
    if result.regressions:
        lines += ["", "## Regressions against the baseline", "",
                  *[f"- {r}" for r in result.regressions]]
    failing = [c for c in result.cases if not c.get("passed")]
    if failing:
        lines += ["", f"## Failing cases ({len(failing)} of {len(result.cases)})", ""]
        for case in failing:
            why = [f"{v['grader']}: {v['reason']}" for v in case.get("verdicts", [])
                   if v["status"] == "failed"]
            lines.append(f"- **{case['id']}** — " + _oneline("; ".join(why) if why else
                                                              _summary(case)))
    if result.notes:
        lines += ["", "## Notes", "", *[f"- {n}" for n in result.notes]]
    lines += ["", "## Cases", ""]
    for case in result.cases:
        lines += _case(case)
    return "\n".join(lines) + "\n"


def _summary(case: dict[str, Any]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in case.items()
                     if k not in ("id", "passed", "tags", "inputs", "output", "verdicts"))


def _case(case: dict[str, Any]) -> list[str]:
    mark = "✅" if case.get("passed") else "❌"
    lines = [f"### {mark} {case['id']}"]
    for key, value in case.items():
        if key in ("id", "passed", "inputs", "output", "verdicts"):
            continue
        if isinstance(value, list):
            value = "; ".join(str(v) for v in value)
        lines.append(f"- **{key}**: {value}")
    if "verdicts" in case:
        lines += ["", "| grader | verdict | reason |", "|---|---|---|"]
        icon = {"passed": "✅ passed", "failed": "❌ failed", "skipped": "➖ skipped"}
        lines += [f"| {v['grader']} | {icon.get(v['status'], v['status'])} | "
                  f"{_cell(v['reason'])} |" for v in case["verdicts"]]
    for key, title in (("inputs", "Inputs"), ("output", "Output")):
        if key in case:
            lines += ["", f"<details><summary>{title}</summary>", "", "```json",
                      json.dumps(case[key], indent=2, ensure_ascii=False, default=str), "```",
                      "", "</details>"]
    lines.append("")
    return lines
