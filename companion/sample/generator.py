"""Seeded sample programs: participant records for demos, tests and evals.

`generate_program` is pure and deterministic for a seed; `write_records` writes the records as
CSV, JSON or JSONL in the participant-record format of docs/architecture.md.
"""

from __future__ import annotations

import csv
import json
import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from companion.sample.compose import compose_expertise, compose_goals, make_name, pick_languages
from companion.sample.departments import DEPARTMENT_NAMES, DEPARTMENTS
from companion.sample.names import TRADITIONS
from companion.sample.places import HOSTS, LOCATIONS, PARTNERS, Organization
from companion.sample.theme import Theme
from companion.sample.themes_people import PEOPLE_THEMES
from companion.sample.themes_work import WORK_THEMES

COLUMNS: tuple[str, ...] = (
    "id", "name", "role", "email", "organization", "department", "title", "level",
    "manager_id", "location", "timezone", "languages", "capacity", "expertise", "goals",
    "skills", "format", "prefer_cross_department",
)

THEMES: tuple[Theme, ...] = PEOPLE_THEMES + WORK_THEMES
THEMES_BY_KEY: dict[str, Theme] = {theme.key: theme for theme in THEMES}

K = TypeVar("K")

ORGANIZATION_SHARES = (70, 15, 15)  # host, first partner, second partner
BOTH_SHARE = 0.05  # of mentors who also have goals of their own
MANAGED_MENTEE_SHARE = 0.35  # mentees whose line manager is a mentor in the program
MANAGED_MENTOR_SHARE = 0.3  # mentors below level 8 who report to a higher mentor

_MENTOR_LEVELS = {4: 5, 5: 30, 6: 33, 7: 22, 8: 10}
_BOTH_LEVELS = {4: 3, 5: 4, 6: 3}
_MENTEE_LEVELS = {1: 4, 2: 22, 3: 32, 4: 27, 5: 13, 6: 2}
_MANAGER_PULL = {4: 3.0, 5: 4.0, 6: 3.0, 7: 1.5, 8: 0.6}  # direct managers are mostly mid-level
_CAPACITY = {"mentor": {1: 12, 2: 40, 3: 35, 4: 13}, "both": {1: 45, 2: 45, 3: 10}}
_FORMATS = {"mentee": {"one_to_one": 78, "group": 13, "peer": 9},
            "mentor": {"one_to_one": 72, "group": 22, "peer": 6},
            "both": {"one_to_one": 70, "group": 15, "peer": 15}}
_THEME_COUNTS = {"mentee": {1: 35, 2: 50, 3: 15}, "mentor": {1: 30, 2: 50, 3: 20},
                 "both_goals": {1: 60, 2: 40}, "both_expertise": {1: 50, 2: 50}}


@dataclass(frozen=True)
class SampleProgram:
    """A generated program: CSV-ready records plus the ground truth evals need."""

    records: list[dict[str, str]]
    #: participant id -> theme keys behind their goals (mentees), their expertise (mentors),
    #: or both, goal themes first (role `both`); not part of the records.
    themes: dict[str, list[str]]
    organizations: list[str]  # host first, then the two partners
    goal_themes: dict[str, list[str]] = field(default_factory=dict)
    expertise_themes: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class _Person:
    id: str
    role: str
    org: Organization
    department: str
    level: int
    location: str
    manager: _Person | None = None


def _weighted(rng: random.Random, table: Mapping[K, float]) -> K:
    return rng.choices(list(table), list(table.values()))[0]


def _office(rng: random.Random, org: Organization) -> str:
    return rng.choices([o for o, _ in org.offices], [w for _, w in org.offices])[0]


def _org_and_department(rng: random.Random, orgs: list[Organization]) -> tuple[
        Organization, str]:
    org = rng.choices(orgs, ORGANIZATION_SHARES)[0]
    department = rng.choices(DEPARTMENT_NAMES, [d.weight for d in DEPARTMENTS.values()])[0]
    return org, department


def _make_mentors(rng: random.Random, count: int, orgs: list[Organization]) -> list[_Person]:
    width = max(4, len(str(count)))
    both = set(rng.sample(range(count), round(count * BOTH_SHARE)))
    people = []
    for index in range(count):
        role = "both" if index in both else "mentor"
        org, department = _org_and_department(rng, orgs)
        level = _weighted(rng, _BOTH_LEVELS if role == "both" else _MENTOR_LEVELS)
        people.append(_Person(f"mr-{index + 1:0{width}d}", role, org, department, level,
                              _office(rng, org)))
    # Managers are strictly more senior, so reporting lines can never form a cycle.
    by_unit: dict[tuple[str, str], list[_Person]] = {}
    for person in people:
        by_unit.setdefault((person.org.name, person.department), []).append(person)
    for person in people:
        if person.level == 8 or rng.random() >= MANAGED_MENTOR_SHARE:
            continue
        above = [p for p in by_unit[(person.org.name, person.department)]
                 if p.level > person.level]
        near = [p for p in above if p.level <= person.level + 2] or above
        if near:
            person.manager = rng.choice(near)
    return people


def _make_mentees(rng: random.Random, count: int, orgs: list[Organization],
                  mentors: list[_Person]) -> list[_Person]:
    width = max(5, len(str(count)))
    pull = [_MANAGER_PULL[m.level] for m in mentors]
    people = []
    for index in range(count):
        manager = None
        if mentors and rng.random() < MANAGED_MENTEE_SHARE:
            manager = rng.choices(mentors, pull)[0]
        if manager is None:
            org, department = _org_and_department(rng, orgs)
            level = _weighted(rng, _MENTEE_LEVELS)
            location = _office(rng, org)
        else:
            org, department = manager.org, manager.department
            below = {lvl: w for lvl, w in _MENTEE_LEVELS.items() if lvl < manager.level}
            level = _weighted(rng, below)
            location = manager.location if rng.random() < 0.7 else _office(rng, org)
        people.append(_Person(f"me-{index + 1:0{width}d}", "mentee", org, department, level,
                              location, manager))
    return people


def _pick_themes(rng: random.Random, candidates: list[Theme], weights: list[float],
                 k: int) -> list[Theme]:
    pool = [(t, w) for t, w in zip(candidates, weights, strict=True) if w > 0]
    chosen: list[Theme] = []
    while pool and len(chosen) < k:
        theme = rng.choices([t for t, _ in pool], [w for _, w in pool])[0]
        chosen.append(theme)
        pool = [(t, w) for t, w in pool if t is not theme]
    return chosen


def _mentee_weight(theme: Theme, person: _Person) -> float:
    if person.department in theme.not_for or (
            theme.only_for and person.department not in theme.only_for):
        return 0.0
    low, high = theme.levels
    # One level either side is a stretch (an aspiring lead); further away it would ring false.
    gap = max(low - person.level, person.level - high, 0)
    fit = (1.0, 0.15)[gap] if gap < 2 else 0.0
    return theme.weight * fit * (2.0 if person.department in theme.departments else 1.0)


def _mentor_weight(theme: Theme, person: _Person) -> float:
    if theme.only_for and person.department not in theme.mentor_affinity:
        return 0.0  # a specialist theme is taught by people from that specialism
    # Mentors are expected to be at or near the top of the theme's range to teach it.
    seniority = 1.0 if person.level >= theme.levels[1] - 1 else 0.08
    return seniority * (3.0 if person.department in theme.mentor_affinity else 1.0)


def _assign_expertise(rng: random.Random, mentors: list[_Person]) -> dict[str, list[Theme]]:
    expertise: dict[str, list[Theme]] = {}
    for person in mentors:
        table = _THEME_COUNTS["both_expertise" if person.role == "both" else "mentor"]
        weights = [_mentor_weight(t, person) for t in THEMES]
        expertise[person.id] = _pick_themes(rng, list(THEMES), weights, _weighted(rng, table))
    # Every theme should have a mentor when the pool is big enough to hold them all.
    held = Counter(t.key for themes in expertise.values() for t in themes)
    for theme in THEMES:
        if held[theme.key]:
            continue
        room = [p for p in mentors if len(expertise[p.id]) < 3]
        if room:
            person = rng.choice([p for p in room if p.department in theme.mentor_affinity]
                                or room)
            expertise[person.id].append(theme)
            held[theme.key] += 1
            continue
        spare = [(p, i) for p in mentors for i, t in enumerate(expertise[p.id])
                 if held[t.key] > 1]
        if not spare:
            break
        person, slot = rng.choice(spare)
        held[expertise[person.id][slot].key] -= 1
        expertise[person.id][slot] = theme
        held[theme.key] += 1
    return expertise


def _assign_goals(rng: random.Random, people: list[_Person],
                  expertise: dict[str, list[Theme]]) -> dict[str, list[Theme]]:
    held = {t.key for themes in expertise.values() for t in themes}
    # Only ask for themes some mentor offers; with no mentors at all, any theme goes.
    offered = [t for t in THEMES if t.key in held] or list(THEMES)
    goals: dict[str, list[Theme]] = {}
    for person in people:
        own = {t.key for t in expertise.get(person.id, [])}
        candidates = [t for t in offered if t.key not in own]
        weights = [_mentee_weight(t, person) for t in candidates]
        if not any(weights):
            weights = [t.weight for t in candidates]
        table = _THEME_COUNTS["both_goals" if person.role == "both" else "mentee"]
        goals[person.id] = _pick_themes(rng, candidates, weights, _weighted(rng, table))
    return goals


def _skills(rng: random.Random, person: _Person, themes: list[Theme]) -> str:
    tags = [tag for theme in themes for tag in rng.sample(theme.skills, rng.choice((1, 2)))]
    own = DEPARTMENTS[person.department].skills
    tags += rng.sample(own, 2 if themes else 3)
    return ";".join(dict.fromkeys(tags))


def _record(rng: random.Random, person: _Person, name: str, email: str, heritage: str,
            goals: list[Theme], expertise: list[Theme]) -> dict[str, str]:
    location = LOCATIONS[person.location]
    mentors = person.role != "mentee"
    if person.role == "mentee":
        cross = rng.random() < (0.6 if person.manager else 0.3)
    else:
        cross = rng.random() < 0.4
    return {
        "id": person.id,
        "name": name,
        "role": person.role,
        "email": email,
        "organization": person.org.name,
        "department": person.department,
        "title": rng.choice(DEPARTMENTS[person.department].titles[person.level - 1]),
        "level": str(person.level),
        "manager_id": person.manager.id if person.manager else "",
        "location": person.location,
        "timezone": location.timezone,
        "languages": pick_languages(rng, location, TRADITIONS[heritage].language),
        "capacity": str(_weighted(rng, _CAPACITY[person.role])) if mentors else "",
        "expertise": compose_expertise(rng, expertise, person.department, person.level)
        if mentors else "",
        "goals": compose_goals(rng, goals, person.department) if goals else "",
        "skills": _skills(rng, person, expertise),
        "format": _weighted(rng, _FORMATS[person.role]),
        "prefer_cross_department": "true" if cross else "false",
    }


def generate_program(mentees: int = 120, mentors: int = 40, seed: int = 2027) -> SampleProgram:
    """A reproducible sample program: same arguments, same records."""
    if mentees < 0 or mentors < 0:
        raise ValueError(f"counts must not be negative (mentees={mentees}, mentors={mentors})")
    rng = random.Random(seed)
    orgs = [rng.choice(HOSTS), *rng.sample(PARTNERS, 2)]
    mentor_people = _make_mentors(rng, mentors, orgs)
    mentee_people = _make_mentees(rng, mentees, orgs, mentor_people)
    expertise = _assign_expertise(rng, mentor_people)
    seekers = [p for p in mentor_people if p.role == "both"] + mentee_people
    goals = _assign_goals(rng, seekers, expertise)

    records: list[dict[str, str]] = []
    used_names: set[str] = set()
    used_locals: set[str] = set()
    for person in mentor_people + mentee_people:
        name, local, heritage = make_name(rng, LOCATIONS[person.location], used_names,
                                          used_locals)
        email = f"{local}@{person.org.domain}"
        records.append(_record(rng, person, name, email, heritage, goals.get(person.id, []),
                               expertise.get(person.id, [])))
    goal_keys = {pid: [t.key for t in themes] for pid, themes in goals.items()}
    expertise_keys = {pid: [t.key for t in themes] for pid, themes in expertise.items()}
    themes = {r["id"]: goal_keys.get(r["id"], []) + expertise_keys.get(r["id"], [])
              for r in records}
    return SampleProgram(records, themes, [o.name for o in orgs], goal_keys, expertise_keys)


def write_records(records: list[dict[str, str]], path: Path) -> None:
    """Write records as .csv (UTF-8, header = COLUMNS), .json (a list) or .jsonl (one a line)."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json", ".jsonl"):
        raise ValueError(f"cannot write records to '{path}': unsupported suffix "
                         f"'{suffix or '(none)'}'; use .csv, .json or .jsonl")
    with path.open("w", encoding="utf-8", newline="") as handle:
        if suffix == ".csv":
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(records)
        elif suffix == ".json":
            json.dump(records, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
        else:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
