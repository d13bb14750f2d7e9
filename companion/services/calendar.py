"""Calendars of mentoring sessions (RFC 5545, written with the `icalendar` library): one
session's `.ics`, and each person's feed of all their sessions behind a revocable URL.

* Every event has the session's stable UID and its SEQUENCE (bumped by every change the
  calendar shows), DTSTART in the zone the start was typed in (with its VTIMEZONE; UTC when
  none), SUMMARY naming the pair, the place as LOCATION (and URL when it is a link). A
  cancelled session stays in the feed as STATUS:CANCELLED with its higher SEQUENCE, so
  subscribed calendars remove it; a single cancelled session's file is METHOD:CANCEL.
* Notes, action items, agendas and cancel reasons are never in a calendar.
* The feed URL's secret is stored as its SHA-256 only (`calendar_tokens`); creating a new
  link revokes the person's previous ones (rotation); a revoked or unknown secret is 404.
* Who: one session's file is the pair's (and an admin's); a person manages their own feed
  link, a coordinator (host, or a partner for their own organisation's people) or an admin
  manages it for them. Anyone else: hidden (404)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Calendar, Event

from companion.domain import AccessRole, Pairing, Participant
from companion.domain.clock import Clock, clock_or_system
from companion.domain.relationship import MentoringSession, SessionStatus, zone
from companion.errors import BadInputError, NotFoundError, hidden
from companion.services.access import access_to, people_of
from companion.services.session_views import PAIR_SEES, _session_access
from companion.services.tokens import Principal
from companion.store import (
    AuditLog,
    CalendarTokens,
    Database,
    PairingRepository,
    ParticipantRepository,
    ProgramRepository,
    SessionRepository,
)
from companion.store.tables import CalendarTokenRow, ProgramRow

PRODID = "-//Companion//Mentoring sessions//EN"
FEED_PATH = "/calendar/"
TOKEN_PREFIX = "cal_"
MEDIA_TYPE = "text/calendar; charset=utf-8"
FORMAT_NAMES = {"in_person": "In person", "video": "Video call", "phone": "Phone call"}


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# -- rendering --------------------------------------------------------------------------

def _name(people: dict[str, Participant], pid: str) -> str:
    person = people.get(pid)
    return (person.name if person is not None and person.name else None) or pid


def _event(meeting: MentoringSession, pairing: Pairing, people: dict[str, Participant],
           stamp: datetime) -> Event:
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    try:
        tz = zone(meeting.timezone)
    except ValueError:
        tz = zone(None)
    event.add("dtstart", meeting.starts_at.astimezone(tz))
    event.add("dtend", meeting.ends_at.astimezone(tz))
    event.add("summary", f"Mentoring: {_name(people, pairing.mentee_id)} & "
                         f"{_name(people, pairing.mentor_id)}")
    event.add("description", f"{FORMAT_NAMES.get(meeting.format.value, meeting.format.value)}"
                             f", {meeting.minutes} min. Mentoring session of pairing "
                             f"{pairing.id} ({meeting.program}).")
    if meeting.location:
        event.add("location", meeting.location)
        if meeting.location.startswith(("https://", "http://")) and " " not in meeting.location:
            event.add("url", meeting.location)
    event.add("status", {SessionStatus.cancelled: "CANCELLED"}.get(meeting.status,
                                                                    "CONFIRMED"))
    event.add("transp", "TRANSPARENT" if meeting.status is SessionStatus.cancelled
              else "OPAQUE")
    event.add("categories", ["Mentoring"])
    return event


def render(meetings: Sequence[MentoringSession], pairings: dict[str, Pairing],
           people: dict[str, Participant], *, name: str, method: str = "PUBLISH",
           now: datetime) -> bytes:
    """A VCALENDAR of `meetings` (each of a pairing in `pairings`)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add("x-wr-calname", name)
    for meeting in meetings:
        stamp = meeting.updated_at or meeting.created_at or now
        cal.add_component(_event(meeting, pairings[meeting.pairing_id], people, stamp))
    if meetings:  # VTIMEZONEs covering the events' years only (compact, and read alike by
        # every client: some misread transitions decades away from the events)
        first = min(m.starts_at for m in meetings) - timedelta(days=366)
        last = max(m.ends_at for m in meetings) + timedelta(days=366)
        cal.add_missing_timezones(first_date=first.date(), last_date=last.date())
    return bytes(cal.to_ical())


# -- one session ------------------------------------------------------------------------

@dataclass(frozen=True)
class IcsFile:
    content: bytes
    filename: str
    media_type: str = MEDIA_TYPE


def _single(db: Database, meeting: MentoringSession, now: datetime) -> IcsFile:
    with db.session() as session:
        pairing = PairingRepository.of_pairing(session, meeting.pairing_id).get(
            meeting.pairing_id)
    people = people_of(db, meeting.program, [pairing.mentee_id, pairing.mentor_id])
    method = "CANCEL" if meeting.status is SessionStatus.cancelled else "PUBLISH"
    return IcsFile(render([meeting], {pairing.id: pairing}, people, method=method, now=now,
                          name="Mentoring session"), f"{meeting.id}.ics")


def session_ics(db: Database, session_id: str, *, clock: Clock | None = None) -> IcsFile:
    """One session's file (the local operator's view)."""
    from companion.services.sessions import get_session

    return _single(db, get_session(db, session_id), clock_or_system(clock).now())


def session_ics_as(db: Database, principal: Principal, session_id: str, *,
                   clock: Clock | None = None) -> IcsFile:
    """One session's file, for the pair (and an admin); anyone else: hidden."""
    seen, meeting = _session_access(db, principal, session_id)
    if not seen.private:
        raise hidden(f"session '{session_id}'", reason="a session's calendar file is the "
                     "pair's", program=meeting.program)
    return _single(db, meeting, clock_or_system(clock).now())


# -- a person's feed --------------------------------------------------------------------

def program_of(db: Database, participant_id: str, program: str | None = None) -> str:
    """The program `participant_id` is in (the one named, or the only one)."""
    with db.session() as session:
        programs = ProgramRepository(session)
        names = [program] if program else programs.names()
        found = []
        for name in names:
            try:
                ParticipantRepository(session, programs.row(name).id).get(participant_id)
            except NotFoundError:
                continue
            found.append(name)
    if not found:
        raise NotFoundError(f"no participant '{participant_id}'"
                            + (f" in {program}" if program else ""))
    if len(found) > 1:
        raise BadInputError(f"'{participant_id}' is in {len(found)} programs "
                            f"({', '.join(found)}): name one with --program", field="program")
    return found[0]


def _feed_of(db: Database, row: ProgramRow, participant_id: str, now: datetime) -> bytes:
    with db.session() as session:
        pairings = {p.id: p for p in PairingRepository(session, row).list()
                    if participant_id in (p.mentee_id, p.mentor_id) and p.status in PAIR_SEES}
        meetings = SessionRepository(session, row).list(pairing_ids=list(pairings)) \
            if pairings else []
        people = ParticipantRepository(session, row.id).by_ids(
            {pid for p in pairings.values() for pid in (p.mentee_id, p.mentor_id)}
            | {participant_id})
    who = _name(people, participant_id)
    return render(meetings, pairings, people, name=f"Mentoring — {who}", now=now)


def feed(db: Database, participant_id: str, *, program: str | None = None,
         clock: Clock | None = None) -> bytes:
    """A person's feed: every session of their pairings (the local operator's view)."""
    name = program_of(db, participant_id, program)
    with db.session() as session:
        row = ProgramRepository(session).row(name)
    return _feed_of(db, row, participant_id, clock_or_system(clock).now())


def feed_by_token(db: Database, secret: str, *, clock: Clock | None = None) -> bytes:
    """The feed a live link's secret opens; NotFoundError for a revoked or unknown one."""
    now = clock_or_system(clock).now()
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise NotFoundError("no such calendar")
    with db.session(write=True) as session:
        token = CalendarTokens(session).live(_hash(secret), at=now)
        if token is None:
            raise NotFoundError("no such calendar")
        row = session.get(ProgramRow, token.program_id)
        participant_id = token.participant_id
    if row is None:  # pragma: no cover - the program's deletion removes its tokens
        raise NotFoundError("no such calendar")
    return _feed_of(db, row, participant_id, now)


# -- feed links -------------------------------------------------------------------------

@dataclass(frozen=True)
class FeedLink:
    """A new feed URL (its secret is shown once: only the hash is kept)."""

    id: str
    participant_id: str
    program: str
    url: str
    created_at: datetime

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "participant_id": self.participant_id, "program": self.program,
                "url": self.url, "created_at": self.created_at.isoformat()}


@dataclass(frozen=True)
class FeedStatus:
    """Whether a person has a live feed link (never its secret: that was shown once)."""

    participant_id: str
    program: str
    live: bool
    created_at: datetime | None
    last_used_at: datetime | None
    revoked: int = 0

    def json(self) -> dict[str, Any]:
        return {"participant_id": self.participant_id, "program": self.program,
                "live": self.live, "revoked": self.revoked,
                "created_at": self.created_at.isoformat() if self.created_at else None,
                "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None}


def _revoke_all(tokens: CalendarTokens, program_id: int, participant_id: str,
                now: datetime) -> int:
    return sum(tokens.revoke(t.id, at=now) for t in tokens.of_participant(
        program_id, participant_id) if t.revoked_at is None)


def create_link(db: Database, participant_id: str, *, public_url: str, by: str,
                program: str | None = None, clock: Clock | None = None) -> FeedLink:
    """A new feed URL for the person; their previous links stop working (rotation)."""
    now = clock_or_system(clock).now()
    name = program_of(db, participant_id, program)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = f"ct-{secrets.token_hex(6)}"
    with db.session(write=True) as session:
        row = ProgramRepository(session).row(name)
        tokens = CalendarTokens(session)
        rotated = _revoke_all(tokens, row.id, participant_id, now)
        tokens.add(CalendarTokenRow(id=token_id, program_id=row.id,
                                    participant_id=participant_id, secret_hash=_hash(secret),
                                    created_by=by, created_at=now))
        AuditLog(session).append(by, "calendar.link", "calendar_token", token_id,
                                 program=name, detail={"participant_id": participant_id,
                                                       "rotated": rotated})
    url = public_url.rstrip("/") + FEED_PATH + secret + ".ics"
    return FeedLink(token_id, participant_id, name, url, now)


def revoke_links(db: Database, participant_id: str, *, by: str, program: str | None = None,
                 clock: Clock | None = None) -> FeedStatus:
    """Stop every feed link of the person."""
    now = clock_or_system(clock).now()
    name = program_of(db, participant_id, program)
    with db.session(write=True) as session:
        row = ProgramRepository(session).row(name)
        revoked = _revoke_all(CalendarTokens(session), row.id, participant_id, now)
        AuditLog(session).append(by, "calendar.revoke", "calendar_token", participant_id,
                                 program=name, detail={"participant_id": participant_id,
                                                       "revoked": revoked})
    return FeedStatus(participant_id, name, False, None, None, revoked)


def link_status(db: Database, participant_id: str, program: str) -> FeedStatus:
    with db.session() as session:
        row = ProgramRepository(session).row(program)
        live = [t for t in CalendarTokens(session).of_participant(row.id, participant_id)
                if t.revoked_at is None]
    last = live[-1] if live else None
    return FeedStatus(participant_id, program, last is not None,
                      last.created_at if last else None, last.last_used_at if last else None)


def _may_manage(db: Database, principal: Principal, participant_id: str) -> str:
    """The program whose feed link of `participant_id` the principal may manage."""
    what = f"participant '{participant_id}'"
    if principal.role is AccessRole.admin and principal.program is None:
        try:
            return program_of(db, participant_id)
        except (NotFoundError, BadInputError):
            raise hidden(what, reason="no such participant") from None
    if principal.program is None:
        raise hidden(what, reason="no program in the caller's scope")
    access = access_to(db, principal, principal.program)
    person = people_of(db, principal.program, [participant_id]).get(participant_id)
    if person is None:
        raise hidden(what, reason="no such participant", program=principal.program)
    if access.me == participant_id and principal.role in (AccessRole.mentee,
                                                          AccessRole.mentor):
        return principal.program
    if access.admin or access.host_coordinator or (
            access.partner_coordinator and access.own_org(person)):
        return principal.program
    raise hidden(what, reason="another person's calendar", program=principal.program)


def create_link_as(db: Database, principal: Principal, participant_id: str, *,
                   public_url: str, clock: Clock | None = None) -> FeedLink:
    program = _may_manage(db, principal, participant_id)
    return create_link(db, participant_id, public_url=public_url, by=principal.actor,
                       program=program, clock=clock)


def revoke_links_as(db: Database, principal: Principal, participant_id: str, *,
                    clock: Clock | None = None) -> FeedStatus:
    program = _may_manage(db, principal, participant_id)
    return revoke_links(db, participant_id, by=principal.actor, program=program, clock=clock)


def link_status_as(db: Database, principal: Principal, participant_id: str) -> FeedStatus:
    return link_status(db, participant_id, _may_manage(db, principal, participant_id))
