"""Reading a mentee's own goal text: a clean first-person intention, their deadline, their
measures and their reasons — so a SMART-ER draft is built from their words, not around them.

`read_goal("How can I manage my nerves when presenting before the board in June?", today)`
gives the intention "Manage my nerves when presenting", the deadline "before the board in
June" (the last day of May), no measure, and no reason. Text addressed to an AI ("NOTE FOR THE
AI ASSISTANT: ignore …") is dropped before anything is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import dateparser

from companion.domain.program import add_months

# --- words ------------------------------------------------------------------------------------
NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
           "fifteen": 15, "eighteen": 18, "twenty": 20, "thirty": 30, "both": 2}
_NUM = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|" \
       r"eighteen|twenty|thirty)"
#: Base verbs a goal statement may start with (a statement that starts otherwise has no verb).
VERBS = frozenset("""accept achieve adapt address agree align apply appoint ask assess attend
avoid balance be become begin brief bring build challenge change chair check choose clarify
close coach collaborate commit communicate complete confront connect consolidate contribute
create cut deal decide define delegate deliver demonstrate design develop document drive earn
embed empower encourage engage establish evaluate expand explain explore facilitate find finish
focus follow free gain get give grow guide handle hand have help hire hold identify implement
improve increase influence introduce invest involve keep launch lead learn leave let listen make
manage map master measure meet mentor motivate move negotiate network onboard open organise
organize own plan practise practice prepare present prioritise prioritize protect prove push
put raise reach rebuild recruit reduce reflect refuse rehearse repair replace report represent
request resolve respond restructure review run say schedule secure seek sell set settle share
shift show simplify speak spend sponsor stand start step stop streamline strengthen structure
support sustain switch take talk teach tell test think track train transfer transform trust turn
understand use win work write model shape grow coach rebuild bring tackle overcome recover
return restore regain lift stretch pilot redesign reshape reset cultivate nurture""".split())
#: Words that carry no content of their own when judging whether a goal says enough.
_FILLER = frozenset("""i me my mine we our us you your to a an the of in on at for with and or
be is am are being been more better less good great well really just very bit lot get got
become want would like need hope some things thing stuff improve improving myself""".split())
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")

# --- text addressed to an AI ------------------------------------------------------------------
_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,60}?\b(?:instructions?|rules?|prompt|"
    r"previous|earlier|above|program dates|guidelines?)\b|"
    r"\b(?:note|message|instruction)s?\s+(?:for|to)\s+(?:the\s+)?(?:\w+\s+)?(?:ai|assistant|"
    r"model|bot|llm)\b|^\s*(?:assistant|ai|system|model)\s*:|"
    r"\bto the (?:\w+\s+)?(?:ai|assistant|model)\b", re.I)


def without_injections(text: str) -> str:
    """`text` less the parentheses and sentences that give orders to an AI."""
    text = re.sub(r"\([^()]*\)", lambda m: "" if _INJECTION.search(m.group()) else m.group(),
                  text)
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    return " ".join(s for s in sentences if s and not _INJECTION.search(s)).strip()


# --- lead-ins and questions -------------------------------------------------------------------
_LEAD_IN = re.compile(
    r"^(?:i\s+(?:really\s+)?(?:want|would like|'d like|’d like|wish|need|hope|plan|aim|intend|"
    r"am going|'m going|’m going)\s+to|i'm hoping to|i am hoping to|(?:my|the)\s+(?:main\s+)?"
    r"goal\s+is\s+to|help\s+me(?:\s+to)?|i\s+will|i'll|i’ll|i\s+must|i\s+should|to|"
    r"be\s+able\s+to|goal\s*:)\s+", re.I)
_QUESTIONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^what\s+(?:can|could|should|do|might)\s+i\s+do\s+(?:to|so that)\s+(.+)$",
                re.I), r"\1"),
    (re.compile(r"^how\s+(?:can|could|should|do|might|would|will|shall)\s+i\s+(?:best\s+)?"
                r"(.+)$", re.I), r"\1"),
    (re.compile(r"^how\s+to\s+(.+)$", re.I), r"\1"),
    (re.compile(r"^(?:should|shall)\s+i\s+(.+)$", re.I), r"decide whether to \1"),
    (re.compile(r"^(?:can|could)\s+i\s+(.+)$", re.I), r"find out whether I can \1"),
    (re.compile(r"^(why|what|which|where|when|who)\s+(?:do|does|did)\s+(i|we|my [\w ]+?)\s+"
                r"(.+)$", re.I), r"work out \1 \2 \3"),
    (re.compile(r"^(why|what|which|where|when|who)\s+(can|should|could|would|am|is|are|must)\s+"
                r"(i|we|my [\w ]+?)\s+(.+)$", re.I), r"work out \1 \3 \2 \4"),
]


def intention(sentence: str) -> tuple[str, bool]:
    """The sentence as an intention in the mentee's voice, and whether it was a question:
    "How can I manage my nerves when presenting?" -> "Manage my nerves when presenting"."""
    text = sentence.strip().strip("\"“”'").strip()
    question = text.endswith("?")
    text = text.rstrip("?.!;: ")
    for _ in range(3):  # "I want to be able to …" has two lead-ins
        stripped = _LEAD_IN.sub("", text)
        if stripped == text:
            break
        text = stripped
    if question:
        text = text[:1].lower() + text[1:]
        for pattern, replacement in _QUESTIONS:
            if pattern.match(text):
                text = pattern.sub(replacement, text)
                break
        else:
            text = "work out " + text[:1].lower() + text[1:]
    text = re.sub(r"\bi\b", "I", text)  # the pronoun upper-case after rewriting
    return _gerund_to_base(text[:1].upper() + text[1:]), question


def _gerund_to_base(text: str) -> str:
    """"Delegating more to my team" -> "Delegate more to my team"."""
    first, _, rest = text.partition(" ")
    word = first.lower()
    if word.endswith("ing") and word not in VERBS:
        stem = word[:-3]
        for candidate in (stem, stem + "e", stem[:-1] if stem[-1:] == stem[-2:-1] else ""):
            if candidate in VERBS:
                return candidate.capitalize() + (" " + rest if rest else "")
    return text


def has_verb(text: str) -> bool:
    """Whether the intention starts with a verb (so "I will <text>" is a sentence)."""
    words = _WORD.findall(text)
    return bool(words) and words[0].lower() in VERBS


def thin_reason(text: str) -> str | None:
    """Why `text` is too thin to become an honest goal, or None when it is not."""
    words = _WORD.findall(text)
    meaningful = [w for w in words if w.lower() not in _FILLER]
    if len(words) < 4 or len(meaningful) < 2:
        return "it is only a few words"
    if not has_verb(text):
        return "it names a quality or a wish but no action"
    return None


# --- deadlines --------------------------------------------------------------------------------
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"]
_MONTH = (r"(?:january|february|march|april|june|july|august|september|october|november|"
          r"december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec|May)")
_DAY_MONTH = (rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?|"
              rf"{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|\d{{4}}-\d{{2}}-\d{{2}})")
_EVENT = (r"(?:reviews?|appraisals?|panels?|meetings?|board|launch|go-live|roll-?out|"
          r"reorgani[sz]ation|restructur\w*|audit|deadline|interviews?|conference|off-?site|forum|"
          r"assessment|promotion round|budget|cycle|planning|presentation|summit|inspection|"
          r"handover|merger|migration|release|kick-?off|retreat|away-?day|year-end|close|"
          r"committee|all-hands|town hall|quarter-end|visit|push|season|round)")
_EVENT_PHRASE = rf"((?:my|our|the|this|next|a)\s+(?:[\w'-]+\s+){{0,3}}?{_EVENT}(?:\s+{_EVENT})?)"
_SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
_QUARTER_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": 4}


@dataclass
class Deadline:
    """When the mentee said the goal is due, as they said it."""

    phrase: str
    """Their words: "before the promotion panel in April"."""
    day: date | None
    """The date those words give (not yet clamped into the program); None for an event only."""
    event: str | None = None
    """A milestone they named without a date: "my performance review"."""
    horizon: bool = False
    """A span ("in the next two years") rather than a deadline."""


def _settings(today: date) -> dict[str, object]:
    return {"RELATIVE_BASE": datetime(today.year, today.month, today.day),
            "PREFER_DATES_FROM": "future", "PREFER_DAY_OF_MONTH": "first",
            "DATE_ORDER": "DMY", "RETURN_AS_TIMEZONE_AWARE": False}


def parse_day(text: str, today: date) -> date | None:
    """A date from words with dateparser ("14 April", "April 2028", "in 18 months")."""
    found = dateparser.parse(text, languages=["en"], settings=_settings(today))
    return found.date() if found else None


def _month_start(name: str, today: date) -> date:
    """The first day of the named month: this year's if it has not ended, else next year's."""
    month = next(i for i, m in enumerate(_MONTHS, 1) if m.startswith(name.lower()[:3]))
    start = date(today.year, month, 1)
    return start if add_months(start, 1) > today else date(today.year + 1, month, 1)


def _month_of(text: str, today: date) -> date:
    year = re.search(r"\d{4}", text)
    name = re.search(_MONTH, text, re.I)
    assert name is not None
    start = _month_start(name.group(), today)
    return start.replace(year=int(year.group())) if year else start


def _quarter_end(quarter: int, year: int | None, today: date) -> date:
    end = add_months(date(year or today.year, 3 * (quarter - 1) + 1, 1), 3) - timedelta(days=1)
    return end if year or end >= today else add_months(end + timedelta(days=1), 12) \
        - timedelta(days=1)


def find_deadline(text: str, today: date) -> tuple[Deadline, tuple[int, int]] | None:
    """The mentee's deadline in `text` and where it stands, or None when they gave none."""
    day = timedelta(days=1)
    rules: list[tuple[str, object]] = [
        # "before the promotion panel in April", "ahead of my review on 14 May"
        (rf"\b(?:before|ahead of|by|in time for|prior to)\s+{_EVENT_PHRASE}\s+(?:in|on|at the "
         rf"end of)\s+({_DAY_MONTH}|{_MONTH}(?:\s+\d{{4}})?)\b",
         lambda m: Deadline(m.group(), _event_day(m.group(2), today) - day, m.group(1))),
        # "by the end of Q2", "before the end of the second quarter", "in Q3"
        (r"\b(?:by|before|until|at|in|for)?\s*(?:the\s+)?(end\s+of\s+)?(?:the\s+)?(?:q([1-4])|"
         r"(first|second|third|fourth|last)\s+quarter)(?:\s+(?:of\s+)?(\d{4}))?\b",
         lambda m: Deadline(m.group().strip(), _quarter_end(
             int(m.group(2) or _QUARTER_WORDS[(m.group(3) or "first").lower()]),
             int(m.group(4)) if m.group(4) else None, today))),
        # "by the end of the year", "end of this month"
        (r"\b(?:by|before|until)?\s*(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(year|month)\b",
         lambda m: Deadline(m.group().strip(), date(today.year, 12, 31) if m.group(1).lower()
                            == "year" else add_months(today.replace(day=1), 1) - day)),
        # "by the end of June"
        (rf"\b(?:by|before|until)?\s*(?:the\s+)?end\s+of\s+({_MONTH}(?:\s+\d{{4}})?)\b",
         lambda m: Deadline(m.group().strip(), add_months(_month_of(m.group(1), today), 1)
                            - day)),
        # "before the summer", "by the end of the summer", "this autumn"
        (r"\b(before|by|until|in|during|over|this|end of)\s+(?:the\s+)?(?:start\s+of\s+)?"
         r"(?:this\s+|next\s+|the\s+)?(spring|summer|autumn|fall|winter)\b",
         lambda m: Deadline(m.group(), _season(m.group(1), m.group(2), today))),
        # "in the next two years", "within 18 months"
        (rf"\b(?:in|within|over)\s+(?:the\s+)?(?:next\s+|coming\s+)?({_NUM}|a)\s+"
         rf"(years?|months?|weeks?)(?:'|’)?(?:\s+time)?\b",
         lambda m: Deadline(m.group(), _horizon(m.group(1), m.group(2), today), horizon=True)),
        # "by 30 June", "before 2027-06-30", "on May 14th"
        (rf"\b(by|before|until|on|no later than)\s+(?:the\s+)?({_DAY_MONTH})\b",
         lambda m: _explicit(m, today)),
        # "by April", "before March 2028", "in June", "by mid-May"
        (rf"\b(by|before|until|in)\s+(early\s+|mid-?\s*|late\s+)?({_MONTH}(?:\s+\d{{4}})?)\b",
         lambda m: Deadline(m.group(), _month_deadline(m.group(1), m.group(2), m.group(3),
                                                       today))),
        # "before my performance review", "ahead of the board meeting"
        (rf"\b(?:before|ahead of|in time for|prior to|by)\s+{_EVENT_PHRASE}\b",
         lambda m: Deadline(m.group(), None, m.group(1))),
    ]
    for pattern, build in rules:
        match = re.search(pattern, text, re.I)
        if match:
            try:
                found = build(match)  # type: ignore[operator]
            except (ValueError, AssertionError, StopIteration):
                continue
            if isinstance(found, Deadline):
                return found, match.span()
    return None


def _event_day(when: str, today: date) -> date:
    if re.search(r"\d", when) and not re.fullmatch(rf"{_MONTH}\s+\d{{4}}", when, re.I):
        parsed = parse_day(when, today)
        if parsed:
            return parsed
    return _month_of(when, today)


def _season(word: str, season: str, today: date) -> date:
    start = date(today.year, _SEASONS[season.lower()], 1)
    if add_months(start, 3) <= today:
        start = start.replace(year=today.year + 1)
    if word.lower() in {"before", "by", "until"}:
        return start - timedelta(days=1)
    return add_months(start, 3) - timedelta(days=1)


def _horizon(count: str, unit: str, today: date) -> date:
    number = NUMBERS.get(count.lower()) or int(count)
    parsed = parse_day(f"in {number} {unit.rstrip('s')}s", today)
    if parsed:
        return parsed
    months = number * (12 if unit.startswith("year") else 1)
    return add_months(today, months) if not unit.startswith("week") \
        else today + timedelta(weeks=number)


def _explicit(match: re.Match[str], today: date) -> Deadline:
    parsed = parse_day(match.group(2), today)
    if parsed is None:
        raise ValueError(match.group())
    before = match.group(1).lower() == "before"
    return Deadline(match.group(), parsed - timedelta(days=1) if before else parsed)


def _month_deadline(word: str, part: str | None, month: str, today: date) -> date:
    start = _month_of(month, today)
    part = (part or "").strip().lower().rstrip("-").strip()
    if part == "early":
        return start + timedelta(days=9)
    if part.startswith("mid"):
        return start + timedelta(days=14)
    if word.lower() in {"by", "before"} and part != "late":
        return start - timedelta(days=1)
    return add_months(start, 1) - timedelta(days=1)


# --- measures and reasons ---------------------------------------------------------------------
_UNIT = r"(?:day|week|fortnight|month|quarter|sprint|term|year)"
_FREQUENCY = re.compile(
    rf"(?:(?:at least|at most|about|around|up to|no more than|roughly)\s+)?"
    rf"(?:half\s+a\s+(?:day|morning|afternoon|hour)|(?:{_NUM}|an?)\s+(?:full\s+|half\s+|"
    rf"hour-long\s+|short\s+)?(?:days?|hours?|minutes?|mornings?|afternoons?|sessions?|"
    rf"conversations?|meetings?|times?|slots?)|once|twice|{_NUM}\s+times)\s+(?:a|an|per|"
    rf"every|each)\s+(?:{_NUM}\s+|second\s+|other\s+)?{_UNIT}s?\b|"
    r"\bevery\s+(?:second|other)\s+(?:monday|tuesday|wednesday|thursday|friday|week|month)\b",
    re.I)
_PEOPLE = re.compile(
    rf"(?:(?:each|all|both)\s+of\s+|all\s+)?(?:my|our|the)\s+(?:new\s+)?({_NUM})\s+"
    r"(?:[a-z-]+\s+){0,2}?(?:[a-z-]+s|people|staff)\b", re.I)
_COUNT = re.compile(rf"\b(?:at least\s+|at most\s+)?(?<!-)({_NUM})\s+(?!years?\b|months?\b|"
                    rf"weeks?\b|days?\b|hours?\b|times\b|quarters?\b|sprints?\b|terms?\b|"
                    rf"of\b|more\b|other\b)(?:[a-z-]+\s+){{0,2}}?[a-z]+s\b", re.I)
_PERCENT = re.compile(r"(?:from\s+(?:about\s+)?\d+\s?%?\s+to\s+)?\d+(?:\.\d+)?\s?(?:%|percent)",
                      re.I)
_FROM_TO = re.compile(rf"\bfrom\s+(?:about\s+|around\s+)?(?:{_NUM})\b[^,.;]{{0,30}}?\bto\s+"
                      rf"(?:{_NUM})\b[^,.;]{{0,20}}", re.I)
_REASON = re.compile(
    r"\b(so that|so I can|in order to|because|as I|since|instead of|rather than|without)\s+"
    r"(.+?)(?=,|;|\.|\bso that\b|\bbecause\b|\binstead of\b|\brather than\b|$)", re.I)


@dataclass
class Measure:
    """A measure the mentee gave, in their words."""

    text: str
    kind: str
    """"frequency", "people", "count" or "percent"."""


def find_measures(text: str, skip: tuple[int, int] | None = None) -> list[Measure]:
    """The measures in `text` (outside the span `skip`, their deadline), longest first in
    reading order: "at least half a day a week", "each of my six nurses", "three recurring
    tasks", "from 60% to 40%"."""
    found: list[tuple[int, int, Measure]] = []
    for kind, pattern in (("frequency", _FREQUENCY), ("percent", _PERCENT),
                          ("count", _FROM_TO), ("people", _PEOPLE), ("count", _COUNT)):
        for match in pattern.finditer(text):
            start, end = match.span()
            if skip and start < skip[1] and skip[0] < end:
                continue
            if any(start < e and s < end for s, e, _ in found):
                continue
            found.append((start, end, Measure(match.group().strip(), kind)))
    return [m for _, _, m in sorted(found, key=lambda f: f[0])]


def find_reasons(text: str) -> list[str]:
    """"so that …", "because …", "instead of …", "without …" clauses, as written."""
    return [f"{m.group(1).lower()} {m.group(2).strip()}" for m in _REASON.finditer(text)
            if m.group(2).strip()]


def people_count(measures: list[Measure]) -> int | None:
    """How many people a "people" measure names ("my two analysts" -> 2)."""
    for measure in measures:
        if measure.kind == "people":
            number = re.search(_NUM, measure.text, re.I)
            if number:
                word = number.group().lower()
                return int(word) if word.isdigit() else NUMBERS.get(word)
    return None


# --- the whole goal ---------------------------------------------------------------------------
_CLAUSE = re.compile(r",\s+|;\s+|\s+[—–-]\s+|\s+(?=(?:and then|so that|because|which|while|"
                     r"whereas|in order to)\b)", re.I)
STATEMENT_CHARS = 170


@dataclass
class GoalText:
    """One of the mentee's goals, read."""

    words: str
    """Their words, less anything addressed to an AI."""
    intention: str
    """The intention in their voice, without the deadline: "Manage my nerves when presenting"."""
    core: str
    """The intention shortened at clause boundaries to fit a one-sentence statement."""
    question: bool = False
    deadline: Deadline | None = None
    measures: list[Measure] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    rest: list[str] = field(default_factory=list)
    """Their further sentences, if any."""
    thin: str | None = None
    """Why the words are too thin for an honest goal (a worksheet is drafted instead)."""

    @property
    def core_lower(self) -> str:
        """The core as it reads inside a sentence ("manage my nerves when presenting")."""
        first = self.core.split(" ", 1)[0]
        keep = first == "I" or (first.isupper() and len(first) > 1)
        return self.core if keep else self.core[:1].lower() + self.core[1:]


#: Where the intention starts inside a sentence that opens with context ("In the next three
#: months, I want to …", "I avoid arguments …, and I want to …", "What I want from this program
#: is to …", "I'd value an outside view on how to …").
_MARKER = re.compile(
    r"(?:^|[,;:—–-]\s*|\band\s+|\bso\s+|\bbut\s+)(?P<lead>i\s+(?:really\s+)?(?:want|would like|"
    r"'d like|’d like|need|hope|plan|aim|intend)\s+to\b|my\s+(?:main\s+|real\s+)?goal\s+is\s+to\b|"
    r"what\s+i\s+(?:want|need|would like|'d like)\s+(?:[\w' ]{0,40}?\s+)?is\s+to\b|"
    r"i'?d\s+(?:like|value)\s+(?:a|an|some)\s+[\w' -]{0,40}?\s+(?:to|on\s+how\s+to)\b|"
    r"help\s+(?:me\s+)?to\b|how\s+(?:can|do|should|could)\s+i\b)", re.I)


def _intent(sentences: list[str]) -> tuple[int, str]:
    """(index of the sentence that carries the intention, the intention's text from its
    lead-in on): the first sentence that says what the mentee wants, else the first."""
    for index, sentence in enumerate(sentences):
        match = _MARKER.search(sentence)
        if match:
            lead = match.group("lead")
            start = match.start("lead")
            if re.match(r"i'?d\s+(?:like|value)\s+(?:a|an|some)\b", lead, re.I):
                return index, sentence[match.end("lead"):].strip()  # "…help to run …" → "run …"
            if re.match(r"what\s+i\b", lead, re.I):
                return index, sentence[match.end("lead"):].strip()  # "what I want … is to X"
            return index, sentence[start:].strip()
    return 0, sentences[0] if sentences else ""


def read_goal(text: str, today: date) -> GoalText:
    """`text` (one of the mentee's goals) read into its parts: the intention from the
    sentence that says what they want (the others are context), its deadline, measures and
    reasons."""
    words = without_injections(text) or " ".join(text.split())
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", words) if s.strip()]
    index, meant_text = _intent(sentences) if sentences else (0, words)
    before = sentences[index][: max(0, len(sentences[index]) - len(meant_text))] \
        if sentences else ""
    rest = [s for i, s in enumerate(sentences) if i != index]
    if before.strip(" ,;:"):
        rest.insert(0, before.strip(" ,;:"))  # "In the next three months" stays as context
    meant, question = intention(meant_text or words)
    found = find_deadline(meant, today)
    deadline, span = (found if found else (None, None))
    if deadline is None:
        for sentence in rest:
            later = find_deadline(sentence, today)
            if later:
                deadline = later[0]
                break
    bare = meant
    if span:  # the deadline's words come out of the intention (the statement dates it)
        bare = (meant[:span[0]] + " " + meant[span[1]:])
        bare = " ".join(bare.split()).strip(" ,;:-—")
        bare = re.sub(r"\s+(?:and|or|by|in|before)$", "", bare, flags=re.I)
        bare = re.sub(r"\s+([,;:])", r"\1", bare)
    measures = find_measures(meant, span) + [m for s in rest for m in find_measures(s)]
    reasons = find_reasons(bare) + [r for s in rest for r in find_reasons(s)]
    return GoalText(words=words, intention=bare, core=shorten(bare), question=question,
                    deadline=deadline, measures=measures, reasons=reasons,
                    rest=[s.strip() for s in rest], thin=thin_reason(bare))


def shorten(text: str, limit: int = STATEMENT_CHARS) -> str:
    """`text` cut back to whole clauses that fit `limit` characters — never mid-clause; a
    single clause longer than the limit is kept whole."""
    if len(text) <= limit:
        return text
    kept = ""
    for match in _CLAUSE.finditer(text):
        candidate = text[:match.start()]
        if len(candidate) > limit:
            break
        kept = candidate
    return (kept or text).strip(" ,;:-—")
