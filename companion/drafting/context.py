"""What the drafting model may read: the program allows some profile fields, the requester's
own goals, their partner's shareable fields — never anyone else's data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from companion.domain import (
    DraftKind,
    DraftStatus,
    PairingStatus,
    Participant,
    Phase,
    Program,
)
from companion.errors import BadInputError, NotFoundError
from companion.store import (
    Database,
    DraftRepository,
    PairingRepository,
    ParticipantRepository,
    ProgramRepository,
)

PARTNERED = (PairingStatus.approved, PairingStatus.active)


@dataclass(frozen=True)
class Gathered:
    program: Program
    requester: Participant
    partner: Participant | None
    other_names: frozenset[str]
    approved: list[dict[str, Any]]


def phase_for(program: Program, day: date) -> Phase:
    """The phase on `day`; before the start it is launch, after the end completion."""
    phase = program.phase_on(day)
    if phase is not None:
        return phase
    return Phase.launch if day < program.start_date else Phase.completion


def gather(db: Database, program_name: str, participant_id: str, partner_id: str | None
           ) -> Gathered:
    with db.session() as session:
        programs = ProgramRepository(session)
        row = programs.row(program_name)
        program = programs.get(program_name)
        people = {p.id: p for p in ParticipantRepository(session, row.id).list()}
        if participant_id not in people:
            raise NotFoundError(f"no participant '{participant_id}' in {program_name}")
        requester = people[participant_id]
        partners = _partners(PairingRepository(session, row).list(PARTNERED), participant_id)
        if partner_id is not None and partner_id not in partners:
            raise BadInputError(f"'{partner_id}' is not an approved partner of "
                                f"'{participant_id}'", field="partner_id")
        chosen = partner_id or (partners[0] if len(partners) == 1 else None)
        partner = people.get(chosen) if chosen else None
        approved = [
            {"kind": d.kind.value, "version": d.version, "content": d.content}
            for d in DraftRepository(session, row).list(participant_id=participant_id,
                                                        status=DraftStatus.approved)
        ][-3:]
    others = frozenset(p.name for pid, p in people.items()
                       if pid not in {participant_id, chosen} and p.name)
    return Gathered(program, requester, partner, others, approved)


def _partners(pairings: list[Any], participant_id: str) -> list[str]:
    found = [p.mentor_id if p.mentee_id == participant_id else p.mentee_id
             for p in pairings if participant_id in (p.mentee_id, p.mentor_id)]
    return list(dict.fromkeys(found))


def model_context(g: Gathered, *, kind: DraftKind, topic: str | None, today: date,
                  passages: list[dict[str, Any]], feedback: list[str]) -> dict[str, Any]:
    """The JSON the model sees: only allowed fields, and only the requester and partner."""
    allowed = set(g.program.ai_readable_fields)
    shareable = set(g.program.shareable_fields) & allowed
    requester = {k: v for k, v in g.requester.to_record().items() if k in allowed}
    requester["id"] = g.requester.id
    partner = None
    if g.partner is not None:
        partner = {k: v for k, v in g.partner.to_record().items() if k in shareable}
        partner["id"] = g.partner.id
    return {
        "kind": kind.value, "topic": topic, "phase": phase_for(g.program, today).value,
        "today": today.isoformat(),
        "program": {"name": g.program.name, "type": g.program.type.value,
                    "start_date": g.program.start_date.isoformat(),
                    "end_date": g.program.end_date.isoformat(),
                    "session_minutes": g.program.session_minutes,
                    "cadence_weeks": g.program.cadence_weeks},
        "requester": requester, "partner": partner,
        "approved_earlier": g.approved,
        "passages": [{k: p[k] for k in ("id", "source", "heading", "text")} for p in passages],
        "feedback": feedback,
    }
