"""Each module registers one group of commands on the root app."""

from companion.cli.commands import (
    audit,
    demo,
    drafts,
    evals,
    knowledge,
    matching,
    participants,
    programs,
    sample,
    serve,
    tokens,
)

__all__ = [
    "audit", "demo", "drafts", "evals", "knowledge", "matching", "participants", "programs",
    "sample", "serve", "tokens",
]
