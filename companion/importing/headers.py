"""Column headers as HR systems write them, onto participant fields.

Headers are compared folded: case, spaces, punctuation and accents ignored, so `Manager ID`,
`manager_id` and `MANAGER-ID` are one header, and `Intitulé du poste` matches
`intitule du poste`. A mapping file's `columns` (see `mapping.py`) come before these names.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from companion.domain.participant import IMPORT_FIELDS

#: The names HR exports use for each field, in English, German and French. Each field's own
#: name (`manager_id`) is recognised too.
KNOWN_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("Employee ID", "Employee Number", "Employee No", "Staff ID", "Personnel Number",
           "Worker ID", "Personalnummer", "Mitarbeiter ID", "Mitarbeiternummer",
           "Matricule", "ID employé", "Numéro d'employé"),
    "name": ("Full Name", "Name", "Employee Name", "Display Name", "Vollständiger Name",
             "Mitarbeitername", "Nom complet", "Nom et prénom", "Nom"),
    "email": ("E-mail", "Email Address", "Mail", "Work Email", "E-Mail-Adresse",
              "Courriel", "Adresse e-mail", "Adresse électronique"),
    "title": ("Job Title", "Position", "Job", "Role Title", "Stellenbezeichnung",
              "Berufsbezeichnung", "Funktion", "Intitulé du poste", "Poste", "Fonction"),
    "department": ("Department", "Dept", "Team", "Abteilung", "Service", "Département"),
    "manager_id": ("Manager ID", "Manager", "Line Manager ID", "Line Manager",
                   "Manager Employee ID", "Reports To", "Reports To ID", "Supervisor ID",
                   "Vorgesetzter ID", "Vorgesetzter", "Führungskraft ID",
                   "ID du responsable", "Responsable", "Matricule du responsable"),
    "level": ("Grade", "Band", "Level", "Job Level", "Job Grade", "Pay Grade", "Career Level",
              "Stufe", "Ebene", "Entgeltgruppe", "Niveau", "Échelon"),
    "role": ("Programme Role", "Program Role", "Mentoring Role", "Rolle", "Programmrolle",
             "Rôle", "Rôle dans le programme"),
    "capacity": ("Mentor Capacity", "Capacity", "Max Mentees", "Maximum Mentees",
                 "Kapazität", "Capacité"),
    "languages": ("Languages", "Language", "Spoken Languages", "Sprachen", "Sprache",
                  "Langues", "Langue"),
    "expertise": ("Areas of Expertise", "Expertise", "Area of Expertise", "Experience",
                  "Fachgebiete", "Fachgebiet", "Expertise-Bereiche",
                  "Domaines d'expertise", "Domaine d'expertise"),
    "goals": ("Development Goals", "Goals", "Goal", "Mentoring Goals", "Learning Goals",
              "Entwicklungsziele", "Ziele", "Objectifs de développement", "Objectifs"),
    "skills": ("Skills", "Skill", "Kompetenzen", "Fähigkeiten", "Compétences"),
    "location": ("Location", "Office", "Work Location", "Standort", "Arbeitsort", "Site",
                 "Lieu", "Lieu de travail"),
    "timezone": ("Time Zone", "TZ", "Zeitzone", "Fuseau horaire"),
    "organization": ("Organisation", "Organization", "Org", "Company", "Employer",
                     "Legal Entity", "Firma", "Unternehmen", "Gesellschaft", "Société",
                     "Entreprise"),
    "format": ("Mentoring Format", "Preferred Format", "Format"),
    "prefer_cross_department": ("Prefer Cross Department", "Cross Department"),
}


#: Names split over two columns: joined into `name` when the file has no full-name column.
NAME_PARTS: dict[str, tuple[str, ...]] = {
    "first": ("First Name", "Given Name", "Forename", "First", "Vorname", "Prénom"),
    "last": ("Last Name", "Surname", "Family Name", "Last", "Nachname", "Familienname",
             "Nom de famille"),
}
#: Headers that mean the whole name alone, but the surname beside a first-name column
#: (German 'Vorname' + 'Name', French 'Prénom' + 'Nom').
_SURNAME_BESIDE_FIRST = frozenset({"name", "nom"})


def fold(header: str) -> str:
    """'Intitulé du Poste' → 'intituleduposte': the form headers are compared in."""
    decomposed = unicodedata.normalize("NFKD", header.casefold())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


def _build() -> dict[str, str]:
    table: dict[str, str] = {}
    for field in IMPORT_FIELDS:
        table[fold(field)] = field
    for field, names in KNOWN_HEADERS.items():
        assert field in IMPORT_FIELDS, field
        for name in names:
            folded = fold(name)
            if table.get(folded, field) != field:
                raise AssertionError(f"header '{name}' means two fields")
            table[folded] = field
    return table


_RECOGNISED = _build()


def name_part(header: str) -> str | None:
    """'first' or 'last' for a column holding part of a person's name."""
    folded = fold(header)
    for part, names in NAME_PARTS.items():
        if any(fold(n) == folded for n in names):
            return part
    return None


def surname_beside_first(header: str) -> bool:
    """Whether `header` ('Name', 'Nom') is the surname when a first-name column is present."""
    return fold(header) in _SURNAME_BESIDE_FIRST


def recognised_field(header: str) -> str | None:
    """The participant field a header names out of the box, or None."""
    return _RECOGNISED.get(fold(header))


def extra_key(header: str) -> str:
    """An unknown column's key among a participant's extra fields: 'Cost Centre' →
    'cost_centre' (stable, so a re-import updates the same extra field)."""
    return "_".join(header.strip().lower().replace("-", " ").split())


def field_for(header: str, columns: Mapping[str, str] | None = None) -> str:
    """The record key for `header`: the mapping file's field, a recognised field, or
    (for a column no field takes, or one mapped to '') its extra-field key."""
    if columns:
        folded = fold(header)
        for theirs, ours in columns.items():
            if fold(theirs) == folded:
                return ours or extra_key(header)
    return recognised_field(header) or extra_key(header)
