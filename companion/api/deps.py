"""FastAPI dependencies as `Annotated` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from companion.config import Settings, get_settings
from companion.store import Database, get_database


def settings_dep() -> Settings:
    return get_settings()


SettingsDep = Annotated[Settings, Depends(settings_dep)]


def database_dep(settings: SettingsDep) -> Database:
    return get_database(settings)


DatabaseDep = Annotated[Database, Depends(database_dep)]
