"""Per-organisation limits on model calls (issue 15), on SQLite and PostgreSQL: calls of one
organisation beyond its limit wait their turn, other organisations are not held up, a slot
whose holder died is freed, and a call that cannot get a turn fails with the reason."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from typing import Any

import pytest

from companion.config import Settings
from companion.llm.base import ChatResult, ModelUnavailable
from companion.services.model_limits import LimitedModel, Scope, _current, limit_for
from companion.store import Database, ModelSlots
from companion.store.tables import utcnow


class Slow:
    """A model that takes `seconds` and counts how many calls run at once, per scope."""

    name = "slow"

    def __init__(self, seconds: float = 0.3) -> None:
        self.seconds = seconds
        self.lock = threading.Lock()
        self.running: dict[str, int] = {}
        self.most: dict[str, int] = {}
        self.overall = 0
        self.most_overall = 0

    def complete(self, messages: Any, *, json_mode: bool = True) -> ChatResult:
        scope = _current.get()
        key = scope.key if scope else "-"
        with self.lock:
            self.running[key] = self.running.get(key, 0) + 1
            self.most[key] = max(self.most.get(key, 0), self.running[key])
            self.overall += 1
            self.most_overall = max(self.most_overall, self.overall)
        time.sleep(self.seconds)
        with self.lock:
            self.running[key] -= 1
            self.overall -= 1
        return ChatResult(text="{}", model=self.name)


def _call(model: LimitedModel, scope: Scope, errors: list[BaseException]) -> None:
    token = _current.set(scope)
    try:
        model.complete([{"role": "user", "content": "hi"}])
    except BaseException as exc:  # collected for the test to see
        errors.append(exc)
    finally:
        _current.reset(token)


def _run_all(model: LimitedModel, scopes: list[Scope]) -> list[BaseException]:
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_call, args=(model, s, errors)) for s in scopes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return errors


ACME = Scope("org:acme", "Acme")
GLOBEX = Scope("org:globex", "Globex")


def test_one_organisation_waits_its_turn_the_other_does_not(any_db: Database) -> None:
    settings = Settings(model_concurrency=1, model_concurrency_by_org={"Globex": 2})
    inner = Slow(0.3)
    model = LimitedModel(inner, any_db, settings, poll=0.02)  # type: ignore[arg-type]
    errors = _run_all(model, [ACME, ACME, ACME, GLOBEX, GLOBEX])
    assert errors == []
    assert inner.most["org:acme"] == 1  # three calls, one at a time
    assert inner.most["org:globex"] == 2  # its own limit
    assert inner.most_overall >= 2  # the organisations ran side by side
    with any_db.session() as session:
        assert ModelSlots(session).held("org:acme") == 0  # every slot given back


def test_limits_are_read_per_organisation_case_blind() -> None:
    settings = Settings(model_concurrency=4, model_concurrency_by_org={"ACME": 1})
    assert limit_for(settings, ACME) == 1 and limit_for(settings, GLOBEX) == 4


def test_a_call_that_cannot_get_a_turn_fails_with_the_reason(any_db: Database) -> None:
    settings = Settings(model_concurrency=1)
    model = LimitedModel(Slow(0.0), any_db, settings, max_wait=0.3,  # type: ignore[arg-type]
                         poll=0.02)
    with any_db.session() as session:
        slots = ModelSlots(session)
        slots.ensure(ACME.key, 1)
        # held by a live process elsewhere (this one), for a while yet
        assert slots.take(ACME.key, 1, "otherhost:1:t:x", utcnow().replace(year=2100)) == 0
    errors = _run_all(model, [ACME])
    assert len(errors) == 1 and isinstance(errors[0], ModelUnavailable)
    assert "Acme already has 1 model call(s) running" in str(errors[0])


def test_a_slot_whose_holder_died_is_freed_at_once(any_db: Database) -> None:
    settings = Settings(model_concurrency=1)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    from companion.services.draft_store import worker_name

    host = worker_name().rpartition(":")[0]
    with any_db.session() as session:
        slots = ModelSlots(session)
        slots.ensure(ACME.key, 1)
        assert slots.take(ACME.key, 1, f"{host}:{dead.pid}:t:x",
                          utcnow().replace(year=2100)) == 0
    inner = Slow(0.0)
    model = LimitedModel(inner, any_db, settings, max_wait=5, poll=0.02)  # type: ignore[arg-type]
    assert _run_all(model, [ACME]) == []
    assert inner.most["org:acme"] == 1


@pytest.mark.parametrize("limit", [0])
def test_no_limit_calls_straight_through(any_db: Database, limit: int) -> None:
    inner = Slow(0.2)
    model = LimitedModel(inner, any_db, Settings(model_concurrency=limit))  # type: ignore[arg-type]
    assert _run_all(model, [ACME, ACME, ACME]) == []
    assert inner.most["org:acme"] == 3
