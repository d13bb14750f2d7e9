"""One way to page every list: `limit` and an opaque `cursor` (keyset: the cursor holds the
last sort key seen, so rows inserted or removed between two pages never repeat or skip an
existing row), with the legacy `offset` still honoured for existing scripts.

A cursor is `base64url(JSON).checksum`: the JSON holds the list it belongs to (a digest of
the list's name and filters) and the last key; the checksum (HMAC-SHA256, truncated) makes
a truncated, edited or hand-made cursor fail validation. It is validated, not secret: the
access rules are applied again on every page, so a forged cursor can only move within what
the caller may see anyway. A cursor of another list, or of other filters, is refused.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from companion.errors import BadInputError

__all__ = ["CURSOR_FIELD", "Key", "Page", "PageRequest", "decode_cursor", "encode_cursor",
           "key_part", "paginate"]

T = TypeVar("T")
#: A sort key: strings and integers (datetimes go in as ISO strings, see `key_part`).
Key = tuple[str | int, ...]
#: The name errors about a cursor carry (as validation errors name query parameters).
CURSOR_FIELD = "query.cursor"
_CHECK = b"companion-cursor-v1"  # an integrity check, not a secret (see the module doc)
_MAX_CURSOR = 2000


@dataclass(frozen=True)
class PageRequest:
    """What the client asked for: `limit` rows after `cursor` (or, legacy, at `offset`)."""

    limit: int = 100
    cursor: str | None = None
    offset: int = 0

    def checked(self, max_limit: int) -> PageRequest:
        """Itself, or a BadInputError naming the parameter that is out of range."""
        if not 1 <= self.limit <= max_limit:
            raise BadInputError(f"limit must be between 1 and {max_limit}; got {self.limit}",
                                field="query.limit")
        if self.offset < 0:
            raise BadInputError("offset must be 0 or more", field="query.offset")
        if self.cursor is not None and self.offset:
            raise BadInputError("send cursor or offset, not both (cursor is the way to "
                                "page; offset is kept for older scripts)",
                                field="query.offset")
        return self


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list. `next_cursor` is None on the last page; `offset`/`next_offset`
    say where the page sits for scripts that page by offset (None where a list does not
    count its rows: `total` None)."""

    items: list[T]
    limit: int
    total: int | None
    offset: int | None
    next_cursor: str | None = None

    @property
    def next_offset(self) -> int | None:
        if self.next_cursor is None or self.offset is None:
            return None
        following = self.offset + len(self.items)
        return following if self.total is None or following < self.total else None

    def meta(self) -> dict[str, Any]:
        """The paging keys every list answer carries beside its items."""
        return {"total": self.total, "limit": self.limit, "offset": self.offset,
                "next_offset": self.next_offset, "next_cursor": self.next_cursor}

    def map(self, convert: Callable[[T], Any]) -> Page[Any]:
        return Page([convert(i) for i in self.items], self.limit, self.total, self.offset,
                    self.next_cursor)


def key_part(value: datetime | str | int | None) -> str | int:
    """A sort-key component as the cursor stores it (None sorts first)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _digest(scope: str) -> str:
    return hashlib.sha256(scope.encode()).hexdigest()[:16]


def _check(data: bytes) -> str:
    mac = hmac.new(_CHECK, data, hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def encode_cursor(scope: str, key: Key) -> str:
    """The cursor after `key` in the list named `scope` (its name and filters)."""
    data = json.dumps({"s": _digest(scope), "k": list(key)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=") + "." + _check(data)


def decode_cursor(cursor: str, scope: str, shape: Sequence[type] | None) -> Key:
    """The key a cursor holds; a BadInputError naming `cursor` when it was not made by this
    list with these filters, or was changed. `shape`: the key's types (None: unchecked)."""
    bad = BadInputError("cursor is not valid for this list: use the next_cursor of the "
                        "previous page, with the same filters, or leave it out to start "
                        "over", field=CURSOR_FIELD)
    if not cursor or len(cursor) > _MAX_CURSOR or cursor.count(".") != 1:
        raise bad
    body, check = cursor.split(".")
    try:
        data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise bad from None
    if not hmac.compare_digest(_check(data), check):
        raise bad
    try:
        decoded = json.loads(data)
    except ValueError:
        raise bad from None
    if not isinstance(decoded, dict) or decoded.get("s") != _digest(scope):
        raise bad
    key = decoded.get("k")
    if not isinstance(key, list) or not all(type(v) in (str, int) for v in key) or (
            shape is not None and (len(key) != len(shape) or not all(
                type(v) is t for v, t in zip(key, shape, strict=True)))):
        raise bad
    return tuple(key)


def paginate(items: Iterable[T], key: Callable[[T], Key], request: PageRequest, *,
             scope: str, descending: bool = False) -> Page[T]:
    """A page of `items` (read whole, already filtered to what the caller may see), ordered
    by `key` (unique per item). With a cursor, the rows after its key; else from `offset`."""
    ordered = sorted(items, key=key, reverse=descending)
    keys = [key(i) for i in ordered]
    if request.cursor is not None and keys:
        after = decode_cursor(request.cursor, scope, [type(v) for v in keys[0]])
        if descending:
            start = len(keys) - bisect.bisect_left(keys[::-1], after)
        else:
            start = bisect.bisect_right(keys, after)
    elif request.cursor is not None:
        decode_cursor(request.cursor, scope, None)  # still validated: an empty list has no keys
        start = 0
    else:
        start = request.offset
    chosen = ordered[start:start + request.limit]
    more = request.limit > 0 and start + request.limit < len(ordered)
    next_cursor = encode_cursor(scope, keys[start + request.limit - 1]) if more else None
    return Page(chosen, request.limit, len(ordered), start, next_cursor)
