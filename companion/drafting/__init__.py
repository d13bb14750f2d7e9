"""The drafting agent: prompts, checks, the LangGraph graph and its checkpointer."""
