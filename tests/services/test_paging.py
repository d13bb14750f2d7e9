"""The keyset pager every list uses (`companion.services.paging`)."""

from __future__ import annotations

import pytest

from companion.errors import BadInputError
from companion.services.paging import (
    CURSOR_FIELD,
    PageRequest,
    decode_cursor,
    encode_cursor,
    paginate,
)


def _walk(rows: list[int], limit: int, *, descending: bool = False,
          insert: list[int] | None = None) -> list[int]:
    seen: list[int] = []
    request = PageRequest(limit)
    while True:
        page = paginate(rows, lambda r: (r,), request, scope="numbers", descending=descending)
        seen += page.items
        if page.next_cursor is None:
            return seen
        if insert:
            rows = [*rows, insert.pop()]
        request = PageRequest(limit, cursor=page.next_cursor)


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("limit", [1, 2, 3, 7, 10])
def test_a_walk_sees_each_row_once_in_order(limit: int, descending: bool) -> None:
    rows = [5, 1, 9, 3, 7, 2, 8]
    assert _walk(rows, limit, descending=descending) == sorted(rows, reverse=descending)


def test_rows_inserted_before_the_cursor_do_not_shift_the_walk() -> None:
    # offset paging would show 3 twice after 0 is inserted; the keyset does not
    rows = [1, 2, 3, 4, 5, 6]
    walked = _walk(rows, 2, insert=[10, 0])
    assert walked == [1, 2, 3, 4, 5, 6, 10]
    page = paginate([0, *rows], lambda r: (r,), PageRequest(2, offset=2), scope="numbers")
    assert page.items == [2, 3]  # what offset would have answered: 2 again


def test_last_page_and_legacy_offsets() -> None:
    page = paginate(range(5), lambda r: (r,), PageRequest(2, offset=2), scope="s")
    assert page.items == [2, 3] and page.next_offset == 4 and page.next_cursor
    last = paginate(range(5), lambda r: (r,), PageRequest(2, offset=4), scope="s")
    assert last.items == [4] and last.next_offset is None and last.next_cursor is None
    assert last.meta() == {"total": 5, "limit": 2, "offset": 4, "next_offset": None,
                           "next_cursor": None}


def test_a_cursor_is_bound_to_its_list_and_checked() -> None:
    cursor = encode_cursor("a|Pilot", ("2027-01-01T00:00:00+00:00", "pr-1"))
    assert decode_cursor(cursor, "a|Pilot", (str, str)) == ("2027-01-01T00:00:00+00:00",
                                                          "pr-1")
    body, check = cursor.split(".")
    for bad, scope, shape in ((cursor, "a|Other", (str, str)),  # another list or filter
                              (cursor, "a|Pilot", (str, int)),  # another key shape
                              (cursor, "a|Pilot", (str,)),
                              (body + "." + check[::-1], "a|Pilot", (str, str)),
                              (body[:-2] + "." + check, "a|Pilot", (str, str)),
                              ("", "a|Pilot", (str, str)), ("..", "a|Pilot", (str, str)),
                              ("!!!.???", "a|Pilot", (str, str))):
        with pytest.raises(BadInputError) as caught:
            decode_cursor(bad, scope, shape)
        assert caught.value.field == CURSOR_FIELD


def test_a_cursor_on_a_list_that_became_empty_ends_the_walk() -> None:
    cursor = encode_cursor("s", (3,))
    page = paginate([], lambda r: (r,), PageRequest(2, cursor=cursor), scope="s")
    assert page.items == [] and page.next_cursor is None
    with pytest.raises(BadInputError):
        paginate([], lambda r: (r,), PageRequest(2, cursor="junk"), scope="s")


@pytest.mark.parametrize(("request_", "field"), [
    (PageRequest(0), "query.limit"), (PageRequest(501), "query.limit"),
    (PageRequest(5, offset=-1), "query.offset"),
    (PageRequest(5, cursor="x", offset=3), "query.offset")])
def test_bad_page_requests_name_the_parameter(request_: PageRequest, field: str) -> None:
    with pytest.raises(BadInputError) as caught:
        request_.checked(500)
    assert caught.value.field == field
