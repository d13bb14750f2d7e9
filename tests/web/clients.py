"""Signing a test client in to the web app as a coordinator (or anyone) of a program."""

from __future__ import annotations

from fastapi.testclient import TestClient

from companion.config import Settings
from companion.domain import AccessRole
from companion.services.tokens import Holder
from companion.services.web_auth import WebSession, start_session
from companion.store import Database
from companion.web.session import COOKIE


def sign_in(client: TestClient, db: Database, settings: Settings, who: str = "c1",
            role: AccessRole = AccessRole.coordinator, program: str = "Pilot",
            partner: str | None = None) -> WebSession:
    """A web session for `who` on `client` (its cookie set); the session carries the CSRF
    token forms post back."""
    web = start_session(db, settings, Holder(who, role, program, partner), via="test")
    client.cookies.set(COOKIE, web.secret)
    return web
