"""Pydantic models and pure rules: no I/O, no frameworks."""

from companion.domain.enums import (
    AccessRole,
    DraftKind,
    DraftStatus,
    MentoringFormat,
    PairingStatus,
    Phase,
    ProgramType,
    Role,
)
from companion.domain.participant import Participant
from companion.domain.passages import Passage
from companion.domain.program import MatchingWeights, PhaseWindow, Program
from companion.domain.records import (
    AuditEvent,
    CheckResult,
    Citation,
    Draft,
    DraftVersion,
    Pairing,
)

__all__ = [
    "AccessRole", "AuditEvent", "CheckResult", "Citation", "Draft", "DraftKind", "DraftStatus",
    "DraftVersion",
    "MatchingWeights", "MentoringFormat", "Pairing", "PairingStatus", "Participant", "Phase",
    "Passage", "PhaseWindow", "Program", "ProgramType", "Role",
]
