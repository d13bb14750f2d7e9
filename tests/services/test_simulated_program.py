"""A twelve-month program simulated day by day with one FixedClock: 120 pairs approved on the
first day, scripted behaviours — 30 regular (every four weeks from day 7), 30 late starters
(first meeting on day 50, then regular), 30 lapsing (days 7 and 35, then nothing), 30 ending
early (day 7, closed on day 30) — and `nudges run` every morning. The nudges, the check-in
reminders, the health classes and the dashboard's figures must come out exactly as the rule
says."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from companion.domain.clock import FixedClock
from companion.services import sessions
from companion.services.dashboard import program_dashboard
from companion.services.health import program_health
from companion.services.nudges import run_nudges
from companion.store import Database, Outbox, PairingRepository, ProgramRepository
from tests import relationship_world as w

DAY0 = date(2027, 1, 4)
KINDS = ("regular", "late", "lapsing", "ending")


def _meetings(kind: str) -> list[int]:
    if kind == "regular":
        return list(range(7, 366, 28))
    if kind == "late":
        return list(range(50, 366, 28))
    return [7, 35] if kind == "lapsing" else [7]


def test_a_simulated_year_of_120_pairs(db: Database) -> None:
    w.program(db, "Year", start=DAY0, cadence_weeks=4)
    w.people(db, "Year", [w.person(f"m{i}", "mentor", department=("A", "B")[i % 2])
                          for i in range(120)]
             + [w.person(f"e{i}", "mentee", department=("A", "B")[i % 2],
                         email=f"e{i}@example.org") for i in range(120)])
    w.pairs(db, "Year", [(f"pr-{i}", f"e{i}", f"m{i}", DAY0) for i in range(120)])
    kind_of = {f"pr-{i}": KINDS[i // 30] for i in range(120)}
    by_day: dict[int, list[str]] = {}
    for pid, kind in kind_of.items():
        for day in _meetings(kind):
            by_day.setdefault(day, []).append(pid)

    clock = FixedClock(w.at(DAY0, 8))
    notices: Counter[tuple[str, str, int | None]] = Counter()
    days_sent: dict[tuple[str, str, int | None], list[int]] = {}
    reminders: Counter[tuple[str, int]] = Counter()  # check-in reminders: (kind, day)
    for day in range(0, 366):
        clock.set(w.at(DAY0 + timedelta(days=day), 8))
        for pid in by_day.get(day, []):
            sessions.schedule(db, pid, w.at(DAY0 + timedelta(days=day), 7), by="coordinator",
                              clock=clock)  # passed an hour ago: logged as held
        if day == 30:
            with db.session(write=True) as session:
                repo = PairingRepository(session, ProgramRepository(session).row("Year"))
                for pid in (p for p, k in kind_of.items() if k == "ending"):
                    repo.end(pid, expected_version=repo.get(pid).version,
                             reason="no_fault", by="coordinator", at=clock.now())
        for n in run_nudges(db, "Year", clock=clock).nudges:
            if n.kind.value == "checkin_due":
                reminders[(kind_of[n.pairing_id], day)] += 1
                continue
            key = (kind_of[n.pairing_id], n.kind.value, n.threshold_days)
            notices[key] += 1
            days_sent.setdefault(key, []).append(day)

    # late starters: 35/42/49 days after approval (7/14/21 past the cadence), then regular;
    # lapsing: counted from day 35, so on days 70/77/84 and the queue on day 91
    assert notices == {("late", "nudge", 7): 60, ("late", "nudge", 14): 60,
                       ("late", "nudge", 21): 60, ("lapsing", "nudge", 7): 60,
                       ("lapsing", "nudge", 14): 60, ("lapsing", "nudge", 21): 60,
                       ("lapsing", "coordinator_queue", 28): 30}
    assert {k: sorted(set(v)) for k, v in days_sent.items()} == {
        ("late", "nudge", 7): [35], ("late", "nudge", 14): [42], ("late", "nudge", 21): [49],
        ("lapsing", "nudge", 7): [70], ("lapsing", "nudge", 14): [77],
        ("lapsing", "nudge", 21): [84], ("lapsing", "coordinator_queue", 28): [91]}

    # check-in reminders (nobody answers here): each member of a live pairing on the days
    # a pulse falls due — 30 days after approval, then every 60 — and the closing survey on
    # the program's last day (2028-01-03, day 364); a pairing ended on day 30 gets the
    # closing survey that day instead of its first pulse
    pulses = [30, 90, 150, 210, 270, 330]
    for kind in ("regular", "late", "lapsing"):
        assert {d: n for (k, d), n in reminders.items() if k == kind} == dict.fromkeys(
            [*pulses, 364], 60), kind
    assert {d: n for (k, d), n in reminders.items() if k == "ending"} == {30: 60}
    assert sum(n for (k, _), n in reminders.items() if k == "regular") == 30 * 2 * 7

    found = program_health(db, "Year", clock=clock)
    classes = Counter((kind_of[h.pairing.id], h.health.value) for h in found.pairings)
    assert classes == {("regular", "on_track"): 30, ("late", "on_track"): 30,
                       ("lapsing", "at_risk"): 30}

    board = program_dashboard(db, "Year", clock=clock)
    held = 30 * (len(_meetings("regular")) + len(_meetings("late")) + 2 + 1)
    assert (board.mentees, board.covered, board.coverage) == (120, 90, 0.75)
    assert board.pairs_by_status == {"approved": 0, "active": 90, "closed": 30}
    assert board.pairs_by_health == {"too_early": 0, "on_track": 60, "needs_checkin": 0,
                                     "at_risk": 30}
    assert board.sessions_held == held == sum(m.held for m in board.months) == 840
    january = board.months[0]
    assert (january.month, january.held, january.pairs, january.pairs_met) == (
        "2027-01", 90, 120, 90)
    assert board.months[-1].month == "2028-01" and board.months[-1].pairs == 90
    assert [g.covered for g in board.breakdowns["department"]] == [45, 45]
    with db.session() as session:  # mentees have addresses, mentors not: 3 nudge e-mails
        # each of the 60 nudged, 7 check-in reminders each of the 90 others' mentees, 1 each
        # of the 30 ended early
        assert len(Outbox(session).unsent(limit=2000)) == 180 + 90 * 7 + 30
