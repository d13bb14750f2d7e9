"""Files as HR systems export them: their headers (English, German, French), encodings,
delimiters and Excel workbooks import without renaming anything."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from companion.importing.mapping import ImportMapping
from companion.services.participants import import_participants_file, list_participants
from companion.store import Database

FILES = Path(__file__).parent / "files"
PROGRAM = "Pilot"


def _people(db: Database) -> dict:
    return {p.id: p for p in list_participants(db, PROGRAM)}


def test_english_hr_export_imports_with_the_two_bad_rows_reported(run_import, pilot) -> None:
    """The export of issue 13 (UTF-8 with BOM, CRLF): every header recognised, the bad
    e-mail and the unknown role reported by the spreadsheet row and field."""
    report = run_import(FILES / "hr_export_utf8_bom.csv", skip_invalid=True)

    assert [(e["row"], e["field"]) for e in report.errors] == [(6, "email"), (7, "role")]
    assert report.unknown_columns == []
    assert report.created == 5 and report.skipped == 2
    assert report.encoding == "UTF-8" and report.delimiter == "comma"
    assert {c["column"]: c["field"] for c in report.columns} == {
        "Employee ID": "id", "Full Name": "name", "Email": "email", "Job Title": "title",
        "Department": "department", "Manager ID": "manager_id", "Location": "location",
        "Time Zone": "timezone", "Grade": "level", "Programme Role": "role",
        "Mentor Capacity": "capacity", "Languages": "languages",
        "Areas of Expertise": "expertise", "Development Goals": "goals"}
    people = _people(pilot)
    ana = people["E1003"]
    assert ana.name == "Ana Souza" and ana.role.value == "mentee"
    assert ana.manager_id == "E1002" and ana.level == 4 and ana.timezone == "Europe/Lisbon"
    assert ana.goals == ["Lead my first team", "Manage stakeholders across the US and Europe"]
    assert len(ana.languages) == 2
    assert ana.extra == {}
    priya = people["E1001"]
    assert (priya.capacity, priya.level) == (2, 7)
    assert priya.expertise == "Budget ownership and forecasting; building finance teams"
    assert people["E1007"].role.value == "both"


def test_german_windows_1252_semicolon_export(run_import, pilot) -> None:
    report = run_import(FILES / "hr_export_de_cp1252_semicolon.csv")

    assert report.errors == [] and report.created == 3
    assert report.encoding == "Windows-1252" and report.delimiter == "semicolon"
    assert report.unknown_columns == []
    people = _people(pilot)
    assert people["D-01"].name == "Jürgen Groß"
    assert people["D-02"].name == "Renée Faßbender"
    assert people["D-02"].manager_id == "D-01" and people["D-02"].level == 4
    assert people["D-01"].organization == "Müller & Söhne GmbH"
    assert people["D-01"].location == "München"
    assert people["D-02"].goals == ["Mein erstes Team führen", "Budgetverantwortung übernehmen"]


def test_french_utf16_tab_separated_export(run_import, pilot) -> None:
    report = run_import(FILES / "hr_export_fr_utf16.tsv")

    assert report.errors == [] and report.created == 2
    assert report.encoding == "UTF-16" and report.delimiter == "tab"
    assert report.unknown_columns == []
    people = _people(pilot)
    assert people["F100"].name == "Hélène Dubois"
    assert people["F100"].title == "Directrice financière"
    assert people["F100"].expertise == "Pilotage budgétaire, gestion des risques"
    assert people["F101"].manager_id == "F100" and people["F101"].level == 4
    assert people["F101"].department == "Opérations"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_delimiter_is_found_from_the_header(run_import, pilot, tmp_path: Path,
                                            delimiter: str) -> None:
    """A `;` file used to fail with "required column 'id' is missing"."""
    path = tmp_path / "people.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, delimiter=delimiter)
        writer.writerows([["id", "name", "role", "goals"],
                          ["e1", "Ada Park", "mentee", "Lead, then delegate"]])

    report = run_import(path)

    assert report.errors == [] and report.created == 1
    assert _people(pilot)["e1"].goals == ["Lead, then delegate"]


def test_delimiter_falls_back_to_the_sniffer_for_unrecognised_headers(
        run_import, pilot, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Staff Ref;Known As;Part\nx1;Ada;mentor\nx2;Bo;mentee\n", encoding="utf-8")
    mapping = ImportMapping({"Staff Ref": "id", "Known As": "name", "Part": "role"}, {})

    report = import_participants_file(pilot, PROGRAM, path, skip_invalid=False,
                                      mapping=mapping)

    assert report.errors == [] and report.created == 2 and report.delimiter == "semicolon"


@pytest.mark.parametrize(("header", "field"), [
    ("Employee ID", "id"), ("Personalnummer", "id"), ("Matricule", "id"),
    ("Full Name", "name"), ("Nom complet", "name"), ("Vollständiger Name", "name"),
    ("E-mail", "email"), ("E-Mail", "email"), ("Courriel", "email"),
    ("Job Title", "title"), ("Position", "title"), ("Stellenbezeichnung", "title"),
    ("Intitulé du poste", "title"), ("INTITULE DU POSTE", "title"),
    ("Department", "department"), ("Abteilung", "department"), ("Service", "department"),
    ("Département", "department"), ("Manager ID", "manager_id"),
    ("Vorgesetzter ID", "manager_id"), ("ID du responsable", "manager_id"),
    ("Grade", "level"), ("Band", "level"), ("Level", "level"), ("Stufe", "level"),
    ("Niveau", "level"), ("Programme Role", "role"), ("Program Role", "role"),
    ("Rolle", "role"), ("Rôle", "role"), ("Mentor Capacity", "capacity"),
    ("Kapazität", "capacity"), ("Capacité", "capacity"), ("Languages", "languages"),
    ("Sprachen", "languages"), ("Langues", "languages"),
    ("Areas of Expertise", "expertise"), ("Expertise", "expertise"),
    ("Fachgebiete", "expertise"), ("Domaines d'expertise", "expertise"),
    ("Development Goals", "goals"), ("Goals", "goals"), ("Entwicklungsziele", "goals"),
    ("Objectifs de développement", "goals"), ("Location", "location"),
    ("Standort", "location"), ("Site", "location"), ("Time Zone", "timezone"),
    ("Zeitzone", "timezone"), ("Fuseau horaire", "timezone"),
    ("Organisation", "organization"), ("Company", "organization"),
    ("Firma", "organization"), ("Société", "organization"), ("  manager_id ", "manager_id"),
    ("Time-Zone", "timezone"), ("employee_id", "id"),
])
def test_common_hr_headers_are_recognised(header: str, field: str) -> None:
    from companion.importing.headers import recognised_field

    assert recognised_field(header) == field


def test_unknown_columns_stay_reported_next_to_recognised_ones(run_import, pilot,
                                                               tmp_path: Path) -> None:
    path = tmp_path / "hr.csv"
    path.write_text("Employee ID,Full Name,Programme Role,Cost Centre\nE1,Ada,Mentor,CC-7\n",
                    encoding="utf-8")

    report = run_import(path)

    assert report.created == 1
    assert report.unknown_columns == ["Cost Centre"]
    assert "'Cost Centre'" in report.warnings[0]
    assert report.columns == [
        {"column": "Employee ID", "field": "id", "how": "recognised"},
        {"column": "Full Name", "field": "name", "how": "recognised"},
        {"column": "Programme Role", "field": "role", "how": "recognised"},
        {"column": "Cost Centre", "field": None, "how": None}]
    assert _people(pilot)["E1"].extra == {"cost_centre": "CC-7"}


def test_two_headers_meaning_one_field_name_both(run_import, tmp_path: Path) -> None:
    path = tmp_path / "hr.csv"
    path.write_text("id,name,role,Grade,Level\ne1,Ada,mentee,G4,4\n", encoding="utf-8")

    report = run_import(path)

    assert not report.imported
    assert [(e["row"], e["field"]) for e in report.errors] == [(1, "Level")]
    message = report.errors[0]["message"]
    assert "'Grade' (4) and 'Level' (5) both mean level" in message


# --- encodings ------------------------------------------------------------------------------

TEXT = "id,name,role,department\nm1,José Weiß,mentor,Straße\n"


@pytest.mark.parametrize(("data", "encoding"), [
    (TEXT.encode("utf-8"), "UTF-8"),
    (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "UTF-8"),
    (TEXT.encode("utf-16"), "UTF-16"),  # with its BOM
    (TEXT.encode("utf-16-le"), "UTF-16"),  # without one
    (TEXT.encode("cp1252"), "Windows-1252"),
])
def test_encodings_hr_systems_write(run_import, pilot, tmp_path: Path, data: bytes,
                                    encoding: str) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(data)

    report = run_import(path)

    assert report.errors == [] and report.encoding == encoding
    person = _people(pilot)["m1"]
    assert (person.name, person.department) == ("José Weiß", "Straße")


@pytest.mark.parametrize(("text", "codec", "fragments"), [
    ("id,name,role\nm1,Łukasz Wałęsa,mentor\n", "cp1250",
     ["cannot tell the encoding", "not UTF-8", "Windows-1252", "CSV UTF-8"]),
    ("id,name,role\nm1,山田太郎,mentor\n", "shift_jis",
     ["not UTF-8", "Windows-1252", "CSV UTF-8"]),
])
def test_bytes_of_another_code_page_are_a_clear_error(run_import, pilot, tmp_path: Path,
                                                      text: str, codec: str,
                                                      fragments: list[str]) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(text.encode(codec))

    report = run_import(path)

    assert not report.imported and report.blocked
    assert [(e["row"], e["field"]) for e in report.errors] == [(0, "file")]
    for fragment in fragments:
        assert fragment in report.errors[0]["message"]
    assert _people(pilot) == {}


# --- Excel workbooks ------------------------------------------------------------------------

def _workbook(rows: list[list[object]], *, leading_blank_rows: int = 0,
              second_sheet: bool = False) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Employees"
    for _ in range(leading_blank_rows):
        sheet.append([])
    for row in rows:
        sheet.append(row)
    if second_sheet:
        book.create_sheet("Notes").append(["id", "name", "role"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_first_sheet_imports_with_sheet_row_numbers(run_import, pilot,
                                                         tmp_path: Path) -> None:
    path = tmp_path / "hr.xlsx"
    path.write_bytes(_workbook([
        ["Employee ID", "Full Name", "Programme Role", "Grade", "Mentor Capacity",
         "Start Date", "Development Goals"],
        [1001, "Ada Park", "Mentor", "Grade 6", 2.0, datetime.datetime(2024, 3, 1), None],
        [1002, "Bo Chen", "Mentee", "L3", None, datetime.date(2025, 1, 6),
         "Lead my first team"],
        [None, None, None, None, None, None, None],
        [1003, "Cy Dahl", "Chief", "Grade 4", None, None, None],
    ], leading_blank_rows=2, second_sheet=True))

    report = run_import(path, skip_invalid=True)

    # header on sheet row 3: Ada is row 4, Bo row 5, a blank row 6, Cy row 7
    assert [(e["row"], e["field"]) for e in report.errors] == [(7, "role")]
    assert report.created == 2 and report.encoding is None
    assert report.unknown_columns == ["Start Date"]
    people = _people(pilot)
    assert (people["1001"].capacity, people["1001"].level) == (2, 6)
    assert people["1001"].extra == {"start_date": "2024-03-01"}
    assert people["1002"].goals == ["Lead my first team"] and people["1002"].level == 3


def test_xlsx_that_is_not_a_workbook_or_empty(run_import, tmp_path: Path) -> None:
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(_workbook([]))
    legacy = tmp_path / "old.xlsx"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)

    assert "is empty" in run_import(empty).errors[0]["message"]
    assert ".xls workbook" in run_import(legacy).errors[0]["message"]


@pytest.mark.parametrize(("text", "default", "expected"), [
    ("Staff Ref,Known As,Part,Languages\nx1,Ada,mentor,en;de\nx2,Bo,mentee,fr;it;es\n",
     ",", ","),
    ("Staff Ref;Known As;Part\nx1;Park, Ada;mentor\nx2;Chen, Bo;mentee\n", ",", ";"),
    ("Staff Ref\tKnown As\tPart\nx1\tPark, Ada\tmentor\n", ",", "\t"),
    ("Employee ID;Full Name;Programme Role\nE1;Park, Ada;Mentor\n", ",", ";"),
    ("id,name,role\n", "\t", ","),
    ("Reference\nx1\n", ",", ","),
    ("Reference\nx1\n", "\t", "\t"),
])
def test_sniff_delimiter(text: str, default: str, expected: str) -> None:
    from companion.importing.sources import sniff_delimiter

    assert sniff_delimiter(text, default=default) == expected


@pytest.mark.parametrize(("header", "label"), [
    ("ID,First Name,Last Name,Role", "First Name + Last Name"),
    ("Personalnummer;Vorname;Nachname;Rolle", "Vorname + Nachname"),
    ("Personalnummer;Vorname;Name;Rolle", "Vorname + Name"),  # German: 'Name' is the surname
    ("Matricule;Prénom;Nom;Rôle", "Prénom + Nom"),
])
def test_first_and_last_name_columns_are_joined(run_import, pilot, tmp_path: Path,
                                                header: str, label: str) -> None:
    delimiter = ";" if ";" in header else ","
    path = tmp_path / "hr.csv"
    path.write_text(header + "\n" + delimiter.join(["E1", "Anna", "Schmidt", "Mentee"]) + "\n"
                    + delimiter.join(["E2", "Bo", "", "Mentor"]) + "\n", encoding="utf-8")

    report = run_import(path)

    assert report.errors == [] and report.unknown_columns == []
    assert {"column": label, "field": "name", "how": "recognised"} in report.columns
    people = _people(pilot)
    assert (people["E1"].name, people["E2"].name) == ("Anna Schmidt", "Bo")
    assert people["E1"].extra == {}


def test_a_full_name_column_wins_over_name_parts(run_import, pilot, tmp_path: Path) -> None:
    path = tmp_path / "hr.csv"
    path.write_text("id,Full Name,First Name,role\ne1,Anna Schmidt,Anna,mentee\n",
                    encoding="utf-8")

    report = run_import(path)

    assert report.errors == [] and report.unknown_columns == ["First Name"]
    assert _people(pilot)["e1"].name == "Anna Schmidt"
