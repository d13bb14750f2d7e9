"""Guideline passages: what retrieval returns and what drafts cite."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Passage(BaseModel):
    """One heading-aware chunk of a guideline file in knowledge/."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Stable id: '<source>#<heading-slug>' plus a part number.")
    source: str = Field(description="Path such as 'knowledge/session-templates.md'.")
    heading: str = Field(description="Heading path, e.g. 'Session templates > Regular session'.")
    text: str = Field(description="The chunk's Markdown text (without the heading line).")
    title: str = Field("", description="The file's front-matter title.")
    topics: list[str] = Field(default_factory=list)
    phase: str = Field("all", description="launch | development | completion | all")
    audience: list[str] = Field(default_factory=list)
    kind: str = Field("guide", description="guide | template | framework | question_bank")
    score: float = Field(0.0, description="Similarity to the query (1 = identical).")
