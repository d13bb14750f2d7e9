"""The OpenID Connect protocol, through authlib: discovery, the authorization-code flow with
PKCE (S256), state and nonce, and validating the ID token against the provider's JWKS.

The only module that imports authlib. It knows the protocol, not who may sign in: that is
`companion.services.sso`'s job. A provider's discovery document and keys are cached for an
hour per process (a key the cache does not know is fetched again at once, so a provider's key
rotation does not lock anyone out)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from authlib.integrations.base_client import BaseApp, OAuthError
from authlib.integrations.base_client.sync_app import OAuth2Mixin
from authlib.integrations.base_client.sync_openid import OpenIDMixin
from authlib.integrations.httpx_client import OAuth2Client
from joserfc.errors import JoseError

from companion.config import OidcProvider

#: How long a provider's discovery document and keys are trusted before being read again.
METADATA_SECONDS = 3600
#: Clock skew allowed between the provider and us when checking exp/iat.
LEEWAY_SECONDS = 60
TIMEOUT_SECONDS = 10.0


class ProviderError(Exception):
    """The provider could not be reached, refused the code, or sent an ID token that is not
    valid for us. `reason` is a short code for the audit log; the message says what."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class AuthRequest:
    """Where to send the browser, and what must come back with it (kept by the caller)."""

    url: str
    state: str
    nonce: str
    code_verifier: str


class _App(OAuth2Mixin, OpenIDMixin, BaseApp):
    """authlib's framework-neutral OpenID Connect client (the one its Starlette and Flask
    integrations wrap), used without a framework session: the caller keeps the flow."""

    client_cls = OAuth2Client


_apps: dict[tuple[str, str], tuple[float, _App]] = {}
_lock = threading.Lock()


def _app(provider: OidcProvider) -> _App:
    key = (provider.issuer, provider.client_id)
    now = time.monotonic()
    with _lock:
        cached = _apps.get(key)
        if cached is not None and now - cached[0] < METADATA_SECONDS:
            return cached[1]
        app = _App(
            None, client_id=provider.client_id,
            client_secret=provider.client_secret.get_secret_value(),
            server_metadata_url=provider.issuer + "/.well-known/openid-configuration",
            client_kwargs={"scope": provider.scopes, "code_challenge_method": "S256",
                           "timeout": TIMEOUT_SECONDS})
        _apps[key] = (now, app)
        return app


def forget_providers() -> None:
    """Drop the cached discovery documents and keys (tests; a changed provider)."""
    with _lock:
        _apps.clear()


def _metadata(provider: OidcProvider) -> dict[str, Any]:
    app = _app(provider)
    try:
        metadata: dict[str, Any] = app.load_server_metadata()
    except Exception as exc:  # httpx's and JSON's errors alike: the provider is not usable
        forget_providers()
        raise ProviderError("unreachable", f"could not read {provider.issuer}'s discovery "
                            f"document ({type(exc).__name__})") from exc
    if metadata.get("issuer", "").rstrip("/") != provider.issuer:
        forget_providers()
        raise ProviderError("issuer_mismatch", f"the discovery document of "
                            f"{provider.issuer} names another issuer "
                            f"({metadata.get('issuer')!r})")
    # client_secret_basic unless the provider only takes the secret in the form body
    methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if "client_secret_basic" not in methods and "client_secret_post" in methods:
        app.client_kwargs["token_endpoint_auth_method"] = "client_secret_post"
    return metadata


def authorization_request(provider: OidcProvider, redirect_uri: str) -> AuthRequest:
    """A fresh authorization request: new state, nonce and PKCE verifier."""
    _metadata(provider)
    made = _app(provider).create_authorization_url(redirect_uri)
    return AuthRequest(made["url"], made["state"], made["nonce"], made["code_verifier"])


def id_token_claims(provider: OidcProvider, *, redirect_uri: str, code: str,
                    code_verifier: str, nonce: str) -> dict[str, Any]:
    """Exchange the authorization code and return the ID token's claims, checked: signature
    (the provider's JWKS), issuer, audience, expiry, nonce and at_hash."""
    _metadata(provider)
    app = _app(provider)
    try:
        token = app.fetch_access_token(redirect_uri=redirect_uri, code=code,
                                       code_verifier=code_verifier)
    except OAuthError as exc:
        raise ProviderError("token_refused", f"{provider.issuer} refused the sign-in code "
                            f"({exc.error})") from exc
    except Exception as exc:
        raise ProviderError("unreachable", f"could not reach {provider.issuer}'s token "
                            f"endpoint ({type(exc).__name__})") from exc
    if "id_token" not in token:
        raise ProviderError("bad_id_token", f"{provider.issuer} sent no ID token (is "
                            "`openid` among the scopes?)")
    try:
        claims = app.parse_id_token(
            token, nonce=nonce, leeway=LEEWAY_SECONDS,
            claims_options={"iss": {"essential": True, "values": [provider.issuer]},
                            "aud": {"essential": True, "values": [provider.client_id]}})
    except JoseError as exc:
        raise ProviderError("bad_id_token", f"the ID token from {provider.issuer} is not "
                            f"valid ({exc.error}: {exc.description})") from exc
    except Exception as exc:  # the keys could not be fetched or read
        raise ProviderError("bad_id_token", f"the ID token from {provider.issuer} could not "
                            f"be checked ({type(exc).__name__})") from exc
    return dict(claims)
