"""Participant records: parsing the flat CSV/JSON shape and the rules every record obeys."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Set as AbstractSet
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from companion.domain.enums import MentoringFormat, Role
from companion.domain.values import (
    BOOL_EXPECTED,
    ROLE_EXPECTED,
    bool_value,
    json_array,
    language_codes,
    role_value,
    split_items,
    unknown_languages_message,
)

#: Longest accepted text per field (characters). Generous, but bounded so that one pasted
#: document cannot swamp embeddings, prompts or the database.
MAX_LENGTHS: dict[str, int] = {
    "id": 64, "name": 120, "email": 254, "organization": 120, "department": 120,
    "title": 160, "manager_id": 64, "location": 120, "timezone": 64, "expertise": 4000,
    "goal": 2000, "skill": 80, "language": 35, "extra": 2000,
}
MAX_GOALS = 10
MAX_LIST_ITEMS = 30
_GOAL_SPLIT = re.compile(r";;|\n\s*\n")
_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/-]*$")
_EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def valid_timezone(name: str) -> bool:
    """Whether `name` is an IANA time zone this machine knows."""
    if name in _zones():
        return True
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def split_goals(value: str) -> list[str]:
    """Goals in one text: separated by `;;` or by a blank line."""
    return [g.strip() for g in _GOAL_SPLIT.split(value) if g.strip()]


def _check_len(field: str, value: str, limit_key: str | None = None) -> str:
    limit = MAX_LENGTHS[limit_key or field]
    if len(value) > limit:
        raise ValueError(f"too long: {len(value)} characters, at most {limit}")
    return value


class Participant(BaseModel):
    """One person in a program, as imported. Empty strings are read as 'not given'."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(description="Stable id from the organisation's own system.")
    name: str = Field(description="Display name.")
    role: Role = Field(description="mentor, mentee or both.")
    email: str | None = None
    organization: str | None = None
    department: str | None = None
    title: str | None = None
    level: int | None = Field(None, description="1 (entry) … 8 (executive).")
    manager_id: str | None = Field(None, description="Id of this person's line manager.")
    location: str | None = None
    timezone: str | None = Field(None, description="IANA time zone, e.g. Europe/Berlin.")
    languages: list[str] = Field(
        default_factory=list, description="ISO 639 codes (639-1 where one exists): en, de, haw.")
    capacity: int | None = Field(None, description="Mentors: most mentees at once.")
    expertise: str | None = Field(None, description="Mentors: free-text experience.")
    goals: list[str] = Field(default_factory=list, description="Mentees: one entry per goal.")
    skills: list[str] = Field(default_factory=list)
    format: MentoringFormat | None = Field(None, description="Preferred mentoring format.")
    prefer_cross_department: bool | None = None
    extra: dict[str, str] = Field(default_factory=dict, description="Columns we do not know.")

    @model_validator(mode="before")
    @classmethod
    def _empty_is_none(cls, data: Any) -> Any:
        # Model-level so it runs before every field validator: a blank cell means "not given".
        if isinstance(data, dict):
            data = {k: (None if isinstance(v, str) and not v.strip() else v)
                    for k, v in data.items()}
            for key in ("id", "manager_id"):  # JSON exports often hold numeric ids
                if isinstance(data.get(key), int) and not isinstance(data.get(key), bool):
                    data[key] = str(data[key])
        return data

    @field_validator("id", "manager_id")
    @classmethod
    def _valid_id(cls, value: str | None) -> str | None:
        if value is None:
            return None
        _check_len("id", value)
        if not _ID_PATTERN.match(value):
            raise ValueError(
                f"'{value}' is not a valid id: use letters, digits and . _ : @ / - "
                "(starting with a letter or digit)"
            )
        return value

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return _check_len("name", value)

    @field_validator("role", mode="before")
    @classmethod
    def _valid_role(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("role is required: mentor, mentee or both")
        if isinstance(value, Role):
            return value
        role = role_value(str(value))
        if role is None:
            raise ValueError(f"unknown role '{str(value).strip()}': {ROLE_EXPECTED}")
        return role

    @field_validator("format", mode="before")
    @classmethod
    def _valid_format(cls, value: Any) -> Any:
        if value is None:
            return None
        text = str(value).strip().lower()
        if text not in MentoringFormat.__members__:
            raise ValueError(
                f"unknown format '{value}': use one_to_one, group, peer or reverse"
            )
        return text

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str | None) -> str | None:
        if value is None:
            return None
        _check_len("email", value)
        if not _EMAIL_PATTERN.match(value):
            raise ValueError(f"'{value}' is not an e-mail address")
        return value

    @field_validator("organization", "department", "title", "location", "expertise")
    @classmethod
    def _bounded_text(cls, value: str | None, info: Any) -> str | None:
        return None if value is None else _check_len(info.field_name, value)

    @field_validator("level", mode="before")
    @classmethod
    def _valid_level(cls, value: Any) -> Any:
        if value is None:
            return None
        number = _whole_number(value, "level")
        if not 1 <= number <= 8:
            raise ValueError(f"level {number} is out of range: use 1 (entry) to 8 (executive)")
        return number

    @field_validator("capacity", mode="before")
    @classmethod
    def _valid_capacity(cls, value: Any) -> Any:
        if value is None:
            return None
        number = _whole_number(value, "capacity")
        if number < 0:
            raise ValueError(f"capacity {number} is negative: use 0 or more mentees")
        if number > 50:
            raise ValueError(f"capacity {number} is implausibly high: at most 50 mentees")
        return number

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not valid_timezone(value):
            raise ValueError(
                f"unknown time zone '{value}': use an IANA name such as Europe/London"
            )
        return value

    @field_validator("languages", "skills", mode="before")
    @classmethod
    def _valid_list(cls, value: Any, info: Any) -> Any:
        if value is None:
            return []
        items = split_items(value, languages=info.field_name == "languages")
        if len(items) > MAX_LIST_ITEMS:
            raise ValueError(f"{len(items)} items, at most {MAX_LIST_ITEMS}")
        key = "language" if info.field_name == "languages" else "skill"
        for item in items:
            _check_len(key, item)
        if info.field_name == "languages":
            items, unknown = language_codes(items)
            if unknown:
                raise ValueError(unknown_languages_message(unknown))
        return items

    @field_validator("goals", mode="before")
    @classmethod
    def _valid_goals(cls, value: Any) -> Any:
        if value is None:
            return []
        value = json_array(value)
        if isinstance(value, str):
            goals = split_goals(value)
        elif isinstance(value, list | tuple) and all(isinstance(g, str) for g in value):
            goals = [g.strip() for g in value if g.strip()]
        else:
            raise ValueError("expected text (goals separated by ';;' or blank lines), "
                             "a JSON array or a list of texts")
        if len(goals) > MAX_GOALS:
            raise ValueError(f"{len(goals)} goals, at most {MAX_GOALS}")
        for number, goal in enumerate(goals, 1):
            if len(goal) > MAX_LENGTHS["goal"]:
                raise ValueError(
                    f"goal {number} is too long: {len(goal)} characters, "
                    f"at most {MAX_LENGTHS['goal']}"
                )
        return goals

    @field_validator("prefer_cross_department", mode="before")
    @classmethod
    def _valid_bool(cls, value: Any) -> Any:
        if value is None:
            return None
        answer = bool_value(value)
        if answer is None:
            raise ValueError(f"'{str(value).strip()}' is not true or false: {BOOL_EXPECTED}")
        return answer

    @field_validator("extra")
    @classmethod
    def _valid_extra(cls, value: dict[str, str]) -> dict[str, str]:
        for key, item in value.items():
            if len(item) > MAX_LENGTHS["extra"]:
                raise ValueError(
                    f"column '{key}' is too long: {len(item)} characters, "
                    f"at most {MAX_LENGTHS['extra']}"
                )
        return value

    @model_validator(mode="after")
    def _not_own_manager(self) -> Participant:
        if self.manager_id is not None and self.manager_id == self.id:
            raise ValueError(f"'{self.id}' is listed as their own manager")
        return self

    def content_hash(self) -> str:
        """A stable hash of everything imported: equal hashes mean nothing changed."""
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()

    def to_record(self) -> dict[str, Any]:
        """The JSON record shape (docs/architecture.md), extras merged back in."""
        data = self.model_dump(mode="json", exclude={"extra"})
        data.update(self.extra)
        return data


#: The fields a file sets by name; `extra` holds the columns none of them is.
IMPORT_FIELDS: tuple[str, ...] = tuple(f for f in Participant.model_fields if f != "extra")
_EVERY_IMPORT_FIELD = frozenset(IMPORT_FIELDS)


def merge_import(stored: Participant, incoming: Participant,
                 columns: AbstractSet[str]) -> Participant:
    """`incoming` laid over `stored`: a re-import changes only the columns its file has.

    `columns` are the record's field names (unknown columns included). A column the file has
    but leaves empty clears the stored value; a column it lacks keeps the stored one."""
    kept = {k: v for k, v in stored.extra.items() if k not in columns}
    if columns >= _EVERY_IMPORT_FIELD:  # a whole record: only extras can come from `stored`
        return incoming.model_copy(update={"extra": {**kept, **incoming.extra}}) if kept \
            else incoming
    update: dict[str, Any] = {f: getattr(incoming, f) for f in IMPORT_FIELDS if f in columns}
    update["extra"] = {**kept, **incoming.extra}
    return stored.model_copy(update=update)


def changed_fields(before: Participant, after: Participant) -> list[str]:
    """The fields that differ, in declaration order; `extra.<column>` for extra columns."""
    changed = [f for f in IMPORT_FIELDS if getattr(before, f) != getattr(after, f)]
    keys = sorted(before.extra.keys() | after.extra.keys())
    return changed + [f"extra.{k}" for k in keys if before.extra.get(k) != after.extra.get(k)]


def _whole_number(value: Any, field: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{field} must be a whole number, not '{value}'")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{field} must be a whole number, not '{value}'") from None
    if not number.is_integer():
        raise ValueError(f"{field} must be a whole number, not '{value}'")
    return int(number)
