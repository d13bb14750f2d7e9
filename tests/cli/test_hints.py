"""The CLI adds its own flags to errors that lower layers phrase by field."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from companion.cli.hints import NO_PROGRAMS, command_words, flag_for, hint_for
from companion.errors import BadInputError, ConflictError, NotFoundError
from tests.cli.conftest import Run

Cli = Callable[..., Run]


@pytest.mark.parametrize(("argv", "words"), [
    (["pairing", "reject", "P1", "--reason", "x"], "pairing reject"),
    (["token", "create", "--participant", "b1"], "token create"),
    (["demo"], "demo"),
    (["--version"], ""),
])
def test_command_words_stop_at_options_and_after_two(argv: list[str], words: str) -> None:
    assert command_words(argv) == words


@pytest.mark.parametrize(("command", "field", "flag"), [
    ("pairing reject", "note", "--reason TEXT"),    # the more specific command wins
    ("pairing approve", "note", "--note TEXT"),
    ("review reject", "note", "--note TEXT"),
    ("review edit", "content", "--file EDITED.json"),
    ("draft framework", "topic", "--topic TEXT"),
    ("token create", "program", "--program NAME"),
    ("review approve", "content", None),            # no flag sets it there: no hint
    ("token create", "days_of_week", None),
])
def test_flag_for_a_field(command: str, field: str, flag: str | None) -> None:
    assert flag_for(command, field) == flag


def test_a_bad_input_error_gets_the_commands_flag() -> None:
    exc = BadInputError("a reason is required to reject a pairing", field="note")
    assert hint_for(exc, ["pairing", "reject", "P1", "--reason", " "], lambda: True) \
        == "use --reason TEXT"
    assert hint_for(BadInputError("no field"), ["pairing", "reject"], lambda: True) is None


def test_no_hint_when_the_message_already_names_the_flag() -> None:
    exc = BadInputError("bad --program value", field="program")
    assert hint_for(exc, ["token", "create"], lambda: True) is None


def test_not_found_says_how_to_create_a_program_only_when_none_exists() -> None:
    exc = NotFoundError("no program named 'Pilot'. No programs exist yet: create one first.")
    assert hint_for(exc, ["participants", "list"], lambda: False) == NO_PROGRAMS
    assert hint_for(exc, ["participants", "list"], lambda: True) is None
    assert hint_for(ConflictError("stale"), ["pairing", "approve"], lambda: False) is None


def test_a_framework_without_a_topic_is_hinted_with_the_flag(cli: Cli) -> None:
    run = cli("draft", "framework", "--program", "Pilot", "--participant", "e1")
    assert run.code == 2, run.err
    err = " ".join(run.err.split())
    assert "a framework needs a topic" in err and "hint: use --topic TEXT" in err
    assert "Traceback" not in run.err
