"""Tracked goals and check-ins (issue 14). The pair reads and changes its goals (a change
needs the goal's version, in the body or If-Match); coordinators read goal completion per
pairing (counts) and the check-in summary (aggregates, the overdue list); each person
answers their own check-ins. Rules: `services.goals`, `services.checkins`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi import Path as PathParam
from pydantic import Field

from companion.api.auth import PrincipalDep
from companion.api.common import IfMatch, ProgramName, etag, expected_version
from companion.api.deps import DatabaseDep
from companion.api.outputs import (
    CheckinOut,
    CheckinsOut,
    CheckinSummaryOut,
    CheckpointOut,
    CompletionOut,
    TrackOut,
)
from companion.api.paging import PageRequest, link_next, page_params
from companion.api.schemas import MAX_VERSION, Body, Open
from companion.domain.relationship import GoalStatus
from companion.services import checkins, goals
from companion.services.checkins import checkin_json
from companion.services.goals import GoalView, checkpoint_json

router = APIRouter(tags=["goals and check-ins"])
PairingId = Annotated[str, PathParam(min_length=1, max_length=32)]
GoalId = Annotated[str, PathParam(min_length=1, max_length=32)]
NumberId = Annotated[int, PathParam(ge=1, le=2**62)]
CompletionPage = Annotated[PageRequest, Depends(page_params(1000, 20000))]
CheckinsPage = Annotated[PageRequest, Depends(page_params(100, 1000))]
_VERSION = Field(None, ge=1, le=MAX_VERSION, strict=True,
                 description="The goal version you changed; or send If-Match with the ETag.")


class TrackRequest(Body):
    draft_id: str = Field(min_length=1, max_length=32, description="An approved goals draft "
                          "of a member of the pair.")


class UpdateRequest(Body):
    status: GoalStatus
    note: str | None = Field(None, max_length=goals.EVIDENCE_MAX, description="Evidence.")
    version: int | None = _VERSION


class ReadjustRequest(Body):
    statement: str | None = Field(None, max_length=goals.STATEMENT_MAX)
    time_bound: str | None = Field(None, max_length=10, description="YYYY-MM-DD")
    reason: str | None = Field(None, max_length=goals.EVIDENCE_MAX)
    version: int | None = _VERSION


class CheckpointRequest(Body):
    done: bool = True


class CheckinRequest(Body):
    rating: int = Field(ge=1, le=5, description="The relationship, 1–5.")
    meetings_per_month: float | None = Field(None, ge=0, le=31, description="Pulse.")
    recommend: int | None = Field(None, ge=0, le=10, description="Closing survey: 0–10.")
    text: str | None = Field(None, max_length=checkins.COMMENT_MAX)


class GoalOut(Open):
    id: str
    pairing_id: str
    version: int
    statement: str
    status: str


class GoalsOut(Open):
    pairing_id: str
    goals: list[GoalOut]


def _goal(view: GoalView, response: Response) -> dict[str, Any]:
    response.headers["ETag"] = etag(view.goal.version)
    return view.json()


@router.get("/pairings/{pairing_id}/goals", response_model=GoalsOut,
            summary="The pair's current goals, checkpoints, updates and history (the pair "
                    "only; coordinators read /programs/{p}/goals/completion)")
def list_goals(pairing_id: PairingId, principal: PrincipalDep, db: DatabaseDep
               ) -> dict[str, Any]:
    views = goals.list_as(db, principal, pairing_id)
    return {"pairing_id": pairing_id, "goals": [v.json() for v in views]}


@router.post("/pairings/{pairing_id}/goals/track", response_model=TrackOut,
             status_code=201,
             responses={200: {"model": TrackOut, "description": "Tracked already"}},
             summary="Track an approved goals draft "
             "as the pair's goals (201 when written, 200 when tracked already)")
def track(pairing_id: PairingId, body: TrackRequest, principal: PrincipalDep,
          db: DatabaseDep, response: Response) -> dict[str, Any]:
    result = goals.track_as(db, principal, pairing_id, body.draft_id)
    response.status_code = 201 if result.created else 200
    return result.json()


@router.get("/goals/{goal_id}", response_model=GoalOut,
            summary="One goal (ETag = its version, for If-Match)")
def get_goal(goal_id: GoalId, principal: PrincipalDep, db: DatabaseDep,
             response: Response) -> dict[str, Any]:
    return _goal(goals.get_as(db, principal, goal_id), response)


@router.post("/goals/{goal_id}/updates", response_model=GoalOut,
             summary="Record progress: a status and its evidence")
def update(goal_id: GoalId, body: UpdateRequest, principal: PrincipalDep, db: DatabaseDep,
           response: Response, if_match: IfMatch = None) -> dict[str, Any]:
    goals.get_as(db, principal, goal_id)  # 404 before 428
    version = expected_version(body.version, if_match)
    return _goal(goals.update_as(db, principal, goal_id, body.status, note=body.note,
                                 version=version), response)


@router.post("/goals/{goal_id}/readjust", response_model=GoalOut, status_code=201,
             summary="Readjust: a new version becomes current, the old one is history")
def readjust(goal_id: GoalId, body: ReadjustRequest, principal: PrincipalDep,
             db: DatabaseDep, response: Response, if_match: IfMatch = None
             ) -> dict[str, Any]:
    goals.get_as(db, principal, goal_id)
    version = expected_version(body.version, if_match)
    return _goal(goals.readjust_as(db, principal, goal_id, statement=body.statement,
                                   time_bound=body.time_bound, reason=body.reason,
                                   version=version), response)


@router.post("/checkpoints/{checkpoint_id}", response_model=CheckpointOut,
             summary="Mark a checkpoint done or open")
def checkpoint(checkpoint_id: NumberId, principal: PrincipalDep, db: DatabaseDep,
               body: CheckpointRequest | None = None) -> dict[str, Any]:
    body = body or CheckpointRequest()
    return checkpoint_json(goals.checkpoint_as(db, principal, checkpoint_id, done=body.done))


@router.get("/programs/{program}/goals/completion", response_model=CompletionOut,
            summary="Goal completion per pairing: counts only (coordinators)")
def completion(program: ProgramName, principal: PrincipalDep, db: DatabaseDep,
               page: CompletionPage, request: Request, response: Response
               ) -> dict[str, Any]:
    found = goals.completion_page(db, principal, program, page)
    link_next(request, response, found)
    return {"pairings": [c.json() for c in found.items], **found.meta()}


@router.get("/programs/{program}/checkins", response_model=CheckinsOut,
            summary="The caller's own check-ins")
def my_checkins(program: ProgramName, principal: PrincipalDep, db: DatabaseDep,
                page: CheckinsPage, request: Request, response: Response) -> dict[str, Any]:
    found = checkins.mine_page(db, principal, program, page)
    link_next(request, response, found)
    return {"checkins": [checkin_json(c) for c in found.items], **found.meta()}


@router.post("/checkins/{checkin_id}/submit", response_model=CheckinOut,
             summary="Answer your check-in (once; late is fine)")
def submit(checkin_id: NumberId, body: CheckinRequest, principal: PrincipalDep,
           db: DatabaseDep) -> dict[str, Any]:
    return checkin_json(checkins.submit_as(db, principal, checkin_id, rating=body.rating,
                                           meetings_per_month=body.meetings_per_month,
                                           recommend=body.recommend, text=body.text))


@router.get("/programs/{program}/checkins/summary", response_model=CheckinSummaryOut,
            summary="Check-in aggregates (groups under 3 respondents suppressed) and who is "
                    "overdue (coordinators)")
def summary(program: ProgramName, principal: PrincipalDep, db: DatabaseDep
            ) -> dict[str, Any]:
    return checkins.summary_as(db, principal, program).json()
