"""Single sign-on's rules: which verified identity signs in as whom, and every refusal audited
(the whole flow against a real OpenID provider is in tests/web/test_sso.py)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from companion.config import OidcProvider, Settings
from companion.domain import AccessRole
from companion.services import sso
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.services.tokens import Holder
from companion.store import AuditLog, Database
from companion.store.tables import WebSessionRow
from tests import factories

HOST = "Harbourline"


def _provider(organization: str = HOST, **options: Any) -> OidcProvider:
    options.setdefault("issuer", "https://id.example")
    return OidcProvider(client_id="companion", client_secret="s3cret",
                        organization=organization, **options)


@pytest.fixture
def world(any_db: Database, tmp_path: Path) -> Database:
    """Pilot, hosted by Harbourline with Kestrel people in it; Kestrel's own program."""
    create_program(any_db, build_program("Pilot", months=12, host_organization=HOST))
    create_program(any_db, build_program("Kestrel Circle", months=6,
                                         host_organization="Kestrel"))
    people = [
        factories.mentee("e1", email="Ema@Harbourline.example"),
        factories.mentor("m1", email="milo@harbourline.example"),
        factories.mentee("h1", email="hana@harbourline.example", organization=""),
        factories.mentor("b1", email="bo@harbourline.example", role="both", capacity="1"),
        factories.mentee("d1", email="dup@harbourline.example"),
        factories.mentee("d2", email="dup@harbourline.example"),
        factories.mentee("k1", email="kai@kestrel.example", organization="Kestrel"),
    ]
    import_participants_file(any_db, "Pilot", factories.write_csv(tmp_path / "p.csv", people),
                             skip_invalid=False)
    return any_db


def _resolve(db: Database, provider: OidcProvider, **claims: Any
             ) -> Holder | sso.Choice | sso.Refusal:
    claims.setdefault("email_verified", True)
    with db.session() as session:
        return sso.resolve(session, provider, {"sub": "x", **claims})


@pytest.mark.parametrize(("email", "expected"), [
    ("ema@harbourline.example", Holder("e1", AccessRole.mentee, "Pilot", HOST)),
    ("EMA@harbourline.EXAMPLE", Holder("e1", AccessRole.mentee, "Pilot", HOST)),
    ("milo@harbourline.example", Holder("m1", AccessRole.mentor, "Pilot", HOST)),
    # a blank organisation is the program's host's
    ("hana@harbourline.example", Holder("h1", AccessRole.mentee, "Pilot", None)),
])
def test_a_verified_address_is_the_organisations_participant(
        world: Database, email: str, expected: Holder) -> None:
    assert _resolve(world, _provider(), email=email) == expected


def test_a_partner_organisations_provider_signs_in_its_own_people_only(world: Database) -> None:
    kestrel = _provider("Kestrel")
    assert _resolve(world, kestrel, email="kai@kestrel.example") == Holder(
        "k1", AccessRole.mentee, "Pilot", "Kestrel")
    taken = _resolve(world, kestrel, email="ema@harbourline.example")
    unknown = _resolve(world, kestrel, email="nobody@harbourline.example")
    assert isinstance(taken, sso.Refusal) and taken.reason == "other_organization"
    assert isinstance(unknown, sso.Refusal) and unknown.reason == "unknown_person"
    # the page reads the same: Kestrel's provider learns nothing about Harbourline's people
    assert taken.message.replace("ema", "X") == unknown.message.replace("nobody", "X")
    host_refusal = _resolve(world, _provider(), email="kai@kestrel.example")
    assert isinstance(host_refusal, sso.Refusal)
    assert host_refusal.reason == "other_organization"


@pytest.mark.parametrize(("verified", "require", "reason"), [
    (False, True, "unverified_email"),
    (False, False, "unverified_email"),   # an explicit "not verified" is never trusted
    ("false", False, "unverified_email"),
    (None, True, "unverified_email"),     # no claim: refused unless the provider is trusted
    (None, False, None),
    ("true", True, None),
])
def test_only_verified_addresses_count(world: Database, verified: object, require: bool,
                                       reason: str | None) -> None:
    claims: dict[str, Any] = {"sub": "x", "email": "ema@harbourline.example"}
    if verified is not None:
        claims["email_verified"] = verified
    with world.session() as session:
        result = sso.resolve(session, _provider(require_verified_email=require), claims)
    if reason is None:
        assert isinstance(result, Holder) and result.participant_id == "e1"
    else:
        assert isinstance(result, sso.Refusal) and result.reason == reason


def test_two_records_with_one_address_in_a_program_are_refused_as_ambiguous(
        world: Database) -> None:
    result = _resolve(world, _provider(), email="dup@harbourline.example")
    assert isinstance(result, sso.Refusal) and result.reason == "ambiguous"
    assert "more than one participant in Pilot" in result.message


def test_a_mentee_and_mentor_at_once_chooses(world: Database) -> None:
    result = _resolve(world, _provider(), email="bo@harbourline.example")
    assert result == sso.Choice((Holder("b1", AccessRole.mentee, "Pilot", HOST),
                                 Holder("b1", AccessRole.mentor, "Pilot", HOST)))


def test_no_email_claim_is_refused(world: Database) -> None:
    result = _resolve(world, _provider(), email_verified=True)
    assert isinstance(result, sso.Refusal) and result.reason == "no_email"


def test_coordinators_by_list_group_and_admins(world: Database) -> None:
    host = _provider(coordinators=["ana@harbourline.example=Pilot", "lee@harbourline.example"],
                     coordinator_group="mentoring-office", admins=["ops@harbourline.example"])
    assert _resolve(world, host, email="ana@harbourline.example") == Holder(
        "ana@harbourline.example", AccessRole.coordinator, "Pilot", HOST)
    # a bare address: the one program Harbourline takes part in
    assert _resolve(world, host, email="lee@harbourline.example") == Holder(
        "lee@harbourline.example", AccessRole.coordinator, "Pilot", HOST)
    assert _resolve(world, host, email="gus@harbourline.example",
                    groups=["staff", "mentoring-office"]) == Holder(
        "gus@harbourline.example", AccessRole.coordinator, "Pilot", HOST)
    not_member = _resolve(world, host, email="gus@harbourline.example", groups=["staff"])
    assert isinstance(not_member, sso.Refusal) and not_member.reason == "unknown_person"
    assert _resolve(world, host, email="ops@harbourline.example") == Holder(
        "ops@harbourline.example", AccessRole.admin, None, None)
    # a listed coordinator who is a participant too signs in as the coordinator
    both = _provider(coordinators=["milo@harbourline.example=Pilot"])
    assert _resolve(world, both, email="milo@harbourline.example") == Holder(
        "milo@harbourline.example", AccessRole.coordinator, "Pilot", HOST)


def test_a_partner_coordinator_and_the_programs_they_may_not_coordinate(world: Database) -> None:
    kestrel = _provider("kestrel", coordinators=["kim@kestrel.example=Pilot",
                                                 "kit@kestrel.example",
                                                 "kat@kestrel.example=Elsewhere"])
    # Kestrel has people in Pilot (a partner) and hosts Kestrel Circle; the holder carries
    # the records' spelling, which the access rules compare with
    assert _resolve(world, kestrel, email="kim@kestrel.example") == Holder(
        "kim@kestrel.example", AccessRole.coordinator, "Pilot", "Kestrel")
    # a bare address of an organisation in two programs: they choose
    assert _resolve(world, kestrel, email="kit@kestrel.example") == sso.Choice((
        Holder("kit@kestrel.example", AccessRole.coordinator, "Kestrel Circle", "Kestrel"),
        Holder("kit@kestrel.example", AccessRole.coordinator, "Pilot", "Kestrel")))
    elsewhere = _resolve(world, kestrel, email="kat@kestrel.example")
    assert isinstance(elsewhere, sso.Refusal) and elsewhere.reason == "not_your_program"
    circle = _provider("KESTREL", coordinators=["kim@kestrel.example=Kestrel Circle"])
    assert _resolve(world, circle, email="kim@kestrel.example") == Holder(
        "kim@kestrel.example", AccessRole.coordinator, "Kestrel Circle", "Kestrel")


# -- the flow: refused before the provider is asked, and audited -------------------------


@pytest.fixture
def with_provider(settings: Settings) -> Settings:
    return settings.model_copy(update={"oidc": {"harbour": _provider()}})


def _flow(settings: Settings, **changes: Any) -> str:
    data = {"p": "harbour", "s": "the-state", "n": "nonce", "v": "verifier",
            "t": int(time.time()), **changes}
    return sso._seal(settings.oidc["harbour"], data)


@pytest.mark.parametrize(("case", "reason"), [
    ("no cookie", "no_flow"),
    ("forged cookie", "no_flow"),
    ("another provider's flow", "no_flow"),
    ("expired", "expired"),
    ("state tampered", "state_mismatch"),
    ("provider said no", "provider_error"),
    ("provider said no without the state", "provider_error"),
    ("no state", "state_mismatch"),
    ("no code", "provider_error"),
])
def test_a_broken_flow_is_refused_and_audited(db: Database, with_provider: Settings,
                                              case: str, reason: str) -> None:
    flow: str | None = _flow(with_provider)
    state, code, error = "the-state", "a-code", None
    code_sent: str | None = code
    if case == "no cookie":
        flow = None
    elif case == "forged cookie":
        assert flow is not None
        flow = flow[:-4] + "0000"
    elif case == "another provider's flow":
        flow = _flow(with_provider, p="other")
    elif case == "expired":
        flow = _flow(with_provider, t=int(time.time()) - sso.FLOW_SECONDS - 1)
    elif case == "state tampered":
        state = "the-statf"
    elif case == "provider said no":
        error = "access_denied"
    elif case == "provider said no without the state":
        state, error = "", "access_denied"
    elif case == "no state":
        state = ""
    elif case == "no code":
        code_sent = None
    result = sso.finish(db, with_provider, "harbour", flow=flow, state=state, code=code_sent,
                        error=error)
    assert isinstance(result, sso.Refusal) and result.reason == reason
    with db.session() as session:
        events = AuditLog(session).list(entity_type="oidc_provider")
    assert [(e.action, e.detail["reason"], e.detail["issuer"]) for e in events] == [
        ("signin.refused", reason, "https://id.example")]


def test_an_unknown_provider_is_not_found(db: Database, with_provider: Settings) -> None:
    for result in (sso.begin(db, with_provider, "nope"),
                   sso.finish(db, with_provider, "nope", flow=None, state=None, code=None)):
        assert isinstance(result, sso.Refusal) and result.reason == "unknown_provider"
    assert sso.providers(with_provider) == [
        sso.ProviderButton("harbour", HOST, "/sign-in/oidc/harbour")]
    assert sso.redirect_uri(with_provider, "harbour") == (
        with_provider.public_url + "/sign-in/oidc/harbour/callback")


def _choice_flow(settings: Settings, **changes: Any) -> str:
    data = {"p": "harbour", "t": int(time.time()), "k": "the-key", "sub": "bo-sub",
            "e": "bo@harbourline.example",
            "c": [["b1", "mentee", "Pilot", HOST], ["b1", "mentor", "Pilot", HOST]], **changes}
    return sso._seal(settings.oidc["harbour"], data)


def test_the_chosen_holder_signs_in(world: Database, with_provider: Settings) -> None:
    done = sso.choose(world, with_provider, "harbour", flow=_choice_flow(with_provider),
                      key="the-key", option=1)
    assert isinstance(done, sso.SignedIn)
    assert done.holder == Holder("b1", AccessRole.mentor, "Pilot", HOST)
    assert done.session.principal.role is AccessRole.mentor
    with world.session() as session:
        [event] = AuditLog(session).list(entity_type="web_session")
    assert event.actor == "mentor:b1"
    assert event.detail == {"via": "oidc:https://id.example", "provider": "harbour",
                            "subject": "bo-sub"}


def test_a_long_issuer_is_kept_whole(world: Database, settings: Settings) -> None:
    issuer = "https://login.microsoftonline.com/4f0c6a1e-9b7d-4c2e-8a53-0d2f1b6e7c91/v2.0"
    long = settings.model_copy(update={"oidc": {"harbour": _provider(issuer=issuer)}})
    done = sso.choose(world, long, "harbour", flow=_choice_flow(long), key="the-key",
                      option=0)
    assert isinstance(done, sso.SignedIn)
    with world.session() as session:
        [row] = session.scalars(select(WebSessionRow)).all()
    assert row.via == f"oidc:{issuer}"


@pytest.mark.parametrize(("case", "reason"), [
    ("another key", "state_mismatch"),
    ("no such option", "bad_choice"),
    ("no option", "bad_choice"),
    ("expired", "expired"),
    ("a sign-in flow, not a choice", "no_flow"),
    ("a record changed meanwhile", "unknown_person"),
])
def test_a_bad_choice_is_refused_and_audited(world: Database, with_provider: Settings,
                                             case: str, reason: str) -> None:
    flow, key, option = _choice_flow(with_provider), "the-key", 0
    option_sent: int | None = option
    if case == "another key":
        key = "not-the-key"
    elif case == "no such option":
        option_sent = 2
    elif case == "no option":
        option_sent = None
    elif case == "expired":
        flow = _choice_flow(with_provider, t=int(time.time()) - sso.FLOW_SECONDS - 1)
    elif case == "a sign-in flow, not a choice":
        flow = _flow(with_provider)
    else:
        flow = _choice_flow(with_provider, c=[["b1", "mentee", "Elsewhere", HOST]])
    done = sso.choose(world, with_provider, "harbour", flow=flow, key=key, option=option_sent)
    assert isinstance(done, sso.Refusal) and done.reason == reason
    with world.session() as session:
        events = AuditLog(session).list(entity_type="oidc_provider")
    assert [e.detail["reason"] for e in events] == [reason]
