"""Which profile fields each match reason and score component quotes, on which side.

Reasons are plain sentences (`explain.py` writes them); a viewer who may see only another
organisation's shareable fields must not read that organisation's people's private ones
through them ("Mentor is 3 levels more senior (L7 vs L4)" quotes both levels; "Mentor has 1
of 3 places filled" the mentor's capacity). This module recognises each phrasing the engine
writes and names the fields it quotes, so a face can withhold exactly those. A sentence it does
not recognise quotes unknown fields: callers treat it as private.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Quotes(NamedTuple):
    """Profile fields a reason or component reveals: of the mentee, of the mentor, and of
    other mentors it names (the runner-up)."""

    mentee: frozenset[str] = frozenset()
    mentor: frozenset[str] = frozenset()
    others: frozenset[str] = frozenset()


def _both(*fields: str) -> Quotes:
    return Quotes(frozenset(fields), frozenset(fields))


_CAPACITY = Quotes(mentor=frozenset({"capacity"}))
_LEVEL = _both("level")
_REASONS: tuple[tuple[re.Pattern[str], Quotes], ...] = tuple(
    (re.compile(pattern), quotes) for pattern, quotes in (
        # the goals' fit: the mentee's goal and the mentor's expertise, quoted
        # a mentor without expertise: title and department, or the name, stand in for it
        (r"^(Strong|Good|Partial|Weak) fit \(.*\): goal “.*” ↔ title “.*” \(no expertise "
         r"recorded\)", Quotes(frozenset({"goals"}), frozenset({"title", "department"}))),
        (r"^(Strong|Good|Partial|Weak) fit \(.*\): goal “.*” ↔ name “.*” \(no expertise, "
         r"title or department recorded\)", Quotes(frozenset({"goals"}), frozenset({"name"}))),
        (r"^(Strong|Good|Partial|Weak) fit \(-?\d+%(; closer than \d+% of pairs in "
         r"(this program|the reference corpus))?\): goal “",
         Quotes(frozenset({"goals"}), frozenset({"expertise"}))),
        (r"^No goals recorded for the mentee, so fit rests on the other factors$",
         Quotes(mentee=frozenset({"goals"}))),
        (r"^Level not recorded for both$", _LEVEL),
        (r"^Similar level \(L\d+ vs L\d+\)", _LEVEL),
        (r"^\d+ levels apart \(L\d+ vs L\d+\)", _LEVEL),
        (r"^Mentor is (-?\d+ levels?(\(s\))? more (senior|junior)|not more (senior|junior)) "
         r"\(L\d+ vs L\d+\)", _LEVEL),
        (r"^Only one level more senior \(L\d+ vs L\d+\)", _LEVEL),
        (r"^(Different|Same) department \(", Quotes(
            frozenset({"department", "prefer_cross_department"}), frozenset({"department"}))),
        (r"^(Mentor from partner organisation |Same organisation \()",
         _both("organization")),
        (r"^Time zone not recorded for both$", _both("timezone")),
        (r"^(Only )?\d+ h of working-day overlap \(", _both("timezone")),
        (r"^No working-day overlap \(", _both("timezone")),
        (r"^(Shared language: |Languages not recorded for both)", _both("languages")),
        (r"^Mentor has \d+ of \d+ places filled$", _CAPACITY),
        (r"^-?\d+\.\d+ behind the top candidate$", Quotes()),
        (r"^Leads the runner-up \(.*\) by -?\d+\.\d+$", Quotes(others=frozenset({"name"}))),
    ))

#: What each score component is computed from (`components.COMPONENTS`).
COMPONENT_FIELDS: dict[str, Quotes] = {
    "semantic": Quotes(frozenset({"goals"}), frozenset({"expertise"})),
    "level": _LEVEL,
    "cross_department": Quotes(frozenset({"department", "prefer_cross_department"}),
                               frozenset({"department"})),
    "cross_organization": _both("organization"),
    "timezone": _both("timezone"),
    "language": _both("languages"),
    "load": _CAPACITY,
}


def reason_quotes(reason: str) -> Quotes | None:
    """The fields `reason` quotes, or None when it is no phrasing the engine writes."""
    for pattern, quotes in _REASONS:
        if pattern.search(reason):
            return quotes
    return None
