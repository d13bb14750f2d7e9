"""Participant records: parsing the flat shape and the per-field rules."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from companion.domain import MentoringFormat, Participant, Role
from companion.domain.participant import split_goals, valid_timezone
from companion.domain.reporting import chain_of_command, reporting_problems

BASE = {"id": "e1", "name": "Ada", "role": "mentee"}


@pytest.mark.parametrize(("field", "raw", "parsed"), [
    ("role", " Mentor ", Role.mentor),
    ("level", "3", 3),
    ("level", 4.0, 4),
    ("capacity", "0", 0),
    ("capacity", "", None),
    ("languages", "EN; de ;en", ["en", "de"]),
    ("languages", ["fr", "FR"], ["fr"]),
    ("skills", "coaching;  ; finance", ["coaching", "finance"]),
    ("goals", "one;;two\n\n three ", ["one", "two", "three"]),
    ("goals", ["a", " ", "b"], ["a", "b"]),
    ("format", "GROUP", MentoringFormat.group),
    ("prefer_cross_department", "Yes", True),
    ("prefer_cross_department", "0", False),
    ("timezone", "America/Sao_Paulo", "America/Sao_Paulo"),
    ("email", "ada@example.org", "ada@example.org"),
    ("manager_id", "  ", None),
])
def test_fields_parse_from_flat_text(field: str, raw: object, parsed: object) -> None:
    person = Participant.model_validate({**BASE, field: raw})
    assert getattr(person, field) == parsed


@pytest.mark.parametrize(("field", "raw", "message"), [
    ("role", "mentr", "unknown role 'mentr'"),
    ("capacity", "-1", "negative"),
    ("capacity", "two", "whole number"),
    ("capacity", "1.5", "whole number"),
    ("capacity", "51", "implausibly high"),
    ("level", "9", "out of range"),
    ("level", True, "whole number"),
    ("timezone", "Europe/Paris2", "unknown time zone"),
    ("email", "not-an-address", "not an e-mail"),
    ("id", "has space", "not a valid id"),
    ("name", "x" * 121, "too long"),
    ("expertise", "x" * 4001, "too long"),
    ("goals", "x" * 2001, "goal 1 is too long"),
    ("goals", ";;".join(["g"] * 11), "11 goals"),
    ("format", "mob", "unknown format"),
    ("prefer_cross_department", "maybe", "not true or false"),
    ("manager_id", "e1", "their own manager"),
])
def test_bad_values_name_the_problem(field: str, raw: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Participant.model_validate({**BASE, field: raw})


def test_content_hash_changes_with_content_only() -> None:
    a = Participant.model_validate({**BASE, "goals": "x;;y"})
    b = Participant.model_validate({**BASE, "goals": ["x", "y"]})
    c = Participant.model_validate({**BASE, "goals": "x;;z"})
    assert a.content_hash() == b.content_hash() != c.content_hash()


def test_record_merges_extra_columns_back() -> None:
    person = Participant.model_validate({**BASE, "extra": {"cost_centre": "42"}})
    assert person.to_record()["cost_centre"] == "42"
    assert "extra" not in person.to_record()


def test_split_goals_and_timezones() -> None:
    assert split_goals("a ;; b\n   \nc") == ["a", "b", "c"]
    assert valid_timezone("Asia/Kolkata") and not valid_timezone("Asia/Atlantis")


def test_reporting_problems_find_self_management_and_cycles() -> None:
    managers = {"a": "b", "b": "c", "c": "a", "d": "d", "e": "zz", "f": "a", "g": None}
    problems = {(p.participant_id, p.message.split(":")[0].split(" ")[0])
                for p in reporting_problems(managers)}
    assert ("d", "'d'") in problems
    # a manager outside the program is an organisation record now, not a problem
    assert not any(pid == "e" for pid, _ in problems)
    assert {pid for pid, kind in problems if kind == "reporting-line"} == {"a", "b", "c"}
    assert not any(pid in ("f", "g") for pid, _ in problems)


def test_chain_of_command_walks_up_and_stops_on_cycles() -> None:
    assert chain_of_command("e", {"e": "m", "m": "d", "d": None}) == ["m", "d"]
    assert chain_of_command("a", {"a": "b", "b": "a"}) == ["b"]
    assert chain_of_command("x", {}) == []
