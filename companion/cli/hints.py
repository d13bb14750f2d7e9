"""The CLI's own words for errors the services phrase by field: which flag sets that field.

Services and stores name what is wrong and the field it concerns (`BadInputError(...,
field="note")`); only the faces know how a person supplies that field. This table is the CLI's
half of that contract (the API reports the field itself in problem+json `errors`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from companion.errors import BadInputError, CompanionError, NotFoundError

#: (command words, field) → the flag that sets the field. The longest matching command prefix
#: wins, so `pairing reject` can spell `note` differently from the rest of `pairing`.
FLAGS: dict[tuple[str, str], str] = {
    ("", "program"): "--program NAME",
    ("", "participant_id"): "--participant ID",
    ("", "topic"): "--topic TEXT",
    ("", "note"): "--note TEXT",
    ("pairing reject", "note"): "--reason TEXT",
    ("match exclude", "reason"): "--reason TEXT",
    ("match assign", "fairness"): "--min-coverage FIELD=SHARE (e.g. department=0.5)",
    ("match assign", "fairness.group_by"): "--min-coverage department=SHARE or "
                                           "organization=SHARE",
    ("match assign", "fairness.min_share"): "--min-coverage FIELD=SHARE with SHARE from 0 to 1",
    ("review edit", "content"): "--file EDITED.json",
    ("review", "by"): "--by REVIEWER_ID (or leave it out to decide as the local operator)",
    ("backup", "force"): "--force",
    ("restore", "force"): "--force",
    ("program edit", "changes"): "--name, --start, --months, --session-minutes, "
                                 "--cadence-weeks, --host-org or --capacity",
    ("program edit", "start_date"): "--start YYYY-MM-DD",
    ("program delete", "confirm"): "--yes",
}

#: Said when something was not found and no program exists at all: nothing can be found yet.
NO_PROGRAMS = ("create a program with `companion program create NAME`, or run `companion demo` "
               "for a sample one")


def command_words(argv: Sequence[str]) -> str:
    """`pairing reject` for `pairing reject P1 --reason x` (the words before any option)."""
    words: list[str] = []
    for arg in argv:
        if arg.startswith("-") or len(words) == 2:
            break
        words.append(arg)
    return " ".join(words)


def flag_for(command: str, field: str) -> str | None:
    """The flag that sets `field` in `command`, or None when the CLI has none."""
    words = command.split()
    for size in range(len(words), -1, -1):
        flag = FLAGS.get((" ".join(words[:size]), field))
        if flag is not None:
            return flag
    return None


def hint_for(exc: CompanionError, argv: Sequence[str],
             has_programs: Callable[[], bool]) -> str | None:
    """What to do next, in the CLI's vocabulary, or None. `has_programs` is only asked when
    something was not found."""
    if isinstance(exc, BadInputError) and exc.field:
        flag = flag_for(command_words(argv), exc.field)
        return None if flag is None or flag.split()[0] in str(exc) else f"use {flag}"
    if isinstance(exc, NotFoundError) and not has_programs():
        return NO_PROGRAMS
    return None
