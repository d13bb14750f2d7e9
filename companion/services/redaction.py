"""Match reasons and score components as a partner organisation's coordinator may see them.

A partner coordinator sees their own organisation's people in full and everyone else's
shareable fields only (`Access`). Reasons and components are computed from whole profiles, so
for a pair with someone of another organisation they would quote that person's private fields:
a host mentor's level ("L7 vs L4") and capacity ("1 of 3 places filled"), a host mentee's
goals. Here each reason that quotes a field the program does not share, of a person outside
the caller's organisation, is dropped and counted in a closing note; each component computed
from such a field is left out. Everyone else sees reasons unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from companion.domain import Participant
from companion.matching.reason_fields import COMPONENT_FIELDS, Quotes, reason_quotes
from companion.services.access import WITHHELD, Access

#: Stands for a reason this module does not recognise: it may quote anything.
_UNKNOWN = "other fields"


def withheld_note(count: int, fields: Iterable[str]) -> str:
    named = ", ".join(sorted(fields))
    return (f"{count} reason(s) withheld: they quote another organisation's private profile "
            f"fields ({named})")


class _Pair:
    """Who in one pair (and the mentors it is compared with) is outside the caller's
    organisation, and which of their fields the program does not share."""

    def __init__(self, access: Access, people: Mapping[str, Participant], mentee: str,
                 mentor: str, others: Iterable[str] = ()) -> None:
        def foreign(pid: str) -> bool:  # someone unknown counts as foreign: fail closed
            return not access.own_org(people.get(pid))

        self.mentee = foreign(mentee)
        self.mentor = foreign(mentor)
        self.others = any(foreign(pid) for pid in others if pid != mentor)
        self.shared = frozenset(access.program.shareable_fields) | {"id"}

    @property
    def any_foreign(self) -> bool:
        return self.mentee or self.mentor or self.others

    def private(self, quotes: Quotes | None) -> set[str]:
        """The private fields of outsiders that `quotes` reveals."""
        if quotes is None:
            return {_UNKNOWN}
        hidden: set[str] = set()
        for outside, fields in ((self.mentee, quotes.mentee), (self.mentor, quotes.mentor),
                                (self.others, quotes.others)):
            if outside:
                hidden |= fields - self.shared
        return hidden

    def reasons(self, reasons: list[str]) -> list[str]:
        kept: list[str] = []
        withheld: set[str] = set()
        dropped = 0
        for reason in reasons:
            hidden = set() if reason == WITHHELD else self.private(reason_quotes(reason))
            if hidden:
                withheld |= hidden
                dropped += 1
            else:
                kept.append(reason)
        return kept + [withheld_note(dropped, withheld)] if dropped else kept

    def components(self, components: Mapping[str, float]) -> dict[str, float]:
        return {name: value for name, value in components.items()
                if not self.private(COMPONENT_FIELDS.get(name))}


def redact_suggestions(access: Access, result: dict[str, Any],
                       people: Mapping[str, Participant]) -> dict[str, Any]:
    """`match suggest` JSON as `access` may see it (changed in place, and returned)."""
    if not access.partner_coordinator:
        return result
    for suggestion in result["suggestions"]:
        candidates = suggestion["candidates"]
        mentors = [c["mentor_id"] for c in candidates]
        for candidate in candidates:
            pair = _Pair(access, people, suggestion["mentee_id"], candidate["mentor_id"],
                         mentors)
            if pair.any_foreign:
                candidate["reasons"] = pair.reasons(candidate["reasons"])
                candidate["components"] = pair.components(candidate["components"])
    return result


def redact_pairing(access: Access, pairing: dict[str, Any],
                   people: Mapping[str, Participant]) -> dict[str, Any]:
    """A pairing's JSON as `access` may see it (changed in place, and returned)."""
    if not access.partner_coordinator:
        return pairing
    pair = _Pair(access, people, pairing["mentee_id"], pairing["mentor_id"])
    if pair.any_foreign:
        if "reasons" in pairing:
            pairing["reasons"] = pair.reasons(pairing["reasons"])
        if "components" in pairing:
            pairing["components"] = pair.components(pairing["components"])
    return pairing
