"""Progress reporting for the use cases: the port lives in `companion.progress` (so engines can
take it without importing services); re-exported here for the faces that drive services."""

from __future__ import annotations

from companion.progress import NoProgress, Progress, Tick

__all__ = ["NoProgress", "Progress", "Tick"]
