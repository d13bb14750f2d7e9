"""Who an e-mail address is: the lookups single sign-on maps a verified identity with."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from companion.store.tables import ParticipantRow, ProgramRow


class PersonByEmail(NamedTuple):
    """A participant record with a given e-mail address, in some program."""

    program: str
    participant_id: str
    role: str
    organization: str | None


def people_with_email(session: Session, email: str) -> list[PersonByEmail]:
    """Every participant record, in every program and organisation, whose e-mail is `email`
    (compared case-insensitively), by program and id."""
    rows = session.execute(
        select(ProgramRow.name, ParticipantRow.pid, ParticipantRow.role,
               ParticipantRow.organization)
        .join(ProgramRow, ProgramRow.id == ParticipantRow.program_id)
        .where(func.lower(ParticipantRow.email) == email.strip().lower())
        .order_by(ProgramRow.name, ParticipantRow.pid))
    return [PersonByEmail(*row) for row in rows]


def programs_with_organization(session: Session, organization: str) -> dict[str, str]:
    """The programs with at least one participant of `organization` (compared
    case-insensitively), each with the organisation's spelling in that program's records."""
    rows = session.execute(
        select(ProgramRow.name, func.min(ParticipantRow.organization))
        .join(ParticipantRow, ParticipantRow.program_id == ProgramRow.id)
        .where(func.lower(ParticipantRow.organization) == organization.strip().lower())
        .group_by(ProgramRow.name).order_by(ProgramRow.name))
    return {str(name): str(spelling) for name, spelling in rows}
