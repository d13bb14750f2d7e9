"""Seeded sample mentoring programs: realistic participant records for demos, tests and evals."""

from companion.sample.generator import (
    COLUMNS,
    THEMES,
    SampleProgram,
    generate_program,
    write_records,
)

__all__ = ["COLUMNS", "THEMES", "SampleProgram", "generate_program", "write_records"]
