"""The paging parameters every list route takes (`limit`, `cursor`, legacy `offset`), the
keys every list answer carries, and the `Link: <…>; rel="next"` header. The paging itself is
`companion.services.paging`."""


from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Query, Request, Response

from companion.api.schemas import PageMeta
from companion.services.paging import Page, PageRequest

__all__ = ["PageMeta", "PageRequest", "link_next", "page_params"]


def page_params(default: int, maximum: int) -> Callable[..., PageRequest]:
    """A dependency reading `limit` (1…maximum), `cursor` and the legacy `offset`."""

    def dependency(
        limit: Annotated[int, Query(ge=1, le=maximum, description="Rows per page.")] = default,
        cursor: Annotated[str | None, Query(
            min_length=1, max_length=2000,
            description="The `next_cursor` of the previous page (opaque).")] = None,
        offset: Annotated[int, Query(ge=0, le=10_000_000, description="Legacy: rows to "
                                     "skip. Prefer `cursor`, which is stable when rows are "
                                     "added between pages.")] = 0,
    ) -> PageRequest:
        return PageRequest(limit=limit, cursor=cursor, offset=offset).checked(maximum)

    return dependency


def link_next(request: Request, response: Response, page: Page[Any] | str | None) -> None:
    """`Link: <this URL with cursor=next>; rel="next"` when there is a next page."""
    cursor = page if page is None or isinstance(page, str) else page.next_cursor
    if cursor is None:
        return
    params = [(k, v) for k, v in request.query_params.multi_items()
              if k not in ("cursor", "offset")]
    query = "&".join(f"{_quote(k)}={_quote(v)}" for k, v in [*params, ("cursor", cursor)])
    response.headers["Link"] = f'<{request.url.path}?{query}>; rel="next"'


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")

