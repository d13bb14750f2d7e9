"""Check-in and goal-checkpoint reminders written by `nudges run` (docs/relationship.md,
"Nudges"): each person once per check-in due and open, both members once per checkpoint due
within 7 days or overdue and not done; in-app for everyone, e-mail through the outbox for
those with an address; the checkpoint's text reaches the pair only."""

from __future__ import annotations

from datetime import date

from companion.domain import AccessRole
from companion.domain.clock import FixedClock
from companion.domain.relationship import Goal, GoalCheckpoint
from companion.services import checkins, goals
from companion.services.nudges import run_nudges
from companion.services.oversight_views import notifications_as
from companion.services.tokens import Principal
from companion.store import (
    Database,
    GoalRepository,
    Outbox,
    PairingRepository,
    ProgramRepository,
)
from tests import relationship_world as w

APPROVED = date(2027, 1, 4)
TEXT = "Dry run of the board talk with my mentor"


def _seed(db: Database, *, checkpoint_on: date | None = None) -> Database:
    w.program(db, "Pilot", cadence_weeks=12)
    w.people(db, "Pilot", [w.person("m1", "mentor", email="m1@example.org"),
                           w.person("e1", "mentee"),
                           w.person("m2", "mentor"), w.person("e2", "mentee")])
    w.pairs(db, "Pilot", [("pr-1", "e1", "m1", APPROVED), ("pr-2", "e2", "m2", APPROVED)])
    if checkpoint_on is not None:
        with db.session(write=True) as session:
            GoalRepository(session, ProgramRepository(session).row("Pilot")).add_version(
                Goal(id="g-1", program="Pilot", pairing_id="pr-1", participant_id="e1",
                     goal_key="k-1", statement="Present to the board", created_by="e1"),
                [GoalCheckpoint(goal_id="g-1", position=0, due_on=checkpoint_on, check=TEXT)],
                at=w.at(APPROVED))
    return db


def _run(db: Database, day: date) -> list[tuple[str, str, str]]:
    """The reminders written (the lapse nudges are tests/services/test_nudges.py's)."""
    found = run_nudges(db, "Pilot", clock=FixedClock(w.at(day, 6))).json()["nudges"]
    return sorted((n["pairing_id"], n["to"], n["kind"]) for n in found
                  if n["kind"] in ("checkin_due", "checkpoint_due"))


def _who(pid: str, role: str) -> Principal:
    return Principal(f"t-{pid}", pid, AccessRole(role), "Pilot", None)


def test_checkin_reminders_once_per_checkin_due_and_open(db: Database) -> None:
    _seed(db)
    sent: dict[int, list[tuple[str, str, str]]] = {}
    for offset in range(0, 160):
        found = _run(db, APPROVED + w.days(offset))
        assert _run(db, APPROVED + w.days(offset)) == []  # a second run: nothing
        if found:
            sent[offset] = found
        if offset == 95:  # e1 answers the second pulse late; nothing older comes back
            (open_,) = [c for c in checkins.due_checkins(db, "Pilot", FixedClock(
                w.at(APPROVED + w.days(offset), 7)), participant_id="e1").open
                if c.due_on == APPROVED + w.days(90)]
            assert open_.id is not None
            checkins.submit_checkin(db, open_.id, by="e1", rating=4, meetings_per_month=1)
    everyone = [(p, who, "checkin_due") for p, who in
                [("pr-1", "e1"), ("pr-1", "m1"), ("pr-2", "e2"), ("pr-2", "m2")]]
    assert sent == {30: everyone, 90: everyone, 150: everyone}
    with db.session() as session:  # only m1 has an address: one e-mail per pulse
        mails = [m for m in Outbox(session).unsent(limit=100) if "check-in" in m.subject]
    assert [m.to_address for m in mails] == ["m1@example.org"] * 3
    assert "due" in mails[0].body


def test_a_closed_pairing_gets_its_closing_survey_reminder(db: Database) -> None:
    _seed(db)
    assert _run(db, APPROVED + w.days(30)) != []
    with db.session(write=True) as session:
        repo = PairingRepository(session, ProgramRepository(session).row("Pilot"))
        repo.end("pr-2", expected_version=repo.get("pr-2").version, reason="completed",
                 by="coordinator", at=w.at(APPROVED + w.days(40)))
    assert _run(db, APPROVED + w.days(41)) == [("pr-2", "e2", "checkin_due"),
                                               ("pr-2", "m2", "checkin_due")]
    e2 = notifications_as(db, _who("e2", "mentee"), "Pilot").notices
    assert "closing survey" in e2[0].notice.reason
    # a closed pairing gets no more pulses; the live one does
    assert _run(db, APPROVED + w.days(90)) == [("pr-1", "e1", "checkin_due"),
                                               ("pr-1", "m1", "checkin_due")]
    assert len(_run(db, APPROVED + w.days(330))) == 2  # the last pulse (day 330)
    # the program's last day: the live pairing's closing survey
    assert _run(db, date(2028, 1, 3)) == [("pr-1", "e1", "checkin_due"),
                                          ("pr-1", "m1", "checkin_due")]


def test_a_checkpoint_due_in_seven_days_reminds_each_member_once(db: Database) -> None:
    _seed(db, checkpoint_on=date(2027, 3, 10))
    assert _run(db, date(2027, 3, 2)) == [("pr-1", "e1", "checkin_due"),
                                          ("pr-1", "m1", "checkin_due"),
                                          ("pr-2", "e2", "checkin_due"),
                                          ("pr-2", "m2", "checkin_due")]  # 8 days: not yet
    report = run_nudges(db, "Pilot", clock=FixedClock(w.at(date(2027, 3, 3), 6))).json()
    assert sorted((n["pairing_id"], n["to"], n["kind"]) for n in report["nudges"]) == [
        ("pr-1", "e1", "checkpoint_due"), ("pr-1", "m1", "checkpoint_due")]
    # the run's report (cron's log, the operator) gives the date, not the pair's text
    assert {n["reason"] for n in report["nudges"]} == {
        "goal checkpoint due on 2027-03-10 (in 7 days)"}
    assert {n["threshold_days"] for n in report["nudges"]} == {None}
    assert _run(db, date(2027, 3, 3)) == []
    assert _run(db, date(2027, 3, 20)) == []  # overdue now, but reminded already
    for member, role in (("e1", "mentee"), ("m1", "mentor")):
        (notice,) = [n.notice for n in notifications_as(db, _who(member, role), "Pilot")
                     .notices if n.notice.kind.value == "checkpoint_due"]
        assert TEXT in notice.reason and "2027-03-10" in notice.reason
    # the pair only: the other pair and the coordinators' queue never see the text
    for who in (_who("e2", "mentee"), _who("coordinator", "coordinator")):
        assert all(TEXT not in n.notice.reason
                   for n in notifications_as(db, who, "Pilot").notices)
    with db.session() as session:
        mails = [m for m in Outbox(session).unsent(limit=100) if "checkpoint" in m.subject]
    assert [m.to_address for m in mails] == ["m1@example.org"] and TEXT in mails[0].body


def test_an_overdue_checkpoint_is_reminded_when_first_seen(db: Database) -> None:
    _seed(db, checkpoint_on=date(2027, 2, 1))
    found = _run(db, date(2027, 2, 10))
    assert ("pr-1", "e1", "checkpoint_due") in found
    reason = [n.notice.reason for n in notifications_as(db, _who("e1", "mentee"), "Pilot")
              .notices if n.notice.kind.value == "checkpoint_due"]
    assert reason and "9 days ago" in reason[0]


def test_a_checkpoint_marked_done_before_is_not_reminded(db: Database) -> None:
    _seed(db, checkpoint_on=date(2027, 3, 10))
    (point,) = goals.due_checkpoints(db, "Pilot", FixedClock(w.at(date(2027, 3, 3))))
    goals.set_checkpoint(db, point.checkpoint_id, by="e1", done=True)
    for day in (date(2027, 3, 3), date(2027, 3, 12)):
        assert [k for _, _, k in _run(db, day) if k == "checkpoint_due"] == []
