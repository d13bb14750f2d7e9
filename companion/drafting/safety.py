"""Screening of the request texts a draft is built from (topic, goals, free-text profile fields)
before the model sees them.

Three things never reach the model:

- instruction-like text ("ignore previous instructions…", "note for the AI: …"): the whole
  sentence or bracketed aside is removed, the rest of the text is kept;
- special-category data (health, religion or belief, sexual orientation or sex life, ethnicity,
  political opinion, trade-union membership, genetic or biometric data): the phrase is replaced
  by a neutral one ("time away from work", "a personal matter") so the text keeps its purpose;
- other program participants' names: replaced by a role ("a colleague", "my manager").

`Screened` records what was done — kinds and categories, never the removed words — so a
reviewer can be told without repeating what was withheld. Pure code: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from companion.drafting.safety_patterns import (
    CATEGORY_LABELS,
    TERMS,
    Term,
    find_instructions,
    normalized,
    special_categories,
)

__all__ = ["CATEGORY_LABELS", "NamedPerson", "Screened", "find_instructions", "has_instructions",
           "screen_text", "special_categories"]


@dataclass(frozen=True)
class NamedPerson:
    """Another participant, and the phrase that stands for them in a draft."""

    name: str
    role: str = "a colleague"


@dataclass(frozen=True)
class Screened:
    """A screened text and what screening did to it."""

    text: str
    #: instruction-like sentences or asides removed
    instructions: int = 0
    #: special categories withheld (keys of CATEGORY_LABELS)
    categories: tuple[str, ...] = ()
    #: other participants' names replaced by a role
    names: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.instructions or self.categories or self.names)

    def flags(self, where: str) -> list[str]:
        """What was done to the text at `where` ("the topic", "goal 2"), in plain words."""
        flags: list[str] = []
        if self.instructions:
            what = ("an instruction-like sentence was" if self.instructions == 1
                    else f"{self.instructions} instruction-like sentences were")
            flags.append(f"{what} removed from {where}")
        flags += [f"{CATEGORY_LABELS[c]} in {where} was withheld" for c in self.categories]
        if self.names:
            whose = "another participant's name" if self.names == 1 else \
                "other participants' names"
            flags.append(f"{whose} in {where} replaced by a role")
        return flags


def has_instructions(text: str) -> bool:
    """Whether `text` holds instruction-like text aimed at the model."""
    return bool(find_instructions(normalized(text)))


def screen_text(text: str, *, others: Sequence[NamedPerson] = (),
                keep: Iterable[str] = ()) -> Screened:
    """`text` without instructions, special-category phrases and others' names.

    `others` are the program's other participants with the role that replaces each name;
    `keep` are names that stay (the requester's and their partner's), also protected from
    being read as a special-category term (a partner called "Christian").
    """
    keep = list(keep)
    cleaned, instructions = remove_instructions(normalized(text))
    cleaned, names = replace_names(cleaned, others, keep)
    cleaned, categories = withhold_special_categories(cleaned, keep)
    if not (instructions or names or categories):
        return Screened(text)  # untouched, not even normalized
    return Screened(_tidy(cleaned), instructions, categories, names)


# --- instructions -----------------------------------------------------------------------------

_OPEN, _CLOSE = "([{", ")]}"
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n")
_CLAUSE_START = re.compile(r"[.!?](?=\s)|\n|;|,|\s[-–—]\s")


def remove_instructions(text: str) -> tuple[str, int]:
    """`text` without the sentences (or bracketed asides) holding instruction-like text, and how
    many were removed. The rest of the text is kept."""
    spans = _merge([_extent(text, start, end) for start, end in find_instructions(text)])
    for start, end in reversed(spans):
        text = text[:start] + " " + text[end:]
    return text, len(spans)


def _extent(text: str, start: int, end: int) -> tuple[int, int]:
    """The aside or clause-to-end-of-sentence around the match text[start:end]."""
    opened = _enclosing_bracket(text, start)
    if opened is not None:
        closed = _matching_close(text, opened)
        if closed is not None:
            return opened, max(closed + 1, end)
    # the whole text is searched: a lookahead cut off at `start` would miss "… cuts. Note"
    before = [m for m in _CLAUSE_START.finditer(text) if m.end() <= start]
    clause = before[-1].end() if before else 0
    after = _SENTENCE_END.search(text, end)
    stop = after.start() if after else len(text)
    sentence_start = not before or before[-1].group() in {"\n"} or \
        before[-1].group() in ".!?"
    if sentence_start and after is not None and after.group() != "\n":
        stop = after.end()  # a whole sentence goes with its full stop
    return clause, stop


def _enclosing_bracket(text: str, position: int) -> int | None:
    depth = 0
    for index in range(position - 1, -1, -1):
        char = text[index]
        if char in _CLOSE:
            depth += 1
        elif char in _OPEN:
            if depth == 0:
                return index
            depth -= 1
        elif char == "\n":
            return None
    return None


def _matching_close(text: str, opened: int) -> int | None:
    want, depth = _CLOSE[_OPEN.index(text[opened])], 0
    for index in range(opened + 1, len(text)):
        char = text[index]
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            if depth == 0:
                return index if char == want else None
            depth -= 1
    return None


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


# --- names ------------------------------------------------------------------------------------

# A role word just before a name already says who it is: "my manager Max Manager" → "my manager".
_ROLE_BEFORE = (r"(?P<lead>\b(?:my|our|a|the|his|her|their)\s+(?:\w+\s+){0,2}?(?:manager|boss|"
                r"supervisor|colleague|co-?worker|peer|teammate|report|director|lead|head)"
                r"\s*,?\s+)?")


def replace_names(text: str, others: Sequence[NamedPerson],
                  keep: Iterable[str] = ()) -> tuple[str, int]:
    """`text` with each other participant's name replaced by their role, and how many names
    were replaced. Names match case-insensitively, as written, with middle names left out, or
    as "Last, First"."""
    kept = {" ".join(k.split()).casefold() for k in keep if k.strip()}
    people = [p for p in others if p.name.strip()
              and " ".join(p.name.split()).casefold() not in kept]
    count = 0
    # longest names first, so "Anna Maria Schmidt" is not half-replaced as "Anna Schmidt"
    for person in sorted(people, key=lambda p: -len(p.name)):
        pattern = re.compile(_ROLE_BEFORE + _name_forms(person.name) + r"(?P<poss>['’]s)?",
                             re.IGNORECASE)

        def role(match: re.Match[str], person: NamedPerson = person) -> str:
            if match["lead"]:
                phrase = match["lead"].rstrip(" ,")
            else:
                phrase = person.role
                if not match.string[:match.start()].strip() or \
                        re.search(r"[.!?]\s*$", match.string[:match.start()]):
                    phrase = phrase[:1].upper() + phrase[1:]
            return phrase + ("'s" if match["poss"] else "")

        text, found = pattern.subn(role, text)
        count += found
    return text, count


def _name_forms(name: str) -> str:
    words = name.split()
    forms = [words]
    if len(words) > 2:
        forms.append([words[0], words[-1]])
    if len(words) >= 2:
        forms.append([words[-1] + ",", words[0]])
    alternatives = sorted({r"\s+".join(re.escape(w) for w in f) for f in map(tuple, forms)},
                          key=len, reverse=True)
    return r"(?<![\w@.])(?:" + "|".join(alternatives) + r")(?![\w@])"


# --- special categories -----------------------------------------------------------------------

_PLACEHOLDER = "\u2063{}\u2063"  # invisible separators around a protected name's index
# Words after an adjective that show it is not attributive ("gay and proud", "ill since May").
_LINKS = frozenset({"and", "or", "but", "at", "in", "on", "with", "for", "to", "of", "since",
                    "because", "after", "before", "when", "while", "so", "as", "from", "about",
                    "during", "until", "again", "now", "too", "myself", "yet", "than", "then",
                    "and/or", "which", "who", "that", "by"})
# "fell ill" → "was affected by a personal matter"
_VERB_AS = {"fell": "was", "falls": "is", "falling": "being"}
_PRONOUN_IS = frozenset({"it's", "that's", "there's", "what's", "he's", "she's", "who's",
                         "here's", "let's"})


def withhold_special_categories(text: str, keep: Iterable[str] = ()
                                ) -> tuple[str, tuple[str, ...]]:
    """`text` with special-category phrases replaced by neutral ones, and the categories
    withheld (keys of CATEGORY_LABELS, in a fixed order)."""
    protected = [k for k in keep if k.strip()]
    for index, name in enumerate(protected):
        text = re.sub(re.escape(name), _PLACEHOLDER.format(index), text, flags=re.IGNORECASE)
    found: set[str] = set()
    for term in TERMS:
        text, count = term.pattern.subn(partial(_neutral, term=term), text)
        if count:
            found.add(term.category)
    # "cancer diagnosis" became two phrases in a row
    text = re.sub(r"(personal matter)(?:\s+(?:an?\s+)?personal matter)+", r"\1", text)
    for index, name in enumerate(protected):
        text = text.replace(_PLACEHOLDER.format(index), name)
    return text, tuple(c for c in CATEGORY_LABELS if c in found)


def _neutral(match: re.Match[str], *, term: Term) -> str:
    return _capital(match, _replacement(match, term))


def _replacement(match: re.Match[str], term: Term) -> str:
    if term.form == "leave":
        return "time away from work"
    if term.form == "away":
        return "away from work"
    groups = match.groupdict()
    if term.form == "adj":
        prefix = match.string[match.start():match.start("term")]
        if _attributive(match.string, match.end()):  # "a disabled engineer" → "an engineer"
            article = groups.get("article")
            if article:
                return article[0] + ("n " if _vowel(match.string, match.end()) else " ")
            return prefix
        verb = groups.get("verb")
        if verb:
            return f"{_VERB_AS.get(verb.casefold(), verb)} affected by a personal matter"
        return "a personal matter"
    owner = groups.get("owner")
    if owner and owner.casefold().replace("’", "'") in _PRONOUN_IS:
        return f"{owner} a personal matter"
    if owner and re.search(r"['’]s$", owner):  # "a colleague's burnout"
        return f"{owner} personal matter"
    return "a personal matter"


def _attributive(text: str, position: int) -> bool:
    following = re.match(r"[ \t]+([^\W\d_]+)", text[position:])
    if not following:
        return False
    word = following.group(1).casefold()
    return word not in _LINKS and not word.endswith("ly")


def _vowel(text: str, position: int) -> bool:
    rest = text[position:].lstrip()
    return bool(rest) and rest[0].lower() in "aeiou"


def _capital(match: re.Match[str], phrase: str) -> str:
    # "Burnout is common" → "A personal matter is common"; "a pregnant colleague" stays lower
    before = match.string[:match.start()]
    at_start = not before.strip() or re.search(r"[.!?]\s*$", before)
    if phrase and at_start and match.group()[:1].isupper():
        return phrase[:1].upper() + phrase[1:]
    return phrase


# --- tidying ----------------------------------------------------------------------------------

def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\(\s*\)|\[\s*\]", "", text)
    text = re.sub(r"\s+([,.;:!?)\]])", r"\1", text)
    text = re.sub(r"([(\[])\s+", r"\1", text)
    text = re.sub(r"[,;:]\s*([.!?])", r"\1", text)          # "more, ." → "more."
    text = re.sub(r"(?m)^[ \t]*[,;:.]\s*", "", text)       # a line left starting with ", "
    text = re.sub(r"(?:,|;|:|\s-|\s(?:and|or|but|then))\s*$", "", text.rstrip())
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
