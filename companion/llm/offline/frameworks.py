"""Offline drafts of conversation frameworks, from the conversation-frameworks.md passages.

The framework is the plan's choice (by meaning and situation mappings, in the drafting layer);
without a plan, the one whose name and "When to use" share the most words with the situation.
The draft is framed on the situation in the reader's voice: a mentee preparing their own
conversation, or a mentor using the framework with their mentee (then with the guideline's
advice for the mentor)."""

from __future__ import annotations

import re
from typing import Any

from companion.domain.content import MAX_TEXT
from companion.llm.offline.situation import (
    Directives,
    clean_phrase,
    counterpart,
    directives,
    excluded,
    followed_lists,
    overlap,
    rationale_note,
    subject,
)
from companion.llm.offline.text import (
    Context,
    Feedback,
    Line,
    Section,
    bullet_text,
    cite,
    first_sentence,
    sections,
    stems,
)

SOURCE = "conversation-frameworks.md"
GENERAL = "grow"  # the general-purpose framework when nothing matches better
#: Prompts per stage: enough to choose from in the conversation, few enough to read.
PROMPTS_PER_STAGE = 4
SHORT_PROMPTS = 2
MAX_SITUATION = MAX_TEXT  # the content shape's limit on the situation text


def _by_name(candidates: list[Section], name: str | None) -> Section | None:
    if not name:
        return None
    wanted = name.strip().lower()
    return next((s for s in candidates if s.name.strip().lower() == wanted), None)


def choose_framework(ctx: Context, feedback: Feedback) -> tuple[Section | None, str]:
    """The framework to draft, and why: the reviewer's named framework, else the plan's
    choice, else the best word match among the passages given (GROW when nothing fits)."""
    candidates = [s for s in sections(ctx.passages, SOURCE) if s.subsections("stage:")]
    if not candidates:
        return None, ""
    rules = directives(ctx, feedback)
    asked = _by_name(candidates, rules.framework)
    if asked is not None:
        return asked, "the reviewer asked for this framework by name"
    planned = ctx.plan.get("framework") or {}
    chosen = _by_name(candidates, planned.get("name"))
    if chosen is not None:
        return chosen, str(planned.get("reason") or "the plan chose it")
    allowed = [s for s in candidates if not excluded(s.name, rules)] or candidates
    wanted = stems(subject(ctx))
    asked_for = stems(" ".join(rules.focus))

    def score(section: Section) -> int:
        name = stems(section.name)
        when = stems(" ".join(line.text for line in section.sub("when to use")))
        return 4 * len(wanted & name) + len(wanted & when) + 6 * len(asked_for & name) + \
            2 * len(asked_for & when)

    best = max(allowed, key=score)
    if score(best) < 2:  # one shared word in a long description is chance, not a fit
        best = next((s for s in allowed if s.name.lower() == GENERAL), best)
        return best, "no framework fitted the situation clearly, so the general-purpose one"
    return best, "its 'When to use' shares the most words with the situation"


def _situation(ctx: Context, framework: Section, rules: Directives) -> str:
    about = clean_phrase(subject(ctx), 160) or "the conversation ahead"
    focus = [clean_phrase(f, 80) for f in rules.focus]
    if any(focus):
        about += ", focusing on " + " and ".join(f for f in focus if f)
    if ctx.voice == "mentor":
        about = re.sub(r"^(?:my|our|the) mentee(?:'s)?\s+", "", about, flags=re.I)
    when = framework.sub("when to use")
    purpose = first_sentence(when[0].text) if when else ""
    if ctx.voice == "mentor":
        text = (f"Your mentee's situation, as you describe it: {about}. Use the stages below "
                "to help them think it through — ask, listen and let them find their own "
                "answers rather than giving advice early.")
        advice = framework.sub("for the mentor")
        for sentence in re.findall(r"[^.!?]+[.!?]+", advice[0].text if advice else ""):
            if len(text) + len(sentence) + 1 > MAX_SITUATION:
                break
            text += " " + sentence.strip()
        return text
    other = counterpart(subject(ctx), "mentee")
    text = f"Preparing for: {about}."
    if other:
        text += f" Work through the stages with your mentor before you talk to {other}."
    elif purpose and len(text) + len(purpose) < MAX_SITUATION:
        text += " " + purpose
    return text[:MAX_SITUATION]


def _pick(prompts: list[Line], ctx: Context, rules: Directives, limit: int) -> list[Line]:
    """The stage's prompts closest to the situation (and the reviewer's focus), in the
    guideline's order; prompts about an excluded theme left out."""
    kept = [p for p in prompts if not excluded(p.text, rules)] or prompts
    about = " ".join([subject(ctx), *rules.focus])
    ranked = sorted(range(len(kept)), key=lambda i: (-overlap(kept[i].text, about), i))
    chosen = sorted(ranked[:limit])
    return [kept[i] for i in chosen]


def _personal(prompt: str, other: str | None) -> str:
    """The guideline's generic "the other person" made concrete ("your boss")."""
    if not other:
        return prompt
    return re.sub(r"\bthe other person\b", other, prompt, count=1)


def draft_framework(ctx: Context,
                    feedback: Feedback) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The chosen framework's stages, prompts and pitfalls, framed on the situation."""
    rules = directives(ctx, feedback)
    framework, why = choose_framework(ctx, feedback)
    if framework is None:
        about = clean_phrase(subject(ctx), 160) or "a mentoring conversation"
        return ({"name": "", "situation": about, "steps": [], "pitfalls": [],
                 "note": "No conversation framework was among the retrieved guideline passages; "
                         "search the conversation frameworks and try again."}, [])
    if rules.framework and framework.name.lower() == rules.framework.lower():
        rules.followed.append(f"used the {framework.name} framework as asked")
    elif rules.framework:
        rules.unfollowed.append(f"the {rules.framework} framework was not among the guideline "
                                "passages retrieved")
    limit = SHORT_PROMPTS if rules.shorter else PROMPTS_PER_STAGE
    if rules.shorter:
        rules.followed.append(f"at most {limit} prompts per stage")
    other = counterpart(subject(ctx), ctx.voice)
    steps = []
    citations: list[dict[str, str]] = []
    for heading, lines in framework.subsections("stage:"):
        prompts = [line for line in lines if line.text.startswith("- ")]
        if not prompts:
            continue
        picked = _pick(prompts, ctx, rules, limit)
        steps.append({"stage": heading.split(":", 1)[1].strip(),
                      "prompts": [_personal(bullet_text(line), other) for line in picked]})
        cite(citations, picked[0].passage, bullet_text(picked[0]))
    if rules.count and rules.count < len(steps):
        keep = max(2, rules.count)  # the content shape needs two stages
        steps = steps[: keep - 1] + steps[-1:]  # the opening stages and the commitment
        if keep == rules.count:
            rules.followed.append(f"{keep} stages")
        else:
            rules.unfollowed.append(f"{rules.count} stage: a framework needs at least two")
    if rules.exclude:
        rules.followed.append("left out prompts about " + ", ".join(rules.exclude))
    if rules.focus:
        rules.followed.append("put the prompts closest to " + ", ".join(rules.focus) + " first")
    pitfalls = framework.bullets("pitfalls")
    for line in pitfalls[:1]:
        cite(citations, line.passage, bullet_text(line))
    content: dict[str, Any] = {
        "name": framework.name, "situation": _situation(ctx, framework, rules), "steps": steps,
        "pitfalls": [bullet_text(line) for line in pitfalls[: 3 if rules.shorter else 8]]}
    content["rationale"] = {"framework": {"name": framework.name, "reason": why},
                            "voice": ctx.voice}
    content["rationale"].update(followed_lists(rules))
    note = rationale_note(rules)
    if note:
        content["note"] = note
    return content, citations
