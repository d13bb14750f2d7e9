"""Turning the banks into text: goals, expertise, names, e-mail local parts and languages."""

from __future__ import annotations

import random
import re
import unicodedata
from functools import lru_cache

from companion.sample.departments import DEPARTMENT_NAMES, DEPARTMENTS
from companion.sample.names import TRADITION_KEYS, TRADITIONS
from companion.sample.places import Location
from companion.sample.theme import (
    BACKGROUNDS,
    CLOSINGS,
    COUNTS,
    FUNCTION_SIZES,
    GOAL_OPENERS,
    HELP_LEAD_INS,
    HORIZONS,
    QUARTERS,
    QUESTION_LEAD_INS,
    TEAM_SIZES,
    YEARS,
    Theme,
)

GOAL_SEPARATOR = ";;"
_INITIALS = "ABCDEFGHJKLMNPRSTVW"
_FOLD = str.maketrans({"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ł": "l",
                       "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "œ": "oe", "þ": "th"})


def _lower_first(clause: str) -> str:
    # "I" stays capitalised mid-sentence; anything else loses its sentence-initial capital.
    if clause.startswith(("I ", "I'")):
        return clause
    return clause[0].lower() + clause[1:]


def _upper_first(text: str) -> str:
    return text[0].upper() + text[1:]


def goal_context(rng: random.Random, department: str) -> dict[str, str]:
    """Slot values for one mentee's goals, coloured by their department."""
    dept = DEPARTMENTS[department]
    return {
        "n": rng.choice(TEAM_SIZES),
        "meeting": dept.meeting,
        "deliverables": dept.deliverables,
        "peer_dept": rng.choice([d for d in DEPARTMENT_NAMES if d != department]),
        "quarter": rng.choice(QUARTERS),
    }


def _horizon(rng: random.Random, department: str, ctx: dict[str, str], avoid: set[str]) -> str:
    roll = rng.random()
    if roll < 0.12:
        return ""
    bank = DEPARTMENTS[department].horizons if roll < 0.4 else HORIZONS
    fresh = [h for h in bank if h not in avoid] or list(bank)
    chosen = rng.choice(fresh)
    avoid.add(chosen)
    return chosen.format(**ctx)


def compose_goal(rng: random.Random, theme: Theme, department: str,
                 ctx: dict[str, str], avoid: set[str]) -> str:
    """One first-person goal for `theme`; parts in `avoid` are not reused (and get added), so
    one person's goals do not repeat a situation or a time frame."""
    fresh = [s for s in theme.situations if s not in avoid] or list(theme.situations)
    raw = rng.choice(fresh)
    avoid.add(raw)
    sit = raw.format(**ctx)
    des = rng.choice(theme.desires).format(**ctx)
    out = rng.choice(theme.outcomes).format(**ctx)
    horizon = _horizon(rng, department, ctx, avoid)
    hor = f" {horizon}" if horizon else ""
    # Eight sentence shapes, so goals on one theme do not read as one template re-filled.
    form = rng.randrange(8)
    if form == 0:
        return f"{sit}, and I want to {des}{hor}."
    if form == 1:
        return f"{rng.choice(GOAL_OPENERS)} {des}{hor}, because {_lower_first(sit)}."
    if form == 2:
        return f"{sit}. {rng.choice(HELP_LEAD_INS)} {des}{hor}."
    if form == 3 and horizon:
        return f"{_upper_first(horizon)}, I want to {des}. For context, {_lower_first(sit)}."
    if form == 4:
        return f"{_upper_first(des)}{hor}, so that {out}. {sit}."
    if form == 5:
        return f"{rng.choice(QUESTION_LEAD_INS)} {des}? {sit}, and I'd like to get this right{hor}."
    if form == 6:
        return f"{sit}. I want to {des}{hor} so that {out}."
    return (f"{rng.choice(GOAL_OPENERS)} {des}{hor} so that {out}. "
            f"The background is that {_lower_first(sit)}.")


def compose_goals(rng: random.Random, themes: list[Theme], department: str) -> str:
    """1-3 goals joined by the `;;` separator: one per theme, sometimes a second on the first."""
    ctx = goal_context(rng, department)
    picked = list(themes)
    if len(picked) < 3 and rng.random() < 0.2:
        picked.append(themes[0])
    used: set[str] = set()
    return GOAL_SEPARATOR.join(compose_goal(rng, t, department, ctx, used) for t in picked)


def compose_expertise(rng: random.Random, themes: list[Theme], department: str,
                      level: int) -> str:
    """2-4 sentences in the mentor's own voice: one or two per theme, maybe background/closing."""
    ctx = {"years": rng.choice(YEARS), "count": rng.choice(COUNTS),
           "area": DEPARTMENTS[department].area, "size": rng.choice(FUNCTION_SIZES[level])}
    banks = [t.expertise + t.senior_expertise if level >= 7 else t.expertise for t in themes]
    sentences = [rng.choice(bank) for bank in banks]
    if len(themes) == 1 and rng.random() < 0.5:
        rest = [s for s in banks[0] if s != sentences[0]]
        sentences.append(rng.choice(rest))
    if len(sentences) < 4 and (len(sentences) < 2 or rng.random() < 0.4):
        sentences.insert(0, rng.choice(BACKGROUNDS))
    if len(sentences) < 4 and rng.random() < 0.3:
        sentences.append(rng.choice(CLOSINGS))
    return " ".join(s.format(**ctx) for s in sentences)


@lru_cache(maxsize=4096)
def ascii_slug(text: str) -> str:
    """Lower-case ASCII for e-mail local parts: accents folded, spaces and apostrophes dropped."""
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD))
    plain = "".join(c for c in folded if c.isascii()).lower()
    return re.sub(r"[^a-z-]", "", plain).strip("-")


def make_name(rng: random.Random, location: Location, used_names: set[str],
              used_locals: set[str]) -> tuple[str, str, str]:
    """A name unique in the program, its e-mail local part, and the naming tradition used.

    Most people carry a naming tradition common where they work, the rest any tradition (global
    mobility), and some a surname from another tradition; a middle initial breaks ties."""
    keys = [k for k, _ in location.traditions]
    weights = [w for _, w in location.traditions]
    for attempt in range(200):
        local = rng.random() < 0.72 and attempt < 100
        tradition = rng.choices(keys, weights)[0] if local else rng.choice(TRADITION_KEYS)
        first = rng.choice(TRADITIONS[tradition].first)
        surname_from = rng.choice(TRADITION_KEYS) if rng.random() < 0.08 else tradition
        last = rng.choice(TRADITIONS[surname_from].last)
        candidates = [(f"{first} {last}", f"{ascii_slug(first)}.{ascii_slug(last)}")]
        initial = rng.choice(_INITIALS)
        candidates.append((f"{first} {initial}. {last}",
                           f"{ascii_slug(first)}.{initial.lower()}.{ascii_slug(last)}"))
        for name, email_local in candidates:
            if name not in used_names and email_local not in used_locals:
                used_names.add(name)
                used_locals.add(email_local)
                return name, email_local, tradition
    raise RuntimeError("could not find an unused name; the name banks are too small")


def pick_languages(rng: random.Random, location: Location, heritage: str) -> str:
    """`;`-separated language codes plausible for someone based at `location`."""
    languages: list[str] = []
    if location.primary != "en" and rng.random() < 0.92:
        languages.append(location.primary)
    languages.append("en")
    others = [code for code in location.others if code not in languages]
    chance = 0.45 if location.primary == "en" else 0.2
    if others and rng.random() < chance:
        inherited = heritage in others and rng.random() < 0.7
        languages.append(heritage if inherited else rng.choice(others))
    return ";".join(languages)
