"""Mentoring sessions of an approved pairing: schedule (a start in the past logs a session
held after the fact), reschedule, cancel, mark held with private notes and action items,
list. docs/relationship.md describes the rules.

* Only an approved or active pairing has sessions; an approved pairing becomes active at its
  first held session (in the transaction that records it).
* Times are stored in UTC. A start without an offset is the scheduling person's wall-clock
  time: their own `timezone`, else the mentee's, else UTC (`resolve_zone`).
* Every change the calendar shows bumps the session's SEQUENCE; every write checks the
  session's `version` (optimistic concurrency) and lands in the audit log — without the
  notes, which only the pair reads.

Who may see and do what (`session_views`) is the faces' entry; the functions here take `by`
and trust their caller (the local CLI, or `session_views` after its access check)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from companion.domain import DraftKind, Pairing, PairingStatus, Participant
from companion.domain.clock import Clock, clock_or_system
from companion.domain.relationship import (
    SESSION_MINUTES,
    MentoringSession,
    SessionFormat,
    SessionStatus,
    local_time,
    parse_start,
    zone,
)
from companion.errors import BadInputError, ConflictError, NotFoundError, StaleVersionError
from companion.store import (
    AuditLog,
    Database,
    DraftRepository,
    PairingRepository,
    ParticipantRepository,
    ProgramRepository,
    Session,
    SessionRepository,
)
from companion.store.tables import ProgramRow

#: Pairings that may have sessions.
MEETING = (PairingStatus.approved, PairingStatus.active)
NOTES_MAX = 20_000
ACTION_MAX = 500
LOCATION_MAX = 500


def new_session_id() -> str:
    return f"ss-{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class SessionView:
    """A session as one reader may see it. `private`: notes, action items, the place and
    the agenda are shown (the pair, an admin, the local CLI); coordinators see status and
    dates only. `viewer_zone`: the reader's own zone for `local_starts_at`."""

    session: MentoringSession
    local_zones: dict[str, str | None] = field(default_factory=dict)
    private: bool = True
    viewer_zone: str | None = None

    def json(self) -> dict[str, Any]:
        s = self.session
        data: dict[str, Any] = {
            "id": s.id, "pairing_id": s.pairing_id, "program": s.program,
            "starts_at": s.starts_at.isoformat(), "ends_at": s.ends_at.isoformat(),
            "minutes": s.minutes, "format": s.format.value, "status": s.status.value,
            "sequence": s.sequence, "version": s.version,
            "held_at": _iso(s.held_at), "cancelled_at": _iso(s.cancelled_at),
            "local_starts_at": {pid: local_time(s.starts_at, tz).isoformat()
                                for pid, tz in self.local_zones.items()},
        }
        if self.viewer_zone is not None:
            data["your_starts_at"] = local_time(s.starts_at, self.viewer_zone).isoformat()
        if self.private:
            data.update(location=s.location, timezone=s.timezone,
                        agenda_draft_id=s.agenda_draft_id, notes=s.notes,
                        action_items=list(s.action_items), cancel_reason=s.cancel_reason,
                        uid=s.uid, created_by=s.created_by)
        return data


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


# -- reading ------------------------------------------------------------------------------

def get_session(db: Database, session_id: str) -> MentoringSession:
    with db.session() as session:
        return SessionRepository.of_session(session, session_id).get(session_id)


def list_sessions(db: Database, *, program: str | None = None, pairing_id: str | None = None,
                  participant_id: str | None = None,
                  statuses: Sequence[SessionStatus] | None = None) -> list[MentoringSession]:
    """Sessions of a pairing, of a participant's pairings, of a program, or of every program
    (the local CLI's view), by start time."""
    with db.session() as session:
        if pairing_id is not None:
            repo = PairingRepository.of_pairing(session, pairing_id)
            if program is not None and repo.program.name != program:
                raise NotFoundError(f"no pairing '{pairing_id}' in program '{program}'")
            return SessionRepository(session, repo.program).list(pairing_ids=[pairing_id],
                                                                 statuses=statuses)
        programs = ProgramRepository(session)
        rows = [programs.row(program)] if program is not None else [
            programs.row(name) for name in programs.names()]
        found: list[MentoringSession] = []
        for row in rows:
            ids = None
            if participant_id is not None:
                ids = [p.id for p in PairingRepository(session, row).list()
                       if participant_id in (p.mentee_id, p.mentor_id)]
            found += SessionRepository(session, row).list(pairing_ids=ids, statuses=statuses)
        return sorted(found, key=lambda s: (s.starts_at, s.id))


def zones_of(db: Database, program: str, pairings: Sequence[Pairing]
             ) -> dict[str, dict[str, str | None]]:
    """Each pairing's members' time zones, by pairing id (to show times in each one's
    zone)."""
    with db.session() as session:
        people = ParticipantRepository(session, ProgramRepository(session).row(program).id)
        found = people.by_ids({pid for p in pairings for pid in (p.mentee_id, p.mentor_id)})
    return {p.id: {pid: found[pid].timezone if pid in found else None
                   for pid in (p.mentee_id, p.mentor_id)} for p in pairings}


# -- writing ------------------------------------------------------------------------------

def _minutes(value: int | None, default: int) -> int:
    minutes = default if value is None else value
    low, high = SESSION_MINUTES
    if not low <= minutes <= high:
        raise BadInputError(f"minutes must be from {low} to {high}; got {minutes}",
                            field="minutes")
    return minutes


def _format(value: str | SessionFormat | None) -> SessionFormat:
    if value is None:
        return SessionFormat.video
    try:
        return SessionFormat(value)
    except ValueError:
        raise BadInputError(f"unknown session format '{value}': use "
                            f"{', '.join(f.value for f in SessionFormat)}",
                            field="format") from None


def _text(value: str | None, name: str, limit: int) -> str | None:
    value = (value or "").strip() or None
    if value is not None and len(value) > limit:
        raise BadInputError(f"{name} is {len(value)} characters long; at most {limit}",
                            field=name)
    if value is not None and "\x00" in value:
        raise BadInputError(f"{name} contains a NUL character", field=name)
    return value


def _actions(items: Sequence[str] | None) -> list[str] | None:
    if items is None:
        return None
    cleaned = [_text(item, "action_items", ACTION_MAX) for item in items]
    return [item for item in cleaned if item]


def resolve_zone(people: dict[str, Participant], pairing: Pairing, by: str,
                 explicit: str | None) -> str | None:
    """The zone a start without offset is read in: the one given, the scheduling person's
    own, the mentee's, else None (UTC)."""
    if explicit:
        try:
            zone(explicit)
        except ValueError as exc:
            raise BadInputError(str(exc), field="timezone") from None
        return explicit
    for pid in (by, pairing.mentee_id):
        person = people.get(pid)
        if person is not None and person.timezone:
            return person.timezone
    return None


def _start(text: str | datetime, zone_name: str | None) -> datetime:
    if isinstance(text, datetime):
        if text.tzinfo is None:
            return text.replace(tzinfo=zone(zone_name)).astimezone(zone("UTC"))
        return text.astimezone(zone("UTC"))
    try:
        return parse_start(text, zone_name)
    except ValueError as exc:
        raise BadInputError(str(exc), field="at") from None


def _meeting_pairing(session: Session, pairing_id: str) -> tuple[ProgramRow, Pairing]:
    repo = PairingRepository.of_pairing(session, pairing_id)
    pairing = repo.get(pairing_id)
    if pairing.status not in MEETING:
        raise ConflictError(f"pairing '{pairing_id}' is {pairing.status}: only approved or "
                            "active pairings have sessions")
    return repo.program, pairing


def _check_agenda(session: Session, program: ProgramRow, pairing: Pairing,
                  draft_id: str | None) -> str | None:
    if draft_id is None:
        return None
    try:
        draft = DraftRepository(session, program).get(draft_id)
    except NotFoundError:
        raise BadInputError(f"no draft '{draft_id}' in {program.name}",
                            field="agenda_draft_id") from None
    mine = draft.pairing_id == pairing.id or (
        draft.pairing_id is None and draft.participant_id in (pairing.mentee_id,
                                                              pairing.mentor_id))
    if draft.kind is not DraftKind.agenda or not mine:
        raise BadInputError(f"draft '{draft_id}' is not an agenda of this pair",
                            field="agenda_draft_id")
    return draft_id


def schedule(db: Database, pairing_id: str, at: str | datetime, *, by: str,
             minutes: int | None = None, format: str | SessionFormat | None = None,
             location: str | None = None, timezone: str | None = None,
             agenda_draft_id: str | None = None, notes: str | None = None,
             action_items: Sequence[str] | None = None,
             clock: Clock | None = None) -> MentoringSession:
    """Plan a session; one that started before now is logged as held (after the fact), and
    may carry its notes at once. Holding the first session activates an approved pairing."""
    now = clock_or_system(clock).now()
    session_format = _format(format)
    place = _text(location, "location", LOCATION_MAX)
    notes = _text(notes, "notes", NOTES_MAX)
    actions = _actions(action_items) or []
    with db.session(write=True) as session:
        program, pairing = _meeting_pairing(session, pairing_id)
        model = ProgramRepository(session).get(program.name)
        length = _minutes(minutes, model.session_minutes)
        people = ParticipantRepository(session, program.id).by_ids(
            [by, pairing.mentee_id, pairing.mentor_id])
        zone_name = resolve_zone(people, pairing, by, timezone)
        starts = _start(at, zone_name)
        held = starts <= now
        if not held and (notes or actions):
            raise BadInputError("notes and action items come after the session: this one "
                                f"starts at {starts.isoformat()}", field="notes")
        agenda = _check_agenda(session, program, pairing, agenda_draft_id)
        sid = new_session_id()
        created = SessionRepository(session, program).add(MentoringSession(
            id=sid, program=program.name, pairing_id=pairing.id, starts_at=starts,
            minutes=length, format=session_format, location=place, timezone=zone_name,
            status=SessionStatus.held if held else SessionStatus.scheduled,
            agenda_draft_id=agenda, uid=f"{sid}@companion", notes=notes, action_items=actions,
            created_by=by, held_at=now if held else None), at=now)
        activated = held and PairingRepository(session, program).activate(pairing.id, at=now)
        AuditLog(session).append(by, "session.log" if held else "session.schedule", "session",
                                 sid, program=program.name, detail={
                                     "pairing_id": pairing.id, "starts_at": starts.isoformat(),
                                     "minutes": length, "status": created.status.value,
                                     "pairing_activated": activated})
    return created


def _changing(session: Session, session_id: str, version: int | None,
              allowed: tuple[SessionStatus, ...], action: str
              ) -> tuple[SessionRepository, MentoringSession, int]:
    repo = SessionRepository.of_session(session, session_id)
    current = repo.get(session_id)
    expected = current.version if version is None else version
    if expected != current.version:
        raise StaleVersionError(
            f"session '{session_id}' is at version {current.version}, not "
            f"{expected} ({current.status}); reload and try again")
    if current.status not in allowed:
        raise ConflictError(f"cannot {action} session '{session_id}': it is {current.status}")
    return repo, current, expected


def reschedule(db: Database, session_id: str, at: str | datetime, *, by: str,
               minutes: int | None = None, format: str | SessionFormat | None = None,
               location: str | None = None, timezone: str | None = None,
               version: int | None = None, clock: Clock | None = None) -> MentoringSession:
    """Move a scheduled session (to a future time); SEQUENCE goes up so calendars update."""
    now = clock_or_system(clock).now()
    with db.session(write=True) as session:
        repo, current, expected = _changing(session, session_id, version,
                                            (SessionStatus.scheduled,), "reschedule")
        _meeting_pairing(session, current.pairing_id)
        pairing = PairingRepository(session, repo.program).get(current.pairing_id)
        people = ParticipantRepository(session, repo.program.id).by_ids(
            [by, pairing.mentee_id])
        zone_name = resolve_zone(people, pairing, by, timezone)
        starts = _start(at, zone_name)
        if starts <= now:
            raise BadInputError(f"{starts.isoformat()} has passed: a session is moved to a "
                                "future time (log a past one with `session schedule`)",
                                field="at")
        values: dict[str, Any] = {"starts_at": starts, "timezone": zone_name,
                                  "minutes": _minutes(minutes, current.minutes)}
        if format is not None:
            values["format"] = _format(format)
        if location is not None:
            values["location"] = _text(location, "location", LOCATION_MAX)
        changed = repo.change(session_id, expected_version=expected, at=now, **values)
        AuditLog(session).append(by, "session.reschedule", "session", session_id,
                                 program=repo.program.name, detail={
                                     "pairing_id": current.pairing_id,
                                     "from": current.starts_at.isoformat(),
                                     "to": starts.isoformat(), "sequence": changed.sequence})
    return changed


def cancel(db: Database, session_id: str, *, by: str, reason: str | None = None,
           version: int | None = None, clock: Clock | None = None) -> MentoringSession:
    """Cancel a scheduled session (calendars get METHOD:CANCEL with a higher SEQUENCE)."""
    now = clock_or_system(clock).now()
    reason = _text(reason, "reason", 2000)
    with db.session(write=True) as session:
        repo, current, expected = _changing(session, session_id, version,
                                            (SessionStatus.scheduled,), "cancel")
        changed = repo.change(session_id, expected_version=expected, at=now,
                              status=SessionStatus.cancelled, cancelled_at=now,
                              cancel_reason=reason)
        AuditLog(session).append(by, "session.cancel", "session", session_id,
                                 program=repo.program.name, detail={
                                     "pairing_id": current.pairing_id,
                                     "starts_at": current.starts_at.isoformat()})
    return changed


def cancel_future(session: Session, program: ProgramRow, pairing_id: str, *, by: str,
                  at: datetime, reason: str) -> list[MentoringSession]:
    """Cancel a pairing's sessions still to come, inside the caller's transaction (ending a
    pairing calls this)."""
    repo = SessionRepository(session, program)
    cancelled = []
    for meeting in repo.list(pairing_ids=[pairing_id], statuses=[SessionStatus.scheduled]):
        cancelled.append(repo.change(meeting.id, expected_version=meeting.version, at=at,
                                     status=SessionStatus.cancelled, cancelled_at=at,
                                     cancel_reason=reason))
        AuditLog(session).append(by, "session.cancel", "session", meeting.id,
                                 program=program.name, detail={"pairing_id": pairing_id,
                                                               "reason": reason})
    return cancelled


def mark_done(db: Database, session_id: str, *, by: str, notes: str | None = None,
              action_items: Sequence[str] | None = None, version: int | None = None,
              clock: Clock | None = None) -> MentoringSession:
    """Record a session as held, with the pair's notes and action items; on a held session,
    replace them. A session that has not started yet cannot have been held."""
    now = clock_or_system(clock).now()
    notes = _text(notes, "notes", NOTES_MAX)
    actions = _actions(action_items)
    with db.session(write=True) as session:
        repo, current, expected = _changing(session, session_id, version,
                                            (SessionStatus.scheduled, SessionStatus.held),
                                            "mark as held")
        if current.starts_at > now:
            raise ConflictError(f"session '{session_id}' starts at "
                                f"{current.starts_at.isoformat()}: it cannot have been held "
                                "yet (reschedule it, or wait)")
        values: dict[str, Any] = {"notes": notes if notes is not None else current.notes,
                                  "action_items": actions if actions is not None
                                  else list(current.action_items)}
        first = current.status is SessionStatus.scheduled
        if first:
            _meeting_pairing(session, current.pairing_id)
            values.update(status=SessionStatus.held, held_at=now)
        changed = repo.change(session_id, expected_version=expected, at=now,
                              bump_sequence=first, **values)
        activated = first and PairingRepository(session, repo.program).activate(
            current.pairing_id, at=now)
        AuditLog(session).append(by, "session.done" if first else "session.notes", "session",
                                 session_id, program=repo.program.name, detail={
                                     "pairing_id": current.pairing_id,
                                     "notes_chars": len(changed.notes or ""),
                                     "action_items": len(changed.action_items),
                                     "pairing_activated": activated})
    return changed
