"""Health, the dashboard, the export and notifications as one principal may see them (the
API's and the web app's entry).

* Health, the dashboard, the HR export and the coordinators' queue: the host organisation's
  coordinators and admins (figures across the whole program; a partner's coordinator is
  refused with 403, as for the program's settings).
* Notifications: each participant reads their own and marks them read; the coordinators'
  queue (notices without a recipient) is the coordinators'. Anyone else's: 404."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from companion.domain.clock import Clock, clock_or_system
from companion.domain.relationship import Notification
from companion.errors import hidden
from companion.services import dashboard, health
from companion.services.access import access_to
from companion.services.paging import Page, PageRequest, key_part, paginate
from companion.services.tokens import Principal
from companion.store import Database, Notifications, ProgramRepository

#: How many notices a page or an answer lists.
LISTED = 50


def health_as(db: Database, principal: Principal, program: str, *,
              clock: Clock | None = None) -> health.ProgramHealth:
    access_to(db, principal, program).require_host_coordinator("see the pairings' health")
    return health.program_health(db, program, clock=clock)


def dashboard_as(db: Database, principal: Principal, program: str, *,
                 clock: Clock | None = None) -> dashboard.Dashboard:
    access_to(db, principal, program).require_host_coordinator("see the program dashboard")
    return dashboard.program_dashboard(db, program, clock=clock)


def export_as(db: Database, principal: Principal, program: str, fmt: str, *,
              clock: Clock | None = None) -> bytes:
    access_to(db, principal, program).require_host_coordinator("export the pairings")
    return dashboard.export_rows(db, program, clock=clock).bytes(fmt)


@dataclass(frozen=True)
class NoticeView:
    notice: Notification

    def json(self) -> dict[str, Any]:
        n = self.notice
        return {"id": n.id, "pairing_id": n.pairing_id, "kind": n.kind.value,
                "threshold_days": n.threshold_days, "reason": n.reason,
                "channel": n.channel.value, "created_at": n.created_at.isoformat()
                if n.created_at else None, "read": n.read_at is not None}


@dataclass(frozen=True)
class Notices:
    notices: list[NoticeView]
    unread: int
    page: Page[Any] | None = None

    def json(self) -> dict[str, Any]:
        return {"notifications": [n.json() for n in self.notices], "unread": self.unread,
                **(self.page.meta() if self.page else {})}


def _mine(principal: Principal, coordinators: bool, notices: Notifications,
          unread: bool = False) -> list[Notification]:
    if coordinators:
        return notices.list(coordinators=True, unread=unread)
    return notices.list(recipient_id=principal.participant_id, unread=unread)


def notifications_as(db: Database, principal: Principal, program: str, *,
                     unread: bool = False, page: PageRequest | None = None) -> Notices:
    """A participant's own notices, or (coordinators) the queue; newest first: the newest
    LISTED, or with `page` a page at a time (limit, cursor or offset)."""
    access = access_to(db, principal, program)
    with db.session() as session:
        notices = Notifications(session, ProgramRepository(session).row(program))
        found = _mine(principal, access.coordinator, notices, unread)
    unread_count = sum(1 for n in found if n.read_at is None)
    chosen = paginate(found, lambda n: (key_part(n.created_at), n.id or 0),
                      page or PageRequest(LISTED), descending=True,
                      scope=f"notifications|{program}|{unread}")
    return Notices([NoticeView(n) for n in chosen.items], unread_count,
                   chosen if page is not None else None)


def queue_as(db: Database, principal: Principal, program: str) -> Notices | None:
    """The coordinators' queue ("pairs that need you") — None for anyone else."""
    access = access_to(db, principal, program)
    if not access.host_coordinator:
        return None
    return notifications_as(db, principal, program, unread=True)


def mark_read_as(db: Database, principal: Principal, program: str, notice_id: int, *,
                 clock: Clock | None = None) -> bool:
    """Mark one of the caller's notices read (False when it was already); someone else's
    notice is hidden (404)."""
    access = access_to(db, principal, program)
    at = clock_or_system(clock).now()
    with db.session(write=True) as session:
        notices = Notifications(session, ProgramRepository(session).row(program))
        mine = {n.id for n in _mine(principal, access.coordinator, notices)}
        if notice_id not in mine:
            raise hidden(f"notification {notice_id}", reason="not the caller's",
                         program=program)
        return notices.mark_read(notice_id, at=at)


__all__ = ["LISTED", "NoticeView", "Notices", "dashboard_as", "export_as", "health_as",
           "mark_read_as", "notifications_as", "queue_as"]
