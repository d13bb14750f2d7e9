"""The import use case: skip-invalid, upserts by id, the audit log, atomicity, volume."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from companion.errors import NotFoundError
from companion.services.participants import import_participants_file, list_participants
from companion.services.programs import build_program, create_program
from companion.store import AuditLog, Database
from tests import factories

PEOPLE = [factories.mentor("m1"), factories.mentor("m2", capacity="3"),
          factories.mentee("e1", manager_id="m1"), factories.mentee("e2")]


def _import_events(db: Database) -> list:
    with db.session() as session:
        return [e for e in AuditLog(session).list() if e.action == "participants.import"]


def test_skip_invalid_imports_valid_rows_and_lists_the_rest(run_import, pilot,
                                                            tmp_path: Path) -> None:
    rows = [factories.mentor("m1"), factories.mentor("m2", capacity="-1"),
            factories.mentee("e1", manager_id="m2"), factories.mentee("e2", timezone="Nowhere"),
            factories.mentee("e3", manager_id="m1")]
    path = factories.write_csv(tmp_path / "people.csv", rows)

    report = run_import(path, skip_invalid=True)

    assert report.imported
    assert [(e["row"], e["field"]) for e in report.errors] == [
        (3, "capacity"), (4, "manager_id"), (5, "timezone")]
    assert "manager 'm2' is on row 3" in report.errors[1]["message"]
    assert (report.created, report.updated, report.unchanged, report.skipped) == (2, 0, 0, 3)
    assert [p.id for p in list_participants(pilot, "Pilot")] == ["e3", "m1"]


def test_skip_invalid_counts_a_row_with_several_errors_once(run_import, tmp_path: Path
                                                            ) -> None:
    rows = [factories.mentor("m1", capacity="-1", level="0"), factories.mentee("e1")]
    path = factories.write_csv(tmp_path / "people.csv", rows)

    report = run_import(path, skip_invalid=True)

    assert len(report.errors) == 2
    assert (report.created, report.skipped) == (1, 1)


def test_skip_invalid_with_a_missing_column_does_not_claim_one_skipped_row(
        run_import, pilot, tmp_path: Path) -> None:
    header = [c for c in factories.HEADER if c != "role"]
    path = factories.write_csv(tmp_path / "people.csv", PEOPLE[:3], header)

    report = run_import(path, skip_invalid=True)

    assert list_participants(pilot, "Pilot") == []
    # Either the file is refused as a whole, or every one of its rows counts as skipped.
    assert not report.imported or report.skipped == 3


def test_reimport_counts_created_updated_unchanged(run_import, pilot, tmp_path: Path) -> None:
    path = factories.write_csv(tmp_path / "people.csv", PEOPLE)

    first = run_import(path)
    assert (first.created, first.updated, first.unchanged) == (4, 0, 0)

    again = run_import(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)

    changed = [dict(p) for p in PEOPLE]
    changed[1]["capacity"] = "5"
    changed.append(factories.mentee("e3"))
    factories.write_csv(path, changed)
    third = run_import(path)
    assert (third.created, third.updated, third.unchanged) == (1, 1, 3)
    assert third.errors == []

    people = {p.id: p for p in list_participants(pilot, "Pilot")}
    assert len(people) == 5
    assert people["m2"].capacity == 5


@pytest.mark.parametrize(("field", "value"), [
    ("name", "Mentor m1 (new)"),
    ("goals", "Lead my first team"),
    ("languages", "en;fr"),
    ("manager_id", "m2"),
    ("notes", "an extra column"),
])
def test_any_changed_field_is_an_update(run_import, pilot, tmp_path: Path, field: str,
                                        value: str) -> None:
    header = [*factories.HEADER, "notes"]
    path = factories.write_csv(tmp_path / "people.csv", PEOPLE, header)
    run_import(path)
    changed = [dict(p) for p in PEOPLE]
    changed[0][field] = value
    factories.write_csv(path, changed, header)

    report = run_import(path)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 3)


def test_update_clears_a_field_left_empty(run_import, pilot, tmp_path: Path) -> None:
    rows = [factories.mentor("m1", email="m1@example.org", skills="coaching;finance"),
            factories.mentee("e1", manager_id="m1")]
    path = factories.write_csv(tmp_path / "people.csv", rows)
    run_import(path)
    rows[0].update(email="", skills="")
    rows[1].update(manager_id="")
    factories.write_csv(path, rows)

    report = run_import(path)

    assert (report.created, report.updated, report.unchanged) == (0, 2, 0)
    people = {p.id: p for p in list_participants(pilot, "Pilot")}
    assert (people["m1"].email, people["m1"].skills) == (None, [])
    assert people["e1"].manager_id is None


def test_same_people_as_json_are_unchanged(run_import, tmp_path: Path) -> None:
    run_import(factories.write_csv(tmp_path / "people.csv", PEOPLE))
    as_json = [{**p, "level": int(p["level"]), "languages": p["languages"].split(";")}
               for p in PEOPLE]

    report = run_import(factories.write_json(tmp_path / "people.json", as_json))

    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)


def test_rejected_reimport_leaves_stored_people_untouched(run_import, pilot,
                                                          tmp_path: Path) -> None:
    path = factories.write_csv(tmp_path / "people.csv", PEOPLE)
    run_import(path)
    before = list_participants(pilot, "Pilot")
    changed = [dict(p) for p in PEOPLE]
    changed[0]["name"] = "Renamed"
    changed[3]["level"] = "42"
    factories.write_csv(path, changed)

    report = run_import(path)

    assert not report.imported
    assert [(e["row"], e["field"]) for e in report.errors] == [(5, "level")]
    assert list_participants(pilot, "Pilot") == before


def test_audit_log_has_one_event_per_successful_import(run_import, pilot,
                                                       tmp_path: Path) -> None:
    good = factories.write_csv(tmp_path / "people.csv", PEOPLE)
    bad = factories.write_csv(tmp_path / "bad.csv", [factories.mentor("x", role="chief")])

    run_import(good)
    assert not run_import(bad).imported
    run_import(good)
    run_import(bad, skip_invalid=True)

    events = _import_events(pilot)
    assert len(events) == 3
    newest, second, first = events
    assert first.detail == {"source": "people.csv", "created": 4, "updated": 0,
                            "unchanged": 0, "skipped": 0}
    assert second.detail["unchanged"] == 4
    assert newest.detail == {"source": "bad.csv", "created": 0, "updated": 0,
                             "unchanged": 0, "skipped": 1}
    assert all(e.program == "Pilot" and e.actor == "cli" for e in events)


def test_rejected_import_writes_no_audit_event(run_import, pilot, tmp_path: Path) -> None:
    run_import(factories.write_csv(tmp_path / "bad.csv", [factories.mentor("x", level="0")]))
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    run_import(empty)

    assert _import_events(pilot) == []


def test_unknown_program_is_not_found(pilot, tmp_path: Path) -> None:
    path = factories.write_csv(tmp_path / "people.csv", PEOPLE)

    with pytest.raises(NotFoundError) as raised:
        import_participants_file(pilot, "Pilto", path, skip_invalid=False)

    assert "no program named 'Pilto'" in str(raised.value)
    assert "Known programs: Pilot" in str(raised.value)
    assert list_participants(pilot, "Pilot") == []


def test_programs_keep_their_participants_apart(run_import, pilot, tmp_path: Path) -> None:
    create_program(pilot, build_program("Second", start=date(2027, 3, 1)))
    path = factories.write_csv(tmp_path / "people.csv", PEOPLE)
    run_import(path)

    report = import_participants_file(pilot, "Second", path, skip_invalid=False)

    assert (report.created, report.unchanged) == (4, 0)
    assert len(list_participants(pilot, "Second")) == 4


def test_import_is_atomic_on_every_database(any_db: Database, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    create_program(any_db, build_program("Pilot", start=date(2027, 1, 11)))
    bad_rows = [*PEOPLE, factories.mentee("e9", manager_id="e9")]
    bad = factories.write_csv(tmp_path / "bad.csv", bad_rows)

    rejected = import_participants_file(any_db, "Pilot", bad, skip_invalid=False)
    assert [(e["row"], e["field"]) for e in rejected.errors] == [(6, "manager_id")]
    assert list_participants(any_db, "Pilot") == []

    # A failure after the rows were written (here: the audit entry) rolls back every row.
    def broken_append(*args, **kwargs):
        raise RuntimeError("audit store is down")

    good = factories.write_csv(tmp_path / "good.csv", PEOPLE)
    with monkeypatch.context() as patch:
        patch.setattr(AuditLog, "append", broken_append)
        with pytest.raises(RuntimeError, match="audit store is down"):
            import_participants_file(any_db, "Pilot", good, skip_invalid=False)
    assert list_participants(any_db, "Pilot") == []

    done = import_participants_file(any_db, "Pilot", good, skip_invalid=False)
    assert (done.created, done.errors) == (4, [])
    assert [p.id for p in list_participants(any_db, "Pilot")] == ["e1", "e2", "m1", "m2"]
    again = import_participants_file(any_db, "Pilot", good, skip_invalid=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def _write_many(path: Path, mentors: int, mentees: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "role", "level", "manager_id", "capacity", "timezone",
                         "languages", "goals"])
        for n in range(mentors):
            # Mentors report up a few chains of ten, so the reporting-line check has work.
            manager = f"m{n - 1}" if n % 10 else ""
            writer.writerow([f"m{n}", f"Mentor {n}", "mentor", 5 + n % 4, manager, 1 + n % 5,
                             "Europe/London", "en", ""])
        for n in range(mentees):
            writer.writerow([f"e{n}", f"Mentee {n}", "mentee", 1 + n % 4, f"m{n % mentors}",
                             "", "America/New_York", "en;es",
                             f"Goal one for {n};;Goal two for {n}"])
    return path


def test_ten_thousand_rows(run_import, pilot, tmp_path: Path) -> None:
    path = _write_many(tmp_path / "many.csv", mentors=2_000, mentees=8_000)

    report = run_import(path)

    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (10_000, 0, 0)
    people = list_participants(pilot, "Pilot")
    assert len(people) == 10_000
    assert sum(p.role.mentors for p in people) == 2_000

    again = run_import(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10_000)


def test_a_nul_character_deep_in_a_file_is_a_row_error_on_every_database(
        any_db: Database, tmp_path: Path) -> None:
    """Past the binary-file sniff (the first 4 KB), a NUL in one cell names its row and field;
    PostgreSQL used to refuse the whole import with a database error."""
    create_program(any_db, build_program("Pilot", start=date(2027, 1, 11)))
    filler = [factories.mentee(f"f{i}", goals="Grow as a leader in my own team " * 3)
              for i in range(60)]
    rows = [*filler, factories.mentee("z1", name="Zed\x00Null")]
    path = factories.write_csv(tmp_path / "nul.csv", rows)
    assert b"\x00" not in path.read_bytes()[:4096]
    report = import_participants_file(any_db, "Pilot", path, skip_invalid=False)
    assert not report.imported
    assert [(e["row"], e["field"]) for e in report.errors] == [(len(rows) + 1, "name")]
    assert "NUL character" in report.errors[0]["message"]
    assert list_participants(any_db, "Pilot") == []
    skipped = import_participants_file(any_db, "Pilot", path, skip_invalid=True)
    assert (skipped.created, skipped.skipped) == (len(filler), 1)
