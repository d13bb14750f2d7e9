"""What the drafting model may read: the program allows some profile fields, the requester's
own goals, their partner's shareable fields, earlier approved drafts of the same pairing —
never anyone else's data. The reading itself is the `DraftStore` port's job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from companion.domain import DraftKind, Participant, Phase, Program


@dataclass(frozen=True)
class Gathered:
    """What one draft may draw on, read through the `DraftStore` port."""

    program: Program
    requester: Participant
    partner: Participant | None
    other_names: frozenset[str]
    #: earlier approved drafts of the same pairing (or, with no partner, the requester's own
    #: unpaired ones) — never drafts about anyone else
    approved: list[dict[str, Any]]
    pairing_id: str | None = None


def phase_for(program: Program, day: date) -> Phase:
    """The phase on `day`; before the start it is launch, after the end completion."""
    phase = program.phase_on(day)
    if phase is not None:
        return phase
    return Phase.launch if day < program.start_date else Phase.completion


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
