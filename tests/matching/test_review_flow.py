"""Suggest → assign → review, through the services, with the audit log watching."""

from __future__ import annotations

import pytest

from companion.domain import Pairing, PairingStatus
from companion.embeddings import HashingEmbedder
from companion.errors import BadInputError, ConflictError, NotFoundError
from companion.services import matching, pairings
from companion.store import AuditLog, Database, PairingRepository, ProgramRepository


def _by_mentee(result: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {a["mentee_id"]: a["mentor_id"] for a in result["assignments"]}


def test_suggest_json_shape(program_db: Database, embedder: HashingEmbedder) -> None:
    result = matching.suggest(program_db, "Pilot", embedder, top=2).json()
    assert result["program"] == "Pilot"
    assert {s["mentee_id"] for s in result["suggestions"]} == {"alice", "bob", "cara"}
    for item in result["suggestions"]:
        for c in item["candidates"]:
            assert set(c) >= {"mentor_id", "score", "components", "reasons"}
            assert isinstance(c["score"], float) and c["reasons"]
    alice = next(s for s in result["suggestions"] if s["mentee_id"] == "alice")
    assert "boss" not in {c["mentor_id"] for c in alice["candidates"]}


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"top": 0}, BadInputError), ({"top": 51}, BadInputError),
    ({"mentee_id": "nobody"}, NotFoundError), ({"mentee_id": "fin"}, BadInputError),
])
def test_suggest_rejects_bad_arguments(program_db: Database, embedder: HashingEmbedder,
                                       kwargs: dict, error: type) -> None:  # type: ignore[type-arg]
    with pytest.raises(error):
        matching.suggest(program_db, "Pilot", embedder, **kwargs).json()


def test_assign_creates_pending_pairings_within_rules(program_db: Database,
                                                      embedder: HashingEmbedder) -> None:
    result = matching.assign(program_db, "Pilot", embedder).json()
    pairs = _by_mentee(result)
    assert set(pairs) == {"alice", "bob", "cara"}
    assert pairs["alice"] not in {"boss", "jp", "full"}
    assert all(a["status"] == "pending" for a in result["assignments"])
    assert result["unassigned"] == []
    stored = pairings.list_pairings(program_db, "Pilot", PairingStatus.pending)
    assert len(stored) == 3 and all(p.reasons for p in stored)


def test_review_decisions_and_re_solve(program_db: Database, embedder: HashingEmbedder) -> None:
    first = matching.assign(program_db, "Pilot", embedder).json()
    ids = {a["mentee_id"]: a["pairing_id"] for a in first["assignments"]}
    approved = pairings.review(program_db, ids["alice"], "approve", by="coord").json()["pairing"]
    assert approved["status"] == "approved" and approved["version"] == 2
    rejected_mentor = _by_mentee(first)["cara"]
    pairings.review(program_db, ids["cara"], "reject", by="coord", note="met before, no spark")
    second = matching.assign(program_db, "Pilot", embedder).json()
    again = _by_mentee(second)
    assert "alice" not in again  # approved pairs are kept, not re-proposed
    assert [k["pairing_id"] for k in second["kept"]] == [ids["alice"]]
    assert again.get("cara") != rejected_mentor  # a rejected pair stays banned
    with program_db.session() as session:
        actions = [e.action for e in AuditLog(session).list(program="Pilot")]
    assert actions.count("pairing.assign") == 2
    assert {"pairing.approve", "pairing.reject"} <= set(actions)


def test_stale_version_is_a_conflict_not_a_double_decision(program_db: Database,
                                                           embedder: HashingEmbedder) -> None:
    pid = matching.assign(program_db, "Pilot", embedder).json()["assignments"][0]["pairing_id"]
    pairings.review(program_db, pid, "approve", by="a", version=1)
    with pytest.raises(ConflictError, match="version 2, not 1"):
        pairings.review(program_db, pid, "approve", by="b", version=1)
    with pytest.raises(ConflictError, match="it is approved"):
        pairings.review(program_db, pid, "approve", by="b")


def test_reject_needs_a_reason_and_activate_needs_approval(program_db: Database,
                                                           embedder: HashingEmbedder) -> None:
    pid = matching.assign(program_db, "Pilot", embedder).json()["assignments"][0]["pairing_id"]
    with pytest.raises(BadInputError, match="reason is required"):
        pairings.review(program_db, pid, "reject", by="c", note="  ")
    with pytest.raises(ConflictError, match="only approved"):
        pairings.review(program_db, pid, "activate", by="c")
    pairings.review(program_db, pid, "approve", by="c")
    active = pairings.review(program_db, pid, "activate", by="c").json()["pairing"]
    assert active["status"] == "active"
    with pytest.raises(BadInputError, match="unknown decision"):
        pairings.review(program_db, pid, "bless", by="c")
    with pytest.raises(NotFoundError):
        pairings.review(program_db, "pr-nope", "approve", by="c")


def test_approval_and_swap_recheck_capacity(program_db: Database,
                                            embedder: HashingEmbedder) -> None:
    # fin takes one mentee: once one pairing with fin is approved, no other may be.
    with program_db.session() as session:
        repo = PairingRepository(session, ProgramRepository(session).row("Pilot"))
        for pid, mentee in (("pr-a", "bob"), ("pr-b", "cara")):
            repo.add(Pairing(id=pid, program="Pilot", mentee_id=mentee, mentor_id="fin"))
        repo.add(Pairing(id="pr-c", program="Pilot", mentee_id="alice", mentor_id="dele"))
    pairings.review(program_db, "pr-a", "approve", by="c")
    with pytest.raises(ConflictError, match="at capacity"):
        pairings.review(program_db, "pr-b", "approve", by="c")
    with pytest.raises(ConflictError, match="at capacity"):
        pairings.review(program_db, "pr-c", "swap", by="c", mentor_id="fin", embedder=embedder)
    assert pairings.get_pairing(program_db, "pr-b").status is PairingStatus.pending


def test_swap_exchanges_mentors_and_refuses_rule_breaks(program_db: Database,
                                                       embedder: HashingEmbedder) -> None:
    result = matching.assign(program_db, "Pilot", embedder).json()
    ids = {a["mentee_id"]: a for a in result["assignments"]}
    with pytest.raises(ConflictError, match="their manager"):
        pairings.review(program_db, ids["alice"]["pairing_id"], "swap", by="c",
                        mentor_id="boss", embedder=embedder)
    swapped = pairings.review(program_db, ids["bob"]["pairing_id"], "swap", by="c",
                              with_pairing=ids["cara"]["pairing_id"], embedder=embedder).json()
    assert swapped["pairing"]["status"] == "rejected"
    new = {p["mentee_id"]: p["mentor_id"] for p in swapped["created"]}
    assert new == {"bob": ids["cara"]["mentor_id"], "cara": ids["bob"]["mentor_id"]}
    with pytest.raises(BadInputError, match="exactly one"):
        pairings.review(program_db, ids["alice"]["pairing_id"], "swap", by="c",
                        embedder=embedder)


def test_locked_pending_pairing_survives_a_re_solve(program_db: Database,
                                                    embedder: HashingEmbedder) -> None:
    first = matching.assign(program_db, "Pilot", embedder).json()
    target = first["assignments"][0]
    locked = pairings.review(program_db, target["pairing_id"], "lock", by="c").json()["pairing"]
    assert locked["locked"] and locked["status"] == "pending"
    second = matching.assign(program_db, "Pilot", embedder, objective="most_matched").json()
    assert target["pairing_id"] in {k["pairing_id"] for k in second["kept"]}
    assert target["mentee_id"] not in _by_mentee(second)


def test_do_not_match_pair_is_never_assigned(program_db: Database,
                                             embedder: HashingEmbedder) -> None:
    for mentor in ("fin", "fin2", "dele"):
        assert matching.exclude_pair(program_db, "Pilot", "cara", mentor, "conflict of interest")
    assert not matching.exclude_pair(program_db, "Pilot", "cara", "fin", "again")
    result = matching.assign(program_db, "Pilot", embedder).json()
    assert _by_mentee(result).get("cara") in (None, "boss")
    with pytest.raises(BadInputError, match="reason is required"):
        matching.exclude_pair(program_db, "Pilot", "cara", "boss", " ")
    with pytest.raises(NotFoundError):
        matching.exclude_pair(program_db, "Pilot", "cara", "ghost", "x")


def test_unassigned_mentee_gets_the_reason(program_db: Database,
                                           embedder: HashingEmbedder) -> None:
    for mentor in ("fin", "fin2", "dele"):
        matching.exclude_pair(program_db, "Pilot", "alice", mentor, "conflict")
    result = matching.assign(program_db, "Pilot", embedder).json()
    [alice] = [u for u in result["unassigned"] if u["mentee_id"] == "alice"]
    assert alice["reason"].startswith("all 6 mentors excluded by rule")
    assert "do-not-match" in alice["reason"] and "in their reporting line" in alice["reason"]


def test_report_counts_coverage_and_breakdowns(program_db: Database,
                                               embedder: HashingEmbedder) -> None:
    result = matching.assign(program_db, "Pilot", embedder).json()
    pairings.review(program_db, result["assignments"][0]["pairing_id"], "approve", by="c")
    report = matching.report(program_db, "Pilot").json()
    assert report["mentees"] == 3
    assert report["coverage"]["approved"] == 1 and report["coverage"]["pending"] == 2
    assert report["coverage"]["matched_share"] == 1.0
    assert report["scores"]["count"] == 3
    assert sum(report["scores"]["histogram"].values()) == 3
    departments = {r["department"]: r for r in report["by_department"]}
    assert departments["Engineering"]["mentees"] == 2


def test_suggestions_for_a_list_of_mentees(program_db: Database,
                                           embedder: HashingEmbedder) -> None:
    """A review queue asks for the mentees on its page only: the same suggestions as the whole
    program's, for just those mentees (people who are not mentees are left out)."""
    everyone = {s["mentee_id"]: s for s in
                matching.suggest(program_db, "Pilot", embedder, top=2).json()["suggestions"]}
    some = sorted(everyone)[:2]
    page = matching.suggest(program_db, "Pilot", embedder, top=2,
                            mentee_ids=[*some, "boss", some[0]]).json()["suggestions"]
    assert [s["mentee_id"] for s in page] == some
    assert page == [everyone[m] for m in some]
    assert matching.suggest(program_db, "Pilot", embedder, mentee_ids=[]).items == []
