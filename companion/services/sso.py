"""Single sign-on: who an organisation's identity provider may sign in, and as whom.

A provider (`COMPANION_OIDC__<NAME>__*`) speaks for one organisation. A person it vouches for
signs in as:

1. an **admin**, when their e-mail is among the provider's `admins`;
2. a **coordinator**, when their e-mail is among its `coordinators` (optionally `=Program`) or
   they are in its `coordinator_group` — of that program, or of the programs the
   organisation takes part in (hosts, or has participants in);
3. a **mentee or mentor**: the participant record with that e-mail among the organisation's
   people (their `organization`, or blank in a program it hosts).

Someone who is that in several programs, or both mentee and mentor (role `both`), chooses
which on a page after the provider vouched for them. Refused, with a page that says why and an
audit entry: an e-mail the provider does not say is verified, no such person, two different
records with one address in one program (truly ambiguous: ask for a sign-in link), a person of
another organisation, and every protocol failure (state or nonce mismatch, an expired or
foreign flow, a provider error). The flow's state, nonce and PKCE verifier travel in a cookie
sealed with the provider's client secret, so any server process can finish a sign-in another
one started and nothing is stored until someone is signed in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from companion.config import OidcProvider, Settings
from companion.domain import AccessRole
from companion.errors import CompanionError
from companion.services import oidc
from companion.services.tokens import Holder, check_holder
from companion.services.web_auth import WebSession, start_session
from companion.store import (
    AuditLog,
    Database,
    ProgramRepository,
    Session,
    people_with_email,
    programs_with_organization,
)

#: A sign-in must come back from the provider within this long.
FLOW_SECONDS = 600
#: Where the flow cookie is sent (only to the sign-in routes).
FLOW_PATH = "/sign-in/oidc/"
_ROLES = {"mentee": [AccessRole.mentee], "mentor": [AccessRole.mentor],
          "both": [AccessRole.mentee, AccessRole.mentor]}
_ID_MAX = 64


@dataclass(frozen=True)
class ProviderButton:
    """A "Sign in with <label>" button of the sign-in page."""

    name: str
    label: str
    path: str


@dataclass(frozen=True)
class LoginStart:
    """Send the browser to `url`, with the cookie `flow` (path FLOW_PATH, FLOW_SECONDS)."""

    url: str
    flow: str


@dataclass(frozen=True)
class SignedIn:
    session: WebSession
    holder: Holder
    provider: str
    issuer: str


@dataclass(frozen=True)
class Choice:
    """One verified person who is several holders here (programs, or mentee and mentor)."""

    holders: tuple[Holder, ...]


@dataclass(frozen=True)
class Option:
    value: int
    label: str


@dataclass(frozen=True)
class ChooseHolder:
    """The provider vouched for someone who is several people here: offer `options`, keep
    `flow` in the flow cookie and send `key` back with the choice."""

    options: tuple[Option, ...]
    flow: str
    key: str
    provider: str
    email: str


@dataclass(frozen=True)
class Refusal:
    """Why nobody was signed in. `reason` is a stable code (the audit log's); `message` is
    what the person reads."""

    reason: str
    message: str


# reasons: what the person did not cause (their provider's fault, or an attack) vs. who they are
NOT_FOUND = frozenset({"unknown_provider"})
UNAVAILABLE = frozenset({"unreachable", "issuer_mismatch", "token_refused", "bad_id_token"})
NOT_ALLOWED = frozenset({"unknown_person", "other_organization", "ambiguous",
                         "unverified_email", "no_email", "no_program", "not_your_program"})
#: a choice that was not among the options offered
BAD_CHOICE = "bad_choice"


def providers(settings: Settings) -> list[ProviderButton]:
    """The configured providers, as the sign-in page offers them."""
    return [ProviderButton(name, p.button, f"{FLOW_PATH}{name}")
            for name, p in sorted(settings.oidc.items())]


def redirect_uri(settings: Settings, name: str) -> str:
    """The redirect URI to register with provider `name`."""
    return f"{settings.public_url.rstrip('/')}{FLOW_PATH}{name}/callback"


def begin(db: Database, settings: Settings, name: str) -> LoginStart | Refusal:
    """Start signing in with provider `name`: where to send the browser, and the sealed flow
    to keep in its cookie until it comes back."""
    provider = settings.oidc.get(name)
    if provider is None:
        return _unknown_provider(name)
    try:
        request = oidc.authorization_request(provider, redirect_uri(settings, name))
    except oidc.ProviderError as exc:
        return _refused(db, name, provider, Refusal(exc.reason, _provider_trouble(provider)),
                        detail=str(exc))
    flow = _seal(provider, {"p": name, "s": request.state, "n": request.nonce,
                            "v": request.code_verifier, "t": int(time.time())})
    return LoginStart(request.url, flow)


def finish(db: Database, settings: Settings, name: str, *, flow: str | None,
           state: str | None, code: str | None, error: str | None = None,
           error_description: str | None = None, now: float | None = None
           ) -> SignedIn | ChooseHolder | Refusal:
    """Finish a sign-in the provider sent back: check the flow, exchange the code, check the
    ID token, find who it is, and start their session. Every outcome is audited."""
    provider = settings.oidc.get(name)
    if provider is None:
        return _unknown_provider(name)
    now = time.time() if now is None else now
    kept = _unseal(provider, flow)
    refusal: Refusal | None = None
    if kept is None or kept.get("p") != name:
        refusal = Refusal("no_flow", "This sign-in did not start here, or started in another "
                          "browser. Start again from the sign-in page.")
    elif not isinstance(kept.get("t"), int) or now - kept["t"] > FLOW_SECONDS:
        refusal = Refusal("expired", f"This sign-in took longer than {FLOW_SECONDS // 60} "
                          "minutes. Start again from the sign-in page.")
    elif (state or not error) and not hmac.compare_digest(str(kept.get("s", "")),
                                                          state or ""):
        refusal = Refusal("state_mismatch", "This sign-in's answer does not belong to the "
                          "request this browser made (state mismatch). Start again from the "
                          "sign-in page.")
    elif error:  # an error answer may lack the state (some providers'); it signs no one in
        refusal = Refusal("provider_error", f"{provider.button}'s sign-in said no "
                          f"({error}{': ' + error_description if error_description else ''}).")
    elif not code:
        refusal = Refusal("provider_error", f"{provider.button}'s sign-in sent no code back.")
    if refusal is not None:
        return _refused(db, name, provider, refusal, error=error)
    assert kept is not None
    try:
        claims = oidc.id_token_claims(provider, redirect_uri=redirect_uri(settings, name),
                                      code=str(code), code_verifier=str(kept.get("v", "")),
                                      nonce=str(kept.get("n", "")))
    except oidc.ProviderError as exc:
        return _refused(db, name, provider,
                        Refusal(exc.reason, _provider_trouble(provider)), detail=str(exc))
    return _sign_in(db, settings, name, provider, claims, now)


def choose(db: Database, settings: Settings, name: str, *, flow: str | None,
           key: str | None, option: int | None, now: float | None = None
           ) -> SignedIn | Refusal:
    """Finish a sign-in whose person chose which of their holders to be."""
    provider = settings.oidc.get(name)
    if provider is None:
        return _unknown_provider(name)
    now = time.time() if now is None else now
    kept = _unseal(provider, flow)
    if kept is None or kept.get("p") != name or not isinstance(kept.get("c"), list):
        return _refused(db, name, provider, Refusal(
            "no_flow", "This choice did not start here, or started in another browser. "
            "Start again from the sign-in page."))
    subject, email = str(kept.get("sub", "")), str(kept.get("e", ""))
    if not isinstance(kept.get("t"), int) or now - kept["t"] > FLOW_SECONDS:
        refusal = Refusal("expired", f"This sign-in took longer than {FLOW_SECONDS // 60} "
                          "minutes. Start again from the sign-in page.")
    elif not key or not hmac.compare_digest(str(kept.get("k", "")), key):
        refusal = Refusal("state_mismatch", "This choice does not belong to the sign-in this "
                          "browser made. Start again from the sign-in page.")
    elif option is None or not 0 <= option < len(kept["c"]):
        refusal = Refusal(BAD_CHOICE, "Choose one of the offered ways in.")
    else:
        pid, role, program, organization = kept["c"][option]
        try:
            with db.session() as session:  # still so? (a record may have changed meanwhile)
                holder = (check_holder(session, participant_id=pid, role=role,
                                       program=program, what="sign-in")
                          if role in ("mentee", "mentor")
                          else Holder(pid, AccessRole(role), program, organization))
        except CompanionError as exc:
            refusal = Refusal("unknown_person", f"{email} cannot sign in that way: {exc}")
        else:
            return _start(db, settings, name, provider, holder, subject)
    return _refused(db, name, provider, refusal, subject=subject, email=email)


# -- who the identity is ------------------------------------------------------------------


def _sign_in(db: Database, settings: Settings, name: str, provider: OidcProvider,
             claims: dict[str, Any], now: float) -> SignedIn | ChooseHolder | Refusal:
    subject = str(claims.get("sub", ""))[:200]
    email = claims.get("email") if isinstance(claims.get("email"), str) else None
    with db.session() as session:
        resolved = resolve(session, provider, claims)
    if isinstance(resolved, Refusal):
        return _refused(db, name, provider, resolved, subject=subject, email=email)
    if isinstance(resolved, Choice):
        key = secrets.token_urlsafe(16)
        flow = _seal(provider, {
            "p": name, "t": int(now), "k": key, "sub": subject, "e": email or "",
            "c": [[h.participant_id, h.role.value, h.program, h.organization]
                  for h in resolved.holders]})
        options = tuple(Option(i, _label(h)) for i, h in enumerate(resolved.holders))
        return ChooseHolder(options, flow, key, name, str(email))
    return _start(db, settings, name, provider, resolved, subject)


def _start(db: Database, settings: Settings, name: str, provider: OidcProvider,
           holder: Holder, subject: str) -> SignedIn:
    web = start_session(db, settings, holder, via=f"oidc:{provider.issuer}",
                        detail={"provider": name, "subject": subject})
    return SignedIn(web, holder, name, provider.issuer)


def _label(holder: Holder) -> str:
    where = f" in {holder.program}" if holder.program else ""
    return f"{holder.role.value.capitalize()}{where}"


def resolve(session: Session, provider: OidcProvider, claims: dict[str, Any]
            ) -> Holder | Choice | Refusal:
    """The holder a provider's verified claims stand for, the holders to choose from, or
    why there is none."""
    org = provider.organization
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        return Refusal("no_email", f"{provider.button}'s sign-in did not tell Companion your "
                       "e-mail address, which is how Companion knows you. Ask your IT team to "
                       "release the `email` claim to Companion.")
    email = email.strip().lower()
    verified = claims.get("email_verified")
    if verified in (False, "false") or (verified not in (True, "true")
                                        and provider.require_verified_email):
        return Refusal("unverified_email", f"{provider.button} has not verified your e-mail "
                       f"address {email}. Verify it with {provider.button} first, or ask your "
                       "coordinator for a sign-in link.")
    if email in {a.strip().lower() for a in provider.admins}:
        return Holder(_person_id(email), AccessRole.admin, None, None)
    coordinator = _coordinator_program(provider, email, claims)
    if coordinator is not None:
        return _coordinator(session, provider, email, coordinator)
    people = people_with_email(session, email)
    programs = ProgramRepository(session)
    hosts = {p: programs.get(p).host_organization for p in {m.program for m in people}}
    mine = [m for m in people if _same(m.organization or hosts[m.program], org)]
    if not mine:
        # the same words whether or not another organisation has this address: a provider
        # learns nothing about other organisations' people
        return Refusal("other_organization" if people else "unknown_person",
                       f"{email} is not a participant of {org}'s programs in Companion. "
                       "Ask your program's coordinator to add you, or to send you a "
                       "sign-in link.")
    per_program: dict[str, set[str]] = {}
    for m in mine:
        per_program.setdefault(m.program, set()).add(m.participant_id)
    twice = sorted(p for p, ids in per_program.items() if len(ids) > 1)
    if twice:  # two records of one program: which person is this? only a human can say
        return Refusal("ambiguous", f"{email} belongs to more than one participant in "
                       f"{', '.join(twice)}, so Companion cannot tell which is you. Ask your "
                       "coordinator to correct the records, or for a sign-in link.")
    holders = []
    for person in mine:
        for role in _ROLES.get(person.role, []):
            try:
                holders.append(check_holder(session, participant_id=person.participant_id,
                                            role=role, program=person.program,
                                            what="sign-in"))
            except CompanionError:  # a record that changed meanwhile: not a way in
                continue
    if not holders:
        return Refusal("unknown_person", f"{email} cannot sign in to {org}'s programs.")
    return holders[0] if len(holders) == 1 else Choice(tuple(holders))


def _coordinator_program(provider: OidcProvider, email: str,
                         claims: dict[str, Any]) -> str | None:
    """"" for a coordinator of the organisation's one program, a program name, or None for
    someone who is no coordinator."""
    for entry in provider.coordinators:
        address, _, program = entry.partition("=")
        if address.strip().lower() == email:
            return program.strip()
    groups = claims.get(provider.groups_claim)
    if isinstance(groups, str):
        groups = [groups]
    if provider.coordinator_group and isinstance(groups, list) \
            and provider.coordinator_group in groups:
        return ""
    return None


def _coordinator(session: Session, provider: OidcProvider, email: str,
                 program: str) -> Holder | Choice | Refusal:
    org = provider.organization
    programs = ProgramRepository(session)
    hosted = {p.name: p.host_organization for p in programs.list()}
    # the organisation's spelling in each program (its records', or the program's host's)
    spelled = programs_with_organization(session, org)
    spelled.update({p: str(host) for p, host in hosted.items() if _same(host, org)})
    theirs = sorted(spelled)
    if not program:
        if not theirs:
            return Refusal("no_program", f"{org} takes part in no program yet, so there is "
                           "nothing to coordinate. Ask the host organisation to add your "
                           "people first.")
        holders = tuple(Holder(_person_id(email), AccessRole.coordinator, p, spelled[p])
                        for p in theirs)
        return holders[0] if len(holders) == 1 else Choice(holders)
    if program not in theirs:
        return Refusal("not_your_program", f"{org} takes no part in the program '{program}', "
                       "so its coordinators cannot sign in to it.")
    return Holder(_person_id(email), AccessRole.coordinator, program, spelled[program])


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and str(a).strip().casefold() == str(b).strip().casefold()


def _person_id(email: str) -> str:
    """A coordinator's or admin's id in the audit log: their address, shortened to fit."""
    if len(email) <= _ID_MAX:
        return email
    digest = hashlib.sha256(email.encode()).hexdigest()[:10]
    return f"{email[:_ID_MAX - 11]}~{digest}"


# -- refusals ------------------------------------------------------------------------------


def _unknown_provider(name: str) -> Refusal:
    return Refusal("unknown_provider", f"There is no sign-in provider called '{name[:40]}'. "
                   "Use a button on the sign-in page.")


def _provider_trouble(provider: OidcProvider) -> str:
    return (f"Signing in with {provider.button} did not work: Companion could not complete "
            "the sign-in with your organisation's provider. Try again in a minute; if it "
            "keeps failing, tell your IT team (the details are in Companion's audit log).")


def _refused(db: Database, name: str, provider: OidcProvider, refusal: Refusal, *,
             subject: str | None = None, email: str | None = None, error: str | None = None,
             detail: str | None = None) -> Refusal:
    facts = {"reason": refusal.reason, "provider": name, "issuer": provider.issuer,
             "subject": subject, "email": email, "error": error, "detail": detail}
    with db.session() as session:
        AuditLog(session).append(f"oidc:{name}", "signin.refused", "oidc_provider", name,
                                 detail={k: v for k, v in facts.items() if v})
    return refusal


# -- the flow cookie -------------------------------------------------------------------------


def _key(provider: OidcProvider) -> bytes:
    secret = provider.client_secret.get_secret_value()
    return hashlib.sha256(b"companion-oidc-flow\0" + secret.encode()).digest()


def _seal(provider: OidcProvider, data: dict[str, Any]) -> str:
    # unpadded: a cookie value with "=" would be sent quoted
    payload = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()
                                       ).rstrip(b"=")
    mac = hmac.new(_key(provider), payload, hashlib.sha256).hexdigest()
    return f"{payload.decode()}.{mac}"


def _unseal(provider: OidcProvider, sealed: str | None) -> dict[str, Any] | None:
    if not sealed or len(sealed) > 4000 or "." not in sealed:
        return None
    payload, _, mac = sealed.rpartition(".")
    expected = hmac.new(_key(provider), payload.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, mac):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload.encode() + b"=" * (-len(payload) % 4)))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


__all__ = ["BAD_CHOICE", "FLOW_PATH", "FLOW_SECONDS", "NOT_ALLOWED", "NOT_FOUND",
           "UNAVAILABLE", "Choice", "ChooseHolder", "LoginStart", "Option", "ProviderButton",
           "Refusal", "SignedIn", "begin", "choose", "finish", "providers", "redirect_uri",
           "resolve"]
