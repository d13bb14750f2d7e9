"""Inviting participants by e-mail: a one-time sign-in link per person, written to the outbox
in the transaction that creates the link.

The coordinator who invites never sees a link: a link signs in as its recipient, so showing
it would let the coordinator act as them. Only the recipient's mailbox (or, with the console
backend, the operator's server log) ever holds it; the database keeps its hash.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from companion.config import Settings
from companion.domain import AccessRole, Participant, Role
from companion.errors import BadInputError, NotFoundError
from companion.services.access import access_to
from companion.services.mail import MAX_ATTEMPTS
from companion.services.tokens import Principal
from companion.services.web_auth import SignInLink, add_link
from companion.store import (
    AuditLog,
    Database,
    Outbox,
    ParticipantRepository,
    ProgramRepository,
)
from companion.store.tables import OutboxRow

#: How many people one request may invite (a program's whole roster fits).
MAX_INVITES = 2000


@dataclass(frozen=True)
class LastInvitation:
    """The newest invitation to a person's address: when, and whether it went out."""

    at: datetime
    status: str  # sent | waiting | retrying | failed
    attempts: int


@dataclass(frozen=True)
class Invitee:
    """A participant as the invitation page lists them: their e-mail address (a host
    coordinator sees it anyway) and their last invitation, if any."""

    id: str
    name: str
    role: str
    email: str | None
    last: LastInvitation | None = None


@dataclass(frozen=True)
class Invitations:
    """What `invite_as` did: who was invited (queued in the outbox), who has no e-mail
    address (by name), and ids that are not in the program."""

    program: str
    invited: list[Invitee] = field(default_factory=list)
    without_email: list[Invitee] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        return {"program": self.program,
                "invited": [{"id": p.id, "name": p.name, "role": p.role}
                            for p in self.invited],
                "without_email": [{"id": p.id, "name": p.name} for p in self.without_email],
                "unknown": self.unknown}


def _program_of(principal: Principal, program: str | None) -> str:
    name = program or principal.program
    if name is None:
        raise BadInputError("say which program's participants to invite", field="program")
    return name


def invitees_as(db: Database, principal: Principal, program: str | None = None
                ) -> list[Invitee]:
    """The program's participants, for a host coordinator (or an admin) choosing whom to
    invite."""
    name = _program_of(principal, program)
    access_to(db, principal, name).require_host_coordinator("invite participants")
    with db.session() as session:
        row = ProgramRepository(session).row(name)
        people = ParticipantRepository(session, row.id).list()
        sent = {address: _last(message)
                for address, message in Outbox(session).latest_by_address(name).items()}
    found = []
    for person in people:
        invitee = _invitee(person)
        last = sent.get(invitee.email.lower()) if invitee.email else None
        found.append(replace(invitee, last=last) if last else invitee)
    return sorted(found, key=lambda p: (p.name.casefold(), p.id))


def _last(row: OutboxRow) -> LastInvitation:
    attempts = row.attempts or 0
    if row.sent_at is not None:
        status = "sent"
    elif row.error is None:  # not tried yet, or being sent right now (the try is counted)
        status = "waiting"
    else:
        status = "failed" if attempts >= MAX_ATTEMPTS else "retrying"
    return LastInvitation(row.sent_at or row.created_at, status, attempts)


def _invitee(person: Participant) -> Invitee:
    email = (person.email or "").strip() or None
    return Invitee(person.id, person.name, person.role.value, email)


def _link_role(person: Participant, both_as: AccessRole) -> AccessRole:
    if person.role is Role.mentor:
        return AccessRole.mentor
    if person.role is Role.mentee:
        return AccessRole.mentee
    return both_as


def invite_as(db: Database, settings: Settings, principal: Principal,
              participant_ids: Iterable[str], *, program: str | None = None,
              both_as: AccessRole | str = AccessRole.mentee) -> Invitations:
    """Invite participants of the program by e-mail: only the host organisation's
    coordinators (and admins) may, since a link signs in as the person it is sent to.

    Each person with an e-mail address gets a one-time sign-in link in the role they hold
    (`both_as` for someone who is both mentor and mentee), written with its message to the
    outbox in one transaction: a link is never made without its message, nor a message
    without its link. Delivery happens afterwards (`mail.deliver_outbox`)."""
    name = _program_of(principal, program)
    access = access_to(db, principal, name)
    access.require_host_coordinator("invite participants")
    both_as = AccessRole(both_as)
    if both_as not in (AccessRole.mentee, AccessRole.mentor):
        raise BadInputError("someone who is both mentor and mentee is invited as a mentee "
                            "or as a mentor", field="both_as")
    ids = list(dict.fromkeys(i.strip() for i in participant_ids if i and i.strip()))
    if not ids:
        raise BadInputError("choose at least one participant to invite", field="participants")
    if len(ids) > MAX_INVITES:
        raise BadInputError(f"at most {MAX_INVITES} invitations at a time",
                            field="participants")
    result = Invitations(name)
    inviter = principal.participant_id
    with db.session(write=True) as session:
        row = ProgramRepository(session).row(name)
        people = ParticipantRepository(session, row.id)
        for pid in ids:
            try:
                person = people.get(pid)
            except NotFoundError:
                result.unknown.append(pid)
                continue
            invitee = _invitee(person)
            if invitee.email is None:
                result.without_email.append(invitee)
                continue
            link = _add_link(session, settings, person, _link_role(person, both_as), name,
                             created_by=principal.actor)
            message_id = Outbox(session).add(
                to=invitee.email, subject=f"Your invitation to {name} on Companion",
                body=invitation_body(settings, person.name, inviter, link),
                program=name, created_by=principal.actor)
            AuditLog(session).append(principal.actor, "invitation.send", "participant",
                                     person.id, program=name, detail={
                                         "role": link.role, "link_id": link.id,
                                         "outbox_id": message_id})
            result.invited.append(invitee)
    return result


def _add_link(session: Any, settings: Settings, person: Participant, role: AccessRole,
              program: str, *, created_by: str) -> SignInLink:
    return add_link(session, settings, participant_id=person.id, role=role.value,
                    program=program, created_by=created_by, detail={"via": "invitation"})


def invitation_body(settings: Settings, name: str, inviter: str, link: SignInLink) -> str:
    """The plain-text invitation: who invites them to what, the link, how long it works."""
    role = "a mentor" if link.role == AccessRole.mentor.value else "a mentee"
    hours = settings.signin_link_hours
    lasts = f"{hours // 24} days" if hours % 24 == 0 and hours >= 48 else f"{hours} hours"
    return (
        f"Hello {name},\n\n"
        f"{inviter}, who coordinates {link.program}, invites you to join the program on "
        f"Companion as {role}.\n\n"
        "Companion is where you will see your mentoring pairing, prepare your sessions and "
        "keep your goals. There is no password: open this personal link to sign in.\n\n"
        f"{link.url}\n\n"
        f"The link works once and for {lasts} (until "
        f"{link.expires_at:%d %B %Y, %H:%M} UTC); after that, your browser stays signed in "
        f"for {settings.session_hours} hours. Please do not forward it: it signs in as you. "
        "If it has expired, ask your coordinator for a new invitation.\n\n"
        "See you there,\nCompanion, for your program's coordinators\n")


__all__ = ["Invitations", "Invitee", "LastInvitation", "invitation_body", "invite_as",
           "invitees_as"]
