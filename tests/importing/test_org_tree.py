"""The organisation's reporting tree: managers outside the program are kept as organisation
records, the reporting-line rule walks through them all the way up, and an import that
changes a line flags the live pairings it now breaks."""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.domain import Pairing, PairingStatus
from companion.domain.reporting import outside_managers, reporting_problems
from companion.embeddings import HashingEmbedder
from companion.errors import ConflictError
from companion.services import pairings
from companion.services.matching import suggest
from companion.services.org_chart import import_org_chart, org_records
from companion.services.participants import list_participants
from companion.services.reporting_checks import reporting_conflicts
from companion.store import AuditLog, Database, PairingRepository, ProgramRepository
from tests import factories


def _managed(pid: str, manager: str, **overrides: str) -> dict[str, str]:
    return factories.mentee(pid, manager_id=manager, **overrides)


def _pair(db: Database, pid: str, mentee: str, mentor: str, status: PairingStatus) -> None:
    with db.session() as session:
        repo = PairingRepository(session, ProgramRepository(session).row("Pilot"))
        repo.add(Pairing(id=pid, program="Pilot", mentee_id=mentee, mentor_id=mentor,
                         score=0.8))
        steps = {PairingStatus.pending: [], PairingStatus.rejected: [PairingStatus.rejected],
                 PairingStatus.approved: [PairingStatus.approved],
                 PairingStatus.active: [PairingStatus.approved, PairingStatus.active]}[status]
        for version, step in enumerate(steps, start=1):
            repo.decide(pid, expected_version=version, status=step, by="setup")


def _org_chart(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    return factories.write_csv(tmp_path / "org.csv", rows, header=["id", "name", "manager_id"])


def test_domain_rules_name_outside_managers_instead_of_refusing_them() -> None:
    lines = {"e1": "ghost", "e2": "e1", "m1": None}

    assert reporting_problems(lines) == []
    assert outside_managers(lines) == {"ghost"}


def test_manager_outside_the_program_is_kept_as_an_org_record(run_import, pilot,
                                                               tmp_path: Path) -> None:
    path = factories.write_csv(tmp_path / "people.csv",
                               [factories.mentor("m1"), _managed("e1", "ghost")])

    report = run_import(path)

    assert report.imported and report.errors == [] and report.created == 2
    assert any("1 manager id(s) are not participants (ghost)" in w for w in report.warnings)
    assert [(p.id, p.name, p.manager_id) for p in org_records(pilot, "Pilot")] == [
        ("ghost", None, None)]
    assert sorted(p.id for p in list_participants(pilot, "Pilot")) == ["e1", "m1"]
    assert report.reporting_conflicts == []


def test_skip_level_through_an_outside_manager_is_refused_and_flagged(
        run_import, pilot, tmp_path: Path) -> None:
    run_import(factories.write_csv(tmp_path / "people.csv", [
        factories.mentor("vp", level="8"), _managed("e1", "boss")]))
    _pair(pilot, "pr-1", "e1", "vp", PairingStatus.pending)

    chart = import_org_chart(pilot, "Pilot", _org_chart(tmp_path, [
        {"id": "boss", "name": "Bea Boss", "manager_id": "vp"},
        {"id": "vp", "name": "Val VP", "manager_id": ""}]))

    assert chart.imported, chart.errors
    assert (chart.created, chart.updated, chart.participants) == (0, 1, 1)
    assert chart.reporting_conflicts == [{
        "pairing_id": "pr-1", "mentee_id": "e1", "mentor_id": "vp", "status": "pending",
        "why": "vp is above e1 in their reporting line (e1 → boss → vp)"}]
    with pytest.raises(ConflictError, match="vp is above them in their reporting line"):
        pairings.review(pilot, "pr-1", "approve", by="coord")
    assert [(p.id, p.name, p.manager_id) for p in org_records(pilot, "Pilot")] == [
        ("boss", "Bea Boss", "vp")]


def test_reorg_making_the_active_mentor_the_manager_is_flagged(run_import, pilot,
                                                               tmp_path: Path) -> None:
    run_import(factories.write_csv(tmp_path / "first.csv",
                                   [factories.mentor("m1"), factories.mentee("e1")]))
    _pair(pilot, "pr-1", "e1", "m1", PairingStatus.active)

    report = run_import(factories.write_csv(tmp_path / "reorg.csv", [_managed("e1", "m1")]))

    assert report.imported and report.updated == 1
    assert report.reporting_conflicts == [{
        "pairing_id": "pr-1", "mentee_id": "e1", "mentor_id": "m1", "status": "active",
        "why": "m1 is e1's manager (e1 → m1)"}]
    assert any(w.startswith("pairing pr-1 (e1 with m1, active) now breaks the reporting-line "
                            "rule") for w in report.warnings)
    with pilot.session() as session:
        events = [e for e in AuditLog(session).list(program="Pilot")
                  if e.action == "pairing.reporting_line_broken"]
    assert [(e.entity_id, e.detail["why"]) for e in events] == [
        ("pr-1", "m1 is e1's manager (e1 → m1)")]
    assert [b.pairing_id for b in reporting_conflicts(pilot, "Pilot")] == ["pr-1"]


def test_mentor_who_now_reports_to_the_mentee_is_flagged(run_import, pilot,
                                                         tmp_path: Path) -> None:
    run_import(factories.write_csv(tmp_path / "first.csv", [
        factories.mentor("m1", manager_id="x"), factories.mentee("e1")]))
    _pair(pilot, "pr-1", "e1", "m1", PairingStatus.approved)

    chart = import_org_chart(pilot, "Pilot", _org_chart(tmp_path, [
        {"id": "x", "name": "", "manager_id": "e1"}]))

    assert [c["why"] for c in chart.reporting_conflicts] == ["m1 reports to e1 (m1 → x → e1)"]


def test_unaffected_pairings_are_not_flagged(run_import, pilot, tmp_path: Path) -> None:
    run_import(factories.write_csv(tmp_path / "first.csv", [
        factories.mentor("m1"), factories.mentor("m2"), factories.mentee("e1"),
        factories.mentee("e2")]))
    _pair(pilot, "pr-1", "e1", "m1", PairingStatus.active)
    _pair(pilot, "pr-2", "e2", "m2", PairingStatus.rejected)

    report = run_import(factories.write_csv(tmp_path / "second.csv", [
        _managed("e1", "m2"), _managed("e2", "m2")]))

    assert report.reporting_conflicts == []


def test_an_org_record_who_joins_the_program_is_a_participant_only(run_import, pilot,
                                                                    tmp_path: Path) -> None:
    run_import(factories.write_csv(tmp_path / "first.csv", [_managed("e1", "boss")]))
    assert [p.id for p in org_records(pilot, "Pilot")] == ["boss"]

    run_import(factories.write_csv(tmp_path / "second.csv", [factories.mentor("boss")]))

    assert org_records(pilot, "Pilot") == []


@pytest.mark.parametrize(("rows", "expected", "fragment"), [
    ([{"id": "x", "name": "X", "manager_id": "x"}], [(2, "manager_id")],
     "'x' is listed as their own manager"),
    ([{"id": "x", "name": "X", "manager_id": "y"}, {"id": "y", "name": "Y", "manager_id": "x"}],
     [(2, "manager_id"), (3, "manager_id")], "reporting-line cycle"),
    ([{"id": "", "name": "X", "manager_id": "y"}], [(2, "id")], "id is required"),
    ([{"id": "x", "name": "X", "manager_id": ""}, {"id": "x", "name": "X2", "manager_id": ""}],
     [(3, "id")], "duplicate id 'x'"),
])
def test_bad_org_chart_rows_stop_the_import(pilot, tmp_path: Path, rows, expected,
                                           fragment) -> None:
    report = import_org_chart(pilot, "Pilot", _org_chart(tmp_path, rows))

    assert not report.imported
    assert [(e["row"], e["field"]) for e in report.errors] == expected
    assert fragment in report.errors[-1]["message"]
    assert org_records(pilot, "Pilot") == []


def test_skip_level_mentor_is_never_suggested(run_import, pilot, tmp_path: Path) -> None:
    run_import(factories.write_csv(tmp_path / "people.csv", [
        factories.mentor("vp", level="8"), factories.mentor("m2", level="6"),
        _managed("e1", "boss")]))
    import_org_chart(pilot, "Pilot", _org_chart(tmp_path, [
        {"id": "boss", "name": "Bea Boss", "manager_id": "vp"}]))

    result = suggest(pilot, "Pilot", HashingEmbedder(), top=5, mentee_id="e1")

    [entry] = result.items
    assert [c["mentor_id"] for c in entry["candidates"]] == ["m2"]
