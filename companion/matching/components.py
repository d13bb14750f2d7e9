"""Score components: vectorised over a block of mentees × all mentors, each in [0, 1].

Each component has a documented default weight in `MatchingWeights`; the total score is the
weighted mean. Unknown data (no level, no time zone) scores a neutral 0.5."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import numpy as np

from companion.domain import ProgramType

#: Cosine similarity of *centred* vectors (see `matching.centre`) at or below FLOOR is unrelated
#: text, FLOOR + SPAN a near-restatement; semantic fit is rescaled linearly between them.
#: Measured on the sample program with all-MiniLM-L6-v2: median pair 0.03, 99th percentile
#: 0.27, a goal's best mentor phrase median 0.22.
SEMANTIC_FLOOR = 0.0
SEMANTIC_SPAN = 0.35
#: Hours of shared working day (09:00-18:00 local) that score fully.
FULL_OVERLAP_HOURS = 3.0
COMPONENTS = ("semantic", "level", "cross_department", "cross_organization", "timezone",
              "language", "load")


def semantic_fit(cosine: np.ndarray) -> np.ndarray:
    """Raw cosine similarity rescaled to [0, 1]."""
    return np.clip((cosine - SEMANTIC_FLOOR) / SEMANTIC_SPAN, 0.0, 1.0)


def level_fit(program_type: ProgramType, mentee_levels: np.ndarray,
              mentor_levels: np.ndarray) -> np.ndarray:
    """How well the seniority gap (mentor − mentee) suits the program type."""
    gap = mentor_levels[None, :] - mentee_levels[:, None]
    unknown = np.isnan(gap)
    gap = np.nan_to_num(gap)
    if program_type is ProgramType.peer:
        fit = np.select([np.abs(gap) == 0, np.abs(gap) == 1, np.abs(gap) == 2], [1.0, 0.8, 0.4],
                        0.1)
    elif program_type is ProgramType.reverse:
        fit = np.select([gap <= -2, gap == -1, gap == 0], [1.0, 0.7, 0.3], 0.1)
    else:  # one_to_one, group, cross_org: mentor more senior, 2-4 levels ideal
        fit = np.select([(gap >= 2) & (gap <= 4), gap == 1, gap >= 5, gap == 0],
                        [1.0, 0.6, 0.6, 0.2], 0.05)
    return np.where(unknown, 0.5, fit)


def department_fit(mentee_dept: np.ndarray, mentor_dept: np.ndarray,
                   prefers_cross: np.ndarray) -> np.ndarray:
    """Different departments are preferred (fresh perspective, no local politics); a mentee who
    asked for cross-department gets it weighted fully, one who asked not to gets the reverse.
    `prefers_cross`: 1 yes, 0 no, -1 not said. Department code -1 means unknown."""
    same = mentee_dept[:, None] == mentor_dept[None, :]
    unknown = (mentee_dept[:, None] < 0) | (mentor_dept[None, :] < 0)
    wants = prefers_cross[:, None]
    fit = np.where(wants == 1, np.where(same, 0.0, 1.0),
                   np.where(wants == 0, np.where(same, 1.0, 0.5), np.where(same, 0.4, 1.0)))
    return np.where(unknown, 0.5, fit)


def organization_fit(program_type: ProgramType, mentee_org: np.ndarray,
                     mentor_org: np.ndarray) -> np.ndarray:
    """Cross-organisation programs want a mentor from another organisation; elsewhere the
    component is neutral (0.5) and does not change the ranking."""
    if program_type is not ProgramType.cross_org:
        return np.full((len(mentee_org), len(mentor_org)), 0.5)
    same = mentee_org[:, None] == mentor_org[None, :]
    unknown = (mentee_org[:, None] < 0) | (mentor_org[None, :] < 0)
    return np.where(unknown, 0.5, np.where(same, 0.0, 1.0))


def utc_offset_hours(zone: str | None, on: date) -> float:
    """UTC offset of `zone` at noon on `on`, in hours (NaN when unknown)."""
    if not zone:
        return float("nan")
    moment = datetime.combine(on, time(12), tzinfo=ZoneInfo(zone))
    offset = moment.utcoffset()
    return float("nan") if offset is None else offset.total_seconds() / 3600


def overlap_hours(mentee_offsets: np.ndarray, mentor_offsets: np.ndarray) -> np.ndarray:
    """Hours shared by two 09:00-18:00 working days, given UTC offsets."""
    delta = np.abs(mentee_offsets[:, None] - mentor_offsets[None, :])
    delta = np.minimum(delta, 24 - delta)
    return np.clip(9.0 - delta, 0.0, 9.0)


def timezone_fit(hours: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(hours), 0.5, np.minimum(hours, FULL_OVERLAP_HOURS) /
                    FULL_OVERLAP_HOURS)


def language_fit(shared: np.ndarray, known: np.ndarray) -> np.ndarray:
    """1 with a shared language, 0 without; 0.5 when either side listed none."""
    return np.where(known, shared.astype(float), 0.5)


def load_fit(load: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Spare capacity: a mentor at 0 of 3 scores 1, at 2 of 3 scores 1/3."""
    with np.errstate(divide="ignore", invalid="ignore"):
        spare = np.where(capacity > 0, 1.0 - load / np.maximum(capacity, 1), 0.0)
    return np.clip(spare, 0.0, 1.0)


def semantic_fit_inplace(cosine: np.ndarray) -> np.ndarray:
    """`semantic_fit` computed in place on a float array (same numbers, no temporaries)."""
    if SEMANTIC_FLOOR:
        np.subtract(cosine, SEMANTIC_FLOOR, out=cosine)
    np.divide(cosine, SEMANTIC_SPAN, out=cosine)
    return np.clip(cosine, 0.0, 1.0, out=cosine)
