"""Issue 10's reproductions at the services layer, on SQLite and PostgreSQL, with real
parallel threads: private drafts across pairings, capacity under parallel approvals,
assignment racing approvals, and crash recovery of drafts."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text, update

from companion.config import Settings
from companion.domain import AccessRole, DraftStatus, Pairing, PairingStatus
from companion.drafting.deps import Deps
from companion.embeddings import HashingEmbedder
from companion.errors import AccessDenied, ConflictError
from companion.llm.fake import FakeChatModel
from companion.services import drafts, matching, pairings
from companion.services.draft_store import DatabaseDraftStore
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.services.tokens import Principal
from companion.store import Database, PairingRepository, ProgramRepository
from companion.store.tables import DraftRow, utcnow
from tests import factories
from tests.drafting.conftest import PASSAGE, answer

TODAY = date(2027, 4, 1)


def _world(db: Database, tmp_path: Path, *, capacity: str = "2", mentees: int = 2) -> None:
    create_program(db, build_program("Pilot", start=date(2027, 1, 11)))
    people = [factories.mentor("m1", name="Mara Mentor", capacity=capacity)]
    people += [factories.mentee(f"e{i}", name=f"Mentee Number{i}") for i in range(1, mentees + 1)]
    report = import_participants_file(db, "Pilot", factories.write_csv(tmp_path / "p.csv",
                                                                       people),
                                      skip_invalid=False)
    assert report.imported, report.errors


def _pairing(db: Database, pid: str, mentee: str, mentor: str = "m1", *,
             approve: bool = False) -> None:
    with db.session() as session:
        repo = PairingRepository(session, ProgramRepository(session).row("Pilot"))
        repo.add(Pairing(id=pid, program="Pilot", mentee_id=mentee, mentor_id=mentor))
        if approve:
            repo.decide(pid, expected_version=1, status=PairingStatus.approved, by="coord")


def _who(pid: str, role: AccessRole) -> Principal:
    return Principal(f"tok-{pid}", pid, role, "Pilot", "Harbourline")


def _deps(db: Database, model: FakeChatModel) -> Deps:
    return Deps(store=DatabaseDraftStore(db), model=model,
                search=lambda q, top, where: [PASSAGE], today=lambda: TODAY)


# -- 1. private drafts stay in their pairing ------------------------------------------------------
def test_a_mentors_draft_about_one_mentee_is_invisible_to_the_other(
        any_db: Database, tmp_path: Path, settings: Settings) -> None:
    _world(any_db, tmp_path)
    _pairing(any_db, "pr-a", "e1", approve=True)
    _pairing(any_db, "pr-b", "e2", approve=True)
    model = FakeChatModel()
    deps = _deps(any_db, model)
    model.enqueue(answer(text="How is Number2 coping with the reorg"))
    mentor = _who("m1", AccessRole.mentor)
    about_b = drafts.request_as(any_db, settings, mentor, program="Pilot", kind="questions",
                                topic="Number2's burnout after the reorg", partner_id="e2",
                                deps=deps).draft
    assert (about_b.pairing_id, about_b.partner_id) == ("pr-b", "e2")
    drafts.review_as(any_db, settings, mentor, about_b.id, "approve", version=about_b.version,
                     note="private to e2", deps=deps)

    a, b = _who("e1", AccessRole.mentee), _who("e2", AccessRole.mentee)
    with pytest.raises(AccessDenied) as hidden:
        drafts.visible_draft(any_db, a, about_b.id)
    assert hidden.value.status == 404
    assert drafts.visible_drafts(any_db, a).drafts == []
    with pytest.raises(AccessDenied):
        drafts.visible_versions(any_db, a, about_b.id)
    # the mentee it is about sees the approved draft, not the reviewer's history nor the
    # rationale (what was withheld from the mentor's request: here, health information)
    assert drafts.visible_draft(any_db, mentor, about_b.id)[0].rationale["safety"]
    seen = drafts.visible_draft(any_db, b, about_b.id)[0]
    assert seen.status is DraftStatus.approved and seen.rationale == {}
    assert [d.id for d in drafts.visible_drafts(any_db, b).drafts] == [about_b.id]
    assert drafts.visible_drafts(any_db, b).drafts[0].rationale == {}
    with pytest.raises(AccessDenied):
        drafts.visible_versions(any_db, b, about_b.id)
    # and the model never reads it when the mentor drafts for the other mentee
    store = DatabaseDraftStore(any_db)
    assert store.gather("Pilot", "m1", "e1", None).approved == []
    assert len(store.gather("Pilot", "m1", "e2", None).approved) == 1
    # with two mentees and no partner named, the draft is the mentor's alone
    model.enqueue(answer())
    own = drafts.request_as(any_db, settings, mentor, program="Pilot", kind="questions",
                            deps=deps).draft
    assert own.pairing_id is None
    drafts.review_as(any_db, settings, mentor, own.id, "approve", version=own.version,
                     deps=deps)
    assert own.id not in {d.id for d in drafts.visible_drafts(any_db, a).drafts}
    assert own.id not in {d.id for d in drafts.visible_drafts(any_db, b).drafts}


# -- 2. capacity under parallel approvals ---------------------------------------------------
def _parallel(calls: list[Any]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(k: int) -> None:
        barrier.wait()
        try:
            results[k] = calls[k]()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test counts
            results[k] = exc

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_parallel_approvals_never_exceed_a_mentors_capacity(any_db: Database,
                                                           tmp_path: Path) -> None:
    _world(any_db, tmp_path, capacity="1", mentees=4)
    over = 0
    tried = 0
    for round_ in range(6):
        ids = []
        for k in (1, 2):
            pid = f"pr-{round_}-{k}"
            _pairing(any_db, pid, f"e{k + 2 * (round_ % 2)}")
            ids.append(pid)
        results = _parallel([
            lambda pid=pid: pairings.review(any_db, pid, "approve", by="coord", version=1)
            for pid in ids])
        tried += 1
        wins = [r for r in results if not isinstance(r, Exception)]
        losses = [r for r in results if isinstance(r, Exception)]
        assert all(isinstance(e, ConflictError) for e in losses), losses
        assert any("capacity" in str(e) for e in losses), losses
        with any_db.session() as session:
            held = PairingRepository(session, ProgramRepository(session).row("Pilot")) \
                .seat_holders("m1")
        over += len(held) > 1
        assert len(wins) == 1
        # free the seat and the mentees for the next round
        with any_db.session() as session:
            session.execute(update(PairingRow_()).values(status="rejected"))
    assert (tried, over) == (6, 0)


def PairingRow_() -> Any:  # noqa: N802 - the table, imported late to keep the header short
    from companion.store.tables import PairingRow

    return PairingRow


# -- 3. assignment racing approvals: never two live pairings for one mentee -----------------------
def test_assignment_racing_approvals_leaves_one_live_pairing_per_mentee(
        any_db: Database, tmp_path: Path) -> None:
    create_program(any_db, build_program("Pilot", start=date(2027, 1, 11)))
    people = [factories.mentor(f"m{i}", capacity="3") for i in range(1, 5)]
    people += [factories.mentee(f"e{i}") for i in range(1, 9)]
    import_participants_file(any_db, "Pilot", factories.write_csv(tmp_path / "p.csv", people),
                             skip_invalid=False)
    embedder = HashingEmbedder()
    first = matching.assign(any_db, "Pilot", embedder).json()
    ids = [a["pairing_id"] for a in first["assignments"]]
    calls: list[Any] = [lambda: matching.assign(any_db, "Pilot", embedder).json()]
    calls += [lambda pid=pid: pairings.review(any_db, pid, "approve", by="coord", version=1)
              for pid in ids[:4]]
    _parallel(calls)
    with any_db.session() as session:
        live = PairingRepository(session, ProgramRepository(session).row("Pilot")).live_of()
    per_mentee = Counter(p.mentee_id for p in live)
    assert per_mentee and max(per_mentee.values()) == 1, per_mentee
    # the database itself refuses a second live pairing for a mentee
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        _pairing(any_db, "pr-dup", live[0].mentee_id, live[0].mentor_id)


# -- 5. crash recovery ----------------------------------------------------------------------
def _interrupted(db: Database, settings: Settings, deps: Deps) -> str:
    """A draft whose run died: started, then its worker vanished (a pid that cannot run)."""
    ask = drafts.DraftRequest.checked(program="Pilot", kind="questions", participant_id="e1")

    class Boom(Exception):
        pass

    def crash(*_: Any, **__: Any) -> None:
        raise Boom

    original = drafts._guarded_run
    drafts._guarded_run = crash  # type: ignore[assignment]
    try:
        with pytest.raises(Boom):
            drafts._request(db, settings, ask, deps=deps, today=TODAY)
    finally:
        drafts._guarded_run = original  # type: ignore[assignment]
    with db.session() as session:
        draft_id = session.scalar(text("SELECT id FROM drafts"))
        session.execute(update(DraftRow).values(worker="localhost-gone:999999",
                                                lease_until=utcnow() - timedelta(seconds=1)))
    return str(draft_id)


def test_an_interrupted_draft_is_resumed_by_recovery(any_db: Database, tmp_path: Path,
                                                    settings: Settings) -> None:
    _world(any_db, tmp_path)
    _pairing(any_db, "pr-a", "e1", approve=True)
    model = FakeChatModel()
    deps = _deps(any_db, model)
    draft_id = _interrupted(any_db, settings, deps)
    assert drafts.get_draft(any_db, draft_id).status is DraftStatus.drafting
    model.enqueue(answer())
    report = drafts.recover_drafts(any_db, settings, deps=deps)
    assert [d.id for d in report.resumed] == [draft_id]
    assert drafts.get_draft(any_db, draft_id).status is DraftStatus.pending_review
    # a second sweep finds nothing to do
    assert drafts.recover_drafts(any_db, settings, deps=deps).resumed == []


def test_a_draft_interrupted_too_often_fails_with_the_reason(any_db: Database, tmp_path: Path,
                                                            settings: Settings) -> None:
    _world(any_db, tmp_path)
    deps = _deps(any_db, FakeChatModel())
    draft_id = _interrupted(any_db, settings, deps)
    with any_db.session() as session:
        row = session.get(DraftRow, draft_id)
        assert row is not None
        row.request = {**(row.request or {}), "recoveries": drafts.MAX_RECOVERIES}
    report = drafts.recover_drafts(any_db, settings, deps=deps)
    failed = report.resumed[0]
    assert failed.status is DraftStatus.failed
    assert "interrupted" in (failed.failure_reason or "")


def test_a_live_run_is_not_taken_over(any_db: Database, tmp_path: Path,
                                     settings: Settings) -> None:
    _world(any_db, tmp_path)
    deps = _deps(any_db, FakeChatModel())
    draft_id = _interrupted(any_db, settings, deps)
    with any_db.session() as session:  # another host's worker, lease still valid
        session.execute(update(DraftRow).values(worker="elsewhere:1",
                                                lease_until=utcnow() + timedelta(minutes=5)))
    report = drafts.recover_drafts(any_db, settings, deps=deps)
    assert report.still_running == [draft_id] and report.resumed == []


def test_rate_limit_per_participant(any_db: Database, tmp_path: Path,
                                    settings: Settings) -> None:
    _world(any_db, tmp_path)
    model = FakeChatModel()
    deps = _deps(any_db, model)
    limited = settings.model_copy(update={"drafts_per_hour": 3})
    mentee = _who("e1", AccessRole.mentee)
    calls = []
    for _ in range(6):
        model.enqueue(answer())
        calls.append(lambda: drafts.request_as(any_db, limited, mentee, program="Pilot",
                                               kind="questions", deps=deps))
    results = [c() for c in calls[:3]]
    assert all(r.draft.status is DraftStatus.pending_review for r in results)
    from companion.errors import RateLimitedError

    with pytest.raises(RateLimitedError) as raised:
        calls[3]()
    assert raised.value.retry_after > 0 and "3 drafts" in str(raised.value)
