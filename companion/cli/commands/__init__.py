"""Each module registers one group of commands on the root app."""

from companion.cli.commands import (
    audit,
    demo,
    evals,
    matching,
    participants,
    programs,
    sample,
    serve,
)

__all__ = ["audit", "demo", "evals", "matching", "participants", "programs", "sample", "serve"]
