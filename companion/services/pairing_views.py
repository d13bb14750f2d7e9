"""Suggestions and pairings as one principal may see and decide them: who may read which
pairing, which reasons a partner organisation's coordinator may read, and who may decide what.
The faces (API, CLI, web app) call these and only turn the answer into their own output."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from companion.domain import AccessRole, DraftStatus, Pairing, PairingStatus, Participant
from companion.embeddings import Embedder
from companion.errors import NotFoundError, forbidden, hidden
from companion.services import matching, pairings
from companion.services.access import WITHHELD, Access, access_to, access_to_owner, people_of
from companion.services.fairness import Fairness
from companion.services.paging import (
    Key,
    Page,
    PageRequest,
    decode_cursor,
    encode_cursor,
    key_part,
    paginate,
)
from companion.services.redaction import redact_pairing, redact_suggestions
from companion.services.tokens import Principal
from companion.store import Database


@dataclass(frozen=True)
class VisiblePairing:
    """A pairing the principal may see, with what is needed to show it to them."""

    pairing: Pairing
    access: Access
    people: dict[str, Participant]

    def json(self) -> dict[str, Any]:
        """What the principal may read of it (participants: not the engine's workings; a
        partner coordinator: no other organisation's private fields in the reasons)."""
        return view(self.access, self.pairing, self.people)


def view(access: Access, pairing: Pairing, people: dict[str, Participant]) -> dict[str, Any]:
    return redact_pairing(access, access.pairing_view(pairing, people), people)


def visible_pairing(db: Database, principal: Principal, pairing_id: str) -> VisiblePairing:
    """The pairing, if `principal` may see it (hidden — 404 — otherwise, as if absent)."""
    try:
        pairing = pairings.get_pairing(db, pairing_id)
    except NotFoundError:
        raise hidden(f"pairing '{pairing_id}'", reason="no such pairing") from None
    access = access_to_owner(db, principal, pairing.program, f"pairing '{pairing_id}'")
    people = people_of(db, pairing.program, [pairing.mentee_id, pairing.mentor_id])
    if not access.sees_pairing(pairing, people):
        raise hidden(f"pairing '{pairing_id}'", reason="pairing not visible to the caller",
                     program=pairing.program)
    return VisiblePairing(pairing, access, people)


@dataclass(frozen=True)
class PairingPage:
    program: str
    total: int
    pairings: list[dict[str, Any]]
    page: Page[Any] | None = None

    def json(self) -> dict[str, Any]:
        return {"program": self.program, "total": self.total, "pairings": self.pairings,
                **(self.page.meta() if self.page else {})}


def visible_pairings(db: Database, principal: Principal, program: str, *,
                     status: PairingStatus | None = None, limit: int = 1000,
                     offset: int = 0, page: PageRequest | None = None) -> PairingPage:
    """A program's pairings the principal may see (coordinators: all, a partner coordinator
    their own people's; participants: their approved and active ones), a page at a time:
    `page` (limit and cursor, or offset), else `limit` and `offset`; oldest first."""
    access = access_to(db, principal, program)
    request = page or PageRequest(limit, offset=offset)
    scope = f"pairings|{program}|{status}"
    if access.host_coordinator:  # sees every pairing: page the keys, load the page's rows
        keys = paginate(pairings.pairing_keys(db, program, status),
                        lambda k: (key_part(k[0]), k[1]), request, scope=scope)
        shown = pairings.pairings_by_ids(db, program, [k[1] for k in keys.items])
        # nothing withheld from the host's coordinators: their view reads no participant
        return PairingPage(program, keys.total or 0, [view(access, p, {}) for p in shown],
                           keys)
    found = pairings.list_pairings(db, program, status)
    people = people_of(db, program, _members(found))
    found = [p for p in found if access.sees_pairing(p, people)]
    chosen = paginate(found, _pairing_key, request, scope=scope)
    return PairingPage(program, len(found), [view(access, p, people) for p in chosen.items],
                       chosen)


def _members(found: list[Pairing]) -> list[str]:
    """The mentees and mentors of `found`: all a pairing's view and visibility look at."""
    return [pid for p in found for pid in (p.mentee_id, p.mentor_id)]


def _pairing_key(pairing: Pairing) -> Key:
    return key_part(pairing.created_at), pairing.id


def review_as(db: Database, principal: Principal, pairing_id: str, decision: str, *,
              version: int, note: str | None = None, mentor_id: str | None = None,
              with_pairing: str | None = None, embedder: Embedder | None = None
              ) -> dict[str, Any]:
    """A coordinator's decision on a pairing they may see; swaps are the host's."""
    seen = visible_pairing(db, principal, pairing_id)
    require_decider(seen.access, decision, mentor_id=mentor_id)
    result = pairings.review(db, pairing_id, decision, by=principal.actor, version=version,
                             note=note, mentor_id=mentor_id, with_pairing=with_pairing,
                             embedder=embedder).json()
    access, people = seen.access, seen.people
    if access.partner_coordinator and result["pairing"]["mentee_id"] in people and \
            not access.own_org(people[result["pairing"]["mentee_id"]]):
        result["pairing"]["reasons"] = [WITHHELD]
    redact_pairing(access, result["pairing"], people)
    return result


def require_decider(access: Access, decision: str, *, mentor_id: str | None = None) -> None:
    """Coordinators decide pairings; only the host organisation's swap them."""
    access.require_coordinator("decide pairings")
    if decision == "swap" or mentor_id is not None:
        access.require_host_coordinator("swap pairings")


def suggestions_as(db: Database, principal: Principal, program: str, embedder: Embedder, *,
                   top: int = 5, mentee_id: str | None = None,
                   mentee_ids: list[str] | None = None) -> dict[str, Any]:
    """Suggestions for coordinators; a partner organisation's coordinator gets their own
    mentees', without another organisation's private fields in the reasons."""
    access = access_to(db, principal, program)
    access.require_coordinator("see match suggestions")
    people = people_of(db, program) if access.partner_coordinator else {}
    if mentee_id is not None and access.partner_coordinator and not access.own_org(
            people.get(mentee_id)):
        raise hidden(f"participant '{mentee_id}' in {program}",
                     reason="another organisation's mentee", program=program)
    result = matching.suggest(db, program, embedder, top=top, mentee_id=mentee_id,
                              mentee_ids=mentee_ids)
    if access.partner_coordinator:
        result = result.keep({pid for pid, p in people.items() if access.own_org(p)})
    return redact_suggestions(access, result.json(), people)


def assign_as(db: Database, principal: Principal, program: str, embedder: Embedder, *,
              objective: str = "best_total",
              fairness: Fairness | None = None) -> matching.AssignmentResult:
    access = access_to(db, principal, program)
    access.require_host_coordinator("run the assignment")
    return matching.assign(db, program, embedder, objective=objective,  # type: ignore[arg-type]
                           actor=principal.actor, fairness=fairness)


def exclude_as(db: Database, principal: Principal, program: str, mentee_id: str,
               mentor_id: str, reason: str) -> bool:
    access = access_to(db, principal, program)
    access.require_host_coordinator("record do-not-match pairs")
    return matching.exclude_pair(db, program, mentee_id, mentor_id, reason,
                                 actor=principal.actor)


def review_queue(db: Database, principal: Principal, *, limit: int = 100,
                 offset: int = 0, page: PageRequest | None = None) -> dict[str, Any]:
    """What waits for the principal's decision: pending pairings (coordinators, those they
    may see) and the drafts they review, a page of each. One cursor pages both lists: it
    holds each list's own cursor ("-" once that list is done)."""
    from companion.services import drafts
    from companion.services.programs import list_programs

    request = page or PageRequest(limit, offset=offset)
    names = ([p.name for p in list_programs(db)] if principal.role is AccessRole.admin
             else [principal.program] if principal.program else [])
    waiting: list[tuple[Pairing, dict[str, Any]]] = []
    for name in names:
        try:
            access = access_to(db, principal, name)
        except NotFoundError:  # the token's program was deleted
            continue
        if access.coordinator:
            pending = pairings.list_pairings(db, name, PairingStatus.pending)
            people = people_of(db, name, _members(pending))
            waiting += [(p, view(access, p, people)) for p in pending
                        if access.sees_pairing(p, people)]
    scope = f"queue|{principal.role.value}|{principal.program}"
    if request.cursor is not None:
        of_pairings, of_drafts = decode_cursor(request.cursor, scope, (str, str))
        asked = [PageRequest(request.limit, cursor=str(c) or None) if c != "-" else None
                 for c in (of_pairings, of_drafts)]
    else:
        asked = [request, request]
    done: Page[Any] = Page([], request.limit, 0, 0)
    shown = paginate(waiting, lambda w: (w[0].program, *_pairing_key(w[0])), asked[0],
                     scope=scope + "|pairings") if asked[0] else done
    try:  # a finished list is still counted
        found = drafts.visible_drafts(db, principal, status=DraftStatus.pending_review,
                                      reviewing=True, page=asked[1] or PageRequest(1))
    except NotFoundError:  # the token's program was deleted
        found = None
    listed = found.drafts if found and asked[1] else []
    draft_cursor = found.next_cursor if found and asked[1] else None
    next_cursor = None if shown.next_cursor is None and draft_cursor is None else \
        encode_cursor(scope, (shown.next_cursor or "-", draft_cursor or "-"))
    more = request.offset + request.limit
    return {"pairings": [w[1] for w in shown.items],
            "drafts": [drafts.draft_json(d) for d in listed],
            "counts": {"pairings": len(waiting), "drafts": found.total if found else 0},
            "limit": request.limit, "offset": request.offset,
            "next_offset": more if next_cursor is not None and request.cursor is None
            else None,
            "next_cursor": next_cursor}


__all__ = ["PairingPage", "VisiblePairing", "assign_as", "exclude_as", "forbidden",
           "require_decider", "review_as", "review_queue", "suggestions_as", "view",
           "visible_pairing", "visible_pairings"]
