"""The `companion` command line."""

from companion.cli.app import app, main

__all__ = ["app", "main"]
