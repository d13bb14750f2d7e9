"""Editing and deleting a program as one principal: an admin, or a coordinator of the
host organisation (a partner organisation's coordinator runs their own people, not the
program). The faces only turn the answer into their own output."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from companion.domain import Program
from companion.services.access import access_to, people_of
from companion.services.org_chart import (
    OrgChartReport,
    OrgRecordView,
    import_org_chart_bytes,
    org_records,
)
from companion.services.programs import (
    ProgramDeleted,
    ProgramEdited,
    delete_program,
    edit_program,
    program_holdings,
)
from companion.services.reporting_checks import BrokenPairing, reporting_conflicts
from companion.services.tokens import Principal
from companion.store import Database, ProgramHoldings

#: How many managers above someone the organisation chart page names.
CHAIN_LIMIT = 8


def edit_program_as(db: Database, principal: Principal, name: str,
                    changes: dict[str, Any]) -> ProgramEdited:
    access_to(db, principal, name).require_host_coordinator("edit the program")
    return edit_program(db, name, changes, actor=principal.actor)


def program_settings_as(db: Database, principal: Principal, name: str) -> Program:
    """The program as the edit form shows it (only to those who may edit it)."""
    access = access_to(db, principal, name)
    access.require_host_coordinator("edit the program")
    return access.program


def deletion_preview_as(db: Database, principal: Principal, name: str) -> ProgramHoldings:
    """What deleting the program would delete (only to those who may delete it)."""
    access_to(db, principal, name).require_host_coordinator("delete the program")
    return program_holdings(db, name)


def delete_program_as(db: Database, principal: Principal, name: str, *,
                      confirmed: bool) -> ProgramDeleted:
    access_to(db, principal, name).require_host_coordinator("delete the program")
    return delete_program(db, name, confirmed=confirmed, actor=principal.actor)


def org_chart_as(db: Database, principal: Principal, name: str
                 ) -> tuple[list[OrgRecordView], list[BrokenPairing]]:
    """The program's organisation records and the live pairings its reporting tree forbids."""
    access_to(db, principal, name).require_host_coordinator("read the organisation chart")
    return org_records(db, name), reporting_conflicts(db, name)


def import_org_chart_as(db: Database, principal: Principal, name: str, data: bytes, *,
                        filename: str, dry_run: bool = False) -> OrgChartReport:
    access_to(db, principal, name).require_host_coordinator("import the organisation chart")
    return import_org_chart_bytes(db, name, data, name=filename, actor=principal.actor,
                                  dry_run=dry_run)


@dataclass(frozen=True)
class OrgChartRow:
    """One organisation record with the line above it, nearest manager first, by name where
    the program knows one (the walk stops at a loop or after CHAIN_LIMIT managers)."""

    id: str
    name: str | None
    manager_id: str | None
    chain: list[str]


@dataclass(frozen=True)
class OrgChart:
    program: str
    people: list[OrgChartRow]
    conflicts: list[BrokenPairing]
    names: dict[str, str]
    """Names of the participants and records the page mentions, by id."""


def org_chart_view_as(db: Database, principal: Principal, name: str) -> OrgChart:
    """`org_chart_as` with each record's reporting line spelled out (for a page)."""
    people, broken = org_chart_as(db, principal, name)
    participants = people_of(db, name)
    managers = {pid: p.manager_id for pid, p in participants.items()}
    managers.update({p.id: p.manager_id for p in people})
    names = {pid: p.name for pid, p in participants.items() if p.name}
    names.update({p.id: p.name for p in people if p.name})
    rows = []
    for person in people:
        chain: list[str] = []
        seen = {person.id}
        boss = person.manager_id
        while boss and boss not in seen and len(chain) < CHAIN_LIMIT:
            seen.add(boss)
            chain.append(names.get(boss, boss))
            boss = managers.get(boss)
        rows.append(OrgChartRow(person.id, person.name, person.manager_id, chain))
    return OrgChart(name, rows, broken, names)
