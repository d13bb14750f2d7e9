"""The scheduled `nudges run` inside `companion serve`: off with
COMPANION_NUDGES_EVERY_MINUTES=0, runs at start and then on its interval, and a run still
going in the process makes the next one skip."""

from __future__ import annotations

import asyncio
from datetime import date

from companion.api import scheduler
from companion.config import Settings
from companion.services import nudges
from companion.store import Database, Notifications, ProgramRepository
from tests import relationship_world as w


def _seed(db: Database) -> None:
    w.program(db, "Pilot", cadence_weeks=1)
    w.people(db, "Pilot", [w.person("m1", "mentor"), w.person("e1", "mentee")])
    w.pairs(db, "Pilot", [("pr-1", "e1", "m1", date(2020, 1, 6))])  # long overdue


def _notices(db: Database) -> int:
    with db.session() as session:
        return len(Notifications(session, ProgramRepository(session).row("Pilot")).list())


def test_the_setting_turns_it_off(db: Database, settings: Settings) -> None:
    async def started() -> object:
        return scheduler.start(db, settings.model_copy(update={"nudges_every_minutes": 0}))

    assert asyncio.run(started()) is None


def test_the_loop_runs_at_start_and_skips_while_a_run_is_going(db: Database,
                                                               settings: Settings) -> None:
    _seed(db)
    with nudges._running:  # another run of this process is still going
        assert scheduler.run_once(db, settings) == 0
    assert _notices(db) == 0

    async def one_turn() -> None:
        task = asyncio.create_task(scheduler.nudge_loop(db, settings, first_delay=0))
        for _ in range(200):
            await asyncio.sleep(0.05)
            if _notices(db):
                break
        await scheduler.stop(task)

    asyncio.run(one_turn())
    # both members (nudge 21), the coordinators' queue, and each member's pulse check-in
    assert _notices(db) == 5
    assert scheduler.run_once(db, settings) == 0  # nothing new: written once
