"""Reporting lines: who manages whom, checked for dangling managers and cycles."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple


class ReportingProblem(NamedTuple):
    """A participant whose `manager_id` breaks the reporting line."""

    participant_id: str
    message: str


def reporting_problems(
    managers: Mapping[str, str | None], known_ids: Iterable[str] | None = None
) -> list[ReportingProblem]:
    """Problems in a reporting line given as `participant id -> manager id`.

    `known_ids` are people who exist besides the keys of `managers` (for example participants
    already stored). Reports self-management, managers nobody knows, and every cycle once
    (on each of its members, so each offending row gets its own error).
    """
    known = set(managers) | set(known_ids or ())
    problems: list[ReportingProblem] = []
    for pid, manager in managers.items():
        if manager is None:
            continue
        if manager == pid:
            problems.append(ReportingProblem(pid, f"'{pid}' is listed as their own manager"))
        elif manager not in known:
            problems.append(ReportingProblem(
                pid,
                f"manager '{manager}' is not a participant in this file or program; "
                "import the manager too or leave manager_id empty",
            ))
    problems.extend(_cycles(managers))
    return problems


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
