"""Reading eval datasets (YAML or JSONL) into validated models, with errors that name the file,
the case and the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from companion.errors import BadInputError

M = TypeVar("M", bound=BaseModel)


class DatasetError(BadInputError):
    """An eval dataset or thresholds file is wrong; the message says where and how."""

    def __init__(self, path: Path | str, message: str, *, case: str | None = None,
                 field: str | None = None) -> None:
        where = [str(path)]
        if case is not None:
            where.append(f"case '{case}'")
        if field:
            where.append(f"field '{field}'")
        super().__init__(f"{': '.join(where)}: {message}", field=field)
        self.path = str(path)
        self.case = case


def read_data(path: Path) -> Any:
    """A YAML file's data, or a JSONL file's records as `{"cases": [...]}`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DatasetError(path, f"cannot read the file ({exc.strerror or exc})") from exc
    if path.suffix == ".jsonl":
        cases = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                cases.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise DatasetError(path, f"line {number} is not JSON ({exc.msg})") from exc
        return {"cases": cases}
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise DatasetError(path, f"not valid YAML{where}: "
                                 f"{getattr(exc, 'problem', None) or exc}") from exc


def validate(model: type[M], data: Any, path: Path, *, case: str | None = None,
             prefix: str = "") -> M:
    """`data` as `model`; a DatasetError naming the first wrong field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in (*([prefix] if prefix else []), *first["loc"]))
        message = str(first["msg"]).removeprefix("Value error, ")
        raise DatasetError(path, message, case=case, field=field or None) from None


def cases_of(data: Any, path: Path) -> list[dict[str, Any]]:
    """The `cases` list of a dataset, each with a unique string `id`."""
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise DatasetError(path, "needs a 'cases' list", field="cases")
    seen: set[str] = set()
    for number, case in enumerate(data["cases"], 1):
        if not isinstance(case, dict) or not isinstance(case.get("id"), str) \
                or not case["id"].strip():
            raise DatasetError(path, f"case {number} has no 'id'", field="id")
        if case["id"] in seen:
            raise DatasetError(path, "the id is used twice", case=case["id"], field="id")
        seen.add(case["id"])
    return list(data["cases"])


def load_cases(model: type[M], data: Any, path: Path) -> list[M]:
    """Every case of a dataset validated as `model`."""
    return [validate(model, case, path, case=case["id"]) for case in cases_of(data, path)]
