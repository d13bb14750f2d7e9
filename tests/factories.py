"""Small builders for test data."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

from companion.domain import Participant, Program, ProgramType

HEADER = ["id", "name", "role", "email", "organization", "department", "title", "level",
          "manager_id", "location", "timezone", "languages", "capacity", "expertise", "goals",
          "skills", "format", "prefer_cross_department"]


def program(name: str = "Pilot", **overrides: Any) -> Program:
    data: dict[str, Any] = {"name": name, "type": ProgramType.one_to_one,
                            "start_date": date(2027, 1, 11), "months": 12}
    data.update(overrides)
    return Program(**data)


def mentor(pid: str = "m1", **overrides: Any) -> dict[str, Any]:
    data = {"id": pid, "name": f"Mentor {pid}", "role": "mentor", "organization": "Harbourline",
            "department": "Finance", "level": "6", "timezone": "Europe/London",
            "languages": "en", "capacity": "2",
            "expertise": "Led finance transformations and coached new managers."}
    data.update(overrides)
    return data


def mentee(pid: str = "e1", **overrides: Any) -> dict[str, Any]:
    data = {"id": pid, "name": f"Mentee {pid}", "role": "mentee", "organization": "Harbourline",
            "department": "Engineering", "level": "3", "timezone": "Europe/Berlin",
            "languages": "en;de", "goals": "Lead my first team;;Present to the board"}
    data.update(overrides)
    return data


def participant(pid: str = "e1", **overrides: Any) -> Participant:
    return Participant.model_validate(mentee(pid, **overrides))


def csv_text(rows: list[dict[str, Any]], header: list[str] | None = None) -> str:
    columns = header or HEADER
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k, "") for k in columns})
    return buffer.getvalue()


def write_csv(path: Path, rows: list[dict[str, Any]], header: list[str] | None = None,
              *, bom: bool = False) -> Path:
    path.write_text(("\ufeff" if bom else "") + csv_text(rows, header), encoding="utf-8")
    return path


def write_json(path: Path, rows: list[Any]) -> Path:
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def run_cli(capsys: Any, *args: str) -> tuple[int, str, str]:
    """`companion ARGS` through the real entry point: (exit code, stdout, stderr)."""
    import pytest

    from companion.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    captured = capsys.readouterr()
    code = exit_info.value.code
    return (0 if code is None else int(code)), captured.out, captured.err


def configured_embedder(settings: Any) -> Any:
    """`companion.embeddings.get_embedder` itself: the embedder those settings configure
    (some test modules replace `get_embedder` for the whole session when imported)."""
    from companion import embeddings

    return embeddings._embedder_for(settings.embedding_model, settings.home,
                                    settings.multilingual,
                                    embeddings.resolve_precision(settings.embedding_precision))
