"""What the drafting model may read: the program allows some profile fields, the requester's
own goals, their partner's shareable fields, earlier approved drafts of the same pairing —
never anyone else's data. The reading itself is the `DraftStore` port's job.

Every free text among them (the topic, goals, expertise, …) is screened first (`safety.py`):
instructions, special-category data and other participants' names never reach the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from companion.domain import DraftKind, Participant, Phase, Program
from companion.drafting.safety import NamedPerson, screen_text


@dataclass(frozen=True)
class SessionHistory:
    """The pairing's meetings so far, for an agenda (issue 14): the last held session and
    its action items, the goal checkpoints due soon, read through the `DraftStore` port."""

    sessions_held: int = 0
    last_held_at: datetime | None = None
    #: the action items recorded at the last held session (the pair's own words)
    previous_actions: tuple[str, ...] = ()
    #: open checkpoints of the pair's current goals, soonest first: (check, due on); the
    #: agenda shows those due within `CHECKPOINT_DAYS` (or overdue)
    checkpoints_due: tuple[tuple[str, date], ...] = ()


#: Checkpoints due within this many days of the draft are for the next session to look at.
CHECKPOINT_DAYS = 21
#: A gap longer than this many cadences since the last held session is a lapse.
LAPSE_CADENCES = 2


@dataclass(frozen=True)
class Gathered:
    """What one draft may draw on, read through the `DraftStore` port."""

    program: Program
    requester: Participant
    partner: Participant | None
    other_names: frozenset[str]
    #: earlier approved drafts of the same pairing (or, with no partner, the requester's own
    #: unpaired ones) — never drafts about anyone else
    approved: list[dict[str, Any]]
    pairing_id: str | None = None
    #: the requester's line manager (their `manager_id`) when that person is in the program:
    #: a mention of them reaches the model as "my manager" instead of "a colleague"
    manager_name: str | None = None
    #: the pairing's sessions so far (None: no pairing, or no sessions table to read)
    sessions: SessionHistory | None = None


#: Profile fields that hold codes, numbers or contact data rather than free text: not screened.
CODED_FIELDS = frozenset({"id", "role", "format", "timezone", "level", "capacity", "languages",
                          "prefer_cross_department", "manager_id", "email"})


def phase_for(program: Program, day: date) -> Phase:
    """The phase on `day`; before the start it is launch, after the end completion."""
    phase = program.phase_on(day)
    if phase is not None:
        return phase
    return Phase.launch if day < program.start_date else Phase.completion


def model_context(g: Gathered, *, kind: DraftKind, topic: str | None, today: date,
                  passages: list[dict[str, Any]], feedback: list[str]) -> dict[str, Any]:
    """The JSON the model sees: only allowed fields, and only the requester and partner, every
    free text screened; `safety.flags` says what screening did, without the words."""
    requester, partner = _readable(g)
    screen = _Screening(g)
    if topic is not None:
        topic = screen.text(topic, "the topic") or None
    requester = screen.record(requester, "the requester's", goal_label="goal {}")
    if partner is not None:
        partner = screen.record(partner, "the partner's", goal_label="the partner's goal {}",
                                relative=False)
    return {
        "kind": kind.value, "topic": topic, "phase": phase_for(g.program, today).value,
        "today": today.isoformat(),
        "program": {"name": g.program.name, "type": g.program.type.value,
                    "start_date": g.program.start_date.isoformat(),
                    "end_date": g.program.end_date.isoformat(),
                    "session_minutes": g.program.session_minutes,
                    "cadence_weeks": g.program.cadence_weeks},
        "requester": requester, "partner": partner,
        "approved_earlier": g.approved,
        **({"session": session_context(g, today, screen)}
           if g.sessions is not None and kind is DraftKind.agenda else {}),
        "passages": [{k: p[k] for k in ("id", "source", "heading", "text")} for p in passages],
        "feedback": feedback,
        "safety": {"flags": screen.flags},
    }


def session_context(g: Gathered, today: date, screen: _Screening | None = None
                    ) -> dict[str, Any]:
    """What the agenda draws on from the pair's meetings: the days since the last held
    session against the program's cadence (`lapsed` past `LAPSE_CADENCES` of it), the last
    session's action items and the goal checkpoints due soon (screened like every free
    text)."""
    history = g.sessions or SessionHistory()
    cadence = g.program.cadence_weeks * 7
    days = None if history.last_held_at is None else \
        (today - history.last_held_at.date()).days
    screen = screen or _Screening(g)
    actions = [screen.text(a, "an action item of the last session")
               for a in history.previous_actions]
    soon = today + timedelta(days=CHECKPOINT_DAYS)
    due = [{"check": screen.text(check, "a goal checkpoint"), "due_on": on.isoformat()}
           for check, on in history.checkpoints_due if on <= soon]
    return {"sessions_held": history.sessions_held,
            "last_held_on": history.last_held_at.date().isoformat()
            if history.last_held_at else None,
            "days_since_last_session": days, "cadence_days": cadence,
            "lapsed": days is not None and days > LAPSE_CADENCES * cadence,
            "previous_action_items": [a for a in actions if a],
            "checkpoints_due": [d for d in due if d["check"]]}


def request_texts(g: Gathered, topic: str | None) -> tuple[str, ...]:
    """The request as written, before screening: the topic and every free text of the fields
    the model may read. The `special_category` check compares a draft against these."""
    requester, partner = _readable(g)
    texts = [topic] if topic else []
    for record in (requester, partner or {}):
        for key, value in record.items():
            if key not in CODED_FIELDS:
                texts += [v for v in (value if isinstance(value, list) else [value])
                          if isinstance(v, str) and v.strip()]
    if g.sessions is not None:  # the pair's own words about their meetings, too
        texts += [t for t in (*g.sessions.previous_actions,
                              *(check for check, _ in g.sessions.checkpoints_due)) if t.strip()]
    return tuple(texts)


def _readable(g: Gathered) -> tuple[dict[str, Any], dict[str, Any] | None]:
    allowed = set(g.program.ai_readable_fields)
    shareable = set(g.program.shareable_fields) & allowed
    requester = {k: v for k, v in g.requester.to_record().items() if k in allowed}
    requester["id"] = g.requester.id
    partner = None
    if g.partner is not None:
        partner = {k: v for k, v in g.partner.to_record().items() if k in shareable}
        partner["id"] = g.partner.id
    return requester, partner


class _Screening:
    """Screens one request's texts and collects the flags, in the order the model reads them."""

    def __init__(self, g: Gathered) -> None:
        manager = " ".join((g.manager_name or "").split()).casefold()
        names = sorted(n for n in g.other_names if n.strip())
        # relative to the requester: their manager is "my manager" in their own words
        self.relative = [NamedPerson(n, "my manager" if manager and
                                     " ".join(n.split()).casefold() == manager
                                     else "a colleague") for n in names]
        self.plain = [NamedPerson(n) for n in names]
        self.keep = [p.name for p in (g.requester, g.partner) if p is not None]
        self.flags: list[str] = []

    def text(self, text: str, where: str, *, relative: bool = True) -> str:
        screened = screen_text(text, others=self.relative if relative else self.plain,
                               keep=self.keep)
        self.flags += screened.flags(where)
        if screened.changed and not screened.text:
            self.flags.append(f"{where} was left out: nothing else was in it")
        return screened.text

    def record(self, record: dict[str, Any], owner: str, *, goal_label: str,
               relative: bool = True) -> dict[str, Any]:
        screened: dict[str, Any] = {}
        for key, value in record.items():
            label = f"{owner} {key.replace('_', ' ')}"
            if key in CODED_FIELDS or not value:
                screened[key] = value
            elif key == "goals" and isinstance(value, list):
                goals = [self.text(str(goal), goal_label.format(number), relative=relative)
                         for number, goal in enumerate(value, 1)]
                screened[key] = [goal for goal in goals if goal]
            elif isinstance(value, list):
                items = [self.text(item, label, relative=relative) if isinstance(item, str)
                         else item for item in value]
                screened[key] = [item for item in items if item]
            elif isinstance(value, str):
                screened[key] = self.text(value, label, relative=relative) or None
            else:
                screened[key] = value
        return screened
