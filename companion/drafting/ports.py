"""The drafting agent's one port to persistence: it reads what a draft may draw on and writes
the draft's states through this, never through the store itself (the services layer provides
the implementation over the database)."""

from __future__ import annotations

from typing import Any, Protocol

from companion.domain import Draft
from companion.drafting.context import Gathered


class DraftStore(Protocol):
    """Reads and writes of one drafting run."""

    def gather(self, program: str, participant_id: str, partner_id: str | None,
               pairing_id: str | None) -> Gathered:
        """The program, the requester, their partner and earlier approved drafts of the same
        pairing. Raises NotFoundError / BadInputError for an unknown participant or a partner
        who is not theirs."""
        ...

    def save(self, draft: Draft, *, author: str, action: str, note: str | None = None,
             diff: str | None = None, same_content: bool = False,
             decided_on: int | None = None, detail: dict[str, Any] | None = None) -> Draft:
        """Write the draft's new state once (a re-run after a crash finds it written) and
        audit it. `decided_on`: the version a reviewer decided on — the write lands only if
        the draft is still at it (ConflictError otherwise)."""
        ...

    def renew(self, draft_id: str, stage: str | None = None) -> None:
        """The run is alive: extend its claim on the draft (a crashed run's claim lapses),
        and say where it is (`stage`: gathering, retrieving, drafting 1/3 ...)."""
        ...
