"""Reporting lines: who manages whom, checked for self-management and cycles, and walked all
the way up (through people outside the program, kept as organisation records)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple


class ReportingProblem(NamedTuple):
    """A participant whose `manager_id` breaks the reporting line."""

    participant_id: str
    message: str


def reporting_problems(managers: Mapping[str, str | None]) -> list[ReportingProblem]:
    """Problems in a reporting line given as `person id -> manager id`: self-management,
    and every cycle once (on each of its members, so each offending row gets its own error).

    A manager nobody in `managers` is, is no problem: the organisation is larger than a
    program, and such managers are kept as organisation records (see `outside_managers`)."""
    problems = [ReportingProblem(pid, f"'{pid}' is listed as their own manager")
                for pid, manager in managers.items() if manager is not None and manager == pid]
    problems.extend(_cycles(managers))
    return problems


def outside_managers(managers: Mapping[str, str | None]) -> set[str]:
    """Manager ids that are nobody in `managers`: people outside the program (or outside
    the organisation records known so far)."""
    return {m for m in managers.values() if m is not None and m not in managers}


def _cycles(managers: Mapping[str, str | None]) -> list[ReportingProblem]:
    # Colour-marking walk: each node is visited once, so this is linear in the number of people.
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    found: list[ReportingProblem] = []
    for start in managers:
        path: list[str] = []
        node: str | None = start
        while node is not None and node in managers and state.get(node) is None:
            state[node] = 1
            path.append(node)
            nxt = managers[node]
            node = None if nxt == node else nxt  # self-management is reported separately
        if node is not None and state.get(node) == 1:
            cycle = path[path.index(node):]
            chain = " → ".join([*cycle, cycle[0]])
            found.extend(
                ReportingProblem(member, f"reporting-line cycle: {chain}") for member in cycle
            )
        for member in path:
            state[member] = 2
    return found


def chain_of_command(pid: str, managers: Mapping[str, str | None]) -> list[str]:
    """Everyone above `pid` in the reporting line, nearest first (stops safely on a cycle)."""
    above: list[str] = []
    seen = {pid}
    node = managers.get(pid)
    while node is not None and node not in seen:
        above.append(node)
        seen.add(node)
        node = managers.get(node)
    return above
