"""What a grader says about a case (`Verdict`), and the part of a draft graders read
(`DraftOutput`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from companion.domain import DraftKind
from companion.domain.text import json_strings


class Status(StrEnum):
    """A grader's verdict."""

    passed = "passed"
    failed = "failed"
    skipped = "skipped"


@dataclass(frozen=True)
class Verdict:
    """What one grader said about one case, and why."""

    grader: str
    status: Status
    reason: str

    @property
    def passed(self) -> bool:
        return self.status is Status.passed

    @property
    def failed(self) -> bool:
        return self.status is Status.failed

    def as_dict(self) -> dict[str, str]:
        return {"grader": self.grader, "status": self.status.value, "reason": self.reason}


def passed(grader: str, reason: str) -> Verdict:
    return Verdict(grader, Status.passed, reason)


def failed(grader: str, reason: str) -> Verdict:
    return Verdict(grader, Status.failed, reason)


def skipped(grader: str, reason: str) -> Verdict:
    return Verdict(grader, Status.skipped, reason)


def verdict_of(grader: str, problems: Sequence[str], ok: str) -> Verdict:
    """Failed with the problems joined, or passed with `ok`."""
    return failed(grader, "; ".join(problems)) if problems else passed(grader, ok)


@dataclass(frozen=True)
class DraftOutput:
    """The part of a draft the graders read (the draft JSON shape of docs/architecture.md)."""

    kind: DraftKind
    status: str
    content: dict[str, Any]
    citations: list[dict[str, Any]]
    retrieved_ids: list[str] = field(default_factory=list)
    failure_reason: str | None = None

    @classmethod
    def from_draft(cls, draft: Any) -> DraftOutput:
        """From a `companion.domain.Draft`."""
        return cls(kind=DraftKind(draft.kind), status=str(draft.status.value),
                   content=dict(draft.content),
                   citations=[c.model_dump() for c in draft.citations],
                   retrieved_ids=list(draft.retrieved_ids), failure_reason=draft.failure_reason)

    def texts(self) -> list[tuple[str, str]]:
        """(path, text) of every string in the content."""
        return list(json_strings(self.content))

    def text(self) -> str:
        """The content's strings as one text (what a reader reads)."""
        return "\n".join(text for _, text in self.texts())

    def all_texts(self) -> list[tuple[str, str]]:
        """Content strings plus citation excerpts."""
        found = self.texts()
        found += [(f"citations.{i}.excerpt", str(c.get("excerpt") or ""))
                  for i, c in enumerate(self.citations)]
        return found


