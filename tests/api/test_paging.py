"""Every list endpoint pages the same way (issue 15): `limit` and an opaque `cursor`, answered
with `next_cursor` (null on the last page) and a `Link: rel="next"` header. A walk sees every
row once, also when rows are added between two pages; a changed, foreign or mismatched cursor
is a 422 problem naming `query.cursor`; `offset` keeps working for older scripts."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from companion.config import get_settings
from companion.domain import Pairing
from companion.domain.relationship import Notification, NotificationKind
from companion.services.participants import import_participants_file
from companion.store import Notifications, PairingRepository, ProgramRepository
from tests import factories
from tests.api.conftest import World
from tests.api.helpers import assert_problem, error_fields, get, ok, post


def _participants(world: World, ids: list[str]) -> None:
    rows = [factories.mentee(pid, name=f"New {pid}", organization="Acme", goals="Grow")
            for pid in ids]
    path = factories.write_csv(Path(os.environ["COMPANION_HOME"]) / f"more-{ids[0]}.csv", rows)
    assert import_participants_file(world.db, "Pilot", path, skip_invalid=False).imported


def _pairing(world: World, pid: str, mentee: str, mentor: str) -> None:
    with world.db.session() as session:
        PairingRepository(session, ProgramRepository(session).row("Pilot")).add(Pairing(
            id=pid, program="Pilot", mentee_id=mentee, mentor_id=mentor, score=0.5,
            components={"semantic": 0.5}, reasons=["added between pages"]))


def _new_pairing(world: World, name: str) -> None:
    _participants(world, [f"p-{name}"])
    _pairing(world, f"pr-{name}", f"p-{name}", "m1")


def _notice(world: World, key: str, at: datetime) -> None:
    with world.db.session() as session:
        Notifications(session, ProgramRepository(session).row("Pilot")).add_once(Notification(
            program="Pilot", pairing_id="pr-approved", recipient_id="e1",
            kind=list(NotificationKind)[0], reason=f"notice {key}", dedup_key=key), at=at)


def _draft(world: World) -> None:
    from companion.services import drafts

    drafts.request_draft(world.db, get_settings(), program="Pilot", kind="questions",
                         participant_id="e3")


def _session(world: World, day: int) -> None:
    ok(post(world, "e1", "/pairings/pr-approved/sessions",
            json={"at": f"2027-03-{day:02d}T10:00:00+00:00", "minutes": 60}), 201)


@dataclass(frozen=True)
class Listing:
    """One list endpoint: who reads it, where its rows are, and how to add rows to it."""

    who: str
    path: str
    items: str
    limit: int
    add: Callable[[World, int], None]  # called with 0, 1, 2 … to add a row between pages
    key: str = "id"
    setup: Callable[[World], None] | None = None


LISTINGS = {
    "participants": Listing("coord", "/programs/Pilot/participants", "participants", 2,
                            lambda w, n: _participants(w, [f"a{n}", f"z{n}"])),
    "pairings": Listing("coord", "/programs/Pilot/pairings", "pairings", 1,
                        lambda w, n: _new_pairing(w, f"new{n}")),
    "drafts": Listing("admin", "/drafts", "drafts", 1, lambda w, n: _draft(w)),
    "programs": Listing("admin", "/programs", "programs", 1,
                        lambda w, n: ok(post(w, "admin", "/programs", json={
                            "name": f"A{n}-new"}), 201), key="name"),
    "tokens": Listing("admin", "/tokens", "tokens", 4,
                      lambda w, n: ok(post(w, "admin", "/tokens", json={
                          "participant_id": "e3", "role": "mentee", "program": "Pilot"}),
                                      201)),
    "audit": Listing("admin", "/audit", "events", 3,
                     lambda w, n: ok(post(w, "admin", "/tokens", json={
                         "participant_id": "e3", "role": "mentee", "program": "Pilot"}),
                                     201)),
    "sessions": Listing("coord", "/programs/Pilot/sessions", "sessions", 2,
                        lambda w, n: _session(w, 1 + n),
                        setup=lambda w: [_session(w, d) for d in (10, 12, 14, 16, 18)]),
    "notifications": Listing(
        "e1", "/programs/Pilot/notifications", "notifications", 2,
        lambda w, n: _notice(w, f"old{n}", datetime(2026, 1, 1, tzinfo=UTC)
                             - timedelta(days=n)),
        setup=lambda w: [_notice(w, f"n{i}", datetime(2026, 6, 1, tzinfo=UTC)
                                 + timedelta(days=i)) for i in range(5)]),
}


def _with(path: str, **params: Any) -> str:
    return path + ("&" if "?" in path else "?") + "&".join(f"{k}={v}" for k, v in
                                                           params.items())


def _everything(world: World, listing: Listing) -> list[Any]:
    body = ok(get(world, listing.who, _with(listing.path, limit=500)))
    assert body["next_cursor"] is None
    return [row[listing.key] for row in body[listing.items]]


def _walk(world: World, listing: Listing, between: Callable[[int], None] | None = None
          ) -> list[Any]:
    """Every page's ids, following next_cursor (and checking the Link header agrees)."""
    seen: list[Any] = []
    response = get(world, listing.who, _with(listing.path, limit=listing.limit))
    for page in range(100):
        body = ok(response)
        assert len(body[listing.items]) <= listing.limit and body["limit"] == listing.limit
        seen += [row[listing.key] for row in body[listing.items]]
        if body["next_cursor"] is None:
            assert "link" not in response.headers
            return seen
        link = response.headers["link"]
        assert link.endswith('>; rel="next"') and "cursor=" in link
        if between is not None:
            between(page)
        next_url = link[1:link.index(">")]
        response = world.client.get(next_url, headers=world.headers(listing.who))
    raise AssertionError("more than 100 pages")


@pytest.mark.parametrize("name", list(LISTINGS))
def test_a_walk_sees_every_row_once(world: World, name: str) -> None:
    listing = LISTINGS[name]
    if listing.setup:
        listing.setup(world)
    everything = _everything(world, listing)
    assert len(everything) > listing.limit, "the walk needs more than one page"
    walked = _walk(world, listing)
    assert walked == everything


@pytest.mark.parametrize("name", list(LISTINGS))
def test_rows_added_between_pages_never_repeat_or_hide_a_row(world: World, name: str
                                                            ) -> None:
    listing = LISTINGS[name]
    if listing.setup:
        listing.setup(world)
    before = _everything(world, listing)
    walked = _walk(world, listing,  # two additions: rows added at the end are walked too
                   between=lambda page: listing.add(world, page) if page < 2 else None)
    assert len(walked) == len(set(walked)), "a row came twice"
    assert set(before) <= set(walked), "a row was skipped"
    after = _everything(world, listing)
    assert len(after) > len(before), "rows were added"
    # what the walk saw keeps the list's order
    assert walked == [row for row in after if row in set(walked)]


def _first_cursor(world: World, listing: Listing) -> str:
    body = ok(get(world, listing.who, _with(listing.path, limit=listing.limit)))
    assert body["next_cursor"], body
    return str(body["next_cursor"])


def _bad_cursor(world: World, listing: Listing, cursor: str) -> dict[str, Any]:
    problem = assert_problem(get(world, listing.who, _with(listing.path, limit=listing.limit,
                                                           cursor=cursor)), 422)
    assert problem["type"] == "/problems/invalid-cursor"
    assert error_fields(problem) == ["query.cursor"] and "cursor" in problem["detail"]
    return problem


def _tampered(cursor: str) -> str:
    body, check = cursor.split(".")
    data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    data["k"][-1] = 0 if isinstance(data["k"][-1], str) else "0"  # change the key...
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return f"{forged}.{check}"  # ...and keep the old checksum


@pytest.mark.parametrize("name", list(LISTINGS))
def test_a_bad_cursor_is_a_422_naming_it(world: World, name: str) -> None:
    listing = LISTINGS[name]
    if listing.setup:
        listing.setup(world)
    cursor = _first_cursor(world, listing)
    for bad in ("nonsense", "x" * 3000, cursor[:-3], _tampered(cursor), cursor + "A",
                "%00", "e30.AAAA"):
        if bad == "x" * 3000:  # longer than the parameter allows: a validation error
            problem = assert_problem(get(world, listing.who, _with(listing.path,
                                                                   cursor=bad)), 422)
            assert error_fields(problem) == ["query.cursor"]
            continue
        if bad == "%00":
            continue  # NUL characters are refused by name before paging (test_errors)
        _bad_cursor(world, listing, bad)
    # a cursor of another list is not this list's
    other = next(n for n in LISTINGS if n != name)
    foreign_listing = LISTINGS[other]
    if foreign_listing.setup and other in ("sessions", "notifications"):
        foreign_listing.setup(world)
    foreign = _first_cursor(world, foreign_listing)
    _bad_cursor(world, listing, foreign)


def test_a_cursor_belongs_to_its_filters(world: World) -> None:
    _pairing(world, "pr-extra", "e3", "m1")
    cursor = _first_cursor(world, LISTINGS["pairings"])
    problem = assert_problem(get(world, "coord", f"/programs/Pilot/pairings?status=pending"
                                 f"&limit=1&cursor={cursor}"), 422)
    assert problem["type"] == "/problems/invalid-cursor"
    # and with the same filters it goes on
    assert ok(get(world, "coord", f"/programs/Pilot/pairings?limit=1&cursor={cursor}"))


def test_cursor_and_offset_together_are_refused(world: World) -> None:
    cursor = _first_cursor(world, LISTINGS["tokens"])
    problem = assert_problem(get(world, "admin", f"/tokens?limit=4&offset=4&cursor={cursor}"),
                             422)
    assert error_fields(problem) == ["query.offset"]


@pytest.mark.parametrize("name", ["participants", "pairings", "drafts", "tokens",
                                  "programs"])
def test_offset_still_pages_as_before(world: World, name: str) -> None:
    listing = LISTINGS[name]
    everything = _everything(world, listing)
    seen: list[Any] = []
    offset: int | None = 0
    while offset is not None:
        body = ok(get(world, listing.who, _with(listing.path, limit=listing.limit,
                                                offset=offset)))
        assert body["offset"] == offset and body["total"] == len(everything)
        seen += [row[listing.key] for row in body[listing.items]]
        offset = body["next_offset"]
    assert seen == everything


def test_the_review_queue_pages_both_of_its_lists_with_one_cursor(world: World) -> None:
    _new_pairing(world, "q1")
    _new_pairing(world, "q2")
    full = ok(get(world, "admin", "/me/queue?limit=500"))
    assert full["next_cursor"] is None
    pairings, drafts = [p["id"] for p in full["pairings"]], [d["id"] for d in full["drafts"]]
    assert len(pairings) == 3 and len(drafts) >= 2
    seen_p: list[str] = []
    seen_d: list[str] = []
    url = "/me/queue?limit=1"
    for _ in range(20):
        body = ok(get(world, "admin", url))
        assert body["counts"] == full["counts"]
        seen_p += [p["id"] for p in body["pairings"]]
        seen_d += [d["id"] for d in body["drafts"]]
        if body["next_cursor"] is None:
            break
        url = f"/me/queue?limit=1&cursor={body['next_cursor']}"
    assert seen_p == pairings and seen_d == drafts
    _bad_cursor(world, Listing("admin", "/me/queue", "drafts", 1, lambda w, n: None),
                "e30.AAAA")


@pytest.mark.parametrize(("who", "path", "items"), [
    ("coord", "/programs/Pilot/goals/completion", "pairings"),
    ("e1", "/programs/Pilot/checkins", "checkins"),
])
def test_the_smaller_lists_take_the_same_parameters(world: World, who: str, path: str,
                                                    items: str) -> None:
    body = ok(get(world, who, f"{path}?limit=5"))
    assert isinstance(body[items], list) and body["limit"] == 5
    assert body["next_cursor"] is None and body["total"] == len(body[items])
    _bad_cursor(world, Listing(who, path, items, 5, lambda w, n: None), "e30.AAAA")
