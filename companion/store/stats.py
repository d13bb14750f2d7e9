"""Counts for monitoring: cheap aggregate queries, no rows loaded."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from companion.store.tables import DraftRow


def draft_status_counts(session: Session) -> dict[str, int]:
    """How many drafts are in each status, over every program (one indexed GROUP BY)."""
    rows = session.execute(select(DraftRow.status, func.count()).group_by(DraftRow.status))
    return {str(status): int(count) for status, count in rows}
