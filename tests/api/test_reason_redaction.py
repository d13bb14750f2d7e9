"""A partner organisation's coordinator learns no private field of the host's people through
match reasons or score components: suggestions, pairings, the review queue and review answers
keep only what the program shares (issue 10 item 8).

The world (conftest): Pilot is hosted by Acme with partner Globex; the partner coordinator is
Globex's. m1 (Acme) is level 6 with capacity 2 and one approved mentee; e2 (Globex) is level 3."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import update

from companion.domain import Pairing, ProgramType
from companion.matching import engine
from companion.matching.reason_fields import reason_quotes
from companion.store import PairingRepository, ProgramRepository
from companion.store.tables import PairingRow
from tests.api.conftest import World
from tests.api.helpers import get, ok, post

PRIVATE_PHRASES = ("L6", "levels more senior", "places filled")


def _candidate(world: World, who: str, mentee: str, mentor: str) -> dict[str, Any]:
    found = ok(get(world, who, f"/programs/Pilot/suggestions?mentee_id={mentee}&top=5"))
    [suggestion] = found["suggestions"]
    return next(c for c in suggestion["candidates"] if c["mentor_id"] == mentor)


def _leaks(data: Any) -> list[str]:
    return [phrase for phrase in PRIVATE_PHRASES if phrase in str(data)]


def _share(world: World, fields: list[str]) -> None:
    with world.db.session() as session:
        row = ProgramRepository(session).row("Pilot")
        row.settings = {**row.settings, "shareable_fields": fields}


def test_the_host_coordinator_sees_every_reason(world: World) -> None:
    host = _candidate(world, "coord", "e2", "m1")
    assert "Mentor is 3 levels more senior (L6 vs L3)" in host["reasons"]
    assert "Mentor has 1 of 2 places filled" in host["reasons"]
    assert {"level", "load"} <= host["components"].keys()


def test_partner_suggestions_drop_the_host_mentors_private_fields(world: World) -> None:
    host = _candidate(world, "coord", "e2", "m1")
    partner = _candidate(world, "partner", "e2", "m1")
    assert not _leaks(partner), partner
    assert set(partner) >= {"mentor_id", "score", "components", "reasons"}
    assert partner["reasons"][-1] == ("2 reason(s) withheld: they quote another "
                                      "organisation's private profile fields (capacity, "
                                      "level)")
    # what the program shares is still explained: the goals' fit, department, time zone ...
    assert partner["reasons"][:-1] == [r for r in host["reasons"] if not _leaks(r)]
    assert partner["components"] == {k: v for k, v in host["components"].items()
                                     if k not in ("level", "load")}
    assert partner["score"] == host["score"]
    # the partner's own mentor is explained in full
    own = _candidate(world, "partner", "e2", "m2")
    assert own == _candidate(world, "coord", "e2", "m2")
    assert any("levels more senior" in r for r in own["reasons"])


def test_what_the_program_shares_is_not_withheld(world: World) -> None:
    _share(world, ["name", "organization", "department", "timezone", "languages",
                   "expertise", "level", "capacity"])
    partner = _candidate(world, "partner", "e2", "m1")
    assert partner == _candidate(world, "coord", "e2", "m1")


def _engine_pairing(world: World) -> dict[str, Any]:
    """e2's pending pairing (pr-pending) made e2 (Globex) with m1 (Acme), scored and explained
    by the engine as an assignment stores it."""
    host = _candidate(world, "coord", "e2", "m1")
    reasons = [r for r in host["reasons"] if "runner-up" not in r and "behind" not in r]
    with world.db.session() as session:
        session.execute(update(PairingRow).where(PairingRow.id == "pr-pending").values(
            mentor_id="m1", score=host["score"], components=host["components"],
            reasons=reasons))
    return host


def test_partner_pairings_drop_the_host_mentors_private_fields(world: World) -> None:
    _engine_pairing(world)
    views = {
        "list": next(p for p in ok(get(world, "partner", "/programs/Pilot/pairings"))[
            "pairings"] if p["id"] == "pr-pending"),
        "one": ok(get(world, "partner", "/pairings/pr-pending")),
        "queue": next(p for p in ok(get(world, "partner", "/me/queue"))["pairings"]
                      if p["id"] == "pr-pending"),
        "review": ok(post(world, "partner", "/pairings/pr-pending/review",
                          json={"decision": "approve", "version": 1}))["pairing"],
    }
    for where, view in views.items():
        assert not _leaks(view), (where, view)
        assert "withheld" in view["reasons"][-1], (where, view["reasons"])
        assert not {"level", "load"} & view["components"].keys(), (where, view)
        assert view["reasons"][0].startswith(("Strong", "Good", "Partial", "Weak")), view
    host = ok(get(world, "coord", "/pairings/pr-pending"))
    assert "Mentor is 3 levels more senior (L6 vs L3)" in host["reasons"]


def test_another_orgs_mentee_with_the_partners_mentor_stays_withheld(world: World) -> None:
    with world.db.session() as session:
        repo = PairingRepository(session, ProgramRepository(session).row("Pilot"))
        repo.add(Pairing(id="pr-other", program="Pilot", mentee_id="e3", mentor_id="m2",
                         score=0.5, components={"semantic": 0.4, "level": 1.0, "load": 1.0,
                                                "timezone": 1.0},
                         reasons=["Mentor is 3 levels more senior (L6 vs L3)"]))
    view = ok(get(world, "partner", "/pairings/pr-other"))
    assert view["reasons"] == ["reasons withheld: they quote another organisation's private "
                               "profile fields"]
    # the goals' fit is the host mentee's goals, the level fit their level: left out
    assert view["components"] == {"load": 1.0, "timezone": 1.0}


# -- every phrasing the engine writes is recognised ---------------------------------------
def test_every_reason_of_the_worlds_suggestions_is_recognised(world: World) -> None:
    found = ok(get(world, "coord", "/programs/Pilot/suggestions?top=5"))
    reasons = [r for s in found["suggestions"] for c in s["candidates"] for r in c["reasons"]]
    assert reasons and [r for r in reasons if reason_quotes(r) is None] == []


@pytest.mark.parametrize("kind", list(ProgramType))
def test_every_level_phrasing_is_recognised(kind: ProgramType) -> None:
    for mentee, mentor in itertools.product([None, 1, 3, 5, 8], repeat=2):
        text = engine._level_reason(kind, mentee, mentor)
        quotes = reason_quotes(text)
        assert quotes is not None and "level" in quotes.mentor, text


def test_every_other_attribute_phrasing_is_recognised() -> None:
    texts = [
        engine._department_reason("Sales", "Finance", True),
        engine._department_reason("Sales", "sales", True),
        engine._department_reason("Sales", "Finance", None),
        engine._organisation_reason("Acme", "Globex"),
        engine._organisation_reason("Acme", "acme"),
        engine._timezone_reason(None, "Europe/Berlin", 0.0, 1.0),
        engine._timezone_reason("Europe/Berlin", "Europe/Berlin", 1.0, 1.0),
        engine._timezone_reason("America/New_York", "Europe/Berlin", -5.0, 1.0),
        engine._timezone_reason("Asia/Tokyo", "America/Los_Angeles", 9.0, -8.0),
        engine._language_reason(("en",), ("en", "de")),
        engine._language_reason((), ("de",)),
        engine._semantic_text(0.7, "Lead a team", "coached managers", 1, 2),
        engine._semantic_text(0.1, "Lead a team", "coached managers", 0, 1),
        engine._NO_GOALS,
    ]
    for text in texts:
        assert reason_quotes(text) is not None, text
    capacity = reason_quotes("Mentor has 0 of 3 places filled")
    assert capacity is not None and capacity.mentor == {"capacity"}
    assert reason_quotes("a sentence the engine never writes") is None
