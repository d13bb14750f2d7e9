"""The `companion` command line."""

from companion.cli.app import app, console, main

__all__ = ["app", "console", "main"]
