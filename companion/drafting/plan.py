"""The draft plan: which framework, question-bank competencies and session template fit a
request, chosen by meaning (the bundled embedding model over each option's "when to use" text)
plus explicit situation mappings, with the reasons in plain words; and what a reviewer's note
asks for (what to leave out, a framework by name, a number of items, a focus).

The plan goes into the model's context (`context["plan"]`), so the offline drafter follows it
and a real model gets the same advice, and into the draft's rationale, so a reviewer sees why.
Reasons never quote the request: it may hold what the drafts must not repeat.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from companion.drafting.catalogue import Catalogue, Option

Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Rule:
    """A situation people describe in their own words, and the option it calls for."""

    pattern: re.Pattern[str]
    option: str
    label: str           # what the situation is about, in plain words (never the request)
    weight: float = 0.35
    voice: str | None = None  # only for this voice


def _r(pattern: str, option: str, label: str, weight: float = 0.35,
       voice: str | None = None) -> Rule:
    return Rule(re.compile(pattern, re.I), option, label, weight, voice)


#: Situations → frameworks. Specific situations outweigh general ones (weights); the embedding
#: similarity decides among several hits and when none hits.
FRAMEWORK_RULES: tuple[Rule, ...] = (
    _r(r"no clear (?:plan|goal|focus)|never picks? a|can'?t (?:pin down|settle on|choose) a goal|"
       r"not sure (?:what|where) to (?:work on|start|focus)|what to work on first|"
       r"(?:don'?t|doesn'?t) know where to start|vague (?:goal|idea)|wants? to be more \w+ but",
       "GROW", "a wish without a clear goal yet", 0.45),
    _r(r"burn-?\s?out|overwhelm|exhaust|not coping|can'?t cope|struggling to cope|"
       r"at breaking point|close to tears|crying|in crisis|breakdown|stressed|\bstress\b|"
       r"off sick|signed off|not sleeping|wellbeing|mental health",
       "Supporting a mentee under strain", "a mentee under strain", 0.55, voice="mentor"),
    _r(r"\b(?:say(?:ing)?|said) no\b|push(?:ing)? back|turn(?:ing)? down|\bdeclin|refus|"
       r"piles? (?:on|more)|more work than|workload with my (?:manager|boss)|"
       r"(?:wants|asked|asking) me to take (?:on|over)|can'?t do both",
       "Difficult-conversation rehearsal", "saying no or pushing back", 0.45),
    _r(r"difficult (?:conversation|talk|chat)|hard (?:conversation|talk)|awkward|confront|"
       r"raise (?:a|the) (?:problem|issue|concern)|conflict with|disagree(?:ment)?s? with|"
       r"avoid(?:ing)? (?:disagreements|conflict|the conversation)|tell (?:him|her|them) that",
       "Difficult-conversation rehearsal", "a difficult conversation to prepare", 0.4),
    _r(r"negotiat|pay rise|salary|\bcounter-?offer|more budget|budget request|headcount|"
       r"more resources|trade-?off with|agree (?:a |the )?(?:deadline|scope)|"
       r"ask(?:ing)? for (?:a |more )?(?:raise|pay|money|budget|resources|headcount)|"
       r"\ba raise\b|pay increase|bigger budget",
       "Negotiation preparation", "a negotiation", 0.5),
    _r(r"present(?:ing|ation)?s?\b|pitch|keynote|\bpanel\b|interview|speak(?:ing)? (?:to|at|in "
       r"front)|stage fright|nerves? (?:when|before)|board meeting|town ?hall|all-hands",
       "Presentation rehearsal", "presenting or a panel", 0.5),
    _r(r"(?:tough|bad|poor|negative|disappointing|harsh|critical|difficult) (?:performance )?"
       r"(?:review|appraisal|rating|feedback)|setback|\bfail(?:ed|ure)\b|passed over|"
       r"didn'?t get (?:the|a|my)|was rejected|went wrong|mistake|lost (?:the|a|our|my)(?: \w+)?"
       r" (?:client|customer|bid|deal|account|contract|tender)|missed (?:out|my target)|"
       r"(?:was|is) my fault|blame myself",
       "Reflecting on a setback", "a setback to learn from", 0.55),
    _r(r"\bgiv(?:e|ing) (?:\w+ )?feedback|feedback (?:to|for)|keeps? missing|underperform|"
       r"performance conversation|tell (?:a|my) (?:report|team member)|behaviou?r (?:of|in) "
       r"(?:my|a) (?:report|team)|miss(?:ed|es|ing) (?:\w+ )?deadlines|"
       r"tell(?:ing)? (?:him|her|them|a|my|the|our) \w+ (?:\w+ )?(?:that|about|his|her|their|"
       r"how)|undermin|talks? over me|interrupts?|comments in meetings",
       "Feedback conversation", "giving feedback on behaviour", 0.45),
    _r(r"career|next (?:role|move|step)|apply(?:ing)? for|promotion|job offer|director role|"
       r"(?:stay|leave|move) (?:in|at|to|towards|from|into)|where i want to be|"
       r"long-term direction|job[- ]hunt|job search|made redundant|(?:new|next) job|"
       r"(?:switch|chang)(?:e|es|ing)? (?:careers?|roles?|functions?|"
       r"jobs?)|into (?:product|management|leadership|a new role)",
       "Career conversation", "a career choice", 0.42),
    _r(r"stakeholder|buy-?in|win (?:the )?support|\binfluenc|without (?:formal )?authority|"
       r"coalition|sponsor|get (?:\w+ )?on board|across departments|no (?:formal )?authority|"
       r"\bback (?:my|our|the) (?:business case|proposal|plan|idea)|business case|sign-?off|"
       r"on (?:my|our) side|\bbehind (?:my|our|the) (?:plan|roadmap|idea|proposal|campaign)",
       "Stakeholder-mapping conversation", "winning support from others", 0.45),
    _r(r"\bdecid|decision|choose between|choice between|whether (?:to|or)|weigh(?:ing)? up|"
       r"pros and cons|should (?:i|we) \w+.{0,60}\bor\b",
       "Decision-making conversation", "a decision to make", 0.3),
    _r(r"\bchange\b|reorg|restructur|merg(?:er|ed|ing)|transformation|switch(?:ing)? to|transition|"
       r"new (?:system|operating model|structure)|roll-?out|layoffs?|redundanc|being cut|"
       r"(?:job|role|budget) cuts|cut(?:ting)? (?:roles|jobs|posts)",
       "Leading through change", "leading people through a change", 0.35),
    _r(r"former (?:peers?|colleagues?)|used to be (?:part of|one of)|promoted over|"
       r"friends? (?:now )?report|team i (?:used to be|was) (?:part of|in)|"
       r"manag(?:e|ing) (?:my )?(?:old|former) (?:team|colleagues|friends)|"
       r"(?:who|that) (?:were|was|used to be) my (?:friends?|peers?|colleagues?|teammates?)|"
       r"(?:old|former) (?:colleagues|teammates|peers|friends) (?:now )?report|"
       r"now report(?:s)? to me|my (?:old|former) (?:peers|teammates)",
       "Leading former peers", "leading former peers", 0.6),
    _r(r"\bremote\b|distributed|hybrid|time ?zones?|virtual team|across (?:sites|countries|"
       r"offices)|never (?:see|meet) (?:my|the) team",
       "Leading a remote team", "leading a team at a distance", 0.5),
    _r(r"return(?:ing)? (?:to work )?(?:from|after)|back (?:at work )?(?:from|after) "
       r"(?:leave|parental|maternity|paternity|sabbatical|time away|a break|time off)|"
       r"parental leave|maternity|paternity|sabbatical|time away from work|career break",
       "Returning from leave", "returning after time away", 0.6),
)

_SETBACK = (r"(?:tough|bad|poor|negative|disappointing|harsh|critical|difficult) (?:performance )?"
            r"(?:review|appraisal|rating)|setback|\bfail(?:ed|ure)\b|passed over|went wrong|"
            r"didn'?t get (?:the|a|my)|was rejected|mistake")

#: Situations → question-bank competencies.
COMPETENCY_RULES: tuple[Rule, ...] = (
    _r(_SETBACK, "Self-awareness", "learning from a setback", 0.45),
    _r(_SETBACK, "Resilience and wellbeing", "recovering from a setback", 0.4),
    _r(r"delegat|hand(?:ing|ed|s)? (?:[\w-]+ ){0,4}(?:over|off)\b|let go of|redo(?:ing)?|"
       r"micromanag|bottleneck|stop checking|do it myself|doing (?:their|it) (?:work )?myself",
       "Delegation and empowerment", "delegation", 0.4),
    _r(r"feedback|performance review|appraisal", "Giving and receiving feedback", "feedback",
       0.3),
    _r(r"stakeholder|buy-?in|win (?:the )?support|influenc|without (?:formal )?authority|"
       r"no (?:formal )?authority|sponsor|coalition|on (?:my|our) side|on board|\bbehind (?:my|"
       r"our|the) (?:plan|roadmap|idea|proposal|campaign)|win (?:\w+ )?over|"
       r"relationship with (?:sales|finance|operations|marketing|procurement|the \w+ team|"
       r"other (?:teams|departments))|cross-functional|other departments",
       "Influence and stakeholder management", "influence", 0.4),
    _r(r"present|speak up|concise|executive|leadership meeting|board|\bpanel\b|nerves",
       "Presenting with impact", "presenting", 0.3),
    _r(r"present|speak up|concise|executive presence|leadership meeting|board",
       "Communication and executive presence", "communication", 0.3),
    _r(r"\bchange\b|reorg|restructur|merg(?:er|ed|ing)|transformation|switch(?:ing)? to|"
       r"transition|move to (?:the |a )?new|new (?:\w+ )?(?:system|warehouse|site|office|"
       r"process|tool|structure)|roll-?out|migrat", "Leading change", "leading change", 0.4),
    _r(r"\bdecid|decision|whether (?:to|or)|choose", "Decision making", "decisions", 0.3),
    _r(r"career|promotion|next (?:role|move|step)|apply(?:ing)? for|director role",
       "Career direction", "career direction", 0.35),
    _r(r"burn-?\s?out|overwhelm|exhaust|stress|energy|resilien|wellbeing|late at night|"
       r"long hours|firefighting", "Resilience and wellbeing", "resilience", 0.25),
    _r(r"one-to-ones?|1:1|my (?:new )?team|team leads?|conflict|on-call|hiring|rota|"
       r"clash|tension|fall(?:ing)? out|at odds|supervisors|escalations",
       "Building and leading teams", "leading a team", 0.35),
    _r(r"strateg|long-term|three-year|five-year|big picture|firefighting|vision",
       "Strategic thinking", "strategic thinking", 0.3),
    _r(r"inclusi|divers|belonging|equit", "Inclusive leadership", "inclusion", 0.35),
    _r(r"negotiat|pay rise|salary|budget request|headcount|saying no|push back",
       "Negotiation", "negotiation", 0.35),
    _r(r"\bremote\b|distributed|hybrid|time ?zones?|virtual team",
       "Leading remote and hybrid teams", "remote teams", 0.4),
    _r(r"former (?:peers?|colleagues?)|used to be (?:part of|one of)|promoted over|"
       r"team i (?:used to be|was) (?:part of|in)", "Leading former peers", "former peers",
       0.45),
    _r(r"return(?:ing)? (?:to work )?(?:from|after)|parental leave|maternity|paternity|"
       r"sabbatical|time away from work|career break", "Returning from leave",
       "returning from leave", 0.45),
    _r(r"confiden|self-?doubt|imposter|impostor|blind spot|how i come across|my habits",
       "Self-awareness", "self-awareness", 0.3),
)

#: Situations → session templates (they outweigh the phase default).
TEMPLATE_RULES: tuple[Rule, ...] = (
    _r(r"haven'?t met|have not met|not met (?:for|since)|lapsed?|gap of|\brestart|"
       r"re-?engag|fallen off|missed (?:the last|several|a few|our last) (?:sessions|meetings)|"
       r"been a while|cancell?ed (?:twice|several|again)|(?:weeks|months) since (?:we|our)",
       "Re-engagement session", "sessions that lapsed", 0.8),
    _r(r"kick-?off|first (?:session|meeting)|getting to know|introduc",
       "Kickoff session", "the first meeting", 0.8),
    _r(r"goal[- ]setting|set(?:ting)? (?:our |my |the )?goals|agree (?:on )?(?:my |the )?goals|"
       r"(?:draft|proper|smart(?:-er)?) goals|writ(?:e|ing) (?:up )?(?:my |our )?goals|"
       r"turn(?:ing)? .{0,40}into (?:\w+ )?goals", "Goal-setting session", "setting goals", 0.8),
    _r(r"mid-?program|mid-?point|half-?way|check-?in", "Mid-program check-in",
       "the half-way review", 0.8),
    _r(r"closing (?:session|meeting)|clos(?:e|ing) (?:the|our) (?:relationship|program|"
       r"programme|mentoring)|final (?:session|meeting)|last session|wrap(?:ping)? up (?:the|"
       r"our)|ending (?:the|our)|end of (?:the |our )?(?:program|programme|relationship)|"
       r"saying goodbye",
       "Closing session", "the end of the relationship", 0.8),
)
GENERAL = "GROW"  # the general-purpose framework
#: Below this similarity, with no situation mapping, no specific framework fits clearly.
CLEAR_FIT = 0.40
#: The template for sessions that lapsed, and how much a lapse in the data weighs: more than
#: the phase (0.55 at most), less than a request naming another session (0.8).
REENGAGEMENT = "Re-engagement session"
LAPSE_WEIGHT = 0.7
_PHASE_DEFAULT = {"launch": "Kickoff session", "development": "Regular session",
                  "completion": "Closing session"}

#: "after a session" questions only when the request is about a mentoring session just held.
_AFTER = re.compile(r"\b(?:after|since|following) (?:the|our|this|today'?s|last|my|yesterday'?s)"
                    r" (?:mentoring )?(?:session|meeting with my mentor|conversation with my "
                    r"mentor)|debrief (?:the|our|this) session|what i (?:learned|took away) "
                    r"(?:in|from) (?:the|our|this) session|capture (?:the )?learning", re.I)


_OCCASION = frozenset("""what i we learned learn learning after before the our this last next
session sessions meeting mentor mentee mentoring reflect reflection prepare preparing for questions
agenda notes capture today takeaways a of on my""".split())


def _says_something(topic: str | None) -> bool:
    """Whether a topic names a theme, not only the occasion ("after the session")."""
    words = re.findall(r"[a-z']+", (topic or "").lower())
    return any(w not in _OCCASION for w in words)


# --- the reviewer's note ------------------------------------------------------------------------

_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10, "a single": 1, "single": 1}
_COUNT = re.compile(r"\b(?:only|just|at most|no more than|exactly|max(?:imum)?|keep it to|"
                    r"limit (?:it )?to|cut (?:it )?to|down to)?\s*(\d+|one|two|three|four|five|"
                    r"six|seven|eight|nine|ten|a single|single)\s+(?:\w+\s+)?(questions?|items?|"
                    r"goals?|steps?|stages?|points?|blocks?)\b", re.I)
_EXCLUDE = re.compile(
    r"\b(?:nothing (?:about|on|to do with)|no (?:more )?(?:questions? |items? |goals? |"
    r"mention )?(?:about|on|of)|not about|(?:do not|don'?t|dont) (?:include|mention|cover|"
    r"talk about|ask about|use|want|bring up)|without|leave out|drop(?: the)?|skip(?: the)?|"
    r"remove(?: the)?|avoid|less (?:about|on)|stop (?:asking|talking) about|not (?:the|a) )"
    r"\s*(?P<what>[^.;!?]+)", re.I)
_FOCUS = re.compile(r"\b(?:focus (?:more )?on|more (?:about|on)|concentrate on|centred on|"
                    r"centered on|about|prioriti[sz]e|emphasi[sz]e|work on|keep it on|stick to|"
                    r"stay on|look at|talk about)\s+(?P<what>[^.;!?]+)", re.I)
_USE = re.compile(r"\b(?:use|try|switch to|instead|rather|go with|prefer|want|apply)\b", re.I)
_SHORTER = re.compile(r"\b(?:shorter|briefer|more concise|too long|fewer|trim|cut (?:it )?down|"
                      r"less text|tighter)\b", re.I)
_LONGER = re.compile(r"\b(?:longer|more detail|too short|more questions|more items|expand|"
                     r"too few)\b", re.I)
_LANGUAGE = re.compile(r"\bin (?:spanish|german|french|italian|portuguese|dutch|polish|"
                       r"swedish|japanese|chinese)\b", re.I)
_PERSONAL = re.compile(r"phone|e-?mail|address|salary of|private number", re.I)
#: A clause that asks for something (not context like "I'm happy in my role").
_REQUEST = re.compile(r"\b(?:should|make|add|use|include|change|needs? to|could you|can you|"
                      r"rewrite|replace|put|give|write|remove|turn|mention)\b", re.I)
_SPLIT_CLAUSE = re.compile(r"\s*(?:[.;!?]+|\bbut\b|,\s*(?:and\b)?|\band (?:also|please)\b)\s*",
                           re.I)


@dataclass
class NotePlan:
    """What a reviewer's note asks of the next version."""

    text: str
    exclude: list[str] = field(default_factory=list)       # themes to leave out
    exclude_options: list[str] = field(default_factory=list)  # options those themes name
    focus: list[str] = field(default_factory=list)          # themes to centre on
    framework: str | None = None                            # a framework asked for by name
    count: int | None = None
    shorter: bool = False
    longer: bool = False
    unfollowed: list[str] = field(default_factory=list)     # requests the drafter cannot meet


def _clean(what: str) -> str:
    what = re.split(r"[,:;—–]|\b(?:and|but|please|instead|use|try|switch|rather)\b", what,
                    maxsplit=1)[0]
    return what.strip(" ,:'\"").rstrip(".")


def _names_in(text: str, options: list[Option]) -> list[Option]:
    """Options the text names: the whole name, or its distinctive first words
    ('the feedback framework', 'stakeholder map', 'GROW')."""
    low = text.lower()
    found = []
    for option in options:
        name = option.name.lower()
        head = re.split(r"[ -]", name)[0]
        if name in low or (len(head) >= 4 and re.search(rf"\b{re.escape(head)}", low)
                           and head not in {"leading", "giving", "building"}):
            found.append(option)
    return found


def read_note(note: str, catalogue: Catalogue, kind: str) -> NotePlan:
    """A reviewer's note as directives. Negation is read first ("nothing about leading
    change" excludes the theme, never asks for it); a framework named with "use / instead"
    is asked for; counts and "shorter" shape the draft; what cannot be done is listed."""
    plan = NotePlan(text=note)
    options = catalogue.of("framework") + catalogue.of("competency")
    for clause in [c for c in _SPLIT_CLAUSE.split(note) if c and c.strip()]:
        understood = False
        positive = clause  # the clause without what it rules out
        for match in _EXCLUDE.finditer(clause):
            what = _clean(match["what"])
            if what:
                plan.exclude.append(what)
                plan.exclude_options += [o.name for o in _names_in(what, options)]
                understood = True
                ruled_out = clause[match.start():match.start("what") + match["what"].find(what)
                                   + len(what)]
                positive = positive.replace(ruled_out, " ")
        named = [o for o in _names_in(positive, catalogue.of("framework"))
                 if o.name not in plan.exclude_options]
        if named and (_USE.search(clause) or kind == "framework"):
            plan.framework = named[0].name
            understood = True
        count = _COUNT.search(clause)
        if count:
            raw = count[1].lower()
            plan.count = int(raw) if raw.isdigit() else _NUMBERS.get(raw)
            understood = True
        if _SHORTER.search(clause):
            plan.shorter = understood = True
        if _LONGER.search(clause):
            plan.longer = understood = True
        focus = _FOCUS.search(positive)
        if focus and not _EXCLUDE.search(clause[:focus.start() + 1]):
            what = _clean(focus["what"])
            if what and what.lower() not in {"it", "this", "that"}:
                plan.focus.append(what)
                understood = True
        if _LANGUAGE.search(clause):
            plan.unfollowed.append("drafts are written in the program's language, English; "
                                   "a translation is for the participants to make")
            understood = True
        elif _PERSONAL.search(clause) and re.search(r"\b(add|include|put|give)\b", clause, re.I):
            plan.unfollowed.append("contact details and other personal data are never put "
                                   "into drafts")
            understood = True
        if not understood and len(clause.split()) >= 3 and _REQUEST.search(clause):
            words = " ".join(clause.split()[:12])
            plan.unfollowed.append(f"\u201c{words}\u201d could not be turned into a change; "
                                   "edit the draft to apply it")
    return plan


# --- the plan -------------------------------------------------------------------------------------

@dataclass
class Choice:
    """One chosen option and why."""

    name: str
    reason: str
    score: float
    minutes: int | None = None
    phase: str | None = None
    #: the request says nothing beyond what chose this option ("we haven't met for two
    #: months" chose the re-engagement session): no separate focus to add
    covers_request: bool = False
    #: a competency's questions for this draft (its side of the session, or the mentor's
    #: own questions), the closest in meaning to the situation first
    questions: list[str] = field(default_factory=list)


@dataclass
class Plan:
    """What the draft should be built from, and why."""

    kind: str
    voice: str                                  # "mentee" | "mentor"
    framework: Choice | None = None
    alternatives: list[str] = field(default_factory=list)
    sections: list[Choice] = field(default_factory=list)
    side: str = "before"                        # "before" | "after" a mentoring session
    template: Choice | None = None
    note: NotePlan | None = None

    def json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Planner:
    """Ranks the catalogue's options for a request with `embed` (unit vectors)."""

    catalogue: Catalogue
    embed: Embed
    embedder_name: str = "embedder"

    def _vectors(self) -> tuple[np.ndarray, list[tuple[int, str, str]]]:
        """Unit vectors of every option's phrases, and (option index, part, text) per row."""
        cached = self.catalogue.vectors.get(self.embedder_name)
        if cached is None:
            rows = [(i, part, text) for i, o in enumerate(self.catalogue.options)
                    for part, text in (o.phrases or (("name", o.description),))]
            vectors = np.asarray(self.embed([r[2] for r in rows] or ["-"]), dtype=np.float32)
            cached = (vectors, rows)
            self.catalogue.vectors[self.embedder_name] = cached
        return cached  # type: ignore[return-value]

    def _phrase_scores(self, text: str) -> list[tuple[int, str, str, float]]:
        """(option index, part, phrase, similarity to `text`) for every phrase."""
        if not text.strip():
            return []
        vectors, rows = self._vectors()
        query = np.asarray(self.embed([text]), dtype=np.float32)[0]
        sims = vectors @ query
        return [(i, part, phrase, float(sims[n])) for n, (i, part, phrase) in enumerate(rows)]

    def _similarity(self, text: str, options: list[Option]) -> dict[str, float]:
        """Per option: its closest phrase, blended with the mean of its two closest (one
        lucky phrase should not outweigh an option that fits throughout)."""
        found: dict[str, list[float]] = {o.name: [] for o in options}
        wanted = {id(o) for o in options}
        for index, _, _, sim in self._phrase_scores(text):
            option = self.catalogue.options[index]
            if id(option) in wanted:
                found[option.name].append(sim)
        result = {}
        for name, sims in found.items():
            top = sorted(sims, reverse=True)[:2] or [0.0]
            result[name] = 0.7 * top[0] + 0.3 * (sum(top) / len(top))
        return result

    def ranked_questions(self, text: str, competency: str, part: str) -> list[str]:
        """The competency's questions of `part` (a sub-section), closest to `text` first."""
        scores = [(sim, phrase) for index, p, phrase, sim in self._phrase_scores(text)
                  if p == part and self.catalogue.options[index].name == competency]
        return [phrase for _, phrase in sorted(scores, key=lambda x: -x[0])]

    def _rank(self, kind: str, text: str, rules: tuple[Rule, ...], voice: str,
              note: NotePlan | None) -> list[tuple[float, Option, list[str], float]]:
        """(score, option, the labels of the rules that hit, similarity), best first."""
        options = self.catalogue.of(kind)
        if kind == "framework" and voice != "mentor":
            options = [o for o in options if not o.for_mentor]
        excluded = set(note.exclude_options) if note else set()
        if note and note.exclude:
            against = self._similarity(" ".join(note.exclude), options)
            excluded |= {name for name, s in against.items() if s >= 0.55}
        sims = self._similarity(text, options)
        focus = " ".join(note.focus) if note and note.focus else ""
        focus_sims = self._similarity(focus, options) if focus else {}
        ranked = []
        for option in options:
            if option.name in excluded:
                continue
            hits = [r for r in rules if r.option == option.name and r.pattern.search(text)
                    and (r.voice is None or r.voice == voice)]
            score = sims[option.name] + sum(r.weight for r in hits[:1]) + \
                0.1 * max(0, len(hits) - 1)
            if focus:  # what the reviewer asked for outweighs the first request
                score += 0.3 * max(0.0, focus_sims[option.name] - 0.3)
                if any(r.option == option.name and r.pattern.search(focus) for r in rules):
                    score += 0.4
            ranked.append((score, option, [r.label for r in hits], sims[option.name]))
        ranked.sort(key=lambda item: -item[0])
        return ranked

    def plan(self, *, kind: str, topic: str | None, goals: Sequence[str], phase: str,
             voice: str, note: str | None = None,
             session: dict[str, Any] | None = None) -> Plan:
        """The plan for one draft. `goals` are the requester's (a mentor's: their mentee's
        when shared); `note` is the reviewer's, when redrafting; `session` is the pair's
        meetings so far (`context.session_context`: a lapse chooses the re-engagement
        session even when the request does not say so)."""
        notes = read_note(note, self.catalogue, kind) if note and note.strip() else None
        goals = list(goals)
        if notes and notes.exclude:  # "nothing about leading change": not from the goals either
            goals = [g for g in goals if not self._about(g, notes.exclude)]
        text = " ".join(filter(None, [topic, *([] if _says_something(topic) else
                                               goals[:2])])).strip()
        if notes and notes.focus:
            text = f"{' '.join(notes.focus)} {text}".strip()
        plan = Plan(kind=kind, voice=voice, note=notes)
        if kind in ("framework", "agenda") and text:
            ranked = self._rank("framework", text, FRAMEWORK_RULES, voice, notes)
            if notes and notes.framework:
                asked = [r for r in ranked if r[1].name == notes.framework]
                ranked = asked + [r for r in ranked if r[1].name != notes.framework]
            if ranked:
                score, option, labels, sim = ranked[0]
                general = self.catalogue.named("framework", GENERAL)
                if kind == "framework" and not labels and sim < CLEAR_FIT and general and \
                        not (notes and notes.framework) and \
                        general.name not in (notes.exclude_options if notes else []):
                    # nothing fits clearly: the general-purpose framework, said plainly
                    ranked = [r for r in ranked if r[1] is general] + \
                        [r for r in ranked if r[1] is not general]
                    score, option, labels, sim = ranked[0]
                if kind == "framework" or labels or sim >= 0.45:
                    plan.framework = Choice(option.name, _framework_reason(
                        option, labels, sim, ranked[1:3], asked=bool(
                            notes and notes.framework == option.name)), round(score, 3))
                    plan.alternatives = [r[1].name for r in ranked[1:3]]
        if kind == "questions":
            plan.side = "after" if _AFTER.search(topic or "") else "before"
            ranked = self._rank("competency", text or "leadership", COMPETENCY_RULES, voice,
                                notes)
            plan.sections = _sections(ranked)
            part = "after a session" if plan.side == "after" else "before a session"
            for choice in plan.sections:
                parts = ["questions for the mentor to ask", part] if voice == "mentor" else [part]
                for wanted in parts:
                    choice.questions = self.ranked_questions(text, choice.name, wanted)
                    if choice.questions:
                        break
                if notes and notes.exclude:  # no question about a theme the reviewer ruled out
                    kept = [q for q in choice.questions if not self._about(q, notes.exclude,
                                                                           bound=0.35)]
                    choice.questions = kept or choice.questions[:0]
        if kind == "agenda":
            plan.template = self._template(topic or "", text, phase, session)
        return plan

    def _about(self, text: str, themes: list[str], bound: float = 0.45) -> bool:
        """Whether `text` is about one of `themes` (close in meaning)."""
        vectors = np.asarray(self.embed([text, *themes]), dtype=np.float32)
        return bool((vectors[1:] @ vectors[0]).max() >= bound)

    def _template(self, topic: str, text: str, phase: str,
                  session: dict[str, Any] | None = None) -> Choice | None:
        """The session template: what the topic says the session is (a goal's words never
        choose it: "month-end close" is no closing session), then the pair's meetings (a gap
        of more than two cadences since the last held session: re-engagement, unless the
        topic asks for another session by name), then the phase."""
        lapse = _lapse(session)
        options = self.catalogue.of("template")
        if not options:
            return None
        sims = self._similarity(text, options)
        best: tuple[float, Option, list[str]] | None = None
        for option in options:
            hits = [r.label for r in TEMPLATE_RULES if r.option == option.name
                    and r.pattern.search(topic)]
            score = (0.8 if hits else 0.0) + (0.3 if option.phase == phase else 0.0) + \
                (0.25 if _PHASE_DEFAULT.get(phase) == option.name else 0.0) + \
                0.1 * sims[option.name] + \
                (LAPSE_WEIGHT if lapse and option.name == REENGAGEMENT else 0.0)
            if best is None or score > best[0]:
                best = (score, option, hits)
        assert best is not None
        score, option, hits = best
        if hits:
            reason = f"the request is about {hits[0]}, which this template is for"
        elif lapse and option.name == REENGAGEMENT:
            reason = lapse
        elif _PHASE_DEFAULT.get(phase) == option.name:
            reason = f"the usual session of the {phase} phase"
        else:
            reason = f"the template for the {phase} phase"
        if option.minutes:
            reason += f"; the guideline gives it {option.minutes} minutes"
        clauses = [c for c in re.split(r"[,;.]|\band\b|\bbut\b", topic) if c.strip()]
        covers = bool(hits) and all(any(r.pattern.search(c) for r in TEMPLATE_RULES
                                        if r.option == option.name) for c in clauses)
        return Choice(option.name, reason, round(score, 3), minutes=option.minutes,
                      phase=option.phase, covers_request=covers)


def _lapse(session: dict[str, Any] | None) -> str | None:
    """Why the pair's sessions lapsed, from the data (None when they did not)."""
    if not session or not session.get("lapsed"):
        return None
    return (f"{session.get('days_since_last_session')} days since the last session held "
            f"({session.get('last_held_on')}), more than twice the program's cadence of "
            f"{session.get('cadence_days')} days: the sessions lapsed")


def _framework_reason(option: Option, labels: list[str], sim: float,
                      runners: list[tuple[float, Option, list[str], float]],
                      asked: bool) -> str:
    if asked:
        why = "the reviewer asked for it by name"
    elif labels:
        why = f"the situation is about {labels[0]}, which this framework is for"
    else:
        why = "its 'When to use' is the closest in meaning to the situation"
    why += f" (similarity {sim:.2f}"
    if runners:
        why += "; next: " + ", ".join(f"{r[1].name} {r[3]:.2f}" for r in runners)
    return why + ")"


def _sections(ranked: list[tuple[float, Option, list[str], float]]) -> list[Choice]:
    """The competencies worth questions: the best, and the next ones only when they are
    nearly as close (no padding with off-topic sections)."""
    if not ranked:
        return []
    top = ranked[0][0]
    chosen: list[Choice] = []
    for score, option, labels, sim in ranked[:3]:
        if chosen and (score < top - 0.12 or score < 0.3):
            break
        why = (f"the situation is about {labels[0]}" if labels else
               "the closest competency in meaning") + f" (similarity {sim:.2f})"
        chosen.append(Choice(option.name, why, round(score, 3)))
    return chosen
