"""Who may see and do what: the one access policy, used by the CLI, the API and the web app.

* **admin** — everything.
* **coordinator** (bound to one program) — sees and decides within that program. A coordinator
  whose token names an organisation other than the program's host is a *partner organisation's
  coordinator*: they see their own organisation's people in full, everyone else's shareable
  fields only, and the pairings and suggestions of their own organisation's people.
* **mentee / mentor** (bound to one program) — their own profile, their approved partners'
  shareable fields, their own drafts, and the approved drafts bound to *their own* pairings
  (a mentor's draft about one mentee is never shown to another).

Nothing reveals whether something the caller may not see exists: it is a `hidden` error (404),
exactly as if it did not. A caller who may see a thing but not do an action on it gets a
`forbidden` error (403). The faces record every denial in the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from companion.domain import (
    AccessRole,
    Draft,
    DraftStatus,
    Pairing,
    PairingStatus,
    Participant,
    Program,
    Role,
)
from companion.errors import AccessDenied, NotFoundError, forbidden, hidden
from companion.services.paging import Page, PageRequest, key_part, paginate
from companion.services.programs import get_program
from companion.services.tokens import (
    IssuedToken,
    Principal,
    TokenRecord,
    create_token,
    get_token,
    list_tokens,
    revoke_token,
)
from companion.store import Database, PairingRepository, ParticipantRepository, ProgramRepository

PARTNERED = (PairingStatus.approved, PairingStatus.active)
WITHHELD = "reasons withheld: they quote another organisation's private profile fields"

__all__ = ["PARTNERED", "WITHHELD", "Access", "AccessDenied", "Partners", "access_to",
           "access_to_owner",
           "forbidden", "hidden", "participant_json", "partners_of", "people_of",
           "tokens_page"]


@dataclass(frozen=True)
class Partners:
    """A participant's approved or active pairings: who with, and which pairing."""

    people: frozenset[str]
    pairings: frozenset[str]

    @classmethod
    def none(cls) -> Partners:
        return cls(frozenset(), frozenset())


@dataclass(frozen=True)
class Access:
    """The rules for one principal within one program."""

    principal: Principal
    program: Program

    # -- who is this, here ------------------------------------------------------------
    @property
    def admin(self) -> bool:
        return self.principal.role is AccessRole.admin

    @property
    def coordinator(self) -> bool:
        """Admin or a coordinator of this program (host or partner)."""
        return self.admin or self.principal.role is AccessRole.coordinator

    @property
    def partner_coordinator(self) -> bool:
        org = self.principal.organization
        return (self.principal.role is AccessRole.coordinator and org is not None
                and org != self.program.host_organization)

    @property
    def host_coordinator(self) -> bool:
        return self.coordinator and not self.partner_coordinator

    @property
    def me(self) -> str:
        return self.principal.participant_id

    def own_org(self, person: Participant | None) -> bool:
        return person is not None and person.organization == self.principal.organization

    def require_coordinator(self, action: str) -> None:
        if not self.coordinator:
            raise forbidden(f"only the program's coordinators can {action}",
                            program=self.program.name)

    def require_host_coordinator(self, action: str) -> None:
        self.require_coordinator(action)
        if self.partner_coordinator:
            raise forbidden(f"only the host organisation's coordinators can {action}; a "
                            "partner organisation's coordinator reviews its own people's "
                            "pairings", program=self.program.name)

    # -- people ---------------------------------------------------------------------------
    def participant_view(self, person: Participant, partners: Iterable[str]
                         ) -> dict[str, Any] | None:
        """What this principal may see of `person`: the whole record, the shareable fields,
        or nothing (None)."""
        if self.host_coordinator or person.id == self.me and not self.coordinator:
            return participant_json(person)
        if self.partner_coordinator:
            return participant_json(person) if self.own_org(person) else self.shareable(person)
        if person.id in set(partners):
            return self.shareable(person)
        return None

    def shareable(self, person: Participant) -> dict[str, Any]:
        record = participant_json(person)
        keep = set(self.program.shareable_fields) | {"id"}
        return {k: v for k, v in record.items() if k in keep}

    # -- pairings -------------------------------------------------------------------------
    def sees_pairing(self, pairing: Pairing, people: dict[str, Participant]) -> bool:
        if self.host_coordinator:
            return True
        if self.partner_coordinator:
            return self.own_org(people.get(pairing.mentee_id)) or self.own_org(
                people.get(pairing.mentor_id))
        return self.me in (pairing.mentee_id, pairing.mentor_id) and pairing.status in PARTNERED

    def pairing_view(self, pairing: Pairing, people: dict[str, Participant]) -> dict[str, Any]:
        data = pairing.model_dump(mode="json")
        if self.partner_coordinator and not self.own_org(people.get(pairing.mentee_id)):
            data["reasons"] = [WITHHELD]
        if not self.coordinator:
            # participants see that they are paired and with whom, not the engine's workings
            for key in ("score", "components", "reasons", "note", "decided_by", "end_note"):
                data.pop(key, None)
        return data

    # -- drafts ---------------------------------------------------------------------------
    def sees_draft(self, draft: Draft, partners: Partners,
                   owner: Participant | None = None) -> bool:
        """`owner` is the participant the draft is for (needed for partner coordinators).

        A participant sees their own drafts and the *approved* drafts bound to one of their
        own approved or active pairings — never a partner's drafts about someone else."""
        if self.admin or self.is_reviewer(draft):
            return True
        if draft.status is not DraftStatus.approved:
            return False  # nothing a model wrote is shown before a human approves it
        if self.partner_coordinator:
            return self.own_org(owner)
        if self.coordinator:
            return True
        if draft.participant_id == self.me:
            return True
        return draft.pairing_id is not None and draft.pairing_id in partners.pairings

    def sees_history(self, draft: Draft) -> bool:
        """Every version, diff and reviewer note: the reviewer's working papers (and an
        admin's); a partner or coordinator sees the approved draft, not how it got there."""
        return self.admin or self.is_reviewer(draft)

    @property
    def reviewer_name(self) -> str:
        """Who this principal is as a draft's reviewer: a mentee or mentor by their participant
        id (the CLI's `--by ID` too), a coordinator or admin by their audit name, so that a
        coordinator's label can never pass for a participant."""
        if self.principal.role in (AccessRole.mentee, AccessRole.mentor):
            return self.me
        return self.principal.actor

    def is_reviewer(self, draft: Draft) -> bool:
        return (draft.reviewer_id == self.reviewer_name
                and self.principal.program == draft.program) or self.admin


def participant_json(person: Participant) -> dict[str, Any]:
    return person.model_dump(mode="json", exclude_none=True)


def access_to(db: Database, principal: Principal, program: str) -> Access:
    """The caller's access to `program`; hidden (404) when the program is not theirs."""
    if principal.role is not AccessRole.admin and principal.program != program:
        raise hidden(f"program '{program}'", reason="program outside the token's scope")
    return Access(principal, get_program(db, program))


def access_to_owner(db: Database, principal: Principal, program: str, what: str) -> Access:
    """Access to the program `what` (a draft, a pairing) belongs to; outside the caller's
    scope it is hidden as `what` itself — as if it did not exist."""
    try:
        return access_to(db, principal, program)
    except AccessDenied:
        raise hidden(what, reason=f"{what.split()[0]} in another program",
                     program=program) from None


def people_of(db: Database, program: str, ids: Iterable[str] | None = None
              ) -> dict[str, Participant]:
    """The program's participants by id — all of them, or only `ids` (a handful of look-ups
    instead of reading a whole program for one person)."""
    with db.session() as session:
        row = ProgramRepository(session).row(program)
        repo = ParticipantRepository(session, row.id)
        if ids is None:
            return {p.id: p for p in repo.list()}
        wanted = list(dict.fromkeys(ids))
        found = repo.by_ids(wanted)  # one query, in the order asked
        return {pid: found[pid] for pid in wanted if pid in found}


def participant_ids(db: Database, program: str, role: Role | None = None) -> list[str]:
    """The program's participant ids, ordered (with `role`: exactly that role)."""
    with db.session() as session:
        row = ProgramRepository(session).row(program)
        return ParticipantRepository(session, row.id).ids(role)


def partners_of(db: Database, program: str, participant_id: str) -> Partners:
    """The people `participant_id` has an approved or active pairing with, and those
    pairings' ids."""
    with db.session() as session:
        row = ProgramRepository(session).row(program)
        links = PairingRepository(session, row).links_of(participant_id, PARTNERED)
    return Partners(
        frozenset(mentor if mentee == participant_id else mentee
                  for _, mentee, mentor in links),
        frozenset(pairing_id for pairing_id, _, _ in links))


def issue_token_as(db: Database, principal: Principal, *, participant_id: str, role: str,
                   program: str | None = None, organization: str | None = None,
                   days: int = 30) -> IssuedToken:
    """Only an admin issues tokens: a mentee or mentor token speaks for that person (their
    private drafts, their decisions), so a coordinator who could mint one could act as them;
    and a coordinator token minted by a coordinator would escape their own scope."""
    if principal.role is not AccessRole.admin:
        raise forbidden("only an admin can issue tokens: a token speaks for its holder; ask "
                        "an admin of this Companion to issue it", program=principal.program)
    return create_token(db, participant_id=participant_id, role=role, program=program,
                        organization=organization, days=days, created_by=principal.actor)


def tokens_visible_to(db: Database, principal: Principal) -> list[TokenRecord]:
    """Admins see every token, a host coordinator their program's, anyone else their own."""
    if principal.role is AccessRole.admin:
        return list_tokens(db)
    if principal.role is AccessRole.coordinator and principal.program and \
            access_to(db, principal, principal.program).host_coordinator:
        return list_tokens(db, program=principal.program)
    return [get_token(db, principal.token_id)]


def tokens_page(db: Database, principal: Principal, request: PageRequest
                ) -> Page[TokenRecord]:
    """`tokens_visible_to`, oldest first, a page at a time."""
    return paginate(tokens_visible_to(db, principal),
                    lambda t: (key_part(t.created_at), t.id), request,
                    scope=f"tokens|{principal.role.value}|{principal.program}")


def revoke_token_as(db: Database, principal: Principal, token_id: str) -> TokenRecord:
    """Your own token; a host coordinator their program's mentee and mentor tokens; an admin
    any. Anything else is hidden, as if it did not exist."""
    try:
        record = get_token(db, token_id)
    except NotFoundError:
        raise hidden(f"token '{token_id}'", reason="no such token") from None
    allowed = principal.role is AccessRole.admin or token_id == principal.token_id
    if not allowed and principal.role is AccessRole.coordinator and \
            record.program == principal.program and record.role in ("mentee", "mentor"):
        allowed = access_to(db, principal, principal.program or "").host_coordinator
    if not allowed:
        raise hidden(f"token '{token_id}'", reason="token not the caller's to revoke")
    return revoke_token(db, token_id, by=principal.actor)
