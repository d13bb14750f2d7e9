"""Reading the request the way a person wrote it: a clean phrase of it (never cut mid-word),
who the other person in it is, whose voice the draft speaks in, and the plan's directives."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from companion.llm.offline.text import Context, Feedback, stems

_LEAD = re.compile(r"^(?:i(?:'d| would)(?: really)? like to|"
                   r"i (?:really )?(?:want|need|hope|aim|plan|intend) to|my goal is to|"
                   r"i(?:'m| am) (?:trying|aiming|hoping|looking|planning|keen) to|"
                   r"help me(?: to)?|how (?:can|do|should) i|how to|to|about|preparing for|"
                   r"prepare for|advice on|tips for)\s+", re.I)
#: Where a long phrase may end and still read whole, tried in this order: the end of its
#: first sentence; a break in the sentence (comma, dash); a second part ("because ...",
#: "rather than months", "and ..."); a relative clause ("that I keep putting off") — the
#: last, as what it says is often the point ("a team where everyone feels safe").
_SENTENCE = re.compile(r"(?<=\S{2})[.?!](?=\s)")
_BREAKS = (re.compile(r"\s[—–-]\s|[,;:(]"),
           re.compile(r"\s(?:because|so that|so|since|as|when|while|instead of|rather than|"
                      r"without|before|after|and|but|which|who)\s", re.I),
           re.compile(r"\s(?:that|where)\s", re.I))
#: Words a phrase opens with: a cut just before one of them ends the phrase before it.
_OPENERS = frozenset({"in", "for", "to", "of", "by", "with", "on", "at", "into", "from",
                      "about", "over", "through", "across", "before", "after", "during",
                      "within", "without", "than", "rather", "ahead", "while", "when",
                      "because", "so", "that", "which", "who", "whose", "where", "even",
                      "until", "once", "and", "but", "or",
                      # a clause without "that": "the conversation | I've been putting off"
                      "i've", "i'm", "i'd", "we've"})
_MULTI_OPENERS = (("in", "time", "for"), ("in", "order", "to"), ("in", "front", "of"),
                  ("as", "well", "as"), ("on", "behalf", "of"), ("in", "line", "with"),
                  ("ahead", "of"), ("rather", "than"))
_COUNTERPART = re.compile(
    r"\b(?:my|our|the|a|an)\s+((?:new |senior |line |direct |former |regional |two |"
    r"five |six )?(?:boss|manager|director|ceo|cfo|vp|head of \w+|team lead|lead|"
    r"engineer|analysts?|report|team member|peer|colleague|client|customer|stakeholders?|"
    r"mentee|team|deputy|supervisor|board|panel|leadership team|nurses?|team leads))\b", re.I)


def clean_phrase(text: str, limit: int = 70) -> str:
    """`text` as a short phrase that reads whole: its first sentence, lead-ins dropped ("I'd
    like to"), cut where a part of the sentence ends (`_BREAKS`) rather than mid-phrase, no
    ellipsis. '' when nothing short enough remains."""
    text = " ".join(str(text).split()).strip()
    first = _SENTENCE.split(text, maxsplit=1)[0]
    if len(first) >= 12:  # a goal's first sentence says it; the rest is background
        text = first
    text = _LEAD.sub("", text.rstrip(".?!;:"))
    if len(text) <= limit:
        return _lower_first(text)
    for pattern in _BREAKS:
        head = pattern.split(text, maxsplit=1)[0].strip()
        if 12 <= len(head) <= limit:
            return _lower_first(head)
    words = text.split()
    kept: list[str] = []
    for word in words:  # the last resort: whole words, and only if it reads as a phrase
        if len(" ".join([*kept, word])) > limit:
            break
        kept.append(word)
    if len(kept) < len(words) and words[len(kept)].lower() not in _OPENERS:
        # cut inside a phrase ("... in time for next"): end before the phrase instead
        for index in range(len(kept) - 1, 0, -1):
            if kept[index].lower() in _OPENERS and len(" ".join(kept[:index])) >= 20:
                lowered = [w.lower() for w in kept[:index + 1]]
                for multi in _MULTI_OPENERS:  # "in time for", "ahead of": from their start
                    if tuple(lowered[-len(multi):]) == multi:
                        index = len(lowered) - len(multi)
                        break
                kept = kept[:index]
                break
    return _lower_first(" ".join(kept))


#: A word a phrase cannot end on ("... in time for next year's objectives so").
_DANGLING = re.compile(r"\s+(?:the|a|an|my|our|to|of|for|with|and|or|in|on|at|by|so|even|"
                       r"than|that|which|who|whose|where|when|while|because|but|how)$", re.I)


def _lower_first(text: str) -> str:
    text = _DANGLING.sub("", text)
    if len(text) > 1 and text[0].isupper() and not text[1].isupper() and \
            not re.match(r"^(I|I'm|I've)\b", text):
        return text[0].lower() + text[1:]
    return text


def counterpart(text: str | None, voice: str) -> str | None:
    """The other person the situation is about, as the reader would say it ("your boss",
    "the senior engineer"), or None."""
    if not text:
        return None
    match = _COUNTERPART.search(text)
    if not match:
        return None
    who = match[1].lower()
    owner = match[0].split()[0].lower()
    if voice == "mentor" and who == "mentee":
        return "your mentee"
    return f"your {who}" if owner in ("my", "our") else f"the {who}"


def subject(ctx: Context) -> str:
    """What the draft is about: the topic, else the first goal (for a mentor with no topic:
    their mentee's first shared goal)."""
    if ctx.topic:
        return ctx.topic
    if ctx.goals:
        return ctx.goals[0]
    partner_goals = (ctx.partner or {}).get("goals") or []
    if isinstance(partner_goals, str):
        partner_goals = [partner_goals]
    return str(partner_goals[0]) if partner_goals else ""


_GENERIC = stems("what i learned learning after before the our this last next session meeting "
                 "mentor mentee reflect reflection prepare preparing questions agenda notes "
                 "capture today takeaways")


def theme(ctx: Context) -> str:
    """What the content should be about: the topic, and the goals too when the topic only
    names the occasion ("what I learned after the session")."""
    topic = ctx.topic or ""
    if len(stems(topic) - _GENERIC) >= 1:
        return topic
    goals = ctx.goals or [str(g) for g in ((ctx.partner or {}).get("goals") or [])]
    return " ".join([topic, *goals[:2]]).strip()


def overlap(a: str, b: str) -> int:
    return len(stems(a) & stems(b))


@dataclass
class Directives:
    """The plan's reading of the reviewer's note, with the offline drafter's own reading
    (`read_feedback`) as the fallback when no plan came."""

    exclude: list[str] = field(default_factory=list)
    focus: list[str] = field(default_factory=list)
    framework: str | None = None
    count: int | None = None
    shorter: bool = False
    longer: bool = False
    unfollowed: list[str] = field(default_factory=list)
    followed: list[str] = field(default_factory=list)   # filled in by the drafters

    @property
    def any(self) -> bool:
        return bool(self.exclude or self.focus or self.framework or self.count or
                    self.shorter or self.longer or self.unfollowed)


def directives(ctx: Context, feedback: Feedback) -> Directives:
    note: dict[str, Any] = ctx.plan.get("note") or {}
    found = Directives(
        exclude=[str(x) for x in note.get("exclude") or []],
        focus=[str(x) for x in note.get("focus") or []],
        framework=note.get("framework") or None, count=note.get("count") or None,
        shorter=bool(note.get("shorter")), longer=bool(note.get("longer")),
        unfollowed=[str(x) for x in note.get("unfollowed") or []])
    if not note and feedback.notes:  # no plan: the words of the note are its focus
        found.focus = list(feedback.notes)
        found.shorter = "fewer" in feedback.checks
    if "fewer" in feedback.checks:
        found.shorter = True
    return found


def excluded(text: str, rules: Directives) -> bool:
    """Whether `text` is about a theme the reviewer asked to leave out."""
    return any(overlap(text, theme) >= max(1, min(2, len(stems(theme)))) for theme in
               rules.exclude)


def followed_lists(rules: Directives) -> dict[str, list[str]]:
    """What of the reviewer's note was done and not done, for the draft's rationale."""
    found: dict[str, list[str]] = {}
    if rules.followed:
        found["note_followed"] = list(rules.followed)
    if rules.unfollowed:
        found["note_not_followed"] = list(rules.unfollowed)
    return found


def rationale_note(rules: Directives) -> str | None:
    """The remark for the reviewer: what of the note was done, and what could not be."""
    parts = []
    if rules.followed:
        parts.append("Following the reviewer's note: " + "; ".join(rules.followed) + ".")
    if rules.unfollowed:
        parts.append("Not done: " + "; ".join(rules.unfollowed) + ".")
    return " ".join(parts) or None


_PREPOSITION = re.compile(r"^(?:after|before|since|following|during|when|while|in|at|on|with|"
                          r"for|about)\b", re.I)
_CLAUSE = re.compile(r"^(?:my|our|your|the|his|her|their|a|an|i|we|you|they|he|she|it)\b.*"
                     r"\b(?:is|are|was|were|keeps?|has|have|had|does|do|did|can|can't|won't|will|feels?|"
                     r"seems?|talks?|never|always|\w+ed)\b", re.I)


def anchored(question: str, phrase: str, voice: str, turn: int = 0) -> str | None:
    """`question` asked about the reader's own situation ("After a tough performance review,
    how have I responded to…?"), or None when the situation does not read as a phrase the
    question can carry. The question itself is the guideline's, word for word after the
    lead-in; `turn` varies the lead-in so a set does not repeat one formula."""
    if not phrase or not question.endswith("?"):
        return None
    if voice == "mentor":
        if re.match(r"^(?:my|our) mentee's\s", phrase, re.I):
            phrase = re.sub(r"^(?:my|our) mentee's\s", "your ", phrase, flags=re.I)
        elif re.match(r"^(?:my|our) mentee\b", phrase, re.I):
            turned = _second_person(phrase)  # "my mentee keeps…" → "you keep…"
            if turned is None:
                return None
            phrase = turned
        phrase = re.sub(r"\bmy\b", "your", phrase)
    body = question[0].lower() + question[1:] if not re.match(r"^I\b", question) else question
    short = key_phrase(phrase) if turn else ""
    if short:  # after the first, the situation's key words: the full phrase once is enough
        lead = ["Thinking of {p}, {q}", "With {p} in mind, {q}", "Coming back to {p}, {q}"][
            (turn - 1) % 3]
        return lead.format(p=short, q=body)
    if _PREPOSITION.match(phrase):
        leads = ["{P}, {q}", "In the weeks {p}, {q}"] if re.match(
            r"^(?:after|since|following)\b", phrase, re.I) else ["{P}, {q}"]
    elif _CLAUSE.match(phrase):
        leads = ["Given that {p}, {q}", "Since {p}, {q}"]
    elif re.match(r"^\w+ing\b", phrase):
        leads = ["When it comes to {p}, {q}", "With {p} in mind, {q}", "For {p}, {q}"]
    else:
        leads = ["Thinking about {p}, {q}", "With {p} in mind, {q}"]
    lead = leads[turn % len(leads)]
    return lead.format(P=phrase[0].upper() + phrase[1:], p=phrase, q=body)


_VERBS = {"is": "are", "was": "were", "has": "have", "does": "do", "doesn't": "don't",
          "isn't": "aren't", "wasn't": "weren't", "hasn't": "haven't"}


def _second_person(phrase: str) -> str | None:
    """"my mentee keeps redoing her analysts' work" → "you keep redoing your analysts' work";
    None when the words after "my mentee" are not a verb this can turn."""
    rest = re.sub(r"^(?:my|our) mentee\s+", "", phrase, flags=re.I)
    words = rest.split()
    if not words:
        return None
    verb = words[0].lower()
    if verb in _VERBS:
        words[0] = _VERBS[verb]
    elif re.match(r"^[a-z]+(?:ss)$", verb):
        return None
    elif verb.endswith("ies") and len(verb) > 4:
        words[0] = verb[:-3] + "y"
    elif re.match(r"^[a-z]+(?:ches|shes|xes|sses)$", verb):
        words[0] = verb[:-2]
    elif verb.endswith("s") and len(verb) > 3:
        words[0] = verb[:-1]
    elif not re.match(r"^(?:never|always|often|still|can|can't|won't|will|should|"
                      r"would|could|might|seems?)$", verb):
        return None
    text = "you " + " ".join(words)
    # a second verb of the same subject: "… but never picks a goal" → "… but never pick a goal"
    text = re.sub(r"\b(but|and)( never| always| still| often| rarely)? ([a-z]{3,}[^s])s\b",
                  r"\1\2 \3", text)
    return re.sub(r"\b(?:her|his|their)\b", "your", re.sub(r"\b(?:herself|himself|themselves)\b",
                                                           "yourself", text))


_NOT_VERBS = frozenset("""my our your the a an this that these those i we you they he she it
more less better each every all some no not""".split())


def gerund(phrase: str) -> str:
    """An intention as an activity: "delegate the reconciliations" → "delegating the
    reconciliations" (so it can follow "When it comes to"). Unchanged when it does not start
    with a plain verb."""
    words = phrase.split()
    if not words or not words[0].isalpha() or words[0].lower() in _NOT_VERBS or \
            words[0].lower().endswith("ing"):
        return phrase
    verb = words[0].lower()
    if verb.endswith("ie"):
        verb = verb[:-2] + "ying"
    elif verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        verb = verb[:-1] + "ing"
    elif re.match(r"^[^aeiou]*[aeiou][bdgmnprt]$", verb):  # stop, win, plan, set
        verb = verb + verb[-1] + "ing"
    else:
        verb += "ing"
    return " ".join([verb, *words[1:]])


_VERBISH = frozenset("""is are was were be been keep keeps kept has have had does do did can
could will would should seems seem feels feel gets get got needs need wants want""".split())
_STOP_NP = frozenset("""over to for with instead of and or but because so that which who when while
before after into from about than by at in on as without since until""".split())


def key_phrase(phrase: str) -> str:
    """The situation's main noun phrase: "handing the month-end reconciliations over to your
    analysts" → "the month-end reconciliations"; "" when there is none of two words or more."""
    words = phrase.split()
    if words and words[0].lower().endswith("ing") and len(words) > 1:  # an activity
        taken = [words[0]]
        for following in words[1:]:
            bare = following.lower().strip(",.;:")
            if len(taken) >= 6 or bare in _VERBISH or (bare in _STOP_NP and not (
                    bare == "of" and len(taken) <= 4)):
                break
            taken.append(following.rstrip(",.;:"))
        while taken and taken[-1].lower() == "of":
            taken.pop()
        if len(taken) >= 2:
            return " ".join(taken)
    best = ""
    for start, word in enumerate(words):
        if word.lower() not in ("the", "my", "your", "our", "a", "an", "their", "his", "her"):
            continue
        taken = [word]
        rest = words[start + 1:]
        for index, following in enumerate(rest):
            bare = following.lower().strip(",.;:")
            if bare in ("of", "with") and index + 1 < len(rest) and len(taken) <= 3:
                taken.append(bare)  # "the head of sales", "the relationship with sales"
                continue
            if bare in _STOP_NP or bare in _VERBISH or (bare.endswith("ing") and len(taken) > 1):
                break
            taken.append(following.rstrip(",.;:"))
            if following.endswith(",") or len(taken) >= 6:
                break
        while taken and taken[-1].lower() in ("of", "with"):
            taken.pop()
        candidate = " ".join(taken)
        if len(taken) >= 2 and len(candidate) > len(best):
            best = candidate
    if best.lower().startswith(("a ", "an ")):
        best = "the " + best.split(" ", 1)[1]
    return best
