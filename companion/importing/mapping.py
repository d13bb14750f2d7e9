"""A mapping file: the organisation's own headers and grade names, for what is not
recognised out of the box.

```yaml
columns:            # their header: our field
  Staff Ref: id
  Career Band: level
  Service: null     # not the department here: keep it as an extra field
levels:             # their grade text: level 1 (entry) … 8 (executive)
  G7: 5
  Band A: 7
```

JSON with the same keys works too. Every problem names the key it is about.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from companion.domain.participant import IMPORT_FIELDS
from companion.errors import BadInputError
from companion.importing.headers import fold

_SECTIONS = ("columns", "levels")


class MappingError(BadInputError):
    """A mapping file that cannot be used; `field` is the key in question."""


class ImportMapping(NamedTuple):
    """Headers → fields, and grade texts → levels."""

    columns: dict[str, str] = {}
    levels: dict[str, int] = {}

    def level_for(self, text: str) -> int | None:
        """The level a grade text is mapped to (compared folded: 'band a' is 'Band A')."""
        folded = fold(text)
        for grade, level in self.levels.items():
            if fold(grade) == folded:
                return level
        return None


def load_mapping(path: Path) -> ImportMapping:
    """Read and check a mapping file (.yaml, .yml or .json)."""
    if not path.is_file():
        raise MappingError(f"mapping file not found: {path}", field="map")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise MappingError(f"mapping file {path.name} is not UTF-8 text", field="map") from None
    return parse_mapping(text, name=path.name)


def parse_mapping(text: str, *, name: str = "mapping") -> ImportMapping:
    """Parse YAML or JSON text (JSON is read as JSON, for its clearer error positions)."""
    try:
        if name.lower().endswith(".json") or text.lstrip().startswith("{"):
            document = json.loads(text)
        else:
            document = yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise MappingError(f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}, "
                           f"column {exc.colno}", field="map") from None
    except RecursionError:
        raise MappingError(f"{name} is nested too deeply to be a mapping", field="map") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}" if where is not None else ""
        raise MappingError(f"{name} is not valid YAML{at}: "
                           f"{getattr(exc, 'problem', None) or exc}", field="map") from None
    return check_mapping(document, name=name)


def check_mapping(document: Any, *, name: str = "mapping") -> ImportMapping:
    """Check a parsed mapping document: only `columns` and `levels`, each an object."""
    if document is None:
        return ImportMapping({}, {})
    if not isinstance(document, dict):
        raise MappingError(f"{name} should be an object with 'columns' and/or 'levels'",
                           field="map")
    for key in document:
        if key not in _SECTIONS:
            raise MappingError(f"{name}: unknown key '{key}': use 'columns' (header → field) "
                               "and 'levels' (grade → level)", field=str(key))
    return ImportMapping(_columns(document.get("columns"), name),
                         _levels(document.get("levels"), name))


def _columns(section: Any, name: str) -> dict[str, str]:
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise MappingError(f"{name}: 'columns' should map each header to a field",
                           field="columns")
    fields = ", ".join(IMPORT_FIELDS)
    columns: dict[str, str] = {}
    target_of: dict[str, str] = {}
    header_of: dict[str, str] = {}
    for header, field in section.items():
        key = f"columns.{header}"
        if field is None or field == "":
            columns[str(header)] = ""  # recognised out of the box, but meant as an extra field
            continue
        if not isinstance(field, str) or not field.strip():
            raise MappingError(f"{name}: {key} should name a field ({fields})", field=key)
        field = field.strip()
        if field not in IMPORT_FIELDS:
            raise MappingError(f"{name}: {key}: unknown field '{field}'; fields: {fields}",
                               field=key)
        header = str(header)
        if fold(header) in header_of:
            raise MappingError(f"{name}: headers '{header_of[fold(header)]}' and '{header}' "
                               "are the same column (case, spaces and accents are ignored)",
                               field=key)
        if field in target_of:
            raise MappingError(f"{name}: '{target_of[field]}' and '{header}' are both mapped "
                               f"to {field}; map one column to each field", field=key)
        header_of[fold(header)] = header
        target_of[field] = header
        columns[header] = field
    return columns


def _levels(section: Any, name: str) -> dict[str, int]:
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise MappingError(f"{name}: 'levels' should map each grade to a level (1–8)",
                           field="levels")
    levels: dict[str, int] = {}
    for grade, level in section.items():
        key = f"levels.{grade}"
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 8:
            raise MappingError(f"{name}: {key} should be a level from 1 (entry) to 8 "
                               f"(executive), not {json.dumps(level)}", field=key)
        levels[str(grade)] = level
    return levels
