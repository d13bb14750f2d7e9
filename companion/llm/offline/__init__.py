"""The offline drafter: a deterministic, grounded drafter that needs no network.

`draft.py` reads the agent's context block and dispatches on the draft kind; `agenda.py`,
`questions.py`, `goals.py` and `frameworks.py` write each kind; `text.py` parses the context
and the guideline passages; `provider.py` plugs the drafter into litellm as a custom provider.
Nothing here imports litellm except `provider.py`.
"""
