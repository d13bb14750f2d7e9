"""Hard rules for one proposed pair: used when a coordinator approves or swaps a pairing, so
that no decision can break a rule the engine would never have suggested."""

from __future__ import annotations

from collections.abc import Mapping

from companion.domain import Participant, Program, ProgramType
from companion.domain.reporting import chain_of_command


def reporting_line_rule(mentee_id: str, mentor_id: str,
                        managers: Mapping[str, str | None]) -> str | None:
    """Why the reporting line forbids the pair, or None. Both directions count."""
    above = chain_of_command(mentee_id, managers)
    if above and above[0] == mentor_id:
        return "their manager"
    if mentor_id in above:
        return "above them in their reporting line"
    if mentee_id in chain_of_command(mentor_id, managers):
        return "reports to them"
    return None


def pair_violation(program: Program, mentee: Participant, mentor: Participant, *,
                   managers: Mapping[str, str | None], mentor_load: int,
                   blocked: Mapping[tuple[str, str], str],
                   rejected: set[tuple[str, str]]) -> str | None:
    """The first hard rule the pair breaks, in words a coordinator understands, or None.

    `mentor_load` counts the mentor's approved, active and locked pairings, not this one."""
    if mentee.id == mentor.id:
        return "a participant cannot mentor themself"
    if program.type is not ProgramType.peer:
        if not mentor.role.mentors:
            return f"{mentor.id} is not a mentor in this program (role {mentor.role})"
        if not mentee.role.is_mentored:
            return f"{mentee.id} is not a mentee in this program (role {mentee.role})"
    line = reporting_line_rule(mentee.id, mentor.id, managers)
    if line is not None:
        return f"{mentor.id} is {line} of {mentee.id}" if line != "reports to them" else (
            f"{mentor.id} reports to {mentee.id}")
    capacity = program.default_capacity if mentor.capacity is None else mentor.capacity
    if mentor_load >= capacity:
        return f"{mentor.id} is at capacity ({mentor_load} of {capacity})"
    if program.require_shared_language and mentee.languages and mentor.languages and not (
            set(mentee.languages) & set(mentor.languages)):
        return f"{mentee.id} and {mentor.id} share no language"
    if (mentee.id, mentor.id) in blocked:
        return f"do-not-match pair ({blocked[(mentee.id, mentor.id)]})"
    if (mentee.id, mentor.id) in rejected:
        return "a coordinator rejected this pair before"
    return None
