"""Single sign-on end to end: the web app in its own uvicorn process, two organisations'
OpenID Connect providers (`oidc-provider-mock`, a real authlib-based provider) on 127.0.0.1,
the whole authorization-code flow driven over HTTP, and once in Chromium."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from playwright.sync_api import expect
from pydantic import SecretStr

from companion.config import OidcProvider
from companion.services import sso
from tests.servers import ROOT, free_port
from tests.web.conftest import PROGRAM, Site, mentee_of, mentor_of, run_in_site, running_site
from tests.web.oidc_provider import Provider, oidc_provider

CORVANE = "Corvane Industries"
NORTHWIND = "Northwind Trading"
COORDINATOR = "ada.lovelace@corvane.example"
NORTHWIND_MENTEE = {"id": "nw-01", "name": "Nora Wind", "role": "mentee",
                    "email": "nora.wind@northwind.example", "organization": NORTHWIND,
                    "department": "Logistics", "level": "3", "timezone": "Europe/Oslo",
                    "languages": "en", "goals": "Lead my first cross-border project",
                    "capacity": ""}
NORTHWIND_BOTH = {"id": "nw-02", "name": "Niels Both", "role": "both",
                  "email": "niels.both@northwind.example", "organization": NORTHWIND,
                  "department": "Finance", "level": "5", "timezone": "Europe/Oslo",
                  "languages": "en", "goals": "Grow as a leader of leaders", "capacity": "1"}


@dataclass
class World:
    site: Site
    providers: dict[str, Provider]
    secrets: dict[str, str]

    def email(self, participant: str) -> str:
        return str(self.site.people[participant]["email"])


def _add_northwind_mentee(env: dict[str, str]) -> None:
    """A partner organisation's person in the program, imported the ordinary way."""
    script = f"""
import csv, json
from companion.config import get_settings
from companion.services.participants import import_participants_file
from companion.store import get_database
settings = get_settings()
path = settings.ensure_home() / "northwind.csv"
rows = [{NORTHWIND_MENTEE!r}, {NORTHWIND_BOTH!r}]
with path.open("w", newline="") as f:
    writer = csv.DictWriter(f, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
report = import_participants_file(get_database(settings), {PROGRAM!r}, path,
                                  skip_invalid=False)
assert report.created == 2, report
"""
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with oidc_provider() as corvane, oidc_provider() as northwind:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        settings: dict[str, str] = {}
        secrets: dict[str, str] = {}
        for name, provider, org in (("corvane", corvane, CORVANE),
                                    ("northwind", northwind, NORTHWIND)):
            client_id, secret = provider.register(f"{base}/sign-in/oidc/{name}/callback")
            secrets[name] = secret
            prefix = f"COMPANION_OIDC__{name.upper()}__"
            settings |= {prefix + "ISSUER": provider.issuer, prefix + "CLIENT_ID": client_id,
                         prefix + "CLIENT_SECRET": secret, prefix + "ORGANIZATION": org}
        settings |= {"COMPANION_OIDC__CORVANE__LABEL": "Corvane SSO",
                     "COMPANION_OIDC__CORVANE__COORDINATORS": f"{COORDINATOR}={PROGRAM}",
                     "COMPANION_OIDC__CORVANE__COORDINATOR_GROUP": "mentoring-office",
                     # a third organisation whose provider is down
                     "COMPANION_OIDC__OFFLINE__ISSUER": f"http://127.0.0.1:{free_port()}",
                     "COMPANION_OIDC__OFFLINE__CLIENT_ID": "companion",
                     "COMPANION_OIDC__OFFLINE__CLIENT_SECRET": "unused",
                     "COMPANION_OIDC__OFFLINE__ORGANIZATION": "Offline Ltd"}
        home = tmp_path_factory.mktemp("sso-home")
        with running_site(home, before=_add_northwind_mentee, port=port, **settings) as site:
            yield World(site, {"corvane": corvane, "northwind": northwind}, secrets)


def _authorize(world: World, client: httpx.Client, name: str) -> str:
    """Press "Sign in with <name>": the provider's authorization URL it redirects to."""
    start = client.get(f"{world.site.url}/sign-in/oidc/{name}")
    assert start.status_code == 303, start.text
    authorize = start.headers["location"]
    assert authorize.startswith(f"{world.providers[name].issuer}/oauth2/authorize?")
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["state"] and query["nonce"] and "openid" in query["scope"][0].split()
    return authorize


def sign_in(world: World, name: str, sub: str, *, client: httpx.Client | None = None,
            tamper: Callable[[str], str] | None = None) -> httpx.Response:
    """The whole flow as a browser does it: start, authorize at the provider as `sub`, come
    back to the callback (optionally tampered with), follow to wherever it leads."""
    client = client or httpx.Client(timeout=30)
    authorize = _authorize(world, client, name)
    answer = client.post(authorize, data={"sub": sub})
    assert answer.status_code == 302, answer.text
    callback = answer.headers["location"]
    assert callback.startswith(f"{world.site.url}/sign-in/oidc/{name}/callback?")
    return client.get(tamper(callback) if tamper else callback, follow_redirects=True)


def _audit(world: World, action: str) -> list[dict[str, Any]]:
    return list(run_in_site(world.site, f"""
from companion.store import AuditLog
with db.session() as s:
    events = [e for e in AuditLog(s).list(limit=500) if e.action == {action!r}]
print(json.dumps([{{"actor": e.actor, "detail": e.detail, "token_id": e.token_id}}
                  for e in events]))
"""))


@pytest.mark.parametrize(("who", "provider", "home"), [
    ("mentee", "corvane", "/mentee"),
    ("mentor", "corvane", "/mentor"),
    ("listed coordinator", "corvane", "/coordinator"),
    ("coordinator by group", "corvane", "/coordinator"),
    ("partner organisation's mentee", "northwind", "/mentee"),
])
def test_people_sign_in_with_their_organisations_provider_and_land_at_home(
        world: World, who: str, provider: str, home: str) -> None:
    site = world.site
    if who == "mentee":
        participant = mentee_of(site)
        email, actor = world.email(participant), f"mentee:{participant}"
    elif who == "mentor":
        participant = mentor_of(site)
        email, actor = world.email(participant), f"mentor:{participant}"
    elif who == "listed coordinator":
        email = COORDINATOR
        actor = f"coordinator:{email}"
    elif who == "coordinator by group":
        email = "grace.hopper@corvane.example"
        actor = f"coordinator:{email}"
    else:
        email, actor = NORTHWIND_MENTEE["email"], f"mentee:{NORTHWIND_MENTEE['id']}"
    sub = f"sub-{who.replace(' ', '-')}"
    claims: dict[str, Any] = {"email": email, "email_verified": True}
    if who == "coordinator by group":
        claims["groups"] = ["staff", "mentoring-office"]
    world.providers[provider].person(sub, **claims)

    client = httpx.Client(timeout=30)
    landed = sign_in(world, provider, sub, client=client)
    assert landed.status_code == 200, landed.text[-2000:]
    assert urlsplit(str(landed.url)).path == home
    assert "companion_session" in client.cookies
    if home == "/coordinator":
        assert PROGRAM in landed.text
    else:
        name = (NORTHWIND_MENTEE["name"] if provider == "northwind"
                else site.people[participant]["name"])
        assert f"Hello, {name}" in landed.text
    # the sign-in is audited as the person, with how they came in
    issuer = world.providers[provider].issuer
    mine = [e for e in _audit(world, "signin") if e["detail"].get("subject") == sub]
    assert len(mine) == 1
    assert mine[0]["actor"] == actor
    assert mine[0]["detail"]["via"] == f"oidc:{issuer}"
    assert mine[0]["detail"]["provider"] == provider
    assert mine[0]["token_id"].startswith("web-")


@pytest.mark.parametrize(("case", "provider", "reason", "says"), [
    ("unknown e-mail", "corvane", "unknown_person",
     f"is not a participant of {CORVANE}'s programs"),
    ("e-mail not verified", "corvane", "unverified_email", "has not verified"),
    ("no email_verified claim", "corvane", "unverified_email", "has not verified"),
    ("another organisation's person", "northwind", "other_organization",
     f"is not a participant of {NORTHWIND}'s programs"),
])
def test_who_is_not_one_of_the_organisations_people_is_refused(
        world: World, case: str, provider: str, reason: str, says: str) -> None:
    mentee = world.email(mentee_of(world.site))
    sub = f"refused-{case.replace(' ', '-')}"
    if case == "unknown e-mail":
        world.providers[provider].person(sub, email="stranger@corvane.example",
                                         email_verified=True)
    elif case == "e-mail not verified":
        world.providers[provider].person(sub, email=mentee, email_verified=False)
    elif case == "no email_verified claim":
        world.providers[provider].person(sub, email=mentee)
    else:  # Northwind's provider vouches for a Corvane participant's address
        world.providers[provider].person(sub, email=mentee, email_verified=True)
    client = httpx.Client(timeout=30)
    refused = sign_in(world, provider, sub, client=client)
    assert refused.status_code == 403
    assert says in html.unescape(refused.text) and "Traceback" not in refused.text
    assert "Sign in to Companion" in refused.text
    assert "companion_session" not in client.cookies
    audited = [e for e in _audit(world, "signin.refused") if e["detail"].get("subject") == sub]
    assert [e["detail"]["reason"] for e in audited] == [reason]
    assert audited[0]["actor"] == f"oidc:{provider}"
    assert audited[0]["detail"]["issuer"] == world.providers[provider].issuer


def test_a_mentee_and_mentor_at_once_chooses_after_the_provider(world: World) -> None:
    world.providers["northwind"].person("niels", email=NORTHWIND_BOTH["email"],
                                        email_verified=True)
    client = httpx.Client(timeout=30)
    offered = sign_in(world, "northwind", "niels", client=client)
    assert offered.status_code == 200 and "Continue as" in offered.text
    assert "companion_session" not in client.cookies  # nobody is signed in yet
    key = re.search(r'name="key" value="([^"]+)"', offered.text)
    assert key is not None
    assert f"Mentee in {PROGRAM}" in offered.text and f"Mentor in {PROGRAM}" in offered.text
    # the choice posted from another browser (no flow cookie) is refused
    elsewhere = httpx.post(f"{world.site.url}/sign-in/oidc/northwind/choose",
                           data={"key": key.group(1), "option": "1"}, timeout=30)
    assert elsewhere.status_code == 400 and "did not start here" in elsewhere.text
    landed = client.post(f"{world.site.url}/sign-in/oidc/northwind/choose",
                         data={"key": key.group(1), "option": "1"}, follow_redirects=True)
    assert landed.status_code == 200 and urlsplit(str(landed.url)).path == "/mentor"
    assert f"Hello, {NORTHWIND_BOTH['name']}" in landed.text
    [event] = [e for e in _audit(world, "signin") if e["detail"].get("subject") == "niels"]
    assert event["actor"] == f"mentor:{NORTHWIND_BOTH['id']}"
    assert event["detail"]["via"] == f"oidc:{world.providers['northwind'].issuer}"


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_a_tampered_state_or_a_callback_replayed_elsewhere_is_refused(world: World) -> None:
    mentee = world.email(mentee_of(world.site))
    world.providers["corvane"].person("tamper", email=mentee, email_verified=True)
    client = httpx.Client(timeout=30)
    tampered = sign_in(world, "corvane", "tamper", client=client,
                       tamper=lambda url: _with_query(url, state="forged-state"))
    assert tampered.status_code == 400 and "state mismatch" in tampered.text
    assert "companion_session" not in client.cookies
    # the provider's genuine answer, opened in a browser that did not start the sign-in
    captured: list[str] = []

    def keep(url: str) -> str:
        captured.append(url)
        return url

    sign_in(world, "corvane", "tamper", tamper=keep)
    stranger = httpx.Client(timeout=30).get(captured[0])
    assert stranger.status_code == 400 and "did not start here" in stranger.text
    reasons = [e["detail"]["reason"] for e in _audit(world, "signin.refused")]
    assert "state_mismatch" in reasons and "no_flow" in reasons


def test_the_flow_cookie_is_sealed_and_carries_the_pkce_verifier(world: World) -> None:
    """The provider here does not check PKCE itself, so check what it would: the challenge
    sent is S256 of the verifier the callback will send, and the nonce is the one kept."""
    client = httpx.Client(timeout=30)
    authorize = _authorize(world, client, "corvane")
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    [cookie] = [c for c in client.cookies.jar if c.name == "companion_oidc"]
    assert cookie.path == "/sign-in/oidc/" and cookie.has_nonstandard_attr("HttpOnly")
    provider = OidcProvider(issuer=world.providers["corvane"].issuer, client_id="x",
                            client_secret=world.secrets["corvane"], organization=CORVANE)
    kept = sso._unseal(provider, cookie.value)
    assert kept is not None and kept["s"] == query["state"] and kept["n"] == query["nonce"]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(kept["v"].encode()).digest())
    assert challenge.decode().rstrip("=") == query["code_challenge"]
    assert len(kept["v"]) >= 43  # RFC 7636: 43 to 128 characters
    # sealed with the client secret: another provider's secret does not open it
    other = provider.model_copy(update={"client_secret": SecretStr(world.secrets["northwind"])})
    assert sso._unseal(other, cookie.value) is None


def test_a_sign_in_that_took_too_long_is_refused(world: World) -> None:
    client = httpx.Client(timeout=30)
    authorize = _authorize(world, client, "corvane")
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    # the same flow, sealed as the app seals it, but started eleven minutes ago
    provider = OidcProvider(issuer=world.providers["corvane"].issuer, client_id="x",
                            client_secret=world.secrets["corvane"], organization=CORVANE)
    old = sso._seal(provider, {"p": "corvane", "s": query["state"], "n": query["nonce"],
                               "v": "unknown", "t": int(time.time()) - 11 * 60})
    client.cookies.set("companion_oidc", old, path="/sign-in/oidc/")
    late = client.get(f"{world.site.url}/sign-in/oidc/corvane/callback",
                      params={"state": query["state"], "code": "whatever"})
    assert late.status_code == 400 and "took longer than 10 minutes" in late.text


def test_declining_at_the_provider_and_a_provider_that_is_down(world: World) -> None:
    client = httpx.Client(timeout=30)
    authorize = _authorize(world, client, "corvane")
    denied = client.post(authorize, data={"action": "deny"})
    assert denied.status_code == 302
    back = client.get(denied.headers["location"])
    assert back.status_code == 400 and "said no (access_denied" in html.unescape(back.text)
    down = httpx.get(f"{world.site.url}/sign-in/oidc/offline", timeout=30)
    assert down.status_code == 502 and "did not work" in down.text
    assert "Traceback" not in down.text
    [outage] = [e for e in _audit(world, "signin.refused") if e["actor"] == "oidc:offline"]
    assert outage["detail"]["reason"] == "unreachable"
    assert "discovery document" in outage["detail"]["detail"]
    missing = httpx.get(f"{world.site.url}/sign-in/oidc/nobody", timeout=30)
    assert missing.status_code == 404 and "no sign-in provider called" in missing.text
    page = httpx.get(f"{world.site.url}/sign-in", timeout=30).text
    for label in ("Corvane SSO", NORTHWIND, "Offline Ltd"):
        assert f"Sign in with {label}" in page


@pytest.mark.browser
def test_a_mentee_signs_in_with_sso_in_chromium(world: World, page: Any) -> None:
    participant = mentee_of(world.site)
    email = world.email(participant)
    world.providers["corvane"].person(email, email=email, email_verified=True)
    page.goto(world.site.url)
    page.get_by_role("link", name="Sign in with Corvane SSO").click()
    # the provider's own authorization page
    page.get_by_placeholder("sub").fill(email)
    page.get_by_role("button", name="Authorize", exact=True).click()
    expect(page.get_by_role("heading", name=f"Hello, {world.site.people[participant]['name']}")
           ).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("You are signed in with Corvane SSO.")
    assert urlsplit(page.url).path == "/mentee"
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["companion_session"]["httpOnly"]
    assert "companion_oidc" not in cookies  # the finished flow's cookie is gone
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in with Corvane SSO")).to_be_visible()

