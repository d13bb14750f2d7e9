"""FastAPI dependencies as `Annotated` aliases.

The aliases resolve through `async` functions: FastAPI runs a plain `def` dependency in its
thread pool, and a thread hand-off per dependency per request costs more than these look-ups
(each is a cached value); the plain functions stay for callers outside FastAPI."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from companion.config import Settings, get_settings
from companion.store import Database, get_database


def settings_dep() -> Settings:
    return get_settings()


async def _settings() -> Settings:
    return get_settings()


SettingsDep = Annotated[Settings, Depends(_settings)]


def database_dep(settings: Settings) -> Database:
    return get_database(settings)


async def _database(settings: SettingsDep) -> Database:
    return get_database(settings)


DatabaseDep = Annotated[Database, Depends(_database)]
