"""Each module registers one group of commands on the root app."""

from companion.cli.commands import (
    audit,
    backup,
    calendar,
    config,
    db,
    demo,
    drafts,
    evals,
    goals,
    knowledge,
    matching,
    outbox,
    oversight,
    participants,
    programs,
    sample,
    serve,
    sessions,
    tokens,
    web,
    worker,
)

__all__ = [
    "audit", "backup", "calendar", "config", "db", "demo", "drafts", "evals", "goals",
    "knowledge", "matching", "outbox", "oversight", "participants", "programs", "sample", "serve",
    "sessions", "tokens", "web", "worker",
]
