"""Bearer tokens: stored hashed, revocable at once, expiring; every bad token is a 401 with a
challenge. The service is checked on SQLite and PostgreSQL (with idempotency claims)."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from companion.config import Settings, get_settings
from companion.domain import AccessRole
from companion.errors import BadInputError, ConflictError, NotFoundError
from companion.services import idempotency, tokens
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.store import Database, DuplicateRowError, IdempotencyKeys
from companion.store.tables import TokenRow, utcnow
from tests import factories
from tests.api.conftest import World
from tests.api.helpers import assert_problem, audit, call, each, get, ok


def _expire(db: Database, token_id: str, *, forget: bool = True) -> None:
    """Expire a token by editing its row. A running worker trusts a token it verified for
    COMPANION_TOKEN_CACHE_SECONDS, so by default the edit also forgets it (as time passing
    would; `forget=False` is another process's edit)."""
    with db.session() as session:
        session.execute(update(TokenRow).where(TokenRow.id == token_id)
                        .values(expires_at=utcnow() - timedelta(seconds=1)))
    if forget:
        tokens.forget_verified(token_id)


# -- through the API ---------------------------------------------------------------------
def test_the_database_keeps_only_the_hash(world: World) -> None:
    with world.db.session() as session:
        rows = {r.id: r for r in session.scalars(select(TokenRow))}
        columns = [c.name for c in TokenRow.__table__.columns]
        dumped = [tuple(r) for r in session.execute(text("SELECT * FROM api_tokens"))]
    assert set(rows) == set(world.token_ids.values())
    everything = repr(dumped)
    for who, token in world.tokens.items():
        row = rows[world.token_ids[who]]
        assert row.secret_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in everything and token.split("_", 2)[2] not in everything
    assert not {"token", "secret", "plaintext"} & set(columns)
    # nor anywhere else in the state: database, WAL, checkpoints, caches
    home = Path(world.db.engine.url.database or "").parent
    world.db.dispose()
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for token in world.tokens.values():
                assert token.split("_", 2)[2].encode() not in data, path


def test_a_revoked_token_is_refused_at_once(world: World) -> None:
    ok(get(world, "e3", "/me"))
    revoked = ok(call(world, "e3", "DELETE", f"/tokens/{world.token_ids['e3']}"))
    assert revoked["status"] == "revoked"
    response = get(world, "e3", "/me")
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    ok(get(world, "e1", "/me"))  # others are untouched
    assert audit(world, "token.revoke", entity_id=world.token_ids["e3"])


def test_revocation_by_the_service_is_seen_by_a_running_app(world: World) -> None:
    ok(get(world, "m1", "/me"))
    tokens.revoke_token(world.db, world.token_ids["m1"], by="cli")
    assert_problem(get(world, "m1", "/drafts"), 401)


def test_a_worker_trusts_a_verified_token_for_the_cache_window_only(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A token changed by another process (here: its row edited) keeps working in a worker
    that verified it for at most COMPANION_TOKEN_CACHE_SECONDS, then is refused."""
    ok(get(world, "e1", "/me"))
    _expire(world.db, world.token_ids["e1"], forget=False)
    ok(get(world, "e1", "/me"))  # within the window: not read again
    later = tokens._clock() + get_settings().token_cache_seconds + 0.1
    monkeypatch.setattr(tokens, "_clock", lambda: later)
    assert_problem(get(world, "e1", "/me"), 401)


def test_with_no_cache_window_every_request_reads_the_token(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPANION_TOKEN_CACHE_SECONDS", "0")
    get_settings.cache_clear()
    ok(get(world, "e1", "/me"))
    _expire(world.db, world.token_ids["e1"], forget=False)
    assert_problem(get(world, "e1", "/me"), 401)


def test_an_expired_token_is_refused(world: World) -> None:
    ok(get(world, "e1", "/me"))
    _expire(world.db, world.token_ids["e1"])
    response = get(world, "e1", "/me")
    assert_problem(response, 401)
    assert "expired" in response.json()["detail"]
    assert response.headers["www-authenticate"].startswith("Bearer")
    listed = ok(get(world, "admin", "/tokens"))["tokens"]
    assert {t["id"]: t["status"] for t in listed}[world.token_ids["e1"]] == "expired"


BAD_AUTHORIZATION = [  # absent, empty, scheme only, scheme and space, unknown, foreign,
    # basic, other scheme, no scheme, suffix, prefix, huge, twice, latin-1, tab
    None, "", "Bearer", "Bearer ", "Bearer cmp_000000000000_notarealtoken",
    "Bearer not-even-our-prefix", "Basic dXNlcjpwYXNz", "Token {e1}", "{e1}",
    "Bearer {e1}x", "Bearer x{e1}", "Bearer cmp_" + "a" * 5000, "Bearer {e1} {e1}",
    "Bearer cmp_\u00e9\u00e8", "bearer\t{e1}junk",
]


def test_unknown_or_malformed_tokens_are_401_with_a_challenge(world: World) -> None:
    def check(authorization: str | None) -> None:
        headers = {}
        if authorization is not None:
            value = authorization.format(e1=world.tokens["e1"])
            headers["Authorization"] = value.encode("latin-1")
        response = world.client.get("/api/v1/me", headers=headers)  # type: ignore[arg-type]
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == 'Bearer realm="companion"'

    each(BAD_AUTHORIZATION, check)


def test_the_scheme_is_case_insensitive_and_whitespace_tolerated(world: World) -> None:
    for value in (f"bearer {world.tokens['e1']}", f"BEARER   {world.tokens['e1']}  "):
        response = world.client.get("/api/v1/me", headers={"Authorization": value})
        assert ok(response)["participant_id"] == "e1"


def test_me_says_who_the_token_speaks_for(world: World) -> None:
    me = ok(get(world, "partner", "/me"))
    assert me == {**me, "participant_id": "c-globex", "role": "coordinator", "program": "Pilot",
                  "organization": "Globex", "token_id": world.token_ids["partner"]}
    e1 = ok(get(world, "e1", "/me"))
    assert e1["organization"] == "Acme"  # taken from the participant's record
    assert e1["profile"]["id"] == "e1" and [p["id"] for p in e1["partners"]] == ["m1"]


def test_token_lists_never_show_secrets(world: World) -> None:
    for who in ("admin", "coord", "e1"):
        body = get(world, who, "/tokens").text
        for token in world.tokens.values():
            assert token.split("_", 2)[2] not in body
    mine = ok(get(world, "e1", "/tokens"))["tokens"]
    assert [t["id"] for t in mine] == [world.token_ids["e1"]]
    pilot = {t["program"] for t in ok(get(world, "coord", "/tokens"))["tokens"]}
    assert pilot == {"Pilot"}


def test_issued_over_the_api_works_and_is_shown_once(world: World) -> None:
    issued = ok(call(world, "admin", "POST", "/tokens",
                     json={"participant_id": "e3", "role": "mentee", "days": 1,
                           "program": "Pilot"}), 201)
    assert {"token", "participant_id", "role", "expires_at"} <= issued.keys()
    assert issued["program"] == "Pilot"
    me = world.client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued['token']}"})
    assert ok(me)["participant_id"] == "e3"
    listed = ok(get(world, "admin", "/tokens"))["tokens"]
    assert issued["id"] in {t["id"] for t in listed}
    assert "token" not in next(t for t in listed if t["id"] == issued["id"])


def test_no_token_for_an_unknown_participant_or_the_wrong_role(world: World) -> None:
    response = call(world, "admin", "POST", "/tokens",
                    json={"participant_id": "ghost", "role": "mentee", "program": "Pilot"})
    assert "ghost" in assert_problem(response, 404)["detail"]
    response = call(world, "admin", "POST", "/tokens",
                    json={"participant_id": "e1", "role": "mentor", "program": "Pilot"})
    assert assert_problem(response, 422)["errors"][0]["field"] == "role"


@pytest.mark.parametrize("role", ["mentee", "mentor", "coordinator", "admin"])
def test_a_coordinator_cannot_mint_a_token_to_act_as_someone(world: World, role: str) -> None:
    """Issue 10: a coordinator minted e1's token, read e1's pending drafts (hidden from the
    coordinator) and approved them as e1. Only an admin issues tokens now."""
    before = {t["id"] for t in ok(get(world, "admin", "/tokens"))["tokens"]}
    response = call(world, "coord", "POST", "/tokens",
                    json={"participant_id": "e1" if role != "mentor" else "m1", "role": role,
                          "program": "Pilot"})
    assert "only an admin" in assert_problem(response, 403)["detail"]
    assert {t["id"] for t in ok(get(world, "admin", "/tokens"))["tokens"]} == before
    denied = audit(world, "access.denied")  # newest first
    assert denied and denied[0].actor == "coordinator:c-pilot"
    assert denied[0].token_id == world.token_ids["coord"]


# -- the services, on SQLite and PostgreSQL ----------------------------------------------
def _program(db: Database, tmp_path: Path) -> None:
    create_program(db, build_program("Pilot", months=12))
    report = import_participants_file(db, "Pilot", factories.write_csv(
        tmp_path / "people.csv", [factories.mentee("e1"), factories.mentor("m1")]),
        skip_invalid=False)
    assert report.imported, report.errors


def test_token_lifecycle_on_each_database(any_db: Database, tmp_path: Path) -> None:
    _program(any_db, tmp_path)
    issued = tokens.create_token(any_db, participant_id="e1", role="mentee", days=2)
    assert issued.program == "Pilot"  # the only program e1 is in
    principal = tokens.authenticate(any_db, issued.token)
    assert principal == tokens.Principal(issued.id, "e1", AccessRole.mentee, "Pilot",
                                         "Harbourline")
    with any_db.session() as session:
        row = session.get(TokenRow, issued.id)
        assert row is not None and row.last_used_at is not None
        assert row.secret_hash == hashlib.sha256(issued.token.encode()).hexdigest()
        assert issued.token not in repr([tuple(r) for r in session.execute(
            text("SELECT * FROM api_tokens"))])
    assert tokens.authenticate(any_db, issued.token + "x") is None
    assert tokens.authenticate(any_db, "cmp_" + issued.token[4:].upper()) is None

    other = tokens.create_token(any_db, participant_id="root", role="admin")
    _expire(any_db, other.id)
    assert tokens.authenticate(any_db, other.token) is None
    assert tokens.get_token(any_db, other.id).status == "expired"

    record = tokens.revoke_token(any_db, issued.id, by="test")
    assert record.status == "revoked"
    assert tokens.authenticate(any_db, issued.token) is None
    assert tokens.revoke_token(any_db, issued.id, by="test").status == "revoked"
    with pytest.raises(NotFoundError):
        tokens.revoke_token(any_db, "nope", by="test")
    assert [t.status for t in tokens.list_tokens(any_db)] == ["revoked", "expired"]
    assert [t.id for t in tokens.list_tokens(any_db, participant_id="e1")] == [issued.id]
    with pytest.raises(NotFoundError):
        tokens.create_token(any_db, participant_id="ghost", role="mentee", program="Pilot")
    with pytest.raises(BadInputError):
        tokens.create_token(any_db, participant_id="e1", role="mentor", program="Pilot")


def test_idempotency_keys_on_each_database(any_db: Database) -> None:
    payload = {"kind": "agenda", "participant_id": "e1"}

    def remember(scope: str, key: str, body: dict[str, object], resource: str) -> None:
        with any_db.session() as session:
            IdempotencyKeys(session).add(idempotency.scope_of(scope), key.strip(),
                                         idempotency.request_hash(body), resource)

    assert idempotency.lookup(any_db, "t1:e1", "key-1", payload) is None
    remember("t1:e1", "key-1", payload, "dr-1")
    assert idempotency.lookup(any_db, "t1:e1", "key-1", payload) == "dr-1"
    assert idempotency.lookup(any_db, "t1:e1", " key-1 ",
                              dict(reversed(payload.items()))) == "dr-1"
    with pytest.raises(BadInputError) as wrong:
        idempotency.lookup(any_db, "t1:e1", "key-1", {**payload, "kind": "goals"})
    assert wrong.value.field == "Idempotency-Key"
    assert idempotency.lookup(any_db, "t2:e2", "key-1", payload) is None  # another caller's
    with pytest.raises(DuplicateRowError):
        remember("t1:e1", "key-1", payload, "dr-2")  # the first writer of a key wins
    for bad in ("", "   ", "k" * 201):
        with pytest.raises(BadInputError):
            idempotency.lookup(any_db, "t1:e1", bad, payload)
    # a scope longer than the column (token id + a 64-character participant id) still works
    long = "0123456789ab:" + "p" * 64
    remember(long, "k", payload, "dr-8")
    assert idempotency.lookup(any_db, long, "k", payload) == "dr-8"
    assert idempotency.lookup(any_db, long[:-1] + "q", "k", payload) is None
    # decision claims: one per version, released when nothing landed
    assert idempotency.claim_decision(any_db, "dr-1", 1)
    assert not idempotency.claim_decision(any_db, "dr-1", 1)
    idempotency.release_decision(any_db, "dr-1", 1)
    assert idempotency.claim_decision(any_db, "dr-1", 1)


def test_actors_fit_the_audit_log() -> None:
    short = tokens.Principal("0123456789ab", "e1", AccessRole.mentee, "Pilot", None)
    assert short.actor == "mentee:e1"
    long = tokens.Principal("0123456789ab", "c" * 64, AccessRole.coordinator, "Pilot", None)
    assert len(long.actor) == 64 and long.actor.startswith("coordinator:ccc")
    assert long.actor.endswith("~0123456789ab")


def test_concurrent_requests_with_one_key_make_one_draft(any_db: Database, tmp_path: Path,
                                                         settings: Settings) -> None:
    """Six threads send the same draft request with the same Idempotency-Key at once: one
    draft is made; every other answer is that draft (replayed) or 'still being drafted'."""
    from companion.drafting.deps import Deps
    from companion.llm.fake import FakeChatModel
    from companion.services import drafts
    from companion.services.draft_store import DatabaseDraftStore
    from companion.services.tokens import Principal
    from tests.drafting.conftest import PASSAGE, answer

    _program(any_db, tmp_path)
    model = FakeChatModel()
    for _ in range(6):
        model.enqueue(answer())
    deps = Deps(store=DatabaseDraftStore(any_db), model=model,
                search=lambda q, top, where: [PASSAGE])
    me = Principal("t1", "e1", AccessRole.mentee, "Pilot", None)
    results: list[object] = []
    barrier = threading.Barrier(6)

    def send() -> None:
        barrier.wait()
        try:
            results.append(drafts.request_as(any_db, settings, me, program="Pilot",
                                             kind="questions", idempotency_key="same",
                                             deps=deps))
        except ConflictError as exc:
            results.append(exc)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    made = [r for r in results if isinstance(r, drafts.RequestOutcome) and not r.replayed]
    replays = [r for r in results if isinstance(r, drafts.RequestOutcome) and r.replayed]
    busy = [r for r in results if isinstance(r, ConflictError)]
    assert len(results) == 6 and len(made) == 1, results
    assert {r.draft.id for r in replays} <= {made[0].draft.id}
    assert all("still being drafted" in str(e) for e in busy)
    assert len(drafts.list_drafts(any_db)) == 1

