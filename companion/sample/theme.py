"""The leadership-theme model and the theme-independent phrasing goals and expertise share.

Goal parts are written in the mentee's voice (a situation, something they want, why it
matters); expertise sentences in the mentor's voice. The two sides of a theme describe the same
capability in deliberately different vocabulary, so matching has to work on meaning rather than
shared keywords.

Slots filled in goal parts: {n} (a team size in words), {meeting}, {deliverables}, {peer_dept}.
Slots filled in expertise: {years}, {count} (a quantity such as "dozens of").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Theme:
    """One leadership theme: mentee goal parts, mentor expertise sentences and skill tags."""

    key: str
    label: str
    situations: tuple[str, ...]  # first-person clauses, no final full stop
    desires: tuple[str, ...]  # infinitive phrases without "to"
    outcomes: tuple[str, ...]  # clauses that follow "so that"
    expertise: tuple[str, ...]  # whole sentences in a mentor's voice
    skills: tuple[str, ...]
    levels: tuple[int, int] = (2, 6)  # mentee levels where this theme is typical
    departments: tuple[str, ...] = ()  # where it comes up more often
    not_for: tuple[str, ...] = ()  # departments whose mentees would not ask for it
    only_for: tuple[str, ...] = ()  # if set, the only departments whose mentees ask for it
    mentor_departments: tuple[str, ...] = ()  # where its mentors usually come from, if not above
    weight: float = 1.0  # how common it is among mentees
    senior_expertise: tuple[str, ...] = ()  # sentences only a level 7+ mentor could say

    @property
    def mentor_affinity(self) -> tuple[str, ...]:
        """Departments whose mentors most often hold this theme."""
        return self.mentor_departments or self.departments


TEAM_SIZES = ("four", "five", "six", "seven", "eight", "nine", "eleven", "twelve", "fourteen")
QUARTERS = ("Q1", "Q2", "Q3", "Q4")

HORIZONS = (
    "before our {quarter} planning",
    "by the end of the year",
    "over the next six months",
    "within the next quarter",
    "before my mid-year review",
    "by the time this program ends",
    "over the coming year",
    "before the summer break",
    "in the next three months",
    "before our annual strategy offsite",
    "while this program runs",
    "by the end of {quarter}",
    "before the new financial year",
    "ahead of my next performance review",
    "within my first year in this role",
    "before our team offsite in the spring",
    "by the time my current project wraps up",
    "over the next two quarters",
    "in time for next year's objectives",
    "before the busy season starts",
)

GOAL_OPENERS = (
    "I want to", "I'd like to", "I'm hoping to", "I need to", "My goal is to",
    "This year I want to", "I'm aiming to", "I would really like to",
)
HELP_LEAD_INS = (
    "I'd like a mentor's help to", "What I want from this program is to",
    "With some support, I'd like to", "I'm looking for help to",
    "I'd value an outside view on how to",
)
QUESTION_LEAD_INS = ("How do I", "How can I", "What does it take to")

YEARS = (
    "five years", "six years", "eight years", "ten years", "over a decade", "twelve years",
    "the best part of fifteen years", "nearly twenty years",
)
COUNTS = ("dozens of", "more than forty", "around thirty", "well over fifty", "roughly twenty")

BACKGROUNDS = (
    "I've spent {years} in {area}, and for most of that time I've had people reporting to me.",
    "My background is in {area}, where I've led teams through lean years as well as good "
    "ones.",
    "Most of my career has been in {area}, across four countries and two acquisitions.",
    "I came up through {area} and now look after a group of around {size} people.",
)
CLOSINGS = (
    "I'm direct, and I'll share what went wrong as readily as what worked.",
    "I like to work from real situations you are facing this month rather than theory.",
    "I'd rather ask good questions than hand out answers.",
    "Happy to share the templates and checklists I still use.",
    "I mentor because someone once did it for me, and it changed my path.",
)
#: Headcount a mentor looks after, by their level, so a manager never claims a VP's empire.
FUNCTION_SIZES: dict[int, tuple[str, ...]] = {
    4: ("ten", "fifteen"), 5: ("twenty", "thirty"), 6: ("forty", "sixty"),
    7: ("a hundred and twenty", "two hundred"), 8: ("four hundred", "six hundred"),
}
