"""A real OpenID Connect provider on 127.0.0.1 for the single sign-on tests: the
`oidc-provider-mock` package (authlib's provider side; discovery, JWKS, RS256 ID tokens,
dynamic client registration, nonce required), run as its own process."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from tests.servers import free_port


@dataclass
class Provider:
    """A running provider: its issuer URL, and the test's handles on it."""

    issuer: str

    def register(self, redirect_uri: str) -> tuple[str, str]:
        """Register a client (RFC 7591) for `redirect_uri`: its (client id, client secret)."""
        answer = httpx.post(f"{self.issuer}/oauth2/clients",
                            json={"redirect_uris": [redirect_uri]}, timeout=10)
        assert answer.status_code == 201, answer.text
        data = answer.json()
        return str(data["client_id"]), str(data["client_secret"])

    def person(self, sub: str, **claims: Any) -> None:
        """The claims the provider asserts when someone authorizes as `sub`."""
        answer = httpx.put(f"{self.issuer}/users/{quote(sub, safe='')}", json=claims,
                           timeout=10)
        assert answer.status_code == 204, answer.text


@contextmanager
def oidc_provider() -> Iterator[Provider]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port",
         str(port), "--require-registration", "--require-nonce"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{issuer}/.well-known/openid-configuration",
                             timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the OpenID provider did not start: " + (
                    process.stderr.read().decode()[-2000:] if process.stderr else ""))
            time.sleep(0.2)
        yield Provider(issuer)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
