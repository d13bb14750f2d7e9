"""CORS for browser front ends on other origins: only the API answers them, and only the
origins in COMPANION_CORS_ORIGINS (empty: no CORS headers at all)."""

from __future__ import annotations

from typing import Any

from starlette.middleware.cors import CORSMiddleware

#: What a front end sends and reads: the bearer token, JSON bodies and the version for
#: decisions; ETag, Location and Retry-After on answers.
ALLOW_HEADERS = ["Authorization", "Content-Type", "If-Match", "Accept"]
EXPOSE_HEADERS = ["ETag", "Location", "Retry-After"]
ALLOW_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


class ApiCors:
    """Starlette's CORSMiddleware for paths under `prefix`; every other path (the web app,
    its static files, the calendar feeds) passes by untouched.

    Credentials are never allowed: the API authenticates with an `Authorization: Bearer`
    header, which a cross-origin request sends without credentials mode, and the web app's
    session cookie must never ride on another origin's request — with `*` the browser would
    refuse credentials anyway."""

    def __init__(self, app: Any, *, origins: list[str], prefix: str) -> None:
        self.app = app
        self.prefix = prefix
        self.cors = CORSMiddleware(app, allow_origins=origins, allow_credentials=False,
                                   allow_methods=ALLOW_METHODS, allow_headers=ALLOW_HEADERS,
                                   expose_headers=EXPOSE_HEADERS, max_age=600)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)
