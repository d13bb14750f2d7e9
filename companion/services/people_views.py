"""Programs and people as one principal may see them: an admin everything; a coordinator
their program (a partner organisation's: their own people in full, others' shareable fields);
a mentee or mentor themselves and their approved partners' shareable fields. The faces call
these and only turn the answer into their own output."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from companion.domain import AccessRole, Program, Role
from companion.errors import forbidden, hidden
from companion.services import matching
from companion.services.access import (
    Access,
    access_to,
    participant_ids,
    partners_of,
    people_of,
)
from companion.services.paging import Page, PageRequest, paginate
from companion.services.programs import (
    build_program,
    create_program,
    list_programs,
    start_warnings,
)
from companion.services.tokens import Principal
from companion.store import Database

#: Program settings only coordinators see (how matching and drafting are tuned).
_COORDINATOR_ONLY = ("matching_weights", "ai_readable_fields", "default_capacity")


def program_json(program: Program) -> dict[str, Any]:
    data = program.model_dump(mode="json")
    data["end_date"] = program.end_date.isoformat()
    return data


def programs_of(db: Database, principal: Principal) -> list[dict[str, Any]]:
    return [program_json(p) for p in list_programs(db)
            if principal.role is AccessRole.admin or p.name == principal.program]


def programs_page(db: Database, principal: Principal, request: PageRequest
                  ) -> Page[dict[str, Any]]:
    """The programs the principal can see, by name, a page at a time."""
    return paginate(programs_of(db, principal), lambda p: (str(p["name"]),), request,
                    scope="programs")


def create_program_as(db: Database, principal: Principal, program: Program) -> dict[str, Any]:
    if principal.role is not AccessRole.admin:
        raise forbidden("only an admin can create programs")
    created = create_program(db, program, actor=principal.actor)
    return {**program_json(created), "warnings": start_warnings(created)}


def program_as(db: Database, principal: Principal, name: str) -> dict[str, Any]:
    access = access_to(db, principal, name)
    data = program_json(access.program)
    if not access.coordinator:
        for key in _COORDINATOR_ONLY:
            data.pop(key, None)
    return data


@dataclass(frozen=True)
class ParticipantPage:
    program: str
    total: int
    participants: list[dict[str, Any]]
    page: Page[Any] | None = None

    def json(self) -> dict[str, Any]:
        return {"program": self.program, "total": self.total,
                "participants": self.participants, **(self.page.meta() if self.page else {})}


def _partners(db: Database, access: Access) -> frozenset[str]:
    return frozenset() if access.coordinator else partners_of(
        db, access.program.name, access.me).people


def participants_as(db: Database, principal: Principal, program: str, *,
                    role: Role | None = None, limit: int = 1000, offset: int = 0,
                    page: PageRequest | None = None) -> ParticipantPage:
    """The participants the principal may see, each as much as they may see of them, by id,
    a page at a time (`page`: limit and cursor or offset; else `limit` and `offset`)."""
    access = access_to(db, principal, program)
    request = page or PageRequest(limit, offset=offset)
    scope = f"participants|{program}|{role}"
    if access.coordinator:  # sees everyone (wholly or in part): page the ids, read the page
        ids = paginate(participant_ids(db, program, role), lambda pid: (pid,), request,
                       scope=scope)
        people = people_of(db, program, ids.items)
        views = [view for pid in ids.items if pid in people
                 if (view := access.participant_view(people[pid], ())) is not None]
        return ParticipantPage(program, ids.total or 0, views, ids)
    partners = _partners(db, access)
    # a participant sees themselves and their partners: read just those
    people = people_of(db, program, [access.me, *sorted(partners)])
    shown = [view for person in people.values()
             if role is None or person.role is role
             if (view := access.participant_view(person, partners)) is not None]
    chosen = paginate(shown, lambda view: (str(view["id"]),), request, scope=scope)
    return ParticipantPage(program, len(shown), chosen.items, chosen)


def participant_as(db: Database, principal: Principal, program: str,
                   participant_id: str) -> dict[str, Any]:
    access = access_to(db, principal, program)
    person = people_of(db, program, [participant_id]).get(participant_id)
    view = access.participant_view(person, _partners(db, access)) if person else None
    if view is None:
        raise hidden(f"participant '{participant_id}' in {program}",
                     reason="participant not visible to the caller", program=program)
    return view


def me(db: Database, principal: Principal) -> dict[str, Any]:
    """Who the token speaks for, their profile and their partners (as they may see them)."""
    data: dict[str, Any] = {
        "participant_id": principal.participant_id, "role": principal.role.value,
        "program": principal.program, "organization": principal.organization,
        "token_id": principal.token_id, "profile": None, "partners": []}
    if principal.program is not None and principal.role in (AccessRole.mentee,
                                                             AccessRole.mentor):
        access = access_to(db, principal, principal.program)
        partners = _partners(db, access)
        people = people_of(db, principal.program, [principal.participant_id, *partners])
        person = people.get(principal.participant_id)
        data["profile"] = access.participant_view(person, partners) if person else None
        data["partners"] = [view for pid in sorted(partners) if pid in people
                            if (view := access.participant_view(people[pid], partners))]
    return data


def require_importer(db: Database, principal: Principal, program: str) -> Access:
    """Only the host organisation's coordinators import participants."""
    access = access_to(db, principal, program)
    access.require_host_coordinator("import participants")
    return access


def report_as(db: Database, principal: Principal, program: str) -> matching.ProgramReport:
    access_to(db, principal, program).require_host_coordinator("read the program report")
    return matching.report(db, program)


__all__ = ["ParticipantPage", "build_program", "create_program_as", "me", "participant_as",
           "participants_as", "program_as", "program_json", "programs_of", "programs_page",
           "report_as", "require_importer"]
