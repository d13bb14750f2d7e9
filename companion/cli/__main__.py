"""`python -m companion.cli` runs the `companion` command."""

from companion.cli.app import console

console()
