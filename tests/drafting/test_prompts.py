"""Prompt files: every one loads and renders; broken ones fail with a named error."""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.domain import DraftKind
from companion.drafting.prompts import (
    PROMPTS_DIR,
    MissingVariables,
    load_prompt_file,
    prompt_for,
)
from companion.errors import ConfigurationError

FILES = sorted(PROMPTS_DIR.glob("*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_prompt_file_loads_and_renders(path: Path) -> None:
    prompt = load_prompt_file(path)
    messages = prompt.render(**{v: f"<{v}>" for v in prompt.variables})
    assert [m["role"] for m in messages] == ["system", "user"]
    joined = messages[0]["content"] + messages[1]["content"]
    assert all(f"<{v}>" in joined for v in prompt.variables)
    assert "{" in joined  # the JSON shape's braces survive rendering as literals


def test_each_kind_has_its_prompt() -> None:
    assert {prompt_for(kind).kind for kind in DraftKind} == set(DraftKind)


def test_missing_and_unexpected_variables_are_named() -> None:
    prompt = prompt_for(DraftKind.agenda)
    with pytest.raises(MissingVariables, match="context_json"):
        prompt.render(topic_line="")
    with pytest.raises(MissingVariables, match="unexpected"):
        prompt.render(topic_line="", context_json="{}", extra="x")


@pytest.mark.parametrize(("body", "message"), [
    ("name: x\nversion: '1'\ndescription: d\nvariables: []\nsystem: s\nuser: '{oops}'\n",
     "do not match declared variables"),
    ("name: x\nversion: '1'\ndescription: d\nvariables: []\nsystem: s\nuser: u\nextra: 1\n",
     "extra"),
    ("name: other\nversion: '1'\ndescription: d\nvariables: []\nsystem: s\nuser: u\n",
     "must match the file name"),
    ("name: x\nversion: '1'\n", "description"),
])
def test_broken_prompt_files_are_refused(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(body)
    with pytest.raises(ConfigurationError, match=message):
        load_prompt_file(path)
