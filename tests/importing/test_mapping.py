"""Mapping files (columns and levels), levels from grade text, and dry runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from companion.importing.levels import level_from_text
from companion.importing.mapping import ImportMapping, MappingError, load_mapping, parse_mapping
from companion.services.participants import import_participants_file, list_participants
from companion.store import AuditLog, Database

PROGRAM = "Pilot"
ODD_EXPORT = ("Staff Ref,Known As,Part,Career Band,Service\n"
              "x1,Ada Park,mentor,Band A,Tax\n"
              "x2,Bo Chen,mentee,G7,Audit\n")


def _people(db: Database) -> dict:
    return {p.id: p for p in list_participants(db, PROGRAM)}


def _csv(tmp_path: Path, text: str, name: str = "hr.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the mapping file -----------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_mapping_file_in_yaml_or_json(tmp_path: Path, suffix: str) -> None:
    document = {"columns": {"Staff Ref": "id", "Career Band": "level", "Service": None},
                "levels": {"Band A": 7, "G7": 5}}
    path = tmp_path / f"map{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(document), encoding="utf-8")
    else:
        path.write_text("columns:\n  Staff Ref: id\n  Career Band: level\n  Service: null\n"
                        "levels:\n  Band A: 7\n  G7: 5\n", encoding="utf-8")

    mapping = load_mapping(path)

    assert mapping.columns == {"Staff Ref": "id", "Career Band": "level", "Service": ""}
    assert mapping.levels == {"Band A": 7, "G7": 5}
    assert mapping.level_for("band a") == 7


@pytest.mark.parametrize(("text", "field", "fragments"), [
    ('{"columns": {"Staff Ref": "employee"}}', "columns.Staff Ref",
     ["unknown field 'employee'", "fields: id, name, role"]),
    ('{"columns": {"Staff Ref": "id", "Person No": "id"}}', "columns.Person No",
     ["'Staff Ref' and 'Person No' are both mapped to id"]),
    ('{"columns": {"Staff Ref": "id", "staff  ref": "name"}}', "columns.staff  ref",
     ["are the same column"]),
    ('{"columns": {"Staff Ref": 3}}', "columns.Staff Ref", ["should name a field"]),
    ('{"columns": ["id"]}', "columns", ["should map each header"]),
    ('{"levels": {"G7": "seven"}}', "levels.G7", ["1 (entry) to 8 (executive)", '"seven"']),
    ('{"levels": {"G9": 9}}', "levels.G9", ["1 (entry) to 8"]),
    ('{"levels": {"G1": true}}', "levels.G1", ["not true"]),
    ('{"colums": {}}', "colums", ["unknown key 'colums'", "'columns'"]),
    ('["id"]', "map", ["should be an object"]),
    ('{"columns": {', "map", ["not valid JSON", "line 1"]),
])
def test_mapping_errors_name_the_key(text: str, field: str, fragments: list[str]) -> None:
    with pytest.raises(MappingError) as raised:
        parse_mapping(text, name="map.json")

    assert raised.value.field == field
    for fragment in fragments:
        assert fragment in str(raised.value)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    path.write_text("columns:\n  Staff Ref: id\n  - broken\n", encoding="utf-8")

    with pytest.raises(MappingError, match="not valid YAML at line 3"):
        load_mapping(path)


def test_missing_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="mapping file not found"):
        load_mapping(tmp_path / "absent.yaml")


def test_mapped_columns_and_levels_import(pilot: Database, tmp_path: Path) -> None:
    mapping = ImportMapping({"Staff Ref": "id", "known as": "name", "PART": "role",
                             "Career Band": "level", "Service": ""},
                            {"Band A": 7, "G7": 5})

    report = import_participants_file(pilot, PROGRAM, _csv(tmp_path, ODD_EXPORT),
                                      skip_invalid=False, mapping=mapping)

    assert report.errors == [] and report.created == 2
    assert report.unknown_columns == ["Service"]  # kept as an extra field, as asked
    assert [(c["column"], c["field"], c["how"]) for c in report.columns] == [
        ("Staff Ref", "id", "mapped"), ("Known As", "name", "mapped"),
        ("Part", "role", "mapped"), ("Career Band", "level", "mapped"),
        ("Service", None, "mapped")]
    people = _people(pilot)
    assert (people["x1"].name, people["x1"].level) == ("Ada Park", 7)
    assert people["x2"].level == 5
    assert people["x1"].department is None and people["x1"].extra == {"service": "Tax"}


def test_mapping_columns_absent_from_the_file_are_a_warning(pilot: Database,
                                                            tmp_path: Path) -> None:
    mapping = ImportMapping({"Staff Ref": "id", "Known As": "name", "Part": "role",
                             "Cost Center": "department"}, {})

    report = import_participants_file(pilot, PROGRAM, _csv(tmp_path, ODD_EXPORT),
                                      skip_invalid=True, mapping=mapping)

    assert any("'Cost Center'" in w and "does not have" in w for w in report.warnings)


# --- levels from grade text -----------------------------------------------------------------

@pytest.mark.parametrize(("text", "levels", "expected"), [
    ("Grade 7", {}, 7), ("L5", {}, 5), ("G4", {}, 4), ("Stufe 3", {}, 3),
    ("G7", {"G7": 5}, 5), ("band a", {"Band A": 6}, 6), ("7", {}, "7"), (4, {}, 4),
    ("Band A", {}, "Band A"), ("Grade 3-4", {}, "Grade 3-4"), ("", {}, ""),
    ("12", {"12": 8}, 8), (12, {"12": 8}, 8), (12.0, {"12": 8}, 8), (3, {"12": 8}, 3),
    (True, {}, True), (None, {}, None),
])
def test_level_from_grade_text(text: object, levels: dict, expected: object) -> None:
    assert level_from_text(text, ImportMapping({}, levels)) == expected


def test_grade_without_number_or_mapping_is_a_row_error(run_import, pilot,
                                                        tmp_path: Path) -> None:
    path = _csv(tmp_path, "id,name,role,Grade\ne1,Ada,mentee,Grade 4\ne2,Bo,mentee,Band A\n")

    report = run_import(path)

    assert [(e["row"], e["field"]) for e in report.errors] == [(3, "level")]
    message = report.errors[0]["message"]
    assert "grade 'Band A' gives no level" in message and "mapping file's levels" in message
    assert _people(pilot) == {}


def test_grade_mapped_out_of_range_is_the_usual_level_error(pilot: Database,
                                                            tmp_path: Path) -> None:
    path = _csv(tmp_path, "id,name,role,Grade\ne1,Ada,mentee,Grade 12\n")

    report = import_participants_file(pilot, PROGRAM, path, skip_invalid=False)

    assert [(e["row"], e["field"]) for e in report.errors] == [(2, "level")]
    assert "level 12 is out of range" in report.errors[0]["message"]
    assert "map them to 1–8 in the mapping file's levels" in report.errors[0]["message"]


# --- dry runs -------------------------------------------------------------------------------

def _audit_count(db: Database) -> int:
    with db.session() as session:
        return len(AuditLog(session).list(program=PROGRAM))


def test_dry_run_says_what_would_change_and_writes_nothing(pilot: Database,
                                                           tmp_path: Path) -> None:
    first = _csv(tmp_path, "id,name,role,title\nm1,Ada,mentor,CFO\ne1,Bo,mentee,Analyst\n",
                 "first.csv")
    import_participants_file(pilot, PROGRAM, first, skip_invalid=False)
    before_people, before_audit = _people(pilot), _audit_count(pilot)
    second = _csv(tmp_path, "id,name,role,title\nm1,Ada,mentor,CEO\ne1,Bo,mentee,Analyst\n"
                  "e2,Cy,mentee,Engineer\ne3,,mentee,\n", "second.csv")

    report = import_participants_file(pilot, PROGRAM, second, skip_invalid=True,
                                      dry_run=True)

    assert report.dry_run and not report.imported and not report.blocked
    assert (report.created, report.updated, report.unchanged, report.skipped) == (1, 1, 1, 1)
    assert report.changes == {"created": ["e2"],
                              "updated": [{"id": "m1", "fields": ["title"]}],
                              "unchanged": ["e1"]}
    assert [(e["row"], e["field"]) for e in report.errors] == [(5, "name")]
    assert _people(pilot) == before_people
    assert _audit_count(pilot) == before_audit


def test_dry_run_with_blocking_errors(pilot: Database, tmp_path: Path) -> None:
    path = _csv(tmp_path, "id,name,role\ne1,Ada,mentee\ne2,Bo,boss\n")

    report = import_participants_file(pilot, PROGRAM, path, skip_invalid=False, dry_run=True)

    assert report.dry_run and report.blocked and not report.imported
    assert [(e["row"], e["field"]) for e in report.errors] == [(3, "role")]
    assert report.changes is None
    assert _people(pilot) == {}


def test_deeply_nested_mapping_is_an_error_not_a_crash() -> None:
    with pytest.raises(MappingError, match="nested too deeply"):
        parse_mapping("[" * 100_000 + "]" * 100_000, name="map.yaml")
