"""Editing and deleting a program as one principal: an admin, or a coordinator of the
host organisation (a partner organisation's coordinator runs their own people, not the
program). The faces only turn the answer into their own output."""

from __future__ import annotations

from typing import Any

from companion.services.access import access_to
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
)
from companion.services.reporting_checks import BrokenPairing, reporting_conflicts
from companion.services.tokens import Principal
from companion.store import Database


def edit_program_as(db: Database, principal: Principal, name: str,
                    changes: dict[str, Any]) -> ProgramEdited:
    access_to(db, principal, name).require_host_coordinator("edit the program")
    return edit_program(db, name, changes, actor=principal.actor)


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
                        filename: str) -> OrgChartReport:
    access_to(db, principal, name).require_host_coordinator("import the organisation chart")
    return import_org_chart_bytes(db, name, data, name=filename, actor=principal.actor)
