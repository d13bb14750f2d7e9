"""Single sign-on settings: one COMPANION_OIDC__<NAME>__<FIELD> variable per provider field,
typos and bad values named by their variable, the client secret never printed."""

from __future__ import annotations

import json

import pytest

from companion.cli import main
from companion.config import SettingsError, load_settings, unknown_settings

SECRET = "oidc-client-secret-42"


def _provider(monkeypatch: pytest.MonkeyPatch, name: str, organization: str, **more: str
              ) -> None:
    values = {"ISSUER": f"https://login.{name}.example/", "CLIENT_ID": "companion",
              "CLIENT_SECRET": SECRET, "ORGANIZATION": organization, **more}
    for field, value in values.items():
        monkeypatch.setenv(f"COMPANION_OIDC__{name.upper()}__{field}", value)


def test_three_organisations_in_an_env_file(monkeypatch: pytest.MonkeyPatch) -> None:
    _provider(monkeypatch, "corvane", "Corvane Industries",
              COORDINATORS="ada@corvane.example=Leaders 2027, bo@corvane.example",
              ADMINS="ops@corvane.example")
    _provider(monkeypatch, "northwind", "Northwind Trading", COORDINATOR_GROUP="mentoring",
              LABEL="Northwind staff")
    _provider(monkeypatch, "kestrel", "Kestrel", REQUIRE_VERIFIED_EMAIL="false",
              SCOPES="openid,email")
    settings = load_settings()
    assert sorted(settings.oidc) == ["corvane", "kestrel", "northwind"]
    corvane = settings.oidc["corvane"]
    assert corvane.issuer == "https://login.corvane.example"  # no trailing slash
    assert corvane.coordinators == ["ada@corvane.example=Leaders 2027", "bo@corvane.example"]
    assert corvane.admins == ["ops@corvane.example"]
    assert corvane.client_secret.get_secret_value() == SECRET
    assert settings.oidc["northwind"].button == "Northwind staff"
    assert settings.oidc["northwind"].coordinator_group == "mentoring"
    assert settings.oidc["kestrel"].require_verified_email is False
    assert settings.oidc["kestrel"].scopes == "openid email"


def test_a_typo_in_a_providers_field_names_the_field_it_meant(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _provider(monkeypatch, "corvane", "Corvane Industries")
    monkeypatch.setenv("COMPANION_OIDC__CORVANE__CLIENTSECRET", "x")
    monkeypatch.setenv("COMPANION_OIDC__ISSUER", "https://nameless.example")
    assert unknown_settings() == [
        "COMPANION_OIDC__CORVANE__CLIENTSECRET is not a setting of an OIDC provider — did "
        "you mean COMPANION_OIDC__CORVANE__CLIENT_SECRET?",
        "COMPANION_OIDC__ISSUER is not a Companion setting: a provider's variables are "
        "COMPANION_OIDC__<NAME>__<FIELD>, <FIELD> one of ISSUER, CLIENT_ID, CLIENT_SECRET, "
        "ORGANIZATION, LABEL, SCOPES, REQUIRE_VERIFIED_EMAIL, COORDINATORS, "
        "COORDINATOR_GROUP, GROUPS_CLAIM, ADMINS"]
    with pytest.raises(SettingsError):
        load_settings()


@pytest.mark.parametrize(("variable", "value", "problem"), [
    ("ISSUER", "http://login.corvane.example", "an issuer must use https"),
    ("ISSUER", "login.corvane.example", "write the issuer as https://host[/path]"),
    ("SCOPES", "profile email", "the scopes must include openid"),
    ("ORGANIZATION", "", "at least 1 character"),
])
def test_a_bad_provider_value_names_its_variable(monkeypatch: pytest.MonkeyPatch,
                                                 variable: str, value: str,
                                                 problem: str) -> None:
    _provider(monkeypatch, "corvane", "Corvane Industries", **{variable: value})
    with pytest.raises(SettingsError) as raised:
        load_settings()
    [line] = raised.value.problems
    assert line.startswith(f"COMPANION_OIDC__CORVANE__{variable}: ") and problem in line


def test_a_missing_field_and_a_bad_provider_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPANION_OIDC__CORVANE__ISSUER", "https://login.corvane.example")
    monkeypatch.setenv("COMPANION_OIDC__CORVANE__CLIENT_SECRET", SECRET)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert raised.value.problems == ["COMPANION_OIDC__CORVANE__CLIENT_ID: Field required",
                                     "COMPANION_OIDC__CORVANE__ORGANIZATION: Field required"]
    assert SECRET not in str(raised.value)
    monkeypatch.delenv("COMPANION_OIDC__CORVANE__ISSUER")
    monkeypatch.delenv("COMPANION_OIDC__CORVANE__CLIENT_SECRET")
    _provider(monkeypatch, "corv_ane", "Corvane Industries")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert "is no provider name" in str(raised.value)


def test_loopback_issuers_may_use_http(monkeypatch: pytest.MonkeyPatch) -> None:
    _provider(monkeypatch, "local", "Local", ISSUER="http://127.0.0.1:9400")
    assert load_settings().oidc["local"].issuer == "http://127.0.0.1:9400"


def test_config_show_masks_the_client_secret(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    _provider(monkeypatch, "corvane", "Corvane Industries")
    outputs = []
    for args in (["config", "show"], ["config", "show", "--format", "json"]):
        from companion.config import get_settings

        get_settings.cache_clear()
        with pytest.raises(SystemExit) as exited:
            main(args)
        assert exited.value.code in (0, None)
        outputs.append(capsys.readouterr().out)
    text, raw = outputs
    assert SECRET not in text and SECRET not in raw
    assert "COMPANION_OIDC__CORVANE__CLIENT_SECRET=****" in text
    shown = json.loads(raw)["settings"]
    assert shown["oidc.corvane.client_secret"] == {
        "variable": "COMPANION_OIDC__CORVANE__CLIENT_SECRET", "value": "****",
        "source": "environment"}
    assert shown["oidc.corvane.organization"]["value"] == "Corvane Industries"
    assert shown["oidc.corvane.label"]["source"] == "default"
