"""LLM-layer fixtures: model requests off by default, the fake OpenAI server, and contexts
built from the real guideline files."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from companion.llm import block_model_requests
from tests.fake_openai import allow_model_requests, fake_openai  # noqa: F401 - fixtures

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
PROGRAM = {"name": "Pilot", "type": "one_to_one", "start_date": "2027-01-11",
           "end_date": "2028-01-10", "session_minutes": 60, "cadence_weeks": 4}
REQUESTER = {"id": "e1", "name": "Mentee e1", "role": "mentee", "department": "Engineering",
             "title": "Team lead",
             "goals": ["Delegate recurring work to my team instead of doing it myself",
                       "Give clear feedback on missed deadlines",
                       "Present to the leadership forum with confidence",
                       "A fourth goal that must be left out"]}
PARTNER = {"id": "m1", "name": "Mentor m1", "role": "mentor", "department": "Finance"}


@pytest.fixture(autouse=True)
def _no_model_requests() -> Iterator[None]:
    """A real model call from an LLM test fails loudly (the offline drafter still works)."""
    with block_model_requests():
        yield


def knowledge_passages(name: str) -> list[dict[str, str]]:
    """`knowledge/<name>` split on `## ` headings, as retrieval would hand them over."""
    text = (KNOWLEDGE / name).read_text(encoding="utf-8").split("---\n", 2)[2]
    title = re.search(r"^# (.+)$", text, re.M)
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    passages = []
    for heading, body in zip(parts[1::2], parts[2::2], strict=True):
        slug = re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")
        passages.append({"id": f"knowledge/{name}#{slug}-1", "source": f"knowledge/{name}",
                         "heading": f"{title[1] if title else name} > {heading.strip()}",
                         "text": body.strip()})
    return passages


def context_messages(kind: str, *, files: list[str], topic: str | None = None,
                     phase: str = "development", today: str = "2027-03-01",
                     feedback: list[str] | None = None,
                     **overrides: Any) -> list[dict[str, Any]]:
    """The agent's messages for `kind`, with every `## ` passage of `files`."""
    passages = [p for name in files for p in knowledge_passages(name)]
    context = {"kind": kind, "topic": topic, "phase": phase, "today": today,
               "program": PROGRAM, "requester": REQUESTER, "partner": PARTNER,
               "passages": passages, "feedback": feedback or []}
    context.update(overrides)
    user = (f"Draft the {kind}.\n\n```json context\n{json.dumps(context, indent=1)}\n```")
    return [{"role": "system", "content": "You draft mentoring artifacts as JSON."},
            {"role": "user", "content": user}]


@pytest.fixture
def make_messages() -> Callable[..., list[dict[str, Any]]]:
    return context_messages
