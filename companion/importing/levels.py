"""Levels from the grade or band text HR systems export ('G7', 'Band A', 'Grade 7', 'L5')."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from companion.importing.mapping import ImportMapping
from companion.importing.readers import ParsedFile, RawRecord

_NUMBER = re.compile(r"\d+")


class LevelProblem(NamedTuple):
    """A grade text that gives no level: the row and the message for the `level` field."""

    row: int
    message: str


def level_from_text(value: Any, mapping: ImportMapping) -> Any:
    """The level for one cell: the mapping's level for the text, else the one number inside
    it. Anything else comes back unchanged (numbers, blanks, or text with no single number,
    which validation then refuses)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):  # JSON numbers: a company's own grade 12 may be level 8
        number = int(value) if float(value).is_integer() else value
        mapped = mapping.level_for(str(number))
        return value if mapped is None else mapped
    text = str(value).strip()
    if not text:
        return text
    mapped = mapping.level_for(text)
    if mapped is not None:
        return mapped
    numbers = _NUMBER.findall(text)
    if len(numbers) == 1 and not text.replace(" ", "").isdigit():
        return int(numbers[0])
    return text


def apply_levels(parsed: ParsedFile, mapping: ImportMapping
                 ) -> tuple[ParsedFile, list[LevelProblem]]:
    """`parsed` with its grade texts turned into levels, and a clear message for each row
    whose grade gives none (validation reports that row's `level` as invalid; the message
    replaces its generic one)."""
    problems: list[LevelProblem] = []
    records: list[RawRecord] = []
    for record in parsed.records:
        if "level" not in record.data:
            records.append(record)
            continue
        raw = record.data["level"]
        level = level_from_text(raw, mapping)
        if isinstance(level, str) and level and not _is_number(level):
            problems.append(LevelProblem(record.row, _message(level, mapping)))
        records.append(RawRecord(record.row, {**record.data, "level": level}))
    return parsed._replace(records=records), problems


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _message(text: str, mapping: ImportMapping) -> str:
    known = (" (the mapping's levels name " + ", ".join(f"'{g}'" for g in mapping.levels)
             + ")") if mapping.levels else ""
    return (f"grade '{text}' gives no level: add it to the mapping file's levels (e.g. "
            f"\"{text}\": 5){known}, or give a level from 1 (entry) to 8 (executive)")
