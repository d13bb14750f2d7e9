"""Dependencies and helpers shared by the routers."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from fastapi import Path as PathParam

from companion.api.deps import SettingsDep
from companion.embeddings import Embedder
from companion.errors import BadInputError

__all__ = ["EmbedderDep", "IfMatch", "ProgramName", "etag",
           "expected_version", "no_nul_characters"]

ProgramName = Annotated[str, PathParam(min_length=1, max_length=100,
                                       description="The program's name.")]


async def no_nul_characters(request: Request) -> None:
    """Refuse NUL characters in path and query parameters (422 naming the parameter as
    validation errors do, `path.x` / `query.x`): no database stores them and PostgreSQL fails
    on them. Bodies are checked by their models."""
    for where, params in (("path", request.path_params.items()),
                          ("query", request.query_params.multi_items())):
        for name, value in params:
            if "\x00" in str(value):
                raise BadInputError(f"{name} contains a NUL character (%00), which is never "
                                    "valid", field=f"{where}.{name}")


async def embedder_dep(settings: SettingsDep) -> Embedder:
    """The process's embedder (a cached object; loading the model happens on first use, in
    the route's thread)."""
    from companion.embeddings import get_embedder

    return get_embedder(settings)


EmbedderDep = Annotated[Embedder, Depends(embedder_dep)]





_ETAG = re.compile(r'^\s*(?:W/)?(?:"(\d{1,9})"|(\d{1,9}))\s*$')


def expected_version(version: int | None, if_match: str | None) -> int:
    """The version a decision was made on: the body's `version` or the If-Match ETag. One is
    required, so a decision never lands on a state its maker did not see."""
    from_header: int | None = None
    if if_match is not None:
        found = _ETAG.match(if_match)
        if found is None:
            raise BadInputError(f"If-Match must be the ETag of the resource, e.g. \"3\"; got "
                                f"{if_match[:40]!r}", field="If-Match")
        from_header = int(found.group(1) or found.group(2))
    if version is not None and from_header is not None and version != from_header:
        raise BadInputError(f"version {version} and If-Match {from_header} disagree",
                            field="version")
    chosen = version if version is not None else from_header
    if chosen is None:
        raise HTTPException(428, "a decision needs the version it was made on: send "
                            "\"version\" in the body or an If-Match header with the ETag")
    return chosen


IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=64,
                                       description="ETag of the version decided on.")]


def etag(version: int) -> str:
    return f'"{version}"'
