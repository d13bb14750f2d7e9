"""The retrieval suite: questions people ask → the guideline files that should answer them.

Each query runs through `companion.retrieval.search` (the embedder, Chroma and the bundled
`knowledge/`, exactly as drafting uses them). Metrics, averaged over the cases:

- `recall_at_5`: the share of a case's expected files among the sources of the top 5 passages;
- `mrr`: 1 / the rank of the first passage from an expected file (0 beyond the top 10);
- `hit_at_1`: the first passage comes from an expected file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from companion.domain import Passage
from companion.evals.datasets import DatasetError, load_cases, read_data
from companion.evals.report import SuiteResult
from companion.services.progress import NoProgress, Progress

Search = Callable[[str, int], list[Passage]]
RECALL_AT = 5
MRR_DEPTH = 10


class RetrievalCase(BaseModel):
    """One query and the guideline files that should answer it."""

    model_config = ConfigDict(extra="forbid")

    id: str
    tags: list[str] = Field(min_length=1)
    query: str = Field(min_length=3, max_length=500)
    expected: list[str] = Field(min_length=1)

    @field_validator("expected")
    @classmethod
    def _sources(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not (v.startswith("knowledge/") and v.endswith(".md"))]
        if bad:
            raise ValueError(f"expected sources look like knowledge/<file>.md, not {bad[0]!r}")
        return value


def load(path: Path, knowledge: Path) -> list[RetrievalCase]:
    """The cases, each expected file checked to exist under `knowledge` (its parent folder
    holds `knowledge/`)."""
    cases = load_cases(RetrievalCase, read_data(path), path)
    for case in cases:
        for source in case.expected:
            if not (knowledge.parent / source).is_file():
                raise DatasetError(path, f"{source} does not exist", case=case.id,
                                   field="expected")
    return cases


def grade(case: RetrievalCase, passages: list[Passage]) -> dict[str, Any]:
    """One case's figures: recall@5, reciprocal rank, hit@1, and what came back."""
    expected = set(case.expected)
    top = [p.source for p in passages[:RECALL_AT]]
    recall = len(expected & set(top)) / len(expected)
    rank = next((n for n, p in enumerate(passages[:MRR_DEPTH], 1) if p.source in expected), 0)
    return {"recall_at_5": recall, "reciprocal_rank": 1 / rank if rank else 0.0,
            "hit_at_1": bool(passages) and passages[0].source in expected,
            "first_expected_rank": rank or None,
            "returned": [f"{p.source} > {p.heading.split(' > ', 1)[-1]} ({p.score:.2f})"
                         for p in passages[:RECALL_AT]]}


def run(dataset: Path, search: Search, *, knowledge: Path, embedder_name: str,
        progress: Progress | None = None) -> SuiteResult:
    """Every case of `dataset` through `search(query, top)`."""
    progress = progress or NoProgress()
    cases = load(dataset, knowledge)
    rows: list[dict[str, Any]] = []
    with progress.stage("Grading retrieval cases", len(cases)) as tick:
        for case in cases:
            figures = grade(case, search(case.query, MRR_DEPTH))
            missed = sorted(set(case.expected) - {r.split(" > ")[0] for r in
                                                  figures["returned"]})
            rows.append({
                "id": case.id, "passed": figures["recall_at_5"] == 1.0,
                "tags": ", ".join(case.tags), "query": case.query,
                "expected": ", ".join(case.expected),
                "recall_at_5": round(figures["recall_at_5"], 3),
                "first_expected_rank": figures["first_expected_rank"],
                "missed": ", ".join(missed) or "none",
                "top_5": figures["returned"],
                "_figures": figures})
            tick(1)
    n = len(rows)
    metrics = {
        "recall_at_5": sum(r["_figures"]["recall_at_5"] for r in rows) / n,
        "mrr": sum(r["_figures"]["reciprocal_rank"] for r in rows) / n,
        "hit_at_1": sum(r["_figures"]["hit_at_1"] for r in rows) / n,
        "cases": float(n),
    }
    for row in rows:
        del row["_figures"]
    notes = [f"embedding model: {embedder_name}",
             f"recall@{RECALL_AT} counts expected guideline files among the sources of the top "
             f"{RECALL_AT} passages; MRR looks {MRR_DEPTH} passages deep"]
    return SuiteResult("retrieval", str(dataset), metrics, [], rows, notes)
