"""Settings: one pydantic-settings class read from `COMPANION_*` environment variables."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PREFIX = "COMPANION_"

#: `COMPANION_*` variables that are read elsewhere, not settings — each with its reason.
NOT_SETTINGS = {
    "COMPANION_DEBUG": "the CLI shows the traceback of an internal error",
    "COMPANION_WARMUP": "set by `companion serve` for its own workers",
    "COMPANION_KNOWLEDGE_DIR": "the guideline folder `knowledge` commands read",
    "COMPANION_SCREENSHOTS": "browser tests save screenshots",
    "COMPANION_CHROMIUM": "browser tests' Chromium binary",
    "COMPANION_IMAGE": "the image tag compose.yaml runs (read by docker compose)",
}
#: Prefixes of variable families owned by other readers.
NOT_SETTINGS_PREFIXES = {
    "COMPANION_EVAL_JUDGE_": "the eval judge's own settings (companion.evals.judge)",
    "COMPANION_TEST_": "test-suite knobs",
}
#: Fields whose values are never printed (URLs are printed with their password masked).
SECRET_FIELDS = frozenset({"llm_api_key", "smtp_password", "metrics_token", "client_secret"})
URL_FIELDS = frozenset({"database_url", "chroma_url", "llm_api_base", "public_url"})
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
#: Single sign-on providers are set one variable per field: COMPANION_OIDC__<NAME>__<FIELD>.
OIDC_PREFIX = PREFIX + "OIDC__"
_LOOPBACK = ("localhost", "127.0.0.1", "[::1]")


def _comma_list(value: object) -> object:
    if isinstance(value, str):
        return [part for part in (p.strip() for p in value.split(",")) if part]
    return value


class OidcProvider(BaseModel):
    """One organisation's OpenID Connect identity provider (single sign-on for the web app).
    Each field is the variable COMPANION_OIDC__<NAME>__<FIELD>; <NAME> (letters, digits,
    dashes) is the provider's name in the sign-in URLs."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    issuer: str = Field(description="The provider's issuer URL (its discovery document is "
                        "<issuer>/.well-known/openid-configuration); https, except on "
                        "loopback.")
    client_id: str = Field(min_length=1, max_length=300,
                           description="The client id Companion was registered with.")
    client_secret: SecretStr = Field(description="The client secret (a secret).")
    organization: str = Field(min_length=1, max_length=120, description="The organisation "
                              "this provider speaks for, exactly as in participants' "
                              "`organization` column (a blank one counts as the program's "
                              "host organisation). It signs in only that organisation's people.")
    label: str | None = Field(default=None, max_length=80, description="The button text after "
                              "'Sign in with'; default: the organisation.")
    scopes: str = Field(default="openid email profile",
                        description="Scopes asked for; must include openid and email.")
    require_verified_email: bool = Field(
        default=True, description="Refuse an identity whose ID token does not say "
        "email_verified=true. Set false only for a provider that never sends the claim and "
        "issues only addresses its organisation owns (e.g. work accounts of Microsoft Entra "
        "ID); an explicit email_verified=false is refused always.")
    coordinators: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated e-mail addresses that sign in as "
        "coordinators of this organisation: `ana@acme.example=Leaders 2027` names the program, "
        "a bare address means every program the organisation takes part in (with several, "
        "they choose when they sign in).")
    coordinator_group: str | None = Field(
        default=None, max_length=200, description="Members of this group (a value of the "
        "`groups_claim` claim) sign in as coordinators too, of every program the "
        "organisation takes part in.")
    groups_claim: str = Field(default="groups", max_length=100,
                              description="The ID-token claim listing the person's groups.")
    admins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated e-mail addresses that sign in as "
        "admins of the whole deployment (every organisation): list only people trusted "
        "with all of them.")

    @field_validator("coordinators", "admins", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return _comma_list(value)

    @field_validator("issuer", mode="after")
    @classmethod
    def _issuer_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        match = re.fullmatch(r"(https?)://([^/\s?#]+)(/[^\s?#]*)?", value)
        if match is None:
            raise ValueError("write the issuer as https://host[/path]")
        host = match.group(2).rsplit(":", 1)[0] if not match.group(2).startswith("[") \
            else match.group(2).split("]")[0] + "]"
        if match.group(1) == "http" and host not in _LOOPBACK:
            raise ValueError("an issuer must use https (http only on 127.0.0.1 or localhost)")
        return value

    @field_validator("scopes", mode="after")
    @classmethod
    def _openid_scope(cls, value: str) -> str:
        scopes = value.replace(",", " ").split()
        missing = [s for s in ("openid", "email") if s not in scopes]
        if missing:
            raise ValueError(f"the scopes must include {' and '.join(missing)}")
        return " ".join(scopes)

    @property
    def button(self) -> str:
        return self.label or self.organization


class Settings(BaseSettings):
    """Everything Companion can be configured with. All local state lives under `home`."""

    # "__" nests: COMPANION_OIDC__ACME__ISSUER is oidc["acme"].issuer
    model_config = SettingsConfigDict(env_prefix="COMPANION_", extra="ignore",
                                      env_nested_delimiter="__")

    home: Path = Field(
        default=Path("./.companion"),
        description="Folder for all local state: SQLite database, Chroma, checkpoints, caches.",
    )
    database_url: str | None = Field(
        default=None,
        description="Any SQLAlchemy URL; unset means SQLite at $COMPANION_HOME/companion.db.",
    )
    chroma_url: str | None = Field(
        default=None,
        description="http://host:port of a `chroma run` server; unset means embedded Chroma.",
    )
    embedding_model: str | None = Field(
        default=None,
        description="A sentence-transformers model name or local path; unset means the bundled "
        "all-MiniLM-L6-v2.",
    )
    embedding_precision: Literal["auto", "fp32", "bf16"] = Field(
        default="auto",
        description="Arithmetic of the embedding model: `auto` (default) bfloat16 where the "
        "CPU has bf16 instructions (avx512_bf16 or amx_bf16: a program's first embedding "
        "~2.5x faster, each text's nearest neighbours the same for 99%+ of texts) and float32 "
        "elsewhere; `fp32` float32 always; `bf16` always (slow without those instructions). "
        "Vectors of each precision are cached apart, so a change re-embeds once and never "
        "mixes the two.",
    )
    multilingual: bool = Field(
        default=True,
        description="Goals and expertise not written in English are read by the bundled "
        "multilingual model (Universal Sentence Encoder, 16 languages) and mapped into the "
        "English model's space, so a German goal can meet an English profile. Only with the "
        "bundled embedding model.",
    )
    model: str = Field(default="offline", description="Any litellm model string, or `offline`.")
    llm_api_base: str | None = Field(default=None, description="Passed to litellm as api_base.")
    llm_api_key: str | None = Field(default=None, repr=False,
                                    description="Passed to litellm as api_key (a secret).")
    log_level: Literal["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"] = Field(
        default="WARNING", description="Python logging level (any case).")
    log_format: Literal["text", "json"] = Field(
        default="text", description="`text`: short lines for a terminal; `json`: one JSON "
        "object per line with request id, principal (an opaque token id) and an access line "
        "per request, for a log pipeline.")
    metrics_token: SecretStr | None = Field(
        default=None, description="When set, `/metrics` wants `Authorization: Bearer <this>`; "
        "unset, `/metrics` is open (keep it off the public proxy).")
    max_upload_bytes: int = Field(
        default=20 * 1024 * 1024, description="Largest request body / import file accepted."
    )
    read_after_import: bool = Field(
        default=True,
        description="`companion import participants` starts a background process that loads "
        "the embedding model while the file is imported and then reads the program's new "
        "goals and expertise into vectors, so the next suggestion or assignment finds them "
        "read (it waits for a read under way instead of doing it twice). Off: the first "
        "command that matches reads them.",
    )
    warm_before_serving: bool = Field(
        default=False,
        description="Each `companion serve` worker loads the embedding model and opens the "
        "guideline index before it accepts requests (start-up takes longer; no search or "
        "draft waits for a cold model). Off: they load in the background and the first "
        "such request waits for them (10-30 s on a busy machine).",
    )
    reuse_port: bool = Field(
        default=True,
        description="With `companion serve --workers N` (N > 1) on Linux, each worker "
        "listens on its own socket (SO_REUSEPORT) and the kernel spreads new connections "
        "across them; off: uvicorn's one shared socket, where clients that connect at once "
        "tend to land on the same worker.",
    )
    otel_endpoint: str | None = Field(
        default=None,
        description="OTLP (gRPC) collector address for request traces, e.g. "
        "http://127.0.0.1:4317 (needs the `otel` extra); unset, the standard "
        "OTEL_EXPORTER_OTLP_ENDPOINT is used, and without either there is no tracing.",
    )
    token_cache_seconds: float = Field(
        default=5.0, ge=0, le=300,
        description="How long an API worker trusts a bearer token it has verified before "
        "reading it from the database again (0: on every request). A token revoked through "
        "another process stops working in each worker within this time; revoked through the "
        "same worker, at once. Expiry is always checked.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where people reach the web app; sign-in links and invitations use it.",
    )
    session_hours: int = Field(default=12, ge=1, le=24 * 30,
                               description="How long a browser stays signed in.")
    signin_link_hours: int = Field(default=72, ge=1, le=24 * 30,
                                   description="How long a one-time sign-in link works.")
    mail_backend: Literal["console", "file", "smtp"] = Field(
        default="console",
        description="How invitations are sent: `console` prints them to the server's log, "
        "`file` writes an .eml per message under $COMPANION_HOME/outbox/, `smtp` sends them.",
    )
    mail_from: str = Field(default="Companion <companion@localhost>",
                           description="The From address of invitations.")
    smtp_host: str = Field(default="localhost", description="SMTP server (mail_backend=smtp).")
    smtp_port: int = Field(default=25, ge=1, le=65535, description="SMTP port (587 with "
                           "STARTTLS at most providers).")
    smtp_user: str | None = Field(default=None, description="SMTP login, if the server wants "
                                  "one.")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    smtp_starttls: bool = Field(default=False, description="Upgrade the SMTP connection with "
                                "STARTTLS before logging in.")
    smtp_timeout: float = Field(default=10.0, gt=0, le=300,
                                description="Seconds to wait for the SMTP server.")
    drafts_per_hour: int = Field(
        default=30, ge=1, le=10_000,
        description="Drafts one mentee or mentor may request per hour (coordinators are not "
        "limited).",
    )
    nudges_every_minutes: int = Field(
        default=60, ge=0, le=7 * 24 * 60,
        description="How often `companion serve` runs `nudges run` for every program "
        "(0: never; run it from cron instead). Safe with several servers: each nudge is "
        "written and sent once.",
    )

    drafting: Literal["in-process", "worker"] = Field(
        default="in-process",
        description="Who writes requested drafts: `in-process` (a background thread of the "
        "serving process; the default, nothing else to run) or `worker` (`companion worker` "
        "processes, through the PostgreSQL job queue; needs a PostgreSQL database).",
    )
    drafting_threads: int = Field(
        default=2, ge=1, le=64,
        description="Drafts one process writes at once (in-process drafting, and each "
        "`companion worker` unless --concurrency says otherwise).",
    )
    model_concurrency: int = Field(
        default=4, ge=0, le=1000,
        description="Model calls one organisation may have running at once across every "
        "process (0: no limit); drafts beyond it wait their turn.",
    )
    model_concurrency_by_org: Annotated[dict[str, int], NoDecode] = Field(
        default_factory=dict,
        description="Per-organisation exceptions to model_concurrency, e.g. `acme=2,globex=8`.",
    )

    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated origins (scheme://host[:port]) a browser front end may "
        "call the API from, or `*`; empty: no CORS headers.",
    )
    oidc: dict[str, OidcProvider] = Field(
        default_factory=dict,
        description="Single sign-on: OpenID Connect providers by name, one variable per "
        "field, COMPANION_OIDC__<NAME>__<FIELD> (ISSUER, CLIENT_ID, CLIENT_SECRET, "
        "ORGANIZATION, ...; see docs/deploy.md). None: sign-in links only.",
    )
    allow_unknown_settings: bool = Field(
        default=False,
        description="Start even when a COMPANION_* variable is not a setting (a typo is then "
        "only a warning).",
    )

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _blank_metrics_token_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("oidc", mode="after")
    @classmethod
    def _provider_names(cls, value: dict[str, OidcProvider]) -> dict[str, OidcProvider]:
        for name in value:
            if not _PROVIDER_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is no provider name: use 1–32 lower-case letters, "
                                 "digits and dashes (it is part of the sign-in URL)")
        return value

    @field_validator("model_concurrency_by_org", mode="before")
    @classmethod
    def _org_limits(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        limits: dict[str, str] = {}
        for part in value.replace(";", ",").split(","):
            if not part.strip():
                continue
            name, sep, number = part.partition("=")
            if not sep or not name.strip():
                raise ValueError(f"{part.strip()!r} is not organisation=number")
            limits[name.strip()] = number.strip()
        return limits

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level_any_case(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part for part in (p.strip() for p in value.split(",")) if part]
        if isinstance(value, list):
            for origin in value:
                if origin != "*" and not _ORIGIN.fullmatch(str(origin)):
                    raise ValueError(f"{origin!r} is not an origin: write scheme://host[:port] "
                                     "with no path, or *")
            return [str(o).rstrip("/") for o in value]
        return value

    @field_validator("home", mode="after")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("database_url", "chroma_url", "embedding_model", "llm_api_base",
                     "llm_api_key", "smtp_user", "smtp_password", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def resolved_database_url(self) -> str:
        """The database URL in force: the configured one, or SQLite under `home`."""
        return self.database_url or f"sqlite:///{self.home / 'companion.db'}"

    @property
    def database_kind(self) -> str:
        """`sqlite`, `postgresql`, ... — the SQLAlchemy dialect name of the database URL."""
        return self.resolved_database_url.split(":", 1)[0].split("+", 1)[0]

    def ensure_home(self) -> Path:
        """Create the home folder if needed and return it."""
        self.home.mkdir(parents=True, exist_ok=True)
        return self.home


_ORIGIN = re.compile(r"https?://[^/\s:]+(:\d{1,5})?/?")
_PROVIDER_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")


class SettingsError(Exception):
    """The environment's settings are wrong: one line per problem, each naming its variable
    (never a secret's value). The CLI exits 2 with it; `serve` refuses to start."""

    exit_code = 2

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def env_name(field: str) -> str:
    return PREFIX + field.upper()


def unknown_settings(environ: Mapping[str, str] | None = None) -> list[str]:
    """One message per `COMPANION_*` variable that is no setting, with the closest name."""
    environ = os.environ if environ is None else environ
    known = [env_name(name) for name in Settings.model_fields]
    problems = []
    for key in sorted(environ):
        name = key.upper()
        if not name.startswith(PREFIX) or name in known or name in NOT_SETTINGS:
            continue
        if name.startswith(OIDC_PREFIX):
            problem = _unknown_oidc(key)
            if problem:
                problems.append(problem)
            continue
        if any(name.startswith(prefix) for prefix in NOT_SETTINGS_PREFIXES):
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f" — did you mean {close[0]}?" if close else ""
        problems.append(f"{key} is not a Companion setting{hint}")
    return problems


def _unknown_oidc(key: str) -> str | None:
    """A problem with a COMPANION_OIDC__<NAME>__<FIELD> variable's shape or field, or None."""
    parts = key[len(OIDC_PREFIX):].split("__")
    fields = list(OidcProvider.model_fields)
    if len(parts) != 2 or not all(parts):
        return (f"{key} is not a Companion setting: a provider's variables are "
                f"{OIDC_PREFIX}<NAME>__<FIELD>, <FIELD> one of "
                f"{', '.join(f.upper() for f in fields)}")
    if parts[1].lower() in fields:
        return None
    close = difflib.get_close_matches(parts[1].lower(), fields, n=1, cutoff=0.6)
    hint = f" — did you mean {OIDC_PREFIX}{parts[0]}__{close[0].upper()}?" if close else ""
    return f"{key} is not a setting of an OIDC provider{hint}"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment, or a SettingsError naming every bad or unknown
    variable (unknown ones are only warnings with COMPANION_ALLOW_UNKNOWN_SETTINGS=true)."""
    unknown = unknown_settings(environ)
    try:
        settings = Settings()
    except ValidationError as exc:
        raise SettingsError([*_describe(exc), *unknown]) from None
    if unknown and not settings.allow_unknown_settings:
        raise SettingsError([*unknown, f"(set {env_name('allow_unknown_settings')}=true to "
                                       "start anyway)"])
    if unknown:
        import logging

        for line in unknown:
            logging.getLogger("companion.config").warning("%s", line)
    return settings


def _describe(exc: ValidationError) -> list[str]:
    lines = []
    for error in exc.errors(include_url=False):
        loc = [str(part) for part in error["loc"]]
        field = loc[0] if loc else ""
        variable = env_name(field)
        if field == "oidc" and len(loc) >= 3:  # a provider's field: its own variable
            field = loc[2]
            variable = f"{OIDC_PREFIX}{loc[1].upper()}__{field.upper()}"
        message = str(error["msg"]).removeprefix("Value error, ")
        shown = error.get("input")
        if (field not in SECRET_FIELDS and field not in URL_FIELDS
                and isinstance(shown, str) and len(shown) <= 80):
            message += f" (got {shown!r})"
        lines.append(f"{variable}: {message}")
    return lines


def mask_url(url: str) -> str:
    """A URL with its password (user:PASSWORD@ and password=... in the query) as ****."""
    url = re.sub(r"^([A-Za-z][\w+.-]*://[^/@:]*:)(.*)(@[^@]*)$", r"\1****\3", url)
    return re.sub(r"(?i)([?&](?:password|pass|pwd|secret|token|key)=)[^&]*", r"\1****", url)


def describe_settings(settings: Settings,
                      environ: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Every setting with its effective value (secrets masked) and where it came from."""
    environ = os.environ if environ is None else environ
    present = {key.upper() for key in environ}
    rows = []
    for name in Settings.model_fields:
        value: Any = getattr(settings, name)
        if name == "oidc":
            rows.extend(_describe_providers(settings.oidc, present))
            continue
        if name in SECRET_FIELDS:
            value = None if value is None else "****"
        elif isinstance(value, SecretStr):
            value = "****"
        elif isinstance(value, Path):
            value = str(value)
        elif name in URL_FIELDS and isinstance(value, str):
            value = mask_url(value)
        rows.append({"setting": name, "variable": env_name(name), "value": value,
                     "source": "environment" if env_name(name) in present else "default"})
    return rows


def _describe_providers(providers: Mapping[str, OidcProvider],
                        present: set[str]) -> list[dict[str, Any]]:
    """One row per field of each single sign-on provider (the client secret as ****)."""
    if not providers:
        return [{"setting": "oidc", "variable": f"{OIDC_PREFIX}<NAME>__<FIELD>",
                 "value": None, "source": "default"}]
    rows = []
    for provider_name, provider in providers.items():
        for field in OidcProvider.model_fields:
            value: Any = getattr(provider, field)
            if isinstance(value, SecretStr):
                value = "****"
            variable = f"{OIDC_PREFIX}{provider_name.upper()}__{field.upper()}"
            rows.append({"setting": f"oidc.{provider_name}.{field}", "variable": variable,
                         "value": value,
                         "source": "environment" if variable in present else "default"})
    return rows


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment (tests clear the cache);
    a SettingsError when a variable is bad or unknown."""
    return load_settings()
