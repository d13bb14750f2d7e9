"""Imports never lose data silently (issue 10, item 7): unknown columns are kept and reported,
lists split on ',' and ';', a re-import changes only the columns its file has, ids are unique
across organisations, and the audit log names the fields each update changed."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from companion.domain import Participant
from companion.services.participants import (
    ImportReport,
    import_participants_file,
    list_participants,
)
from companion.services.programs import build_program, create_program
from companion.store import AuditLog, Database
from tests import factories

HOST, PARTNER = "Harbourline Group", "Northwind Traders"


@pytest.fixture
def store(any_db: Database) -> Database:
    """'Pilot' (host Harbourline Group, partner Northwind Traders) on SQLite and PostgreSQL."""
    create_program(any_db, build_program("Pilot", start=date(2027, 1, 11),
                                         host_organization=HOST,
                                         partner_organizations=[PARTNER]))
    return any_db


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _run(db: Database, path: Path, *, skip_invalid: bool = False) -> ImportReport:
    return import_participants_file(db, "Pilot", path, skip_invalid=skip_invalid)


def _people(db: Database) -> dict[str, Participant]:
    return {p.id: p for p in list_participants(db, "Pilot")}


def _imports(db: Database) -> list[dict[str, Any]]:
    """Details of the import audit events, oldest first."""
    with db.session() as session:
        events = AuditLog(session).list(program="Pilot")
    return [e.detail for e in reversed(events) if e.action == "participants.import"]


# --- 1. unknown columns: kept and reported -------------------------------------------------

HR_EXPORT = ("id,name,role,Cost Centre,Shift Pattern,Parking Space,Badge Colour\n"
             "e1,Ada Park,mentee,Lead my first team,,,G4\n"
             "m1,Bo Chen,mentor,,Finance; change management,3,G7\n")
HR_COLUMNS = ["Cost Centre", "Shift Pattern", "Parking Space", "Badge Colour"]


def test_unknown_csv_columns_are_reported_and_kept(store: Database, tmp_path: Path) -> None:
    report = _run(store, _csv(tmp_path / "hr.csv", HR_EXPORT))

    assert report.imported and report.created == 2
    assert report.unknown_columns == HR_COLUMNS
    assert len(report.warnings) == 1
    assert all(f"'{c}'" in report.warnings[0] for c in HR_COLUMNS)
    assert "kept as extra fields" in report.warnings[0]
    people = _people(store)
    assert people["e1"].extra == {"cost_centre": "Lead my first team", "badge_colour": "G4"}
    assert people["m1"].extra == {"shift_pattern": "Finance; change management",
                                  "parking_space": "3", "badge_colour": "G7"}
    assert people["m1"].to_record()["parking_space"] == "3"
    assert _imports(store)[-1]["unknown_columns"] == HR_COLUMNS
    # stored extras hash the same as the file's: the same file again changes nothing
    again = _run(store, _csv(tmp_path / "hr.csv", HR_EXPORT))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_unknown_json_keys_are_reported_across_records(store: Database, tmp_path: Path
                                                       ) -> None:
    path = factories.write_json(tmp_path / "people.json", [
        {"id": "e1", "name": "Ada Park", "role": "mentee", "Badge Colour": "G4"},
        {"id": "e2", "name": "Cy Dahl", "role": "mentee", "Cost Centre": 4711},
    ])

    report = _run(store, path)

    assert report.unknown_columns == ["Badge Colour", "Cost Centre"]
    assert _people(store)["e2"].extra == {"cost_centre": "4711"}


def test_unknown_columns_are_reported_when_errors_stop_the_import(
        store: Database, tmp_path: Path) -> None:
    report = _run(store, _csv(tmp_path / "hr.csv", HR_EXPORT.replace("mentor,", "chief,")))

    assert not report.imported
    assert report.unknown_columns == HR_COLUMNS and report.warnings


def test_a_file_of_known_columns_has_no_warnings(store: Database, tmp_path: Path) -> None:
    report = _run(store, factories.write_csv(tmp_path / "p.csv", [factories.mentee("e1")]))

    assert (report.unknown_columns, report.warnings) == ([], [])


# --- 2. list separators -------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("English, German", ["en", "de"]),
    ("English; German", ["en", "de"]),
    ("English ,German;French", ["en", "de", "fr"]),
    ("English", ["en"]),
    (" , ;", []),
])
def test_languages_split_on_commas_and_semicolons(text: str, expected: list[str]) -> None:
    assert factories.participant("e1", languages=text).languages == expected


def test_skills_split_on_commas_but_goals_do_not(store: Database, tmp_path: Path) -> None:
    row = factories.mentee("e1", skills="Python, SQL;Coaching",
                           goals="Lead a team, then a department;;Present to the board",
                           languages="English, German")
    _run(store, factories.write_csv(tmp_path / "p.csv", [row]))

    person = _people(store)["e1"]
    assert person.skills == ["Python", "SQL", "Coaching"]
    assert person.languages == ["en", "de"]
    assert person.goals == ["Lead a team, then a department", "Present to the board"]


# --- 3. a re-import changes only the columns its file has ---------------------------------

FULL = [factories.mentor("m1", title="Director", level="6", organization=HOST),
        factories.mentee("e1", manager_id="m1", title="Analyst", level="3", organization=HOST),
        factories.mentee("e2", title="Engineer", level="4", organization=HOST)]


def test_absent_columns_keep_stored_values(store: Database, tmp_path: Path) -> None:
    _run(store, factories.write_csv(tmp_path / "full.csv", FULL))
    before = _people(store)

    report = _run(store, _csv(tmp_path / "titles.csv", "id,name,role,title\n"
                              "m1,Mentor m1,mentor,Managing Director\n"
                              "e1,Mentee e1,mentee,Analyst\n"
                              "e2,Mentee e2,mentee,Senior Engineer\n"))

    assert report.imported and report.errors == []
    assert (report.created, report.updated, report.unchanged) == (0, 2, 1)
    after = _people(store)
    assert after["m1"].title == "Managing Director"
    assert after["e2"].title == "Senior Engineer"
    assert after["e1"] == before["e1"]
    for pid in ("m1", "e2"):
        kept = after[pid].model_dump(exclude={"title"})
        assert kept == before[pid].model_dump(exclude={"title"})
    assert after["e1"].manager_id == "m1" and after["e1"].goals and after["m1"].capacity == 2
    # the stored hash is the merged record's: the same partial file again changes nothing
    again = _run(store, tmp_path / "titles.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_an_empty_cell_in_a_present_column_clears_the_field(store: Database,
                                                            tmp_path: Path) -> None:
    _run(store, factories.write_csv(tmp_path / "full.csv", FULL))

    report = _run(store, _csv(tmp_path / "t.csv", "id,name,role,title,manager_id\n"
                              "e1,Mentee e1,mentee,,\n"))

    assert (report.updated, report.unchanged) == (1, 0)
    person = _people(store)["e1"]
    assert (person.title, person.manager_id) == (None, None)
    assert person.level == 3


def test_extra_columns_absent_are_kept_and_present_empty_are_cleared(
        store: Database, tmp_path: Path) -> None:
    _run(store, _csv(tmp_path / "a.csv", "id,name,role,Badge Colour,Cost Centre\n"
                     "e1,Ada Park,mentee,G4,4711\n"))

    report = _run(store, _csv(tmp_path / "b.csv", "id,name,role,Badge Colour,Badge\n"
                              "e1,Ada Park,mentee,,B-7\n"))

    assert report.updated == 1
    assert _people(store)["e1"].extra == {"cost_centre": "4711", "badge": "B-7"}


def test_json_absent_keys_keep_and_null_clears(store: Database, tmp_path: Path) -> None:
    _run(store, factories.write_csv(tmp_path / "full.csv", FULL))

    report = _run(store, factories.write_json(tmp_path / "p.json", [
        {"id": "e1", "name": "Mentee e1", "role": "mentee", "level": 4},
        {"id": "e2", "name": "Mentee e2", "role": "mentee", "title": None},
    ]))

    assert (report.updated, report.unchanged) == (2, 0)
    people = _people(store)
    assert (people["e1"].level, people["e1"].title, people["e1"].manager_id) == (
        4, "Analyst", "m1")
    assert (people["e2"].title, people["e2"].level) == (None, 4)


def test_a_file_without_manager_column_is_checked_against_stored_managers(
        store: Database, tmp_path: Path) -> None:
    _run(store, factories.write_csv(tmp_path / "full.csv", FULL))

    # m1 is managed by e1 now; e1's stored manager is m1, so this closes a cycle
    report = _run(store, _csv(tmp_path / "p.csv", "id,name,role,manager_id\n"
                              "m1,Mentor m1,mentor,e1\n"))
    assert not report.imported
    assert [(e["row"], e["field"]) for e in report.errors] == [(2, "manager_id")]

    # a file of names only keeps everyone's manager and needs no manager to be in it
    ok = _run(store, _csv(tmp_path / "n.csv", "id,name,role\ne1,Ella Renamed,mentee\n"))
    assert ok.imported and ok.updated == 1
    assert _people(store)["e1"].manager_id == "m1"


# --- 4. ids are unique in a program across organisations ----------------------------------

HOST_FILE = ("id,name,role,organization\n"
             "E1000,Sam Host,mentor,Harbourline Group\n"
             "E1001,Jane Doe,mentee,Harbourline Group\n")
PARTNER_FILE = ("id,name,role,organization,manager_id\n"
                "N1,Nia North,mentor,Northwind Traders,\n"
                "E1001,Ola Nord,mentee,Northwind Traders,N1\n"
                "N2,Ned North,mentee,Northwind Traders,E1001\n")


def test_a_partner_id_equal_to_a_stored_host_id_is_an_error(store: Database,
                                                            tmp_path: Path) -> None:
    _run(store, _csv(tmp_path / "host.csv", HOST_FILE))
    before = _people(store)

    report = _run(store, _csv(tmp_path / "partner.csv", PARTNER_FILE))

    assert not report.imported
    assert [(e["row"], e["field"]) for e in report.errors][0] == (3, "id")
    message = report.errors[0]["message"]
    assert "E1001 is already Jane Doe of Harbourline Group" in message
    assert "Ola Nord of Northwind Traders" in message
    assert "unique in the program" in message and "NT-E1001" in message
    assert _people(store) == before


def test_skip_invalid_skips_the_clashing_row_and_rows_it_manages(store: Database,
                                                                  tmp_path: Path) -> None:
    _run(store, _csv(tmp_path / "host.csv", HOST_FILE))
    jane = _people(store)["E1001"]

    report = _run(store, _csv(tmp_path / "partner.csv", PARTNER_FILE), skip_invalid=True)

    assert report.imported
    assert [(e["row"], e["field"]) for e in report.errors] == [(3, "id"), (4, "manager_id")]
    assert (report.created, report.skipped) == (1, 2)
    people = _people(store)
    assert people["E1001"] == jane
    assert set(people) == {"E1000", "E1001", "N1"}


def test_a_blank_stored_organisation_counts_as_the_host(store: Database, tmp_path: Path
                                                        ) -> None:
    _run(store, _csv(tmp_path / "host.csv", "id,name,role\nE1001,Jane Doe,mentee\n"))

    report = _run(store, _csv(tmp_path / "partner.csv", PARTNER_FILE))

    assert (3, "id") in [(e["row"], e["field"]) for e in report.errors]
    assert "Jane Doe of Harbourline Group" in report.errors[0]["message"]


def test_the_same_organisation_may_update_its_people(store: Database, tmp_path: Path) -> None:
    _run(store, _csv(tmp_path / "host.csv", HOST_FILE))

    report = _run(store, _csv(tmp_path / "again.csv", HOST_FILE.replace(
        "Jane Doe,mentee,Harbourline Group", "Jane Doe-Smith,mentee, harbourline  group")))

    assert report.imported and report.updated == 1


def test_the_same_id_for_two_organisations_in_one_file_names_both_rows(
        store: Database, tmp_path: Path) -> None:
    path = _csv(tmp_path / "both.csv", HOST_FILE + "E1001,Ola Nord,mentee,Northwind Traders\n")

    report = _run(store, path)

    assert not report.imported
    assert [(e["row"], e["field"]) for e in report.errors] == [(4, "id")]
    message = report.errors[0]["message"]
    assert "E1001 is already Jane Doe of Harbourline Group (first on row 3)" in message
    assert "unique in the program" in message
    assert _people(store) == {}


# --- 5. the audit log names the fields each update changed --------------------------------

def test_audit_names_the_changed_fields_of_each_updated_participant(
        store: Database, tmp_path: Path) -> None:
    _run(store, factories.write_csv(tmp_path / "full.csv", FULL))
    _run(store, _csv(tmp_path / "p.csv", "id,name,role,title,level,Badge Colour\n"
                     "m1,Mentor m1,mentor,Managing Director,7,\n"
                     "e1,Mentee e1,mentee,Analyst,3,G4\n"
                     "e2,Mentee e2,mentee,Engineer,4,\n"))

    first, second = _imports(store)
    assert "changed_fields" not in first  # nothing was updated
    assert second["changed_fields"] == {"m1": ["title", "level"], "e1": ["extra.badge_colour"]}
    assert (second["updated"], second["unchanged"]) == (2, 1)
