"""The scheduled task `companion serve` runs: `nudges run` for every program every
`nudges_every_minutes` (0: off). One run at a time per process (`nudges.run_all_programs`
skips while one is going); across processes each notice's dedup key decides, so several
servers running it at once still write and send each nudge once."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from typing import TYPE_CHECKING

from companion.config import Settings
from companion.services import draft_jobs, mail, nudges

if TYPE_CHECKING:
    from companion.store import Database

log = logging.getLogger("companion.scheduler")


def run_once(db: Database, settings: Settings) -> int:
    """One scheduled run: the nudges due in every program, then the e-mails. Returns how
    many notices were written (0 when another run was still going)."""
    runs = nudges.run_all_programs(db)
    if runs is None:
        return 0
    written = sum(len(r.nudges) for r in runs)
    if any(n.channel.value == "email" for r in runs for n in r.nudges):
        mail.deliver_outbox(db, settings)
    if written:
        log.info("nudges: %d notice(s) written", written)
    return written


async def nudge_loop(db: Database, settings: Settings, *, first_delay: float = 30.0) -> None:
    """Run the nudges now and then every `nudges_every_minutes`, until cancelled."""
    await asyncio.sleep(first_delay)  # let the server start answering first
    while True:
        try:
            await asyncio.to_thread(run_once, db, settings)
        except Exception:  # the next run tries again
            log.exception("the scheduled nudges run failed")
        await asyncio.sleep(settings.nudges_every_minutes * 60)


def start(db: Database, settings: Settings) -> asyncio.Task[None] | None:
    """The background task, or None when the setting turns it off."""
    if settings.nudges_every_minutes <= 0:
        return None
    return asyncio.get_running_loop().create_task(nudge_loop(db, settings),
                                                  name="companion-nudges")


#: How often an in-process drafting server looks for drafts no live run is writing.
SWEEP_EVERY = 30.0


async def sweep_loop(db: Database, settings: Settings, *, every: float = SWEEP_EVERY) -> None:
    """Queue again, every `every` seconds, the drafts whose run died in another process (a
    killed API worker): one of the live processes takes each over."""
    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.to_thread(draft_jobs.sweep, db, settings)
        except Exception:  # the next sweep tries again
            log.exception("the drafting sweep failed")


def start_sweeps(db: Database, settings: Settings) -> asyncio.Task[None] | None:
    """The sweep, for in-process drafting (the workers sweep the queue's drafts)."""
    if settings.drafting != "in-process":
        return None
    return asyncio.get_running_loop().create_task(sweep_loop(db, settings),
                                                  name="companion-drafting-sweep")


async def stop(task: asyncio.Task[None] | None) -> None:
    if task is None:
        return
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task
