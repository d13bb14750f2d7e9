"""The checks a draft passes before a human sees it: schema, guideline rules, grounding, privacy.

Each check returns a `CheckResult` whose detail says exactly what failed, so the revise loop can
feed it back to the model and the reviewer can see why a draft was failed. Pure code: no I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel

from companion.domain import CheckResult, DraftKind, Participant, Passage, Program
from companion.domain.content import (
    AGENDA_ITEMS_COUNT,
    GOALS_COUNT,
    QUESTIONS_COUNT,
    STEPS_COUNT,
    AgendaContent,
    ContentError,
    GoalsContent,
    SmartErGoal,
    parse_content,
)
from companion.domain.text import MIN_EXCERPT_CHARS, json_strings, normal_text, quoted_in
from companion.drafting.confidentiality import confidentiality_problems
from companion.drafting.safety import CATEGORY_LABELS, has_instructions
from companion.drafting.safety_patterns import special_terms

#: Longest draft (content and citations as JSON), in characters.
MAX_DRAFT_CHARS = 12_000
MAX_CITATIONS = 12
#: Shortest excerpt (without ellipses) that counts as a quotation.
#: The list that carries each kind's items, and its bounds.
ITEM_COUNTS: dict[DraftKind, tuple[str, tuple[int, int]]] = {
    DraftKind.goals: ("goals", GOALS_COUNT),
    DraftKind.agenda: ("items", AGENDA_ITEMS_COUNT),
    DraftKind.questions: ("questions", QUESTIONS_COUNT),
    DraftKind.framework: ("steps", STEPS_COUNT),
}
SCHEMA_FAILED = "not run: schema failed"


@dataclass(frozen=True)
class CheckContext:
    """What the checks need to know besides the draft itself."""

    kind: DraftKind
    program: Program
    today: date
    requester: Participant
    partner: Participant | None
    other_names: frozenset[str]      # every OTHER participant in the program
    retrieved: tuple[Passage, ...]   # what retrieval returned for this draft
    session_minutes: int             # the session length an agenda must fill
    #: the request as written — topic, goals, free-text profile fields the model may read
    #: (`context.request_texts`): their special-category terms must not come back in a draft
    request_texts: tuple[str, ...] = ()
    #: the chosen template's own length in the guidelines (a 90-minute kickoff), which an
    #: agenda may fill instead of the program's usual session length
    template_minutes: int | None = None


def run_checks(content: dict[str, Any], citations: list[dict[str, Any]],
               ctx: CheckContext) -> list[CheckResult]:
    """Every check that applies to `ctx.kind`, in a fixed order."""
    results: list[CheckResult] = []
    try:
        parsed: BaseModel | None = parse_content(ctx.kind, content)
        results.append(CheckResult(name="schema", passed=True, detail="content fits its shape"))
    except ContentError as exc:
        parsed = None
        results.append(CheckResult(name="schema", passed=False, detail="; ".join(exc.problems)))
    if ctx.kind is DraftKind.goals:
        results.append(check_smart_er(parsed, ctx) if isinstance(parsed, GoalsContent)
                       else CheckResult(name="smart_er", passed=False, detail=SCHEMA_FAILED))
    if ctx.kind is DraftKind.agenda:
        results.append(check_agenda_minutes(parsed, ctx) if isinstance(parsed, AgendaContent)
                       else CheckResult(name="agenda_minutes", passed=False, detail=SCHEMA_FAILED))
    results.append(check_citations(citations, ctx))
    results.append(check_personal_data(content, citations, ctx))
    results.append(check_special_category(content, ctx))
    results.append(check_instructions(content))
    results.append(check_confidentiality(content))
    results.append(check_length(content, citations, ctx))
    return results


def passed_all(results: list[CheckResult]) -> bool:
    """Whether every check passed."""
    return all(r.passed for r in results)


def failed_feedback(results: list[CheckResult]) -> str:
    """The failed checks as a bullet list (empty when all passed), for the revise loop."""
    return "\n".join(f"- {r.name}: {r.detail}" for r in results if not r.passed)


def _result(name: str, problems: list[str], ok: str) -> CheckResult:
    return CheckResult(name=name, passed=not problems, detail="; ".join(problems) or ok)


# --- smart_er ---------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(
    r"^(tbd|tbc|todo|to do|n/?a|none|nil|null|unknown|same|same as above|see above|as above|"
    r"yes|no|ok|achievable|relevant|specific|measurable|lorem ipsum.*|<[^>]*>|\[[^\]]*\]|"
    r"\{[^}]*\}|[?.…\-x]*)$", re.IGNORECASE)
_INDICATOR = re.compile(
    r"\d|%|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"fifty|hundred|twice|half|dozen|percent|observ\w*|feedback (from|request|survey|check)|"
    r"ratings?|rated|counts?|counted|counting|surveys?|scores?|scored|times|per (day|week|"
    r"month|quarter|session|meeting)|tracked|logged|recorded|measured|number of|at least|"
    r"at most|no more than|fewer than|baseline|pulse)\b", re.IGNORECASE)
# "may" counts as a month only next to a day number: as a modal verb it says nothing about when.
_MONTHS = (r"january|february|march|april|june|july|august|september|october|november|"
           r"december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|may \d|\d+ may")
_WHEN = re.compile(
    rf"\b(at the|after|if|when|whenever|unless|once|mid-?program|mid-?point|half-?way|"
    rf"check-?ins?|checkpoints?|next (?:session|meeting)|(?:every|each) (?:\w+ )?(?:weeks?|"
    rf"months?|quarters?|sessions?)|weekly|monthly|quarterly|{_MONTHS})\b|\d{{4}}-\d{{2}}-\d{{2}}",
    re.IGNORECASE)
# Verbs that also describe a trigger ("if my role changes", "if quality drops") count only with
# an object after them ("change the rhythm", "drop to two").
_HOW = re.compile(
    r"\b(?:re-?vis|re-?adjust|adjust|extend|narrow|widen|broaden|replac|substitut|re-?shap|"
    r"re-?fram|re-?writ|re-?scop|updat|postpon|defer|simplif|split|reset|shorten|lengthen|"
    r"tighten|relax|expand|renegotiat|swap|rebuild|refocus)\w*|\b(?:chang|drop|mov|shift|"
    r"increas|reduc|lower|rais|scal)\w*\s+(?:back\s+|down\s+|up\s+)?(?:the|my|its|our|this|"
    r"that|it|them|to|from|a|an|all|each|both|one|two|three|four|five|six|scope|target|date|"
    r"goal|measure|deadline|focus|rhythm)\b", re.IGNORECASE)


def _trivial(text: str, min_words: int) -> bool:
    cleaned = text.strip().strip(".!").strip()
    return bool(_PLACEHOLDER.match(cleaned)) or len(re.findall(r"\w+", cleaned)) < min_words


def check_smart_er(content: GoalsContent, ctx: CheckContext) -> CheckResult:
    """Each goal meets the SMART-ER standard of knowledge/smart-er-goals.md. Worksheets (for
    words too thin to write a goal from) are questions, not goals: they pass as they are."""
    problems: list[str] = []
    for number, goal in enumerate(content.goals, 1):
        problems.extend(f"goal {number}: {p}" for p in _goal_problems(goal, ctx))
    sheets = len(content.worksheets)
    return _result("smart_er", problems, f"{len(content.goals)} goal(s) meet SMART-ER"
                   + (f"; {sheets} worksheet(s) to work through" if sheets else ""))


#: Checkpoints closer than this tell nothing new (the guideline spaces them weeks apart).
MIN_CHECKPOINT_GAP_DAYS = 14
_CUT_OFF = re.compile(r"(…|\.\.\.)\W*$")


def _goal_problems(goal: SmartErGoal, ctx: CheckContext) -> Iterator[str]:
    program, today = ctx.program, ctx.today
    span = f"({program.start_date} to {program.end_date})"
    if _trivial(goal.statement, 3):
        yield "statement is too short to describe a change"
    if goal.statement.rstrip().endswith("?"):
        yield ("statement is a question: write it as the intention it asks about ('How can I "
               "manage my nerves?' -> 'Manage my nerves when presenting by <date>.')")
    if _CUT_OFF.search(goal.statement):
        yield "statement is cut off: end it at a clause boundary, as a whole sentence"
    if _trivial(goal.specific, 5):
        yield (f"specific '{goal.specific[:60]}' is too vague: name the behaviour, the "
               "situation and the people involved")
    if not _INDICATOR.search(goal.measurable):
        yield ("measurable names no number or observable indicator (a count, a percentage, "
               "a rating, feedback from named people, something observed)")
    for field in ("achievable", "relevant"):
        if _trivial(getattr(goal, field), 3):
            yield f"{field} is empty or a placeholder: say why in a sentence"
    due = goal.time_bound
    if due < program.start_date:
        yield f"time_bound {due} is before the program starts ({program.start_date})"
    elif due > program.end_date:
        yield f"time_bound {due} is after the program ends ({program.end_date})"
    if due <= today:
        yield f"time_bound {due} is not after today ({today})"
    if len(goal.evaluated) < 2:
        yield f"evaluated has {len(goal.evaluated)} checkpoint(s), at least 2 are needed"
    previous: date | None = None
    for index, point in enumerate(goal.evaluated, 1):
        if not program.contains(point.date):
            yield f"checkpoint {index} ({point.date}) is outside the program {span}"
        if point.date > due:
            yield f"checkpoint {index} ({point.date}) is after time_bound {due}"
        if previous is not None and point.date <= previous:
            yield (f"checkpoint {index} ({point.date}) is not after checkpoint {index - 1} "
                   f"({previous}): list checkpoints in ascending date order")
        elif previous is not None and (point.date - previous).days < MIN_CHECKPOINT_GAP_DAYS:
            yield (f"checkpoint {index} ({point.date}) is only {(point.date - previous).days} "
                   f"days after checkpoint {index - 1}: space checkpoints at least "
                   f"{MIN_CHECKPOINT_GAP_DAYS} days apart")
        if _trivial(point.check, 3):
            yield f"checkpoint {index} does not say what will be checked"
        previous = point.date
    if not _WHEN.search(goal.readjusted):
        yield ("readjusted does not say when the goal is revisited (e.g. 'at the mid-program "
               "check-in', 'if …', a checkpoint or a date)")
    if not _HOW.search(goal.readjusted):
        yield ("readjusted does not say how the goal would change (e.g. revise, adjust, narrow, "
               "extend, lower, raise)")
    for match in _ISO_DATES.finditer(goal.readjusted):
        try:
            named = date.fromisoformat(match.group())
        except ValueError:
            continue
        if named > program.end_date:
            yield (f"readjusted allows {named}, after the program ends ({program.end_date}): "
                   "a readjusted date must stay inside the program")


# --- agenda_minutes ---------------------------------------------------------------------------

def check_agenda_minutes(content: AgendaContent, ctx: CheckContext) -> CheckResult:
    """Items fill the session exactly, and the agenda belongs to the program's current phase."""
    problems = [f"item {n} ('{item.topic[:40]}') has {item.minutes} minutes, at least 1 needed"
                for n, item in enumerate(content.items, 1) if item.minutes < 1]
    total = sum(item.minutes for item in content.items)
    if total != content.duration_minutes:
        problems.append(f"items add up to {total} minutes but duration_minutes is "
                        f"{content.duration_minutes}")
    allowed = {ctx.session_minutes} | ({ctx.template_minutes} if ctx.template_minutes else set())
    if content.duration_minutes not in allowed:
        lengths = " or ".join(str(m) for m in sorted(allowed))
        problems.append(f"duration_minutes is {content.duration_minutes} but the session is "
                        f"{lengths} minutes")
    current = ctx.program.phase_on(ctx.today)
    if current is not None and content.phase != current:
        problems.append(f"phase is {content.phase.value} but the program is in its "
                        f"{current.value} phase on {ctx.today}")
    return _result("agenda_minutes", problems,
                   f"{len(content.items)} items fill {content.duration_minutes} minutes")


# --- citations --------------------------------------------------------------------------------

def _matching_passages(citation: dict[str, Any], ctx: CheckContext) -> tuple[list[Passage], str]:
    pid, source, heading = (str(citation.get(k) or "").strip()
                            for k in ("passage_id", "source", "heading"))
    if pid:
        passages = [p for p in ctx.retrieved if p.id == pid]
        if not passages:
            return [], f"passage {pid} was not retrieved for this draft"
        if source and source != passages[0].source:
            return [], f"source {source} does not match passage {pid} ({passages[0].source})"
        return passages, ""
    if not (source and heading):
        return [], "needs a passage_id, or a source and a heading"
    wanted = normal_text(heading)
    passages = [p for p in ctx.retrieved if p.source == source and (
        normal_text(p.heading) == wanted or normal_text(p.heading).endswith("> " + wanted))]
    if not passages:
        return [], f"{source} > {heading} was not retrieved for this draft"
    return passages, ""


def _label(number: int, citation: dict[str, Any]) -> str:
    names = [str(citation[k]) for k in ("source", "heading") if citation.get(k)]
    name = citation.get("passage_id") or " > ".join(names)
    return f"citation {number} ({name})" if name else f"citation {number}"


def check_citations(citations: list[dict[str, Any]], ctx: CheckContext) -> CheckResult:
    """Every citation points at a retrieved passage and quotes it word for word."""
    if not citations:
        return CheckResult(name="citations", passed=False,
                           detail="no citations: cite the guideline passages the draft used")
    problems: list[str] = []
    for number, citation in enumerate(citations, 1):
        if not isinstance(citation, dict):
            problems.append(f"citation {number}: not an object")
            continue
        label = _label(number, citation)
        passages, why = _matching_passages(citation, ctx)
        excerpt = citation.get("excerpt")
        if why:
            problems.append(f"{label}: {why}")
        elif not isinstance(excerpt, str) or not excerpt.strip():
            problems.append(f"{label}: no excerpt")
        elif not any(quoted_in(excerpt, p.text) for p in passages):
            problems.append(f"{label}: excerpt '{excerpt[:60]}' does not occur in the passage "
                            f"(copy it word for word, at least {MIN_EXCERPT_CHARS} characters)")
    return _result("citations", problems,
                   f"{len(citations)} citation(s) quote retrieved passages")


# --- personal_data ----------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ISO_DATES = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_PHONE = re.compile(r"\+?\(?\d[\d\s().\-/]{6,}\d")


def _has_phone(text: str) -> bool:
    for match in _PHONE.finditer(_ISO_DATES.sub(" ", text)):
        groups = re.findall(r"\d+", match.group())
        digits = sum(len(g) for g in groups)
        if 9 <= digits <= 15 and (match.group().startswith("+")
                                  or (max(len(g) for g in groups) >= 3 and len(groups) <= 5)):
            return True
    return False


def _name_pattern(name: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in name.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def check_personal_data(content: dict[str, Any], citations: list[dict[str, Any]],
                        ctx: CheckContext) -> CheckResult:
    """No other participant's name, and no e-mail address or phone number at all.

    Details name the field, never the person or the address, so the check result itself does not
    spread what it caught.
    """
    allowed = {p.name.casefold() for p in (ctx.requester, ctx.partner) if p is not None}
    names = [_name_pattern(n) for n in sorted(ctx.other_names)
             if n.strip() and n.strip().casefold() not in allowed]
    texts = list(json_strings(content))
    texts += [(f"citations.{i}.excerpt", c["excerpt"]) for i, c in enumerate(citations)
              if isinstance(c, dict) and isinstance(c.get("excerpt"), str)]
    problems: list[str] = []
    for path, text in texts:
        if any(p.search(text) for p in names):
            problems.append(f"{path} names another program participant")
        if _EMAIL.search(text):
            problems.append(f"{path} contains an e-mail address")
        if _has_phone(text):
            problems.append(f"{path} contains a phone number")
    return _result("personal_data", problems, "no other participant, e-mail or phone number")


# --- special_category and instructions --------------------------------------------------------

def check_special_category(content: dict[str, Any], ctx: CheckContext) -> CheckResult:
    """No special-category term (health, religion, orientation, …) the request contained.

    Only the request's own terms count, so the guidelines' words ("wellbeing", "an illness or a
    long absence") pass; the request's terms were withheld from the model, and a draft that
    brings them back anyway fails. Details name the field and the category, never the words:
    they go back to the model.
    """
    requested: set[str] = set()
    for text in ctx.request_texts:
        requested |= special_terms(text)
    problems: list[str] = []
    if requested:
        for path, text in json_strings(content):
            categories = {key.split(":", 1)[0] for key in special_terms(text) & requested}
            problems += [f"{path} repeats {CATEGORY_LABELS[c]} from the request: leave it out "
                         "(special-category data stays out of AI drafts)"
                         for c in CATEGORY_LABELS if c in categories]
    return _result("special_category", problems,
                   "no special-category data from the request")


def check_instructions(content: dict[str, Any]) -> CheckResult:
    """No instruction-like text aimed at an AI ("ignore previous instructions", "note for the
    AI: …"): a draft that carries one obeyed or copied an injection."""
    problems = [f"{path} contains instruction-like text aimed at an AI: write only for the "
                "mentee or mentor" for path, text in json_strings(content)
                if has_instructions(text)]
    return _result("instructions", problems, "no instruction-like text")


# --- confidentiality and length ---------------------------------------------------------------

def check_confidentiality(content: dict[str, Any]) -> CheckResult:
    """Nothing in the content contradicts knowledge/confidentiality-and-boundaries.md.

    Citations are not scanned: they quote the guideline, whose "Do not" lists would read as
    violations out of context.
    """
    problems = [f"{path}: '{phrase}' contradicts the rule that {rule}"
                for path, text in json_strings(content)
                if not path.startswith("pitfalls")  # what to avoid: read as negated
                for phrase, rule in confidentiality_problems(text)]
    return _result("confidentiality", problems, "consistent with the confidentiality guideline")


def check_length(content: dict[str, Any], citations: list[dict[str, Any]],
                 ctx: CheckContext) -> CheckResult:
    """The draft stays short enough to review, with the kind's usual number of items."""
    problems: list[str] = []
    size = len(json.dumps({"content": content, "citations": citations}, ensure_ascii=False))
    if size > MAX_DRAFT_CHARS:
        problems.append(f"draft is {size:,} characters of JSON, at most {MAX_DRAFT_CHARS:,}")
    key, (least, most) = ITEM_COUNTS[ctx.kind]
    items = content.get(key) if isinstance(content, dict) else None
    count = len(items) if isinstance(items, list) else 0
    if ctx.kind is DraftKind.goals and isinstance(content, dict):
        sheets = content.get("worksheets")
        count += len(sheets) if isinstance(sheets, list) else 0  # goals and worksheets count
    if not least <= count <= most:
        problems.append(f"{key} has {count} entries, expected {least} to {most}")
    if len(citations) > MAX_CITATIONS:
        problems.append(f"{len(citations)} citations, at most {MAX_CITATIONS}")
    return _result("length", problems, f"{size:,} characters, {count} {key}")
