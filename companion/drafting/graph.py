"""The drafting agent as a LangGraph graph (the public names, re-exported from the modules
that hold them).

- `deps`: what the nodes need from outside (`Deps`, `Search`, `MAX_ATTEMPTS`)
- `retrieval_plan`: which guideline searches a draft runs
- `answers`: reading the model's answer (`parse_answer`)
- `nodes`: the node functions, built from `Deps`
- `topology`: the graph's nodes and edges (`build_graph`)
- `checkpoint`: where runs are checkpointed (`checkpointer`)

The graph is checkpointed per draft (thread id = draft id), so a draft waiting for review
survives restarts.
"""

from __future__ import annotations

from companion.drafting.answers import parse_answer
from companion.drafting.checkpoint import checkpointer
from companion.drafting.deps import MAX_ATTEMPTS, Deps, Search
from companion.drafting.nodes import Nodes
from companion.drafting.retrieval_plan import retrieval_plan
from companion.drafting.topology import build_graph

__all__ = ["MAX_ATTEMPTS", "Deps", "Nodes", "Search", "build_graph", "checkpointer",
           "parse_answer", "retrieval_plan"]
