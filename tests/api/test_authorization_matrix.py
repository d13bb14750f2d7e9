"""The authorization matrix: every endpoint × every role × own / someone else's resource.

Roles (see conftest): admin; coord = Pilot's host coordinator; partner = Pilot's partner
organisation (Globex) coordinator; e1 (mentee, paired with m1, approved); m1 (mentor); e2
(Globex mentee, pairing pending); e3 (mentee, unpaired); other = coordinator of another
program; o1 = mentee of the other program; anon = no token.

Expected statuses are written out for every role: a missing entry is a test error, so a new
role or endpoint cannot slip through unspecified."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import World

ROLES = ("anon", "admin", "coord", "partner", "e1", "m1", "e2", "e3", "other", "o1")
P = "/api/v1"
CSV = "id,name,role,goals\nn9,Nina New,mentee,Grow as a leader\n"


def expect(default: int | None = None, **per_role: int) -> dict[str, int]:
    """Statuses per role; anon is 401 unless given."""
    table = {"anon": 401}
    for role in ROLES[1:]:
        if role in per_role:
            table[role] = per_role[role]
        elif default is not None:
            table[role] = default
    table.update({k: v for k, v in per_role.items() if k == "anon"})
    missing = set(ROLES) - set(table)
    assert not missing, f"no expectation for {missing}"
    return table


PILOT_READ = {"admin": 200, "coord": 200, "partner": 200, "e1": 200, "m1": 200, "e2": 200,
              "e3": 200, "other": 404, "o1": 404}
COORD_ONLY = {"admin": 200, "coord": 200, "partner": 403, "e1": 403, "m1": 403, "e2": 403,
              "e3": 403, "other": 404, "o1": 404}

#: (case id, method, path (with {pending}/{approved}/{e3draft}/{e3token}), body, expected)
CASES: list[tuple[str, str, str, Any, dict[str, int]]] = [
    ("health", "GET", "/health", None, expect(200, anon=200)),
    ("ready", "GET", "/ready", None, expect(200, anon=200)),
    ("me", "GET", "/me", None, expect(200)),
    ("my queue", "GET", "/me/queue", None, expect(200)),
    ("programs", "GET", "/programs", None, expect(200)),
    ("create program", "POST", "/programs", {"name": "New", "start_date": "2027-01-04"},
     expect(403, admin=201)),
    ("program", "GET", "/programs/Pilot", None, expect(**PILOT_READ)),
    ("missing program", "GET", "/programs/Nope", None, expect(404)),
    ("edit program", "PATCH", "/programs/Pilot", {"session_minutes": 45},
     expect(**COORD_ONLY)),
    ("delete program", "DELETE", "/programs/Pilot?confirm=true", None, expect(**COORD_ONLY)),
    ("org chart", "GET", "/programs/Pilot/org-chart", None, expect(**COORD_ONLY)),
    ("import org chart", "POST", "/programs/Pilot/org-chart/import",
     "id,name,manager_id\nboss,Bea Boss,m1\n", expect(**COORD_ONLY)),
    ("participants", "GET", "/programs/Pilot/participants", None, expect(**PILOT_READ)),
    ("someone else's profile (e3)", "GET", "/programs/Pilot/participants/e3", None,
     expect(404, admin=200, coord=200, partner=200, e3=200)),
    ("a partner's profile (m1)", "GET", "/programs/Pilot/participants/m1", None,
     expect(404, admin=200, coord=200, partner=200, e1=200, m1=200)),
    ("missing profile", "GET", "/programs/Pilot/participants/zz", None, expect(404)),
    ("import", "POST", "/programs/Pilot/participants/import", CSV, expect(**COORD_ONLY)),
    ("report", "GET", "/programs/Pilot/report", None, expect(**COORD_ONLY)),
    ("suggestions", "GET", "/programs/Pilot/suggestions?top=2", None,
     expect(**{**COORD_ONLY, "partner": 200})),
    ("another org's mentee's suggestions", "GET",
     "/programs/Pilot/suggestions?mentee_id=e1", None,
     expect(**{**COORD_ONLY, "partner": 404})),
    ("assignment", "POST", "/programs/Pilot/assignments", {"objective": "best_total"},
     expect(**COORD_ONLY)),
    ("do-not-match", "POST", "/programs/Pilot/exclusions",
     {"mentee_id": "e3", "mentor_id": "m2", "reason": "same team"},
     expect(**{**COORD_ONLY, "admin": 201, "coord": 201})),
    ("pairings", "GET", "/programs/Pilot/pairings", None, expect(**PILOT_READ)),
    ("own approved pairing (e1–m1)", "GET", "/pairings/pr-approved", None,
     expect(404, admin=200, coord=200, e1=200, m1=200)),
    ("pending pairing (e2–m2, Globex)", "GET", "/pairings/pr-pending", None,
     expect(404, admin=200, coord=200, partner=200)),
    ("approve a pending pairing", "POST", "/pairings/pr-pending/review",
     {"decision": "approve", "version": 1}, expect(404, admin=200, coord=200, partner=200)),
    ("lock an approved pairing", "POST", "/pairings/pr-approved/review",
     {"decision": "lock", "version": 2}, expect(404, admin=200, coord=200, e1=403, m1=403)),
    ("missing pairing", "GET", "/pairings/pr-nope", None, expect(404)),
    ("knowledge search", "GET", "/knowledge/search?q=giving%20feedback&top=2", None,
     expect(200)),
    ("request a draft for e1", "POST", "/programs/Pilot/drafts",
     {"kind": "questions", "participant_id": "e1"},
     expect(403, admin=202, coord=202, partner=404, e1=202, other=404, o1=404)),
    ("request a draft for oneself", "POST", "/programs/Pilot/drafts", {"kind": "questions"},
     expect(404, e1=202, m1=202, e2=202, e3=202)),
    ("e1's pending draft", "GET", "/drafts/{pending}", None, expect(404, admin=200, e1=200)),
    ("e1's pending draft's versions", "GET", "/drafts/{pending}/versions", None,
     expect(404, admin=200, e1=200)),
    ("e1's approved draft", "GET", "/drafts/{approved}", None,
     expect(404, admin=200, coord=200, e1=200, m1=200)),
    ("e3's pending draft", "GET", "/drafts/{e3draft}", None, expect(404, admin=200, e3=200)),
    ("approve e1's pending draft", "POST", "/drafts/{pending}/review",
     {"decision": "approve", "version": 1}, expect(404, admin=200, e1=200)),
    ("decide e1's approved draft", "POST", "/drafts/{approved}/review",
     {"decision": "approve", "version": 2},
     expect(404, admin=409, coord=403, e1=409, m1=403)),
    ("missing draft", "GET", "/drafts/dr-nope", None, expect(404)),
    ("drafts", "GET", "/drafts", None, expect(200)),
    ("audit log", "GET", "/audit", None, expect(403, admin=200, coord=200, other=200)),
    ("audit log of Pilot", "GET", "/audit?program=Pilot", None,
     expect(403, admin=200, coord=200, other=404)),
    ("tokens", "GET", "/tokens", None, expect(200)),
    ("issue a mentee token", "POST", "/tokens",
     {"participant_id": "e3", "role": "mentee", "program": "Pilot"},
     expect(403, admin=201)),  # issue 10: a coordinator minting one could act as the mentee
    ("issue an admin token", "POST", "/tokens", {"participant_id": "x", "role": "admin"},
     expect(403, admin=201)),
    ("revoke e3's token", "DELETE", "/tokens/{e3token}", None,
     expect(404, admin=200, coord=200, e3=200)),
]


def _url(world: World, path: str) -> str:
    return P + path.format(pending=world.drafts["pending"], approved=world.drafts["approved"],
                           e3draft=world.drafts["e3"], e3token=world.token_ids["e3"])


def _call(world: World, role: str, method: str, path: str, body: Any) -> Any:
    headers = world.headers(None if role == "anon" else role)
    kwargs: dict[str, Any] = {}
    if isinstance(body, str):
        kwargs["content"] = body.encode()
        headers = {**headers, "Content-Type": "text/csv"}
    elif body is not None:
        kwargs["json"] = body
    return world.client.request(method, _url(world, path), headers=headers, **kwargs)


@pytest.mark.parametrize(("case", "method", "path", "body", "expected"),
                         CASES, ids=[c[0] for c in CASES])
def test_matrix(world: World, case: str, method: str, path: str, body: Any,
                expected: dict[str, int]) -> None:
    """Each role on a fresh copy of the world (decisions of one role cannot mask another's)."""
    from tests.api.conftest import reset_world

    wrong = []
    for role in ROLES:
        if method != "GET":
            reset_world(world)
        response = _call(world, role, method, path, body)
        if response.status_code != expected[role]:
            wrong.append(f"{role}: {response.status_code} (expected {expected[role]}) "
                         f"{response.text[:200]}")
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
            problem = response.json()
            assert problem["status"] == response.status_code and problem["detail"]
    assert not wrong, f"{case}:\n" + "\n".join(wrong)


def test_hidden_and_missing_look_the_same(world: World) -> None:
    """A 404 that hides a draft is word for word a 404 for a draft that does not exist."""
    hidden = world.client.get(_url(world, "/drafts/{pending}"), headers=world.headers("m1"))
    absent = world.client.get(f"{P}/drafts/dr-000000000000", headers=world.headers("m1"))
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json()["title"] == absent.json()["title"]
    assert hidden.json()["detail"].replace(world.drafts["pending"], "X") == \
        absent.json()["detail"].replace("dr-000000000000", "X")
