"""Figures for monitoring (the `/metrics` scrape): counts only, nobody's data."""

from __future__ import annotations

from companion.domain.enums import DraftStatus
from companion.store import Database
from companion.store.stats import draft_status_counts


def draft_counts(db: Database) -> dict[str, int]:
    """Drafts per status, every status present (0 when none)."""
    with db.session() as session:
        counts = draft_status_counts(session)
    return {status.value: counts.get(status.value, 0) for status in DraftStatus} | counts
