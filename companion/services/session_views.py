"""Sessions as one principal may see and change them (the API's and the web app's entry).

* The pair (mentee and mentor of an approved, active or closed pairing) sees everything of
  their sessions — notes, action items, place, agenda — and schedules, reschedules, cancels
  and records them as held.
* The program's coordinators see every session's status and dates, never the notes, the
  place or the agenda; the host's coordinators may also schedule, reschedule and cancel on
  the pair's behalf, but only the pair records a session as held (the notes are theirs). A
  partner organisation's coordinator sees the sessions of their own people's pairings.
* An admin sees and does everything. Anyone else: hidden (404), as if absent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from companion.domain import Pairing, PairingStatus, Participant
from companion.domain.clock import Clock
from companion.domain.relationship import MentoringSession, SessionFormat
from companion.errors import AccessDenied, NotFoundError, forbidden, hidden
from companion.services import pairings, sessions
from companion.services.access import Access, access_to, access_to_owner, people_of
from companion.services.paging import Page, PageRequest, key_part, paginate
from companion.services.sessions import SessionView
from companion.services.tokens import Principal
from companion.store import Database

#: Pairings whose members still read their sessions (a closed pair keeps its record).
PAIR_SEES = (PairingStatus.approved, PairingStatus.active, PairingStatus.closed)
#: Pairings that still meet (plan sessions).
MEETING_STATUSES = (PairingStatus.approved, PairingStatus.active)


@dataclass(frozen=True)
class SessionAccess:
    """What one principal may do with one pairing's sessions."""

    access: Access
    pairing: Pairing
    people: dict[str, Participant]

    @property
    def member(self) -> bool:
        return (not self.access.coordinator and self.pairing.status in PAIR_SEES
                and self.access.me in (self.pairing.mentee_id, self.pairing.mentor_id))

    @property
    def sees(self) -> bool:
        if self.access.host_coordinator or self.member:
            return True
        if self.access.partner_coordinator:
            return self.access.own_org(self.people.get(self.pairing.mentee_id)) or \
                self.access.own_org(self.people.get(self.pairing.mentor_id))
        return False

    @property
    def private(self) -> bool:
        """Notes, action items, place and agenda: the pair's and an admin's only."""
        return self.access.admin or self.member

    @property
    def by(self) -> str:
        return self.access.reviewer_name

    def view(self, meeting: MentoringSession) -> SessionView:
        zones = {pid: self.people[pid].timezone if pid in self.people else None
                 for pid in (self.pairing.mentee_id, self.pairing.mentor_id)}
        mine = self.people.get(self.access.me)
        return SessionView(meeting, zones, private=self.private,
                           viewer_zone=mine.timezone if mine and self.member else None)

    def require_planner(self) -> None:
        if not (self.member or self.access.admin or self.access.host_coordinator):
            raise forbidden("only the pair and the host organisation's coordinators plan "
                            "this pairing's sessions", program=self.access.program.name)

    def require_member(self) -> None:
        if not (self.member or self.access.admin):
            raise forbidden("only the pair records a session as held: its notes and action "
                            "items are theirs", program=self.access.program.name)


def pairing_access(db: Database, principal: Principal, pairing_id: str) -> SessionAccess:
    """The principal's access to a pairing's sessions; hidden when they may not see them."""
    what = f"pairing '{pairing_id}'"
    try:
        pairing = pairings.get_pairing(db, pairing_id)
    except NotFoundError:
        raise hidden(what, reason="no such pairing") from None
    access = access_to_owner(db, principal, pairing.program, what)
    people = people_of(db, pairing.program, [pairing.mentee_id, pairing.mentor_id,
                                             access.me])
    found = SessionAccess(access, pairing, people)
    if not found.sees:
        raise hidden(what, reason="pairing's sessions not visible to the caller",
                     program=pairing.program)
    return found


def _session_access(db: Database, principal: Principal, session_id: str
                    ) -> tuple[SessionAccess, MentoringSession]:
    what = f"session '{session_id}'"
    try:
        meeting = sessions.get_session(db, session_id)
    except NotFoundError:
        raise hidden(what, reason="no such session") from None
    try:
        return pairing_access(db, principal, meeting.pairing_id), meeting
    except AccessDenied as exc:
        if exc.status == 404:  # said of the session, not of the pairing behind it
            raise hidden(what, reason=exc.reason, program=meeting.program) from None
        raise


def get_as(db: Database, principal: Principal, session_id: str) -> SessionView:
    seen, meeting = _session_access(db, principal, session_id)
    return seen.view(meeting)


def schedule_as(db: Database, principal: Principal, pairing_id: str, at: str | datetime, *,
                minutes: int | None = None, format: str | SessionFormat | None = None,
                location: str | None = None, timezone: str | None = None,
                agenda_draft_id: str | None = None, clock: Clock | None = None
                ) -> SessionView:
    seen = pairing_access(db, principal, pairing_id)
    seen.require_planner()
    created = sessions.schedule(db, pairing_id, at, by=seen.by, minutes=minutes,
                                format=format, location=location, timezone=timezone,
                                agenda_draft_id=agenda_draft_id, clock=clock)
    return seen.view(created)


def reschedule_as(db: Database, principal: Principal, session_id: str, at: str | datetime, *,
                  version: int, minutes: int | None = None,
                  format: str | SessionFormat | None = None, location: str | None = None,
                  timezone: str | None = None, clock: Clock | None = None) -> SessionView:
    seen, _ = _session_access(db, principal, session_id)
    seen.require_planner()
    changed = sessions.reschedule(db, session_id, at, by=seen.by, minutes=minutes,
                                  format=format, location=location, timezone=timezone,
                                  version=version, clock=clock)
    return seen.view(changed)


def cancel_as(db: Database, principal: Principal, session_id: str, *, version: int,
              reason: str | None = None, clock: Clock | None = None) -> SessionView:
    seen, _ = _session_access(db, principal, session_id)
    seen.require_planner()
    return seen.view(sessions.cancel(db, session_id, by=seen.by, reason=reason,
                                     version=version, clock=clock))


def done_as(db: Database, principal: Principal, session_id: str, *, version: int,
            notes: str | None = None, action_items: Sequence[str] | None = None,
            clock: Clock | None = None) -> SessionView:
    seen, _ = _session_access(db, principal, session_id)
    seen.require_member()
    return seen.view(sessions.mark_done(db, session_id, by=seen.by, notes=notes,
                                        action_items=action_items, version=version,
                                        clock=clock))


@dataclass(frozen=True)
class SessionList:
    sessions: list[SessionView]
    page: Page[Any] | None = None

    def json(self) -> dict[str, Any]:
        return {"sessions": [s.json() for s in self.sessions],
                **(self.page.meta() if self.page else {})}


def list_as(db: Database, principal: Principal, program: str, *,
            pairing_id: str | None = None, participant_id: str | None = None,
            page: PageRequest | None = None) -> SessionList:
    """The sessions the principal may see in `program` (of one pairing, or of one
    participant's pairings), by start; with `page`, a page of them (limit, cursor or
    offset)."""
    views = _visible_sessions(db, principal, program, pairing_id=pairing_id,
                              participant_id=participant_id)
    if page is None:
        return SessionList(views)
    chosen = paginate(views, lambda v: (key_part(v.session.starts_at), v.session.id), page,
                      scope=f"sessions|{program}|{pairing_id}|{participant_id}")
    return SessionList(chosen.items, chosen)


def _visible_sessions(db: Database, principal: Principal, program: str, *,
                      pairing_id: str | None, participant_id: str | None
                      ) -> list[SessionView]:
    if pairing_id is not None:
        seen = pairing_access(db, principal, pairing_id)
        if seen.pairing.program != program:
            raise hidden(f"pairing '{pairing_id}'", reason="pairing in another program",
                         program=program)
        found = sessions.list_sessions(db, pairing_id=pairing_id)
        if participant_id is not None and participant_id not in (seen.pairing.mentee_id,
                                                                 seen.pairing.mentor_id):
            found = []
        return [seen.view(s) for s in found]
    access = access_to(db, principal, program)
    people = people_of(db, program)
    by_id = {p.id: p for p in pairings.list_pairings(db, program)}
    views: list[SessionView] = []
    for meeting in sessions.list_sessions(db, program=program, participant_id=participant_id):
        seen = SessionAccess(access, by_id[meeting.pairing_id], people)
        if seen.sees:
            views.append(seen.view(meeting))
    return views


@dataclass(frozen=True)
class PairingSessions:
    """A pairing's meeting record as a coordinator sees it: dates and counts, never notes,
    action items, places or agendas."""

    pairing: Pairing
    mentee: Participant | None
    mentor: Participant | None
    held: int
    last_held: datetime | None
    next_scheduled: datetime | None

    def json(self) -> dict[str, Any]:
        return {"pairing_id": self.pairing.id, "status": self.pairing.status.value,
                "mentee_id": self.pairing.mentee_id, "mentor_id": self.pairing.mentor_id,
                "held": self.held,
                "last_held": self.last_held.isoformat() if self.last_held else None,
                "next_scheduled": self.next_scheduled.isoformat()
                if self.next_scheduled else None}


def pairing_sessions_as(db: Database, principal: Principal, program: str, *,
                        clock: Clock | None = None) -> list[PairingSessions]:
    """Each approved, active or closed pairing the principal sees in `program`, with its
    count of held sessions, the last one held and the next one scheduled (from now)."""
    from companion.domain.clock import clock_or_system
    from companion.domain.relationship import SessionStatus

    now = clock_or_system(clock).now()
    access = access_to(db, principal, program)
    people = people_of(db, program)
    found: list[PairingSessions] = []
    meetings = sessions.list_sessions(db, program=program)
    by_pairing: dict[str, list[MentoringSession]] = {}
    for meeting in meetings:
        by_pairing.setdefault(meeting.pairing_id, []).append(meeting)
    for pairing in pairings.list_pairings(db, program):
        if pairing.status not in PAIR_SEES or not SessionAccess(access, pairing, people).sees:
            continue
        mine = by_pairing.get(pairing.id, [])
        held = [m.starts_at for m in mine if m.status is SessionStatus.held]
        coming = [m.starts_at for m in mine
                  if m.status is SessionStatus.scheduled and m.starts_at >= now]
        found.append(PairingSessions(pairing, people.get(pairing.mentee_id),
                                     people.get(pairing.mentor_id), len(held),
                                     max(held, default=None), min(coming, default=None)))
    return found
