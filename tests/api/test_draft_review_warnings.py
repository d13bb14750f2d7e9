"""POST /drafts/{id}/review says what the reviewer should know: approving a version that
failed checks answers 200 with a warning per failed check; the draft JSON carries the
drafter's rationale."""

from __future__ import annotations

import copy
from typing import Any

from tests.api.conftest import World
from tests.api.helpers import get, ok, post


def _review(world: World, draft_id: str, body: dict[str, Any]) -> Any:
    version = ok(get(world, "e1", f"/drafts/{draft_id}"))["version"]
    return ok(post(world, "e1", f"/drafts/{draft_id}/review",
                   json={"version": version, **body}))


def test_approving_an_edit_that_failed_checks_warns(world: World) -> None:
    draft_id = world.drafts["pending"]
    content = copy.deepcopy(ok(get(world, "e1", f"/drafts/{draft_id}"))["content"])
    content["items"][0]["topic"] = "What Ed Acme thinks of your delegation"  # another person
    edited = _review(world, draft_id, {"decision": "edit", "content": content})
    failed = [c["name"] for c in edited["checks"] if not c["passed"]]
    assert failed and edited["warnings"] == []  # an edit is no approval
    approved = _review(world, draft_id, {"decision": "approve"})
    assert approved["status"] == "approved"
    warnings = approved["warnings"]
    assert isinstance(warnings, list) and len(warnings) == len(failed)
    assert all(f"'{name}' check failed" in w for name, w in zip(failed, warnings, strict=True))


def test_approving_a_passing_draft_has_no_warnings(world: World) -> None:
    draft = ok(get(world, "e1", f"/drafts/{world.drafts['pending']}"))
    assert all(c["passed"] for c in draft["checks"])
    assert isinstance(draft["rationale"], dict)  # the drafter's reasons, for its reviewer
    approved = _review(world, draft["id"], {"decision": "approve"})
    assert approved["status"] == "approved" and approved["warnings"] == []
