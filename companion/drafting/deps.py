"""What the drafting nodes need from outside (tests pass fakes)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from companion.domain import Passage
from companion.drafting.plan import Planner
from companion.drafting.ports import DraftStore
from companion.drafting.state import DraftState
from companion.llm.base import ChatModel

#: A guideline search: (query, top, metadata filter) -> passages, best first.
Search = Callable[[str, int, dict[str, str] | None], list[Passage]]
#: Drafts (first try and revisions) before a draft that keeps failing its checks ends `failed`.
MAX_ATTEMPTS = 3


@dataclass
class Deps:
    """What the nodes need from outside; tests pass fakes."""

    store: DraftStore
    model: ChatModel
    search: Search
    today: Callable[[], date] = date.today
    #: chooses frameworks, competencies and templates by meaning (None: no plan is made and
    #: the model chooses alone)
    planner: Planner | None = None
    max_attempts: int = MAX_ATTEMPTS
    calls: list[str] = field(default_factory=list)  # node names, in order (for tests)
    # what gather() found, per draft, for the checks of the same run (dropped when the run
    # reaches review or fails, so a later review reads the database afresh)
    gathered: dict[str, Any] = field(default_factory=dict)
    compiled: dict[int, Any] = field(default_factory=dict)  # compiled graph per checkpointer

    def gather(self, state: DraftState) -> Any:
        key = state["draft_id"]
        if key not in self.gathered:
            self.gathered[key] = self.store.gather(state["program"], state["participant_id"],
                                                   state.get("partner_id"),
                                                   state.get("pairing_id"))
        return self.gathered[key]
