"""Boilerplate drafts of conversation frameworks, from the conversation-frameworks.md passages."""

from __future__ import annotations

from typing import Any

from companion.evals.boilerplate.text import (
    Context,
    Feedback,
    Section,
    bullet_text,
    cite,
    sections,
    short,
    stems,
)

SOURCE = "conversation-frameworks.md"
GENERAL = "grow"  # the general-purpose framework when nothing matches better


def choose_framework(ctx: Context, feedback: Feedback) -> Section | None:
    """The framework whose name (first) and 'When to use' text best match the topic (or the
    first goal); a reviewer's note weighs most. Ties keep retrieval's order."""
    candidates = [s for s in sections(ctx.passages, SOURCE) if s.subsections("stage:")]
    if not candidates:
        return None
    wanted = stems(ctx.topic or (ctx.goals[0] if ctx.goals else ""))
    asked = stems(feedback.note_text)

    def score(section: Section) -> int:
        name = stems(section.name)
        when = stems(" ".join(line.text for line in section.sub("when to use")))
        return 4 * len(wanted & name) + len(wanted & when) + 6 * len(asked & name) \
            + 2 * len(asked & when)

    best = max(candidates, key=score)
    if score(best) < 2:  # one shared word in a long description is chance, not a fit
        best = next((s for s in candidates if s.name.lower() == GENERAL), best)
    return best


def draft_framework(ctx: Context,
                    feedback: Feedback) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The best-fitting framework's stages, prompts and pitfalls, framed on the situation."""
    situation = ctx.topic or (f"Working on the goal \"{short(ctx.goals[0], 100)}\""
                              if ctx.goals else "A mentoring conversation")
    situation = short(situation, 380) if len(situation) > 380 else situation
    if feedback.notes:
        situation += f". Reviewer's note: {short(feedback.note_text, 200)}"
    framework = choose_framework(ctx, feedback)
    if framework is None:
        return ({"name": "", "situation": situation, "steps": [], "pitfalls": [],
                 "note": "No conversation framework was among the retrieved guideline passages; "
                         "search the conversation frameworks and try again."}, [])
    steps = []
    citations: list[dict[str, str]] = []
    for heading, lines in framework.subsections("stage:"):
        prompts = [line for line in lines if line.text.startswith("- ")]
        if not prompts:
            continue
        steps.append({"stage": heading.split(":", 1)[1].strip(),
                      "prompts": [bullet_text(line) for line in prompts]})
        cite(citations, prompts[0].passage, bullet_text(prompts[0]))
    pitfalls = framework.bullets("pitfalls")
    for line in pitfalls[:1]:
        cite(citations, line.passage, bullet_text(line))
    return ({"name": framework.name, "situation": situation, "steps": steps,
             "pitfalls": [bullet_text(line) for line in pitfalls]}, citations)
