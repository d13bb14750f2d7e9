"""Signing in to the web app without passwords: one-time sign-in links that become a browser
session, and that session's CSRF token.

A link and a session speak for a holder exactly as an API token does (`tokens.check_holder`),
so every service decides what a signed-in browser may see and do with the same `Principal`.
Single sign-on (OIDC, `companion.services.sso`) is one more way in: it calls `start_session`
with the holder it resolved and `via="oidc:<issuer>"`; nothing else changes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from companion.config import Settings
from companion.domain import AccessRole
from companion.services.tokens import Holder, Principal, check_holder
from companion.store import AuditLog, Database, Session, SignInLinks, WebSessions
from companion.store.tables import HolderColumns, SigninLinkRow, WebSessionRow, utcnow

#: Session ids are audited as the "token" of what a signed-in browser does.
SESSION_PREFIX = "web-"
SIGN_IN_PATH = "/sign-in/"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SignInLink:
    """A link to send to one person; shown once (only its hash is stored)."""

    id: str
    url: str
    participant_id: str
    role: str
    program: str | None
    expires_at: datetime

    def json(self) -> dict[str, str | None]:
        return {"url": self.url, "id": self.id, "participant_id": self.participant_id,
                "role": self.role, "program": self.program,
                "expires_at": self.expires_at.isoformat(timespec="seconds")}


def create_link(db: Database, settings: Settings, *, participant_id: str, role: str,
                program: str | None = None, organization: str | None = None,
                created_by: str = "cli", hours: int | None = None) -> SignInLink:
    """A one-time sign-in link for a holder (the same rules as an API token's)."""
    with db.session() as session:
        return add_link(session, settings, participant_id=participant_id, role=role,
                        program=program, organization=organization, created_by=created_by,
                        hours=hours)


def add_link(session: Session, settings: Settings, *, participant_id: str, role: str,
             program: str | None = None, organization: str | None = None,
             created_by: str = "cli", hours: int | None = None,
             detail: dict[str, str] | None = None) -> SignInLink:
    """`create_link` inside the caller's transaction (an invitation writes the link and the
    message carrying it together)."""
    hours = hours or settings.signin_link_hours
    secret = secrets.token_urlsafe(32)
    link_id = secrets.token_hex(6)
    expires = utcnow() + timedelta(hours=hours)
    holder = check_holder(session, participant_id=participant_id, role=role,
                          program=program, organization=organization, what="sign-in link")
    SignInLinks(session).add(SigninLinkRow(
        id=link_id, secret_hash=_hash(secret), participant_id=holder.participant_id,
        role=holder.role.value, program=holder.program, organization=holder.organization,
        created_by=created_by, created_at=utcnow(), expires_at=expires))
    AuditLog(session).append(created_by, "signin.link", "signin_link", link_id,
                             program=holder.program, detail={
                                 "participant_id": holder.participant_id,
                                 "role": holder.role.value, **(detail or {}),
                                 "expires_at": expires.isoformat(timespec="seconds")})
    url = settings.public_url.rstrip("/") + SIGN_IN_PATH + quote(secret)
    return SignInLink(link_id, url, holder.participant_id, holder.role.value, holder.program,
                      expires)


@dataclass(frozen=True)
class WebSession:
    """A signed-in browser: `secret` goes in the cookie, `csrf` in every form."""

    id: str
    secret: str
    principal: Principal
    expires_at: datetime

    @property
    def csrf(self) -> str:
        return csrf_token(self.secret)


def use_link(db: Database, settings: Settings, secret: str) -> WebSession | None:
    """Spend a sign-in link: a new session for its holder, or None when the link is unknown,
    used or expired (the page says so without telling which)."""
    if not secret or len(secret) > 200:
        return None
    with db.session() as session:
        link = SignInLinks(session).use(_hash(secret))
        if link is None:
            return None
        return _start(session, settings, _holder(link), via=f"link:{link.id}")


def start_session(db: Database, settings: Settings, holder: Holder, *, via: str,
                  detail: dict[str, str] | None = None) -> WebSession:
    """A session for a holder another way in resolved (single sign-on); `detail` is added
    to the sign-in's audit entry."""
    with db.session() as session:
        return _start(session, settings, holder, via=via, detail=detail)


def _start(session: Session, settings: Settings, holder: Holder, *, via: str,
           detail: dict[str, str] | None = None) -> WebSession:
    secret = secrets.token_urlsafe(32)
    session_id = secrets.token_hex(6)
    expires = utcnow() + timedelta(hours=settings.session_hours)
    WebSessions(session).add(WebSessionRow(
        id=session_id, secret_hash=_hash(secret), participant_id=holder.participant_id,
        role=holder.role.value, program=holder.program, organization=holder.organization,
        via=via[:300], created_at=utcnow(), expires_at=expires))
    principal = _principal(session_id, holder)
    AuditLog(session).append(principal.actor, "signin", "web_session",
                             session_id, program=holder.program,
                             token_id=SESSION_PREFIX + session_id,
                             detail={"via": via, **(detail or {})})
    return WebSession(session_id, secret, principal, expires)


def _holder(row: HolderColumns) -> Holder:
    return Holder(row.participant_id, AccessRole(row.role), row.program, row.organization)


def _principal(session_id: str, holder: Holder) -> Principal:
    return Principal(SESSION_PREFIX + session_id, holder.participant_id, holder.role,
                     holder.program, holder.organization)


def session_of(db: Database, secret: str | None) -> WebSession | None:
    """The live session a cookie names, or None (unknown, ended or expired)."""
    if not secret or len(secret) > 200:
        return None
    with db.session() as session:
        row = WebSessions(session).live(_hash(secret))
        if row is None:
            return None
        return WebSession(row.id, secret, _principal(row.id, _holder(row)), row.expires_at)


def end_session(db: Database, secret: str | None) -> None:
    """Sign out: the cookie's session stops working at once."""
    if not secret:
        return
    with db.session() as session:
        WebSessions(session).end(_hash(secret))


def csrf_token(session_secret: str) -> str:
    """The token every form of this session must carry (derived, so nothing to store)."""
    return hmac.new(session_secret.encode(), b"companion-csrf", hashlib.sha256).hexdigest()


def csrf_ok(session_secret: str, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(csrf_token(session_secret), token or "")
