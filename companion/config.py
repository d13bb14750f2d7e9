"""Settings: one pydantic-settings class read from `COMPANION_*` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything Companion can be configured with. All local state lives under `home`."""

    model_config = SettingsConfigDict(env_prefix="COMPANION_", extra="ignore")

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
    multilingual: bool = Field(
        default=True,
        description="Goals and expertise not written in English are read by the bundled "
        "multilingual model (Universal Sentence Encoder, 16 languages) and mapped into the "
        "English model's space, so a German goal can meet an English profile. Only with the "
        "bundled embedding model.",
    )
    model: str = Field(default="offline", description="Any litellm model string, or `offline`.")
    llm_api_base: str | None = Field(default=None, description="Passed to litellm as api_base.")
    llm_api_key: str | None = Field(default=None, description="Passed to litellm as api_key.")
    log_level: str = Field(default="WARNING", description="Python logging level.")
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

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _blank_metrics_token_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment (tests clear the cache)."""
    return Settings()
