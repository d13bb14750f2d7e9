"""The relationship's write-once rules under real concurrency, on SQLite and PostgreSQL: two
`nudges run` writing the same notice, or two check-in schedulers the same check-in, at the
same moment write it once — and only one of them is told it did (so one e-mail goes out)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

from sqlalchemy import text

from companion.domain import Pairing, Program
from companion.domain.relationship import CheckinKind, Notification, NotificationKind
from companion.store import (
    CheckinRepository,
    Database,
    Notifications,
    PairingRepository,
    ProgramRepository,
)

T = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)


def _race(db: Database, write: object) -> list[bool]:
    barrier = threading.Barrier(4)
    results: list[bool] = []
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        with db.session(write=True) as session:
            program = ProgramRepository(session).row("P")
            done = write(session, program)  # type: ignore[operator]
        with lock:
            results.append(bool(done))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_the_same_notice_and_checkin_are_written_once(any_db: Database) -> None:
    with any_db.session(write=True) as session:
        ProgramRepository(session).create(Program(name="P", start_date=date(2027, 1, 4)))
        PairingRepository(session, ProgramRepository(session).row("P")).add(
            Pairing(id="pr-1", program="P", mentee_id="e1", mentor_id="m1"))
    notice = Notification(program="P", pairing_id="pr-1", recipient_id="e1",
                          kind=NotificationKind.nudge, threshold_days=7, reason="r",
                          dedup_key="pr-1:nudge:7:2027-01-20")
    wrote = _race(any_db, lambda s, p: Notifications(s, p).add_once(notice, at=T))
    checkin = _race(any_db, lambda s, p: CheckinRepository(s, p).ensure_due(
        "pr-1", "e1", CheckinKind.pulse, date(2027, 3, 1), at=T))
    assert sorted(wrote) == [False, False, False, True]
    assert sorted(checkin) == [False, False, False, True]
    with any_db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM notifications")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM checkins")).scalar() == 1
