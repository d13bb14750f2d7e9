"""LLM-as-judge: a rubric grader that asks a second model to score a draft, through the same
litellm layer as drafting.

Active only when a judge model is configured (`COMPANION_EVAL_JUDGE_MODEL`, or
`companion eval --judge MODEL`); otherwise every judge verdict is `skipped` with the reason, and
skipped never counts as passed. A judge answer that cannot be read is also `skipped` (with the
answer quoted) and counted under `judge_errors`: a broken judge must not fail — or pass — a
draft.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from companion.domain import DraftKind
from companion.errors import BadInputError
from companion.evals.datasets import read_data, validate
from companion.evals.verdicts import Verdict, failed, passed, skipped
from companion.llm.base import ChatModel, ModelError

NAME = "judge_rubric"
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.S)


class JudgeSettings(BaseSettings):
    """Where the judge model is (environment, prefix `COMPANION_EVAL_JUDGE_`)."""

    model_config = SettingsConfigDict(env_prefix="COMPANION_EVAL_JUDGE_", extra="ignore")

    model: str | None = Field(None, description="A litellm model string; unset = no judge.")
    api_base: str | None = Field(None, description="api_base for the judge (default: "
                                 "COMPANION_LLM_API_BASE).")
    api_key: str | None = Field(None, description="api_key for the judge (default: "
                                "COMPANION_LLM_API_KEY).")
    timeout: float = Field(60, gt=0)


class Rubric(BaseModel):
    """The judge's instructions (`evals/drafting/judge.yaml`)."""

    model_config = ConfigDict(extra="forbid")

    version: str
    pass_score: int = Field(ge=1, le=5)
    system: str
    criteria: dict[DraftKind, list[str]]


def load_rubric(path: Path) -> Rubric:
    return validate(Rubric, read_data(path), path)


class Judge:
    """Scores drafts 1–5 against the rubric; without a model, says why it is skipped."""

    def __init__(self, rubric: Rubric, model: ChatModel | None, *,
                 off_reason: str = "no judge model configured (set "
                                   "COMPANION_EVAL_JUDGE_MODEL or pass --judge)") -> None:
        self.rubric = rubric
        self.model = model
        self.off_reason = off_reason
        self.errors = 0

    @property
    def active(self) -> bool:
        return self.model is not None

    @property
    def name(self) -> str:
        return self.model.name if self.model is not None else "none"

    def messages(self, kind: DraftKind, request: dict[str, Any],
                 content: dict[str, Any]) -> list[dict[str, str]]:
        criteria = "\n".join(f"- {c}" for c in self.rubric.criteria[kind])
        user = (f"Draft kind: {kind.value}\n\nWhat was asked for:\n"
                f"{json.dumps(request, ensure_ascii=False, indent=1)}\n\n"
                f"Criteria:\n{criteria}\n\nThe draft:\n"
                f"{json.dumps(content, ensure_ascii=False, indent=1)}\n\n"
                'Answer with one JSON object: {"score": <1-5>, "reason": "<one or two '
                'sentences>"}')
        return [{"role": "system", "content": self.rubric.system},
                {"role": "user", "content": user}]

    def grade(self, kind: DraftKind, request: dict[str, Any],
              content: dict[str, Any]) -> Verdict:
        """The judge's verdict on one draft's content."""
        if self.model is None:
            return skipped(NAME, self.off_reason)
        if not content:
            return skipped(NAME, "no draft content to judge")
        try:
            answer = self.model.complete(self.messages(kind, request, content), json_mode=True)
        except ModelError as exc:
            self.errors += 1
            return skipped(NAME, f"the judge model failed: {exc}")
        score, reason = read_score(answer.text)
        if score is None:
            self.errors += 1
            return skipped(NAME, f"the judge's answer could not be read ({reason})")
        verdict = passed if score >= self.rubric.pass_score else failed
        return verdict(NAME, f"score {score}/5 (pass ≥ {self.rubric.pass_score}): {reason}")


def read_score(text: str) -> tuple[int | None, str]:
    """(score 1–5, reason) from a judge's answer, or (None, what was wrong)."""
    try:
        data = json.loads(_FENCE.sub("", text.strip()))
    except json.JSONDecodeError:
        return None, f"not JSON: {text[:80]!r}"
    score = data.get("score") if isinstance(data, dict) else None
    if isinstance(score, bool) or not isinstance(score, int | float) or not 1 <= score <= 5:
        return None, f"no score from 1 to 5: {text[:80]!r}"
    reason = str(data.get("reason") or "").strip() or "(no reason given)"
    return int(score), reason


def judge_from_settings(rubric: Rubric, *, model: str | None = None,
                        llm_api_base: str | None = None,
                        llm_api_key: str | None = None) -> Judge:
    """The configured judge: `model` (e.g. from --judge) or COMPANION_EVAL_JUDGE_MODEL."""
    from companion.llm.litellm_model import OFFLINE_ALIASES, LiteLLMChatModel

    config = JudgeSettings()
    chosen = (model or config.model or "").strip()
    if not chosen:
        return Judge(rubric, None)
    if chosen in OFFLINE_ALIASES:
        raise BadInputError("the offline drafter cannot judge drafts: set "
                            "COMPANION_EVAL_JUDGE_MODEL (or --judge) to a real litellm model, "
                            "or leave it unset to skip the judge", field="judge")
    return Judge(rubric, LiteLLMChatModel(chosen, config.api_base or llm_api_base,
                                          config.api_key or llm_api_key,
                                          timeout=config.timeout, name=f"judge:{chosen}"))
