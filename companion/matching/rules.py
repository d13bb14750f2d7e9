"""The hard rules' vocabulary: one name per rule that excludes a pair, and the sentences that
say why a mentee has no mentor. The pool applies the rules, explanations and services quote
these words, so a coordinator reads the same phrase wherever a rule shows up."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

#: Why one pair is excluded (the pool's per-pair reasons).
SELF = "self"
THEIR_MANAGER = "their manager"  # the words of `constraints.reporting_line_rule`
ABOVE_THEM = "above them in their reporting line"
REPORTS_TO_THEM = "reports to them"
AT_CAPACITY = "at capacity"
NO_SHARED_LANGUAGE = "no shared language"
REJECTED_BEFORE = "rejected by a coordinator before"
ENDED_BEFORE = "paired before: their pairing ended"
DO_NOT_MATCH = "do-not-match"
#: A category that groups the reporting-line reasons in a summary.
IN_REPORTING_LINE = "in their reporting line"

#: Why a mentee has no mentor at all.
NO_MENTORS = "the program has no mentors"
NO_ELIGIBLE_MENTOR = "no eligible mentor"
ALL_FULL = "no mentor with capacity: all mentors are full"
NO_GOALS = "no goals to match on: add development goals or topics"
RUN_AGAIN = "run the assignment again"
NOT_PAIRED_YET = ("not paired yet: an assignment run proposes a mentor or says which rule "
                  "keeps them unmatched")


def do_not_match(why: str | None) -> str:
    """The reason of an explicit do-not-match pair."""
    return f"{DO_NOT_MATCH} ({why})" if why else DO_NOT_MATCH


def category(reason: str | None) -> str | None:
    """The rule a pair's reason belongs to, as counted in a summary."""
    if reason is None:
        return None
    if reason.startswith(DO_NOT_MATCH):
        return DO_NOT_MATCH
    if reason in (THEIR_MANAGER, ABOVE_THEM, REPORTS_TO_THEM):
        return IN_REPORTING_LINE
    return reason


def exclusion_summary(reasons: Iterable[str | None], mentors: int) -> str:
    """Plain-language reason a mentee has no eligible mentor, from each mentor's exclusion
    reason (None: allowed)."""
    if not mentors:
        return NO_MENTORS
    counts = Counter(category(r) for r in reasons)
    counts.pop(None, None)
    if sum(counts.values()) < mentors:
        return NO_ELIGIBLE_MENTOR
    if set(counts) == {AT_CAPACITY}:
        return ALL_FULL
    parts = ", ".join(f"{n} {what}" for what, n in counts.most_common())
    return f"all {mentors} mentors excluded by rule: {parts}"


def places_taken(to_place: int, seats: int) -> str:
    """Why a mentee with eligible mentors was left out of an assignment."""
    shortage = (f"not enough places ({to_place} mentees to place, {seats} free mentor places)"
                if to_place > seats else "its eligible mentors are full")
    return (f"{shortage}: the places went to mentees who fit those mentors better; "
            f"add capacity or recruit a mentor, then {RUN_AGAIN}")
