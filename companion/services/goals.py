"""Tracked goals of a pairing (issue 14): an approved SMART-ER goals draft becomes the pair's
goals with their checkpoints; progress updates (status and evidence), checkpoints done or
undone, readjusting (a new version; the old one is kept as history), checkpoint reminders,
and goal completion per pairing for the coordinators. docs/relationship.md.

* **When goals are tracked.** Approving a goals draft made for a pairing tracks its goals
  at once while the pairing is approved or active (what a mentee expects: the goals
  approved are the pair's goals). A draft made before the pairing is private to its owner:
  only the owner's explicit "Track these goals" (`track_as`, `companion goals track`)
  shares it with the partner. Either way a goal's key is derived from (pairing,
  draft, position), and (key, version 1) is unique: tracking the same draft twice — in a
  row or at the same moment — writes its goals once.
* **Privacy.** Statements, details, evidence and checkpoints are the pair's (and an
  admin's); coordinators read counts only (`completion`). `goal_views`-style access is at the
  end of this module (`*_as`), on `session_views.pairing_access`.
* The functions without `_as` trust their caller (the local CLI or the `_as` functions)."""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from companion.domain import DraftKind, DraftStatus, PairingStatus
from companion.domain.clock import Clock, clock_or_system
from companion.domain.records import Draft, Pairing
from companion.domain.relationship import Goal, GoalCheckpoint, GoalStatus, GoalUpdate
from companion.errors import (
    BadInputError,
    CompanionError,
    ConflictError,
    NotFoundError,
    StaleVersionError,
    forbidden,
    hidden,
)
from companion.services.paging import Page, PageRequest, paginate
from companion.services.tokens import Principal
from companion.store import (
    AuditLog,
    Database,
    DraftRepository,
    DuplicateRowError,
    GoalRepository,
    PairingRepository,
    ProgramRepository,
    Session,
)
from companion.store.tables import ProgramRow

#: Pairings whose goals can be tracked (and updated).
TRACKING = (PairingStatus.approved, PairingStatus.active)
STATEMENT_MAX = 1000
EVIDENCE_MAX = 5000
DETAIL_FIELDS = ("specific", "measurable", "achievable", "relevant", "readjusted")


def new_goal_id() -> str:
    return f"gl-{uuid.uuid4().hex[:12]}"


def goal_key(pairing_id: str, draft_id: str, position: int) -> str:
    """The key of a draft's goal in a pairing: the same for every tracking of that draft."""
    digest = hashlib.sha256(f"{pairing_id}|{draft_id}|{position}".encode()).hexdigest()
    return f"gk-{digest[:24]}"


# -- typed results ------------------------------------------------------------------------

@dataclass(frozen=True)
class GoalView:
    """A current goal with its checkpoints, progress updates and earlier versions."""

    goal: Goal
    checkpoints: list[GoalCheckpoint] = field(default_factory=list)
    updates: list[GoalUpdate] = field(default_factory=list)
    history: list[Goal] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        data = goal_json(self.goal)
        data["checkpoints"] = [checkpoint_json(c) for c in self.checkpoints]
        data["updates"] = [{"status": u.status.value, "evidence": u.evidence,
                            "author_id": u.author_id,
                            "created_at": u.created_at.isoformat() if u.created_at else None}
                           for u in self.updates]
        data["history"] = [goal_json(g) for g in self.history]
        return data


def goal_json(goal: Goal) -> dict[str, Any]:
    return {"id": goal.id, "pairing_id": goal.pairing_id, "program": goal.program,
            "participant_id": goal.participant_id, "goal_key": goal.goal_key,
            "version": goal.version, "statement": goal.statement,
            "details": dict(goal.details),
            "time_bound": goal.time_bound.isoformat() if goal.time_bound else None,
            "status": goal.status.value, "is_current": goal.is_current,
            "superseded_by": goal.superseded_by, "source_draft_id": goal.source_draft_id,
            "created_by": goal.created_by,
            "created_at": goal.created_at.isoformat() if goal.created_at else None}


def checkpoint_json(point: GoalCheckpoint) -> dict[str, Any]:
    return {"id": point.id, "goal_id": point.goal_id, "position": point.position,
            "due_on": point.due_on.isoformat(), "check": point.check,
            "done": point.done_at is not None,
            "done_at": point.done_at.isoformat() if point.done_at else None,
            "done_by": point.done_by}


@dataclass(frozen=True)
class TrackResult:
    """What tracking a draft did: the pairing's goals from it, and whether this call wrote
    them (False: they were tracked already)."""

    pairing_id: str
    draft_id: str
    goals: list[Goal]
    created: bool

    def json(self) -> dict[str, Any]:
        return {"pairing_id": self.pairing_id, "draft_id": self.draft_id,
                "created": self.created, "goals": [goal_json(g) for g in self.goals]}


@dataclass(frozen=True)
class DueCheckpoint:
    """A checkpoint due within the reminder window or overdue, not done (for the nudges)."""

    checkpoint_id: int
    goal_id: str
    pairing_id: str
    mentee_id: str
    mentor_id: str
    due_on: date
    days_until: int  # negative: overdue by that many days
    check: str = ""  # the checkpoint's text: for the pair only (their reminder names it)
    goal_version: int = 1

    @property
    def overdue(self) -> bool:
        return self.days_until < 0


@dataclass(frozen=True)
class PairingCompletion:
    """A pairing's goal progress as counts only (what coordinators see)."""

    pairing_id: str
    goals: int
    by_status: dict[str, int]
    checkpoints: int
    checkpoints_done: int

    @property
    def done(self) -> int:
        return self.by_status.get(GoalStatus.done.value, 0)

    def json(self) -> dict[str, Any]:
        return {"pairing_id": self.pairing_id, "goals": self.goals, "done": self.done,
                "by_status": dict(self.by_status), "checkpoints": self.checkpoints,
                "checkpoints_done": self.checkpoints_done}


# -- validation ---------------------------------------------------------------------------

def _text(value: str | None, name: str, limit: int, *, required: bool = False) -> str | None:
    cleaned = (value or "").strip() or None
    if cleaned is None and required:
        raise BadInputError(f"{name} is empty", field=name)
    if cleaned is not None and len(cleaned) > limit:
        raise BadInputError(f"{name} is {len(cleaned)} characters long; at most {limit}",
                            field=name)
    if cleaned is not None and "\x00" in cleaned:
        raise BadInputError(f"{name} contains a NUL character", field=name)
    return cleaned


def _status(value: str | GoalStatus) -> GoalStatus:
    try:
        return GoalStatus(value)
    except ValueError:
        raise BadInputError(f"unknown goal status '{value}': use "
                            f"{', '.join(s.value for s in GoalStatus)}", field="status") from None


def _day(value: str | date | None, name: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadInputError(f"{name}: '{value}' is not a date: use YYYY-MM-DD",
                            field=name) from None


def _checkpoints_of(entry: dict[str, Any], goal_id: str, index: int) -> list[GoalCheckpoint]:
    points = []
    for position, item in enumerate(entry.get("evaluated") or []):
        if not isinstance(item, dict):
            continue
        due = _day(str(item.get("date") or ""), f"goals[{index}].evaluated[{position}].date")
        if due is None:
            continue
        points.append(GoalCheckpoint(goal_id=goal_id, position=position, due_on=due,
                                     check=str(item.get("check") or "").strip() or "Check"))
    return points


# -- tracking -----------------------------------------------------------------------------

def _live_pairing(pairings: PairingRepository, draft: Draft, pairing_id: str | None
                  ) -> Pairing | None:
    if pairing_id is not None:
        pairing = pairings.get(pairing_id)
    elif draft.pairing_id is not None:
        pairing = pairings.get(draft.pairing_id)
    else:
        mine = [p for p in pairings.list() if p.status in TRACKING
                and draft.participant_id in (p.mentee_id, p.mentor_id)]
        as_mentee = [p for p in mine if p.mentee_id == draft.participant_id]
        candidates = as_mentee or mine
        if len(candidates) != 1:
            return None
        pairing = candidates[0]
    if draft.participant_id not in (pairing.mentee_id, pairing.mentor_id):
        raise BadInputError(f"draft '{draft.id}' is not of a member of pairing "
                            f"'{pairing.id}'", field="pairing_id")
    return pairing


def track_draft(db: Database, draft_id: str, *, by: str, pairing_id: str | None = None,
                clock: Clock | None = None) -> TrackResult:
    """Track an approved goals draft as its pairing's goals (idempotent). The pairing: the
    one named, else the draft's own, else its owner's only approved or active pairing."""
    now = clock_or_system(clock).now()
    with db.session() as session:
        try:
            drafts = DraftRepository.of_draft(session, draft_id)
        except NotFoundError:
            raise BadInputError(f"no draft '{draft_id}'", field="draft_id") from None
        draft = drafts.get(draft_id)
        pairing = _live_pairing(PairingRepository(session, drafts.program), draft, pairing_id)
    if draft.kind is not DraftKind.goals:
        raise BadInputError(f"draft '{draft_id}' is a {draft.kind.value} draft, not goals",
                            field="draft_id")
    if draft.status is not DraftStatus.approved:
        raise ConflictError(f"draft '{draft_id}' is {draft.status}: only an approved goals "
                            "draft is tracked")
    if pairing is None:
        raise ConflictError(f"the owner of draft '{draft_id}' has no single approved or "
                            "active pairing: name the pairing (--pairing)")
    if pairing.status not in TRACKING:
        raise ConflictError(f"pairing '{pairing.id}' is {pairing.status}: only approved or "
                            "active pairings track goals")
    entries = [e for e in draft.content.get("goals") or [] if isinstance(e, dict)]
    if not entries:
        raise BadInputError(f"draft '{draft_id}' has no goals", field="draft_id")
    return _track(db, draft, pairing, entries, by=by, now=now)


def _track(db: Database, draft: Draft, pairing: Pairing, entries: list[dict[str, Any]], *,
           by: str, now: Any) -> TrackResult:
    keys = [goal_key(pairing.id, draft.id, i) for i in range(len(entries))]
    try:
        with db.session(write=True) as session:
            program = ProgramRepository(session).row(pairing.program)
            repo = GoalRepository(session, program)
            existing = {g.goal_key for g in repo.list(pairing_ids=[pairing.id],
                                                      current=False)}
            if set(keys) <= existing:
                raise _AlreadyTracked
            for index, (entry, key) in enumerate(zip(entries, keys, strict=True)):
                if key in existing:
                    continue
                gid = new_goal_id()
                statement = _text(str(entry.get("statement") or ""), "statement",
                                  STATEMENT_MAX) or f"Goal {index + 1}"
                repo.add_version(Goal(
                    id=gid, program=program.name, pairing_id=pairing.id,
                    participant_id=draft.participant_id, source_draft_id=draft.id,
                    goal_key=key, version=1, statement=statement,
                    details={**{k: entry[k] for k in DETAIL_FIELDS if entry.get(k)},
                             "position": index},
                    time_bound=_day(str(entry.get("time_bound") or "") or None,
                                    f"goals[{index}].time_bound"),
                    created_by=by), _checkpoints_of(entry, gid, index), at=now)
            AuditLog(session).append(by, "goals.track", "pairing", pairing.id,
                                     program=program.name,
                                     detail={"draft_id": draft.id, "goals": len(keys)})
        created = True
    except (_AlreadyTracked, DuplicateRowError):  # tracked before, or by a racing call
        created = False
    with db.session() as session:
        repo = GoalRepository(session, ProgramRepository(session).row(pairing.program))
        goals = sorted((g for g in repo.list(pairing_ids=[pairing.id]) if g.goal_key in keys),
                       key=lambda g: keys.index(g.goal_key))
    return TrackResult(pairing.id, draft.id, goals, created)


class _AlreadyTracked(Exception):
    pass


def track_on_approval(db: Database, draft: Draft, *, by: str,
                      clock: Clock | None = None) -> TrackResult | None:
    """Called when a draft is approved: an approved goals draft made for a pairing (shared
    with the partner once approved) becomes that pairing's goals while it is approved or
    active. A draft made before the pairing is private to its owner: only the owner's own
    "track" shares it. Anything else is left alone (None) — the approval stands whatever
    happens here."""
    if draft.kind is not DraftKind.goals or draft.status is not DraftStatus.approved \
            or draft.pairing_id is None:
        return None
    try:
        return track_draft(db, draft.id, by=by, clock=clock)
    except CompanionError:
        return None  # the pairing closed meanwhile, or storage trouble: track it later


# -- reading ------------------------------------------------------------------------------

def get_goal(db: Database, goal_id: str) -> Goal:
    with db.session() as session:
        return GoalRepository.of_goal(session, goal_id).get(goal_id)


def list_goals(db: Database, pairing_id: str) -> list[GoalView]:
    """A pairing's current goals with checkpoints, updates and earlier versions."""
    with db.session() as session:
        pairings = PairingRepository.of_pairing(session, pairing_id)
        repo = GoalRepository(session, pairings.program)
        current = repo.list(pairing_ids=[pairing_id])
        points = repo.checkpoints([g.id for g in current])
        views = []
        for goal in current:
            history = [g for g in repo.history(goal.goal_key) if g.id != goal.id]
            history.sort(key=lambda g: -g.version)
            updates: list[GoalUpdate] = []
            for version in [goal, *history]:
                updates += repo.updates(version.id)
            updates.sort(key=lambda u: (u.created_at is None, u.created_at, u.id or 0))
            views.append(GoalView(goal, [p for p in points if p.goal_id == goal.id],
                                  updates, history))
        return sorted(views, key=_order)


def _order(view: GoalView) -> tuple[Any, ...]:
    """As drafted: by when the goal (its first version) was tracked, then its place."""
    first = view.history[-1] if view.history else view.goal
    return (first.created_at, view.goal.source_draft_id or "",
            view.goal.details.get("position", 0), view.goal.goal_key)


def _shareable(draft: Draft, pairing: Pairing, viewer: str | None) -> bool:
    """A draft made for this pairing (the partner sees it once approved), or the viewer's
    own (a draft made before the pairing is private to its owner until they track it);
    `viewer` None: the local operator."""
    return draft.pairing_id == pairing.id or (
        draft.pairing_id is None and viewer in (None, draft.participant_id))


def untracked_drafts(db: Database, pairing: Pairing, viewer: str | None = None
                     ) -> list[Draft]:
    """Approved goals drafts of the pair's members not tracked in this pairing yet, that
    `viewer` may share (see `_shareable`)."""
    with db.session() as session:
        program = ProgramRepository(session).row(pairing.program)
        drafts = DraftRepository(session, program)
        tracked = {g.source_draft_id for g in GoalRepository(session, program).list(
            pairing_ids=[pairing.id], current=False)}
        found = []
        for pid in (pairing.mentee_id, pairing.mentor_id):
            found += [d for d in drafts.list(participant_id=pid, status=DraftStatus.approved)
                      if d.kind is DraftKind.goals and d.id not in tracked
                      and _shareable(d, pairing, viewer)]
        return found


def completion(db: Database, program: str) -> list[PairingCompletion]:
    """Goal completion per pairing (current versions; counts only), pairings with goals."""
    with db.session() as session:
        repo = GoalRepository(session, ProgramRepository(session).row(program))
        current = repo.list()
        points = repo.checkpoints([g.id for g in current])
    owner = {g.id: g.pairing_id for g in current}
    summary: dict[str, tuple[Counter[str], list[int]]] = {}
    for goal in current:
        counts, marks = summary.setdefault(goal.pairing_id, (Counter(), [0, 0]))
        counts[goal.status.value] += 1
    for point in points:
        marks = summary[owner[point.goal_id]][1]
        marks[0] += 1
        marks[1] += point.done_at is not None
    return [PairingCompletion(pid, sum(counts.values()), dict(sorted(counts.items())),
                              marks[0], marks[1])
            for pid, (counts, marks) in sorted(summary.items())]


def due_checkpoints_in(session: Session, row: ProgramRow, today: date, *,
                       within_days: int = 7, live: dict[str, Pairing] | None = None
                       ) -> list[DueCheckpoint]:
    """`due_checkpoints` inside the caller's transaction (the nudges'); `live`: the
    program's live pairings by id when the caller has read them already."""
    if within_days < 0:
        raise BadInputError("within_days must be 0 or more", field="within_days")
    points = GoalRepository(session, row).due_with_goals(today + timedelta(days=within_days))
    if live is None:
        live = {p.id: p for p in PairingRepository(session, row).list()
                if p.status in TRACKING}
    found = []
    for point_id, due_on, check, goal_id, pairing_id, version in points:
        pairing = live.get(pairing_id)
        if pairing is None or pairing.status not in TRACKING:
            continue
        found.append(DueCheckpoint(point_id, goal_id, pairing.id, pairing.mentee_id,
                                   pairing.mentor_id, due_on, (due_on - today).days, check,
                                   version))
    return found


def due_checkpoints(db: Database, program: str, clock: Clock | None = None, *,
                    within_days: int = 7) -> list[DueCheckpoint]:
    """Open checkpoints of current goals of live pairings due within `within_days` of the
    clock's date, or overdue — what the checkpoint reminders are made of."""
    if within_days < 0:
        raise BadInputError("within_days must be 0 or more", field="within_days")
    today = clock_or_system(clock).today()
    with db.session() as session:
        row = ProgramRepository(session).row(program)
        return due_checkpoints_in(session, row, today, within_days=within_days)


# -- writing ------------------------------------------------------------------------------

def _current(repo: GoalRepository, goal_id: str, version: int | None) -> Goal:
    goal = repo.get(goal_id)
    if not goal.is_current:
        raise StaleVersionError(
            f"goal '{goal_id}' was readjusted: version {goal.version} is "
            f"history, the current one is '{goal.superseded_by}'")
    if version is not None and version != goal.version:
        raise StaleVersionError(
            f"goal '{goal_id}' is at version {goal.version}, not {version}; "
            "reload and try again")
    return goal


def _tracking_pairing(repo: GoalRepository, goal: Goal) -> None:
    pairing = PairingRepository(repo.session, repo.program).get(goal.pairing_id)
    if pairing.status not in TRACKING:
        raise ConflictError(f"pairing '{pairing.id}' is {pairing.status}: its goals are a "
                            "record now, not changed")


def update_goal(db: Database, goal_id: str, status: str | GoalStatus, *, by: str,
                note: str | None = None, version: int | None = None,
                clock: Clock | None = None) -> GoalView:
    """Record progress: a status and its evidence note (the goal's status follows)."""
    now = clock_or_system(clock).now()
    new_status = _status(status)
    evidence = _text(note, "note", EVIDENCE_MAX)
    with db.session(write=True) as session:
        repo = GoalRepository.of_goal(session, goal_id)
        goal = _current(repo, goal_id, version)
        _tracking_pairing(repo, goal)
        repo.add_update(GoalUpdate(goal_id=goal_id, author_id=by, status=new_status,
                                   evidence=evidence), at=now)
        AuditLog(session).append(by, "goal.update", "goal", goal_id,
                                 program=repo.program.name,
                                 detail={"pairing_id": goal.pairing_id,
                                         "status": new_status.value})
    return _view_of(db, goal_id)


def readjust(db: Database, goal_id: str, *, by: str, statement: str | None = None,
             time_bound: str | date | None = None, reason: str | None = None,
             version: int | None = None, clock: Clock | None = None) -> GoalView:
    """Readjust a goal: a new version (statement and/or deadline changed) becomes current;
    the old one is kept as history. Checkpoints carry over (with their done marks)."""
    now = clock_or_system(clock).now()
    new_statement = _text(statement, "statement", STATEMENT_MAX)
    new_deadline = _day(time_bound, "time_bound")
    why = _text(reason, "reason", EVIDENCE_MAX)
    if new_statement is None and new_deadline is None:
        raise BadInputError("a readjustment changes the statement or the time bound",
                            field="statement")
    new_id = new_goal_id()
    try:
        with db.session(write=True) as session:
            repo = GoalRepository.of_goal(session, goal_id)
            goal = _current(repo, goal_id, version)
            _tracking_pairing(repo, goal)
            details = dict(goal.details)
            if why:
                details["readjusted"] = why
            points = repo.checkpoints([goal_id])
            repo.add_version(goal.model_copy(update={
                "id": new_id, "version": goal.version + 1,
                "statement": new_statement or goal.statement,
                "time_bound": new_deadline or goal.time_bound, "details": details,
                "created_by": by, "is_current": True, "superseded_by": None}),
                [p.model_copy(update={"goal_id": new_id, "id": None}) for p in points],
                at=now)
            for old, new in zip(points, repo.checkpoints([new_id]), strict=True):
                if old.done_at is not None:
                    repo.mark_checkpoint(new.id or 0, by=old.done_by or by, at=old.done_at)
            AuditLog(session).append(by, "goal.readjust", "goal", new_id,
                                     program=repo.program.name,
                                     detail={"pairing_id": goal.pairing_id,
                                             "previous": goal_id,
                                             "version": goal.version + 1})
    except DuplicateRowError:
        raise ConflictError(f"goal '{goal_id}' was readjusted by someone else at the same "
                            "time; reload and try again") from None
    return _view_of(db, new_id)


def set_checkpoint(db: Database, checkpoint_id: int, *, by: str, done: bool = True,
                   clock: Clock | None = None) -> GoalCheckpoint:
    """Mark a checkpoint done (or undone again); doing it twice changes nothing."""
    now = clock_or_system(clock).now()
    with db.session(write=True) as session:
        try:
            repo, point = GoalRepository.of_checkpoint(session, checkpoint_id)
        except NotFoundError:
            raise NotFoundError(f"no checkpoint {checkpoint_id}") from None
        goal = _current(repo, point.goal_id, None)
        _tracking_pairing(repo, goal)
        changed = (repo.mark_checkpoint(checkpoint_id, by=by, at=now) if done
                   else repo.unmark_checkpoint(checkpoint_id))
        if changed:
            AuditLog(session).append(by, "goal.checkpoint", "goal", goal.id,
                                     program=repo.program.name,
                                     detail={"checkpoint": checkpoint_id, "done": done})
        session.expire_all()
        return GoalRepository.of_checkpoint(session, checkpoint_id)[1]


def _view_of(db: Database, goal_id: str) -> GoalView:
    goal = get_goal(db, goal_id)
    for view in list_goals(db, goal.pairing_id):
        if view.goal.id == goal_id:
            return view
    raise NotFoundError(f"no current goal '{goal_id}'")  # pragma: no cover


# -- as a principal may (the API's and the web app's entry) ---------------------------------

def _member_access(db: Database, principal: Principal, pairing_id: str) -> Any:
    from companion.services.session_views import pairing_access

    seen = pairing_access(db, principal, pairing_id)
    if not seen.private:
        raise forbidden("a pair's goals are private to the pair; coordinators see goal "
                        "completion per pairing", program=seen.access.program.name)
    return seen


def _goal_access(db: Database, principal: Principal, goal_id: str) -> Any:
    try:
        goal = get_goal(db, goal_id)
    except NotFoundError:
        raise hidden(f"goal '{goal_id}'", reason="no such goal") from None
    return _member_access(db, principal, goal.pairing_id)


def list_as(db: Database, principal: Principal, pairing_id: str) -> list[GoalView]:
    _member_access(db, principal, pairing_id)
    return list_goals(db, pairing_id)


def get_as(db: Database, principal: Principal, goal_id: str) -> GoalView:
    _goal_access(db, principal, goal_id)
    return _view_of(db, goal_id) if get_goal(db, goal_id).is_current else GoalView(
        get_goal(db, goal_id))


def track_as(db: Database, principal: Principal, pairing_id: str, draft_id: str,
             clock: Clock | None = None) -> TrackResult:
    seen = _member_access(db, principal, pairing_id)
    try:
        draft = drafts_of(db, draft_id)
    except NotFoundError:
        draft = None
    if draft is None or not (seen.access.admin or _shareable(draft, seen.pairing,
                                                             seen.access.me)):
        raise hidden(f"draft '{draft_id}'", reason="draft not shareable by the caller",
                     program=seen.access.program.name)
    return track_draft(db, draft_id, by=seen.by, pairing_id=pairing_id, clock=clock)


def drafts_of(db: Database, draft_id: str) -> Draft:
    with db.session() as session:
        return DraftRepository.of_draft(session, draft_id).get(draft_id)


def update_as(db: Database, principal: Principal, goal_id: str, status: str, *,
              note: str | None = None, version: int | None = None,
              clock: Clock | None = None) -> GoalView:
    seen = _goal_access(db, principal, goal_id)
    return update_goal(db, goal_id, status, by=seen.by, note=note, version=version,
                       clock=clock)


def readjust_as(db: Database, principal: Principal, goal_id: str, *,
                statement: str | None = None, time_bound: str | None = None,
                reason: str | None = None, version: int | None = None,
                clock: Clock | None = None) -> GoalView:
    seen = _goal_access(db, principal, goal_id)
    return readjust(db, goal_id, by=seen.by, statement=statement, time_bound=time_bound,
                    reason=reason, version=version, clock=clock)


def checkpoint_as(db: Database, principal: Principal, checkpoint_id: int, *, done: bool,
                  clock: Clock | None = None) -> GoalCheckpoint:
    with db.session() as session:
        try:
            _, point = GoalRepository.of_checkpoint(session, checkpoint_id)
        except NotFoundError:
            raise hidden(f"checkpoint {checkpoint_id}", reason="no such checkpoint") from None
    seen = _goal_access(db, principal, point.goal_id)
    return set_checkpoint(db, checkpoint_id, by=seen.by, done=done, clock=clock)


def completion_as(db: Database, principal: Principal, program: str
                  ) -> list[PairingCompletion]:
    """Goal completion per pairing, for the program's coordinators (a partner's: their own
    people's pairings)."""
    from companion.services import pairings as pairing_service
    from companion.services.access import access_to, people_of

    access = access_to(db, principal, program)
    access.require_coordinator("read goal completion")
    found = completion(db, program)
    if access.partner_coordinator:
        people = people_of(db, program)
        own = {p.id for p in pairing_service.list_pairings(db, program)
               if access.own_org(people.get(p.mentee_id))
               or access.own_org(people.get(p.mentor_id))}
        found = [c for c in found if c.pairing_id in own]
    return found


def completion_page(db: Database, principal: Principal, program: str, request: PageRequest
                    ) -> Page[PairingCompletion]:
    """`completion_as`, by pairing id, a page at a time."""
    return paginate(completion_as(db, principal, program), lambda c: (c.pairing_id,),
                    request, scope=f"completion|{program}")


def by_pairing(views: Sequence[GoalView]) -> dict[str, list[GoalView]]:
    grouped: dict[str, list[GoalView]] = {}
    for view in views:
        grouped.setdefault(view.goal.pairing_id, []).append(view)
    return grouped
