"""Nudges (docs/relationship.md, "Nudges"): both members at 7/14/21 days past the cadence,
the coordinators' queue at 28, each notice once — for a second run, two threads or two
processes at once, on SQLite and PostgreSQL — and a new session starts a new cycle."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest

from companion.domain.clock import FixedClock
from companion.services import nudges
from companion.services.nudges import run_nudges
from companion.store import Database, Notifications, Outbox, ProgramRepository
from tests import relationship_world as w

APPROVED = date(2027, 1, 4)  # cadence 28 days: the count passes the cadence on 1 February
ROOT = Path(__file__).resolve().parents[2]


def _seed(db: Database) -> Database:
    # no check-in falls due in these tests (tests/services/test_reminders.py has them)
    w.program(db, "Pilot", cadence_weeks=4, checkin_first_days=365)
    w.people(db, "Pilot", [w.person("m1", "mentor", email="m1@example.org"),
                           w.person("e1", "mentee", email="e1@example.org"),
                           w.person("m2", "mentor"), w.person("e2", "mentee")])
    w.pairs(db, "Pilot", [("pr-1", "e1", "m1", APPROVED)])
    return db


@pytest.fixture
def pilot(db: Database) -> Database:
    return _seed(db)


def _run(db: Database, day: date) -> list[tuple[str, str, str, int]]:
    found = run_nudges(db, "Pilot", clock=FixedClock(w.at(day, 6))).json()["nudges"]
    return sorted((n["pairing_id"], n["to"], n["kind"], n["threshold_days"]) for n in found)


def test_nudges_at_each_threshold_and_the_coordinator_queue_once(pilot: Database) -> None:
    sent: dict[int, list[tuple[str, str, str, int]]] = {}
    for offset in range(0, 90):  # cron once a day for three months, twice some days
        day = APPROVED + w.days(offset)
        found = _run(pilot, day)
        if offset % 3 == 0:
            assert _run(pilot, day) == []  # a second run the same day sends nothing
        if found:
            sent[offset] = found
    assert sent == {
        35: [("pr-1", "e1", "nudge", 7), ("pr-1", "m1", "nudge", 7)],
        42: [("pr-1", "e1", "nudge", 14), ("pr-1", "m1", "nudge", 14)],
        49: [("pr-1", "e1", "nudge", 21), ("pr-1", "m1", "nudge", 21)],
        56: [("pr-1", "coordinators", "coordinator_queue", 28)]}


def test_a_late_first_run_sends_only_the_highest_threshold_passed(pilot: Database) -> None:
    assert _run(pilot, APPROVED + w.days(28 + 20)) == [("pr-1", "e1", "nudge", 14),
                                                       ("pr-1", "m1", "nudge", 14)]
    assert _run(pilot, APPROVED + w.days(28 + 30)) == [
        ("pr-1", "coordinators", "coordinator_queue", 28), ("pr-1", "e1", "nudge", 21),
        ("pr-1", "m1", "nudge", 21)]


def test_a_new_session_starts_a_new_cycle(pilot: Database) -> None:
    assert len(_run(pilot, APPROVED + w.days(35))) == 2
    w.held(pilot, "Pilot", [("pr-1", date(2027, 2, 10))])
    assert _run(pilot, date(2027, 2, 10) + w.days(34)) == []
    again = _run(pilot, date(2027, 2, 10) + w.days(35))
    assert again == [("pr-1", "e1", "nudge", 7), ("pr-1", "m1", "nudge", 7)]
    with pilot.session() as session:
        keys = sorted(n.dedup_key for n in Notifications(
            session, ProgramRepository(session).row("Pilot")).list())
    assert keys == ["pr-1:nudge:7:2027-01-04:e1", "pr-1:nudge:7:2027-01-04:m1",
                    "pr-1:nudge:7:2027-02-10:e1", "pr-1:nudge:7:2027-02-10:m1"]


def test_members_with_an_address_are_emailed_through_the_outbox(pilot: Database) -> None:
    w.pairs(pilot, "Pilot", [("pr-2", "e2", "m2", APPROVED)])  # no addresses
    run = run_nudges(pilot, "Pilot", clock=FixedClock(w.at(APPROVED + w.days(36))))
    assert {(n.to, n.channel.value) for n in run.nudges} == {
        ("e1", "email"), ("m1", "email"), ("e2", "in_app"), ("m2", "in_app")}
    with pilot.session() as session:
        notices = Notifications(session, ProgramRepository(session).row("Pilot")).list()
        messages = Outbox(session).unsent()
    assert sorted(m.to_address for m in messages) == ["e1@example.org", "m1@example.org"]
    by_recipient = {n.recipient_id: n for n in notices}
    assert by_recipient["e1"].outbox_id in {m.id for m in messages}
    assert by_recipient["e2"].outbox_id is None and by_recipient["e2"].read_at is None
    assert "36 days since your pairing was approved" in messages[0].body
    assert "PRIVATE" not in "".join(m.body for m in messages)


def _counts(db: Database) -> tuple[int, int]:
    with db.session() as session:
        notices = Notifications(session, ProgramRepository(session).row("Pilot")).list()
        return len(notices), len(Outbox(session).unsent())


def test_two_threads_at_once_write_and_send_each_notice_once(any_db: Database) -> None:
    _seed(any_db)
    day = APPROVED + w.days(57)  # nudge 21 to both and the coordinators' queue
    barrier = threading.Barrier(2)
    written: list[int] = []

    def run() -> None:
        barrier.wait()
        written.append(len(run_nudges(any_db, "Pilot", clock=FixedClock(w.at(day))).nudges))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(written)[-1] + sorted(written)[0] == 3  # one of them told it wrote each
    assert _counts(any_db) == (3, 2)


SCRIPT = """
import sys
from datetime import UTC, datetime
from companion.domain.clock import FixedClock
from companion.services.nudges import run_nudges
from companion.store import Database
db = Database(sys.argv[1])
sys.stdin.readline()  # start together
run = run_nudges(db, "Pilot", clock=FixedClock(datetime(2027, 3, 2, 6, tzinfo=UTC)))
print(len(run.nudges))
"""


def test_two_processes_at_once_write_and_send_each_notice_once(any_db: Database) -> None:
    _seed(any_db)
    url = any_db.engine.url.render_as_string(hide_password=False)
    workers = [subprocess.Popen([sys.executable, "-c", SCRIPT, url], cwd=ROOT,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
               for _ in range(2)]
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    told = [int(worker.communicate(timeout=120)[0].strip()) for worker in workers]
    assert all(worker.returncode == 0 for worker in workers)
    assert sum(told) == 3 and _counts(any_db) == (3, 2)


def test_a_scheduled_run_does_not_start_while_one_is_running(pilot: Database) -> None:
    clock = FixedClock(w.at(APPROVED + w.days(36)))
    with nudges._running:
        assert nudges.run_all_programs(pilot, clock=clock) is None
    (run,) = nudges.run_all_programs(pilot, clock=clock) or []
    assert (run.program, len(run.nudges)) == ("Pilot", 2)
