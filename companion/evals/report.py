"""Suite results and their JSON / Markdown reports."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass
class Threshold:
    """A metric that must stay at or above (`min`) or at or below (`max`) a bound."""

    metric: str
    bound: float
    kind: str  # "min" | "max"

    def passed(self, value: float) -> bool:
        return value >= self.bound if self.kind == "min" else value <= self.bound

    def describe(self) -> str:
        return f"{'≥' if self.kind == 'min' else '≤'} {self.bound:g}"


@dataclass
class SuiteResult:
    """What one suite measured."""

    suite: str
    dataset: str
    metrics: dict[str, float]
    thresholds: list[Threshold]
    cases: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        return [f"{t.metric} = {self.metrics.get(t.metric, float('nan')):.4g} (needs "
                f"{t.describe()})" for t in self.thresholds
                if not t.passed(self.metrics.get(t.metric, float("nan")))]

    @property
    def passed(self) -> bool:
        return not self.failures


def load_thresholds(data: dict[str, Any]) -> list[Threshold]:
    """`{metric: {min: x}}` or `{metric: {max: x}}` → Threshold list."""
    found = []
    for metric, bound in data.items():
        if not isinstance(bound, dict) or len(bound) != 1 or next(iter(bound)) not in (
                "min", "max"):
            raise ValueError(f"threshold for {metric} must be {{min: x}} or {{max: x}}")
        kind, value = next(iter(bound.items()))
        found.append(Threshold(metric, float(value), kind))
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


def markdown(result: SuiteResult) -> str:
    lines = [f"# Eval: {result.suite}", "", f"Dataset: `{result.dataset}` — "
             f"**{'PASSED' if result.passed else 'FAILED'}**", "", "| metric | value | threshold |",
             "|---|---|---|"]
    bounds = {t.metric: t.describe() for t in result.thresholds}
    for metric, value in result.metrics.items():
        lines.append(f"| {metric} | {value:.4g} | {bounds.get(metric, '')} |")
    if result.failures:
        lines += ["", "## Failures", "", *[f"- {f}" for f in result.failures]]
    if result.notes:
        lines += ["", "## Notes", "", *[f"- {n}" for n in result.notes]]
    lines += ["", "## Cases", ""]
    for case in result.cases:
        mark = "✅" if case.get("passed") else "❌"
        lines.append(f"### {mark} {case['id']}")
        for key, value in case.items():
            if key not in ("id", "passed"):
                lines.append(f"- **{key}**: {value}")
        lines.append("")
    return "\n".join(lines) + "\n"
