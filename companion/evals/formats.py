"""Matching beyond one-to-one: group cohorts, peer groups and fairness across departments and
organisations, measured on seeded sample programs through the real matching services
(`companion.services.matching.suggest` / `assign` on a scratch database).

Ground truth comes from the sample generator: the leadership themes behind each mentee's goals
and each mentor's expertise, which the engine never sees.

- group: a mentee's cohort mentor holds one of their themes; a mentee shares a theme with
  another cohort member. Both are compared with random cohorts of the same sizes (lift).
- peer: level gap inside peer groups (the guideline wants the same level or one apart),
  compared with random pairs of the same people.
- fairness: theme hit@3 of suggestions and the share of mentees given a mentor by whole-pool
  assignment, per department and per organisation; the metric is the gap between the best and
  the worst served group (groups under `min_group_size` mentees are left out and named).
  The assignment is run again with a minimum coverage per group (`companion.services.fairness`,
  the `--min-coverage` option): the gap under it, and its price — the share of total fit given
  up against the assignment without it.

Which of many near-equal solutions an assignment returns turns on the last digits of the
vectors: bfloat16 arithmetic (COMPANION_EMBEDDING_PRECISION) moved the organisations' assigned
gap from 0.029 to 0.068 with every neighbour list intact. A case with `perturbations: k` is
therefore run k more times, each with every vector jittered by seeded noise of bf16's size
(σ = 0.0005 per dimension, measured between the two precisions), and its metrics are the mean
over the k + 1 runs; the row gives their range. The metric then describes the engine, not one
draw among its equal answers, and holds across CPUs and precisions.
"""

from __future__ import annotations

import hashlib
import json
import random
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from companion.domain import Participant
from companion.domain.reporting import chain_of_command
from companion.embeddings import Embedder
from companion.evals.datasets import DatasetError, load_cases, read_data
from companion.progress import Tick
from companion.sample import SampleProgram, generate_program
from companion.services.progress import NoProgress, Progress
from companion.store import Database

START = date(2027, 1, 11)


class SampleSpec(BaseModel):
    """Which seeded sample program a case runs on."""

    model_config = ConfigDict(extra="forbid")

    seed: int = 11
    mentees: int = Field(120, ge=4, le=2000)
    mentors: int = Field(40, ge=2, le=1000)


class FormatCase(BaseModel):
    """One check of `formats.yaml`."""

    model_config = ConfigDict(extra="forbid")

    id: str
    tags: list[str] = Field(min_length=1)
    check: Literal["group_cohorts", "peer_groups", "fairness"]
    sample: SampleSpec = Field(default_factory=SampleSpec)
    by: Literal["department", "organization"] | None = None
    min_group_size: int = Field(8, ge=1)
    random_repeats: int = Field(50, ge=1, le=1000)
    min_coverage_of_rate: float = Field(0.85, gt=0, le=1)
    """Fairness checks: the minimum coverage asked of each group, as a fraction of the share of
    all mentees the assignment without minimums places (0.85 with 82% placed: at least 70% of
    each group's mentees)."""
    perturbations: int = Field(0, ge=0, le=20)
    """Extra runs with jittered vectors; the case's metrics are the mean over all runs (see the
    module docstring)."""
    description: str = ""


#: Per-dimension spread of the difference between a text's bfloat16 and float32 vectors
#: (all-MiniLM-L6-v2, 480 goal and expertise texts of the seed-11 sample: 0.00051).
JITTER_SIGMA = 0.0005


class Jittered:
    """`inner`'s vectors plus seeded noise, renormalised: the same text gets the same noise for
    a given seed, in every call (suggestions, assignment and the reference set agree)."""

    def __init__(self, inner: Embedder, seed: int, sigma: float = JITTER_SIGMA) -> None:
        self.inner, self.seed, self.sigma = inner, seed, sigma
        self.name = f"{inner.name}~jitter{seed}"

    def embed(self, texts: Sequence[str], *, tick: Tick | None = None) -> np.ndarray:
        vectors = np.array(self.inner.embed(texts, tick=tick), dtype=np.float32)
        for row, text in enumerate(texts):
            key = hashlib.sha256(f"{self.seed}\0{text}".encode()).digest()[:8]
            rng = np.random.default_rng(int.from_bytes(key, "little"))
            vectors[row] += np.asarray(rng.normal(0.0, self.sigma, vectors.shape[1]),
                                       dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)


@dataclass
class FormatsResult:
    """What the format checks add to the matching suite."""

    metrics: dict[str, float] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def load(path: Path) -> list[FormatCase]:
    cases = load_cases(FormatCase, read_data(path), path)
    for case in cases:
        if (case.check == "fairness") != (case.by is not None):
            raise DatasetError(path, "'by' is required for fairness checks and only for them",
                               case=case.id, field="by")
    return cases


class _Programs:
    """Sample programs imported into a scratch database, one per (type, sample)."""

    def __init__(self, db: Database, embedder: Embedder) -> None:
        self.db = db
        self.embedder = embedder
        self.samples: dict[tuple[int, int, int], SampleProgram] = {}
        self.names: dict[tuple[str, tuple[int, int, int]], str] = {}

    def seen_through(self, embedder: Embedder) -> _Programs:
        """The same programs, matched with another embedder."""
        other = _Programs(self.db, embedder)
        other.samples, other.names = self.samples, self.names
        return other

    def sample(self, spec: SampleSpec) -> SampleProgram:
        key = (spec.seed, spec.mentees, spec.mentors)
        if key not in self.samples:
            self.samples[key] = generate_program(spec.mentees, spec.mentors, spec.seed)
        return self.samples[key]

    def program(self, kind: str, spec: SampleSpec) -> str:
        from companion.services.participants import import_participants_bytes
        from companion.services.programs import build_program, create_program

        key = (kind, (spec.seed, spec.mentees, spec.mentors))
        if key not in self.names:
            name = f"eval-{kind}-{spec.seed}-{spec.mentees}x{spec.mentors}"
            create_program(self.db, build_program(name, type=kind, start=START), actor="eval")
            records = json.dumps(self.sample(spec).records).encode()
            report = import_participants_bytes(self.db, name, records, name="sample.json",
                                               skip_invalid=False, actor="eval")
            if not report.imported:  # the generator's records are valid by construction
                raise RuntimeError(f"sample program {name} did not import: {report.errors[:3]}")
            self.names[key] = name
        return self.names[key]


def run(path: Path, embedder: Embedder, db: Database, progress: Progress | None = None
        ) -> FormatsResult:
    """Every check of `path` (formats.yaml) on `db` (a scratch database)."""
    progress = progress or NoProgress()
    cases = load(path)
    programs = _Programs(db, embedder)
    result = FormatsResult()
    checks = {"group_cohorts": _group, "peer_groups": _peer, "fairness": _fairness}
    runs = sum(1 + case.perturbations for case in cases)
    with progress.stage("Grading group, peer and fairness cases", runs) as tick:
        for case in cases:
            check = checks[case.check]
            if not case.perturbations:
                check(case, programs, result)
                tick(1)
                continue
            draws: list[FormatsResult] = []
            for seed in range(case.perturbations + 1):
                draw = FormatsResult()
                check(case, programs.seen_through(Jittered(embedder, seed)) if seed
                      else programs, draw)
                draws.append(draw)
                tick(1)
            _average(draws, result)
    return result


def _average(draws: list[FormatsResult], result: FormatsResult) -> None:
    """One case's runs as one: metrics the mean, the row the unjittered run's with each
    metric's range, notes those of any run."""
    row = dict(draws[0].rows[0])
    spread = []
    for metric in draws[0].metrics:
        values = [d.metrics[metric] for d in draws]
        result.metrics[metric] = statistics.mean(values)
        if max(values) - min(values) > 1e-9:
            spread.append(f"{metric} {min(values):.3f}–{max(values):.3f}")
    row["runs"] = (f"{len(draws)}: the metrics are their mean; vectors jittered by "
                   f"σ={JITTER_SIGMA} in all but the first")
    row["range over the runs"] = "; ".join(spread) or "the same in every run"
    row["passed"] = all(d.rows[0]["passed"] for d in draws)
    result.rows.append(row)
    for note in (n for d in draws for n in d.notes):
        if note not in result.notes:
            result.notes.append(note)


def _people(sample: SampleProgram) -> dict[str, Participant]:
    return {r["id"]: Participant.model_validate({k: v for k, v in r.items() if v != ""})
            for r in sample.records}


def _share(values: list[bool]) -> float:
    return sum(values) / len(values) if values else 0.0


def _in_line(a: str, b: str, managers: dict[str, str | None]) -> bool:
    return a in chain_of_command(b, managers) or b in chain_of_command(a, managers)


def _assigned(case: FormatCase, programs: _Programs, kind: str
              ) -> tuple[SampleProgram, dict[str, Participant], dict[str, str | None],
                         dict[str, Any]]:
    """The case's sample as a `kind` program, assigned: (sample, people, managers, answer)."""
    from companion.services.matching import assign

    sample = programs.sample(case.sample)
    people = _people(sample)
    managers = {pid: p.manager_id for pid, p in people.items()}
    answer = assign(programs.db, programs.program(kind, case.sample), programs.embedder,
                    actor="eval").json()
    return sample, people, managers, answer


def _group(case: FormatCase, programs: _Programs, result: FormatsResult) -> None:
    sample, people, managers, answer = _assigned(case, programs, "group")
    cohorts: dict[tuple[str, str], list[str]] = defaultdict(list)
    for a in answer["assignments"]:
        cohorts[(a["mentor_id"], a["cohort"])].append(a["mentee_id"])
    goals, expertise = sample.goal_themes, sample.expertise_themes

    def shares(groups: list[tuple[str, list[str]]]) -> tuple[float, float]:
        mentor = [bool(set(goals.get(m, [])) & set(expertise.get(mentor, [])))
                  for mentor, members in groups for m in members]
        shared = [any(set(goals.get(m, [])) & set(goals.get(o, [])) for o in members if o != m)
                  for _, members in groups for m in members]
        return _share(mentor), _share(shared)

    actual = [(mentor, members) for (mentor, _), members in cohorts.items()]
    mentor_share, shared_share = shares(actual)
    rng = random.Random(case.sample.seed)
    placed = [m for _, members in actual for m in members]
    randoms: list[tuple[float, float]] = []
    for _ in range(case.random_repeats):
        order = placed[:]
        rng.shuffle(order)
        groups, start = [], 0
        for mentor, members in actual:
            groups.append((mentor, order[start:start + len(members)]))
            start += len(members)
        randoms.append(shares(groups))
    random_mentor = statistics.mean(r[0] for r in randoms)
    random_shared = statistics.mean(r[1] for r in randoms)
    bad_sizes = [len(m) for _, m in actual if not 4 <= len(m) <= 6]
    line = [f"{mentor}↔{m}" for mentor, members in actual for m in members
            if _in_line(m, mentor, managers)]
    member_line = sorted({f"{a}↔{b}" for _, members in actual for a in members for b in members
                          if a < b and _in_line(a, b, managers)})
    mentees = [pid for pid, p in people.items() if p.role.is_mentored]
    metrics = {
        "group.mentor_theme_share": mentor_share,
        "group.mentor_theme_lift": mentor_share / random_mentor if random_mentor else 0.0,
        "group.shared_theme_share": shared_share,
        "group.shared_theme_lift": shared_share / random_shared if random_shared else 0.0,
        "group.placed_share": len(placed) / len(mentees) if mentees else 0.0,
        "group.size_violations": float(len(bad_sizes)),
        "group.reporting_line_violations": float(len(line)),
    }
    result.metrics.update(metrics)
    result.rows.append({
        "id": case.id, "passed": not bad_sizes and not line, "tags": ", ".join(case.tags),
        "cohorts": f"{len(actual)} cohorts, sizes {sorted(len(m) for _, m in actual)}",
        "mentor shares a theme": f"{mentor_share:.3f} (random cohorts {random_mentor:.3f})",
        "member shares a theme": f"{shared_share:.3f} (random cohorts {random_shared:.3f})",
        "violations": "; ".join(line + [f"cohort of {n}" for n in bad_sizes]) or "none",
        "members in each other's reporting line": ", ".join(member_line) or "none",
        "metrics": sorted(metrics),
    })
    if member_line:
        result.notes.append(f"group: {len(member_line)} cohort(s) hold two members in one "
                            "reporting line (the group guideline advises against it; the "
                            "engine does not enforce it between members)")


def _peer(case: FormatCase, programs: _Programs, result: FormatsResult) -> None:
    sample, people, managers, answer = _assigned(case, programs, "peer")
    groups: dict[str, set[str]] = defaultdict(set)
    for a in answer["assignments"]:
        groups[a["cohort"]] |= {a["mentee_id"], a["mentor_id"]}
    level = {pid: p.level for pid, p in people.items()}

    def gaps(members: list[list[str]]) -> list[int]:
        return [abs((level[a] or 0) - (level[b] or 0)) for group in members
                for i, a in enumerate(group) for b in group[i + 1:]
                if level[a] is not None and level[b] is not None]

    actual = [sorted(g) for g in groups.values()]
    real = gaps(actual)
    rng = random.Random(case.sample.seed)
    placed = [p for g in actual for p in g]
    random_gaps: list[float] = []
    for _ in range(case.random_repeats):
        order = placed[:]
        rng.shuffle(order)
        random_gaps.append(statistics.mean(gaps([order[i:i + 2]
                                                 for i in range(0, len(order) - 1, 2)])))
    line = [f"{a}↔{b}" for g in actual for i, a in enumerate(g) for b in g[i + 1:]
            if _in_line(a, b, managers)]
    mean_gap = statistics.mean(real) if real else 0.0
    metrics = {
        "peer.level_gap_mean": mean_gap,
        "peer.random_level_gap_mean": statistics.mean(random_gaps) if random_gaps else 0.0,
        "peer.level_gap_within_1_share": _share([g <= 1 for g in real]),
        "peer.placed_share": len(placed) / len(people) if people else 0.0,
        "peer.reporting_line_violations": float(len(line)),
    }
    result.metrics.update(metrics)
    result.rows.append({
        "id": case.id, "passed": not line, "tags": ", ".join(case.tags),
        "groups": f"{len(actual)} ({sum(len(g) == 3 for g in actual)} triads)",
        "level gap": f"mean {mean_gap:.2f}, within one level "
                     f"{metrics['peer.level_gap_within_1_share']:.3f} (random pairs mean "
                     f"{metrics['peer.random_level_gap_mean']:.2f})",
        "violations": "; ".join(line) or "none",
        "metrics": sorted(metrics),
    })


def _fairness(case: FormatCase, programs: _Programs, result: FormatsResult) -> None:
    from companion.services.fairness import Fairness
    from companion.services.matching import assign, suggest

    assert case.by is not None  # checked on load
    sample = programs.sample(case.sample)
    people = _people(sample)
    name = programs.program("one_to_one", case.sample)
    goals, expertise = sample.goal_themes, sample.expertise_themes
    hits: dict[str, list[bool]] = defaultdict(list)
    for s in suggest(programs.db, name, programs.embedder, top=3).items:
        group = getattr(people[s["mentee_id"]], case.by) or "(none)"
        hits[group].append(any(set(expertise.get(c["mentor_id"], []))
                               & set(goals.get(s["mentee_id"], [])) for c in s["candidates"]))
    answer = assign(programs.db, name, programs.embedder, actor="eval").json()
    given = {a["mentee_id"] for a in answer["assignments"]}
    assigned: dict[str, list[bool]] = defaultdict(list)
    for pid, person in people.items():
        if person.role.is_mentored:
            assigned[getattr(person, case.by) or "(none)"].append(pid in given)
    # The same pool with a minimum coverage per group, relative to what the places allow: a
    # fixed share would be out of reach of a pool with few places and no constraint on one
    # with many. The service prices it against its own run without the minimums.
    overall = _share([v for values in assigned.values() for v in values])
    min_share = round(case.min_coverage_of_rate * overall, 2)
    fair = assign(programs.db, name, programs.embedder, actor="eval",
                  fairness=Fairness(case.by, min_share))
    assert fair.fairness is not None  # asked for
    given_fair = {p.mentee_id for p in fair.assignments}
    large = sorted(g for g, v in hits.items() if len(v) >= case.min_group_size)
    small = sorted(g for g, v in hits.items() if len(v) < case.min_group_size)
    hit_rate = {g: _share(hits[g]) for g in large}
    assigned_rate = {g: _share(assigned[g]) for g in large}
    mentees_of = {g: [pid for pid, p in people.items()
                      if p.role.is_mentored and (getattr(p, case.by) or "(none)") == g]
                  for g in large}
    fair_rate = {g: _share([pid in given_fair for pid in mentees_of[g]]) for g in large}

    def gap(rates: dict[str, float]) -> float:
        return max(rates.values()) - min(rates.values()) if len(rates) > 1 else 0.0

    metrics = {f"fairness.theme_hit_gap.{case.by}": gap(hit_rate),
               f"fairness.assigned_gap.{case.by}": gap(assigned_rate),
               f"fairness.assigned_gap.{case.by}.with_minimum": gap(fair_rate),
               f"fairness.price.{case.by}": fair.fairness.relative_price}
    result.metrics.update(metrics)
    # Whether the gaps are acceptable is the thresholds' call (see runner): the row says so.
    result.rows.append({
        "id": case.id, "passed": True, "tags": ", ".join(case.tags),
        "theme hit@3 by group": ", ".join(f"{g} {hit_rate[g]:.2f} (n={len(hits[g])})"
                                          for g in large),
        "assigned share by group": ", ".join(f"{g} {assigned_rate[g]:.2f}" for g in large),
        f"with a minimum of {min_share:.0%} per group": ", ".join(
            f"{g} {fair_rate[g]:.2f}" for g in large),
        "price of the minimum": f"{fair.fairness.relative_price:.2%} of total fit "
                                f"({fair.fairness.price:.3f} of "
                                f"{fair.fairness.unconstrained_total_score:.3f}); "
                                f"{'every' if fair.fairness.all_met else 'not every'} "
                                "minimum met",
        f"left out (fewer than {case.min_group_size} mentees)":
            ", ".join(f"{g} (n={len(hits[g])})" for g in small) or "none",
        "metrics": sorted(metrics),
    })
