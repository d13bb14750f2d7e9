"""`companion sample generate`: realistic sample programs of any size."""

from __future__ import annotations

from pathlib import Path

import typer

from companion.cli.app import app
from companion.cli.output import OutputFormat, out, print_json
from companion.errors import BadInputError

sample_app = typer.Typer(help="Generate sample participant files.", no_args_is_help=True)
app.add_typer(sample_app, name="sample")


@sample_app.command("generate")
def generate(
    path: Path = typer.Argument(..., help="Output file: .csv, .json or .jsonl."),
    mentees: int = typer.Option(120, "--mentees", min=1, max=200_000),
    mentors: int = typer.Option(40, "--mentors", min=1, max=50_000),
    seed: int = typer.Option(2027, "--seed", help="Same seed, same people."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """Write a seeded, realistic leadership program (three organisations, many departments,
    levels and time zones) to PATH, ready for `companion import participants`."""
    from companion.sample import generate_program, write_records

    if path.suffix.lower() not in (".csv", ".json", ".jsonl"):
        raise BadInputError(f"{path.name}: use a .csv, .json or .jsonl file name",
                            field="path")
    sample = generate_program(mentees=mentees, mentors=mentors, seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_records(sample.records, path)
    if fmt is OutputFormat.json:
        print_json({"path": str(path), "participants": len(sample.records), "seed": seed,
                    "organizations": sample.organizations})
        return
    out.print(f"Wrote {len(sample.records)} participants ({mentors} mentors, {mentees} "
              f"mentees; seed {seed}) to {path}.")
