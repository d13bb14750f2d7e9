"""PATCH and DELETE /api/v1/programs/{program}; warnings on create."""

from __future__ import annotations

from datetime import date, timedelta

from companion.domain import Draft, DraftKind
from companion.store import DraftRepository, ProgramRepository
from tests.api.conftest import World

P = "/api/v1"


def test_create_with_a_past_start_answers_with_a_warning(world: World) -> None:
    past = (date.today() - timedelta(days=3)).isoformat()

    response = world.client.post(f"{P}/programs", headers=world.headers("admin"),
                                 json={"name": "Late", "start_date": past})

    assert response.status_code == 201
    [warning] = response.json()["warnings"]
    assert f"start date {past} is in the past (3 day(s) ago)" in warning


def test_coordinator_edits_the_program(world: World) -> None:
    response = world.client.patch(f"{P}/programs/Pilot", headers=world.headers("coord"),
                                  json={"session_minutes": 45, "cadence_weeks": 2})

    assert response.status_code == 200, response.text
    data = response.json()
    assert (data["session_minutes"], data["cadence_weeks"]) == (45, 2)
    assert data["changed"] == {"session_minutes": [60, 45], "cadence_weeks": [4, 2]}
    assert data["warnings"] == []
    assert world.client.get(f"{P}/programs/Pilot", headers=world.headers("e1")
                            ).json()["session_minutes"] == 45


def test_shortening_warns_about_the_goals_draft_instead_of_failing(world: World) -> None:
    deadline = date.today() + timedelta(days=200)
    with world.db.session() as session:
        DraftRepository(session, ProgramRepository(session).row("Pilot")).add(Draft(
            id="dr-dated", program="Pilot", kind=DraftKind.goals, participant_id="e3",
            generator="test", content={"goals": [{"statement": "Lead the offsite",
                                                  "time_bound": deadline.isoformat()}]}),
            author="e3")

    response = world.client.patch(f"{P}/programs/Pilot", headers=world.headers("admin"),
                                  json={"months": 3})

    assert response.status_code == 200, response.text
    warnings = response.json()["warnings"]
    [warning] = warnings
    assert f"draft dr-dated (goals of e3, pending_review) names {deadline}" in warning


def test_rename_keeps_the_coordinator_token_working(world: World) -> None:
    response = world.client.patch(f"{P}/programs/Pilot", headers=world.headers("coord"),
                                  json={"name": "Pilot 2027"})

    assert response.status_code == 200 and response.json()["renamed_from"] == "Pilot"
    assert world.client.get(f"{P}/programs/Pilot 2027/participants",
                            headers=world.headers("coord")).status_code == 200


def test_bad_edit_is_a_422_naming_the_field(world: World) -> None:
    unknown = world.client.patch(f"{P}/programs/Pilot", headers=world.headers("admin"),
                                 json={"type": "peer"})
    empty = world.client.patch(f"{P}/programs/Pilot", headers=world.headers("admin"), json={})

    assert unknown.status_code == empty.status_code == 422
    assert "type" in unknown.text and "nothing to change" in empty.json()["detail"]


def test_delete_needs_confirm_and_lists_what_would_go(world: World) -> None:
    refused = world.client.delete(f"{P}/programs/Pilot", headers=world.headers("admin"))

    assert refused.status_code == 422
    assert "holds 5 participant(s), 2 pairing(s), 3 draft(s)" in refused.json()["detail"]
    assert "--yes" not in refused.text

    done = world.client.delete(f"{P}/programs/Pilot?confirm=true",
                               headers=world.headers("admin"))

    assert done.status_code == 200, done.text
    assert done.json() == {"deleted": "Pilot", "participants": 5, "pairings": 2, "drafts": 3,
                           "org_people": 0}
    assert world.client.get(f"{P}/programs/Pilot", headers=world.headers("admin")
                            ).status_code == 404
    # the program's tokens no longer open anything
    assert world.client.get(f"{P}/me", headers=world.headers("e1")).status_code == 401



def test_org_chart_upload_and_read(world: World) -> None:
    chart = "id,name,manager_id\nboss,Bea Boss,m1\n"
    headers = {**world.headers("coord"), "Content-Type": "text/csv"}

    imported = world.client.post(f"{P}/programs/Pilot/org-chart/import", headers=headers,
                                 content=chart.encode())

    assert imported.status_code == 200, imported.text
    assert imported.json()["created"] == 1
    read = world.client.get(f"{P}/programs/Pilot/org-chart", headers=world.headers("coord"))
    assert read.json()["org_people"] == [{"id": "boss", "name": "Bea Boss", "manager_id": "m1"}]
    assert read.json()["reporting_conflicts"] == []


def test_bad_org_chart_is_a_422_with_rows(world: World) -> None:
    headers = {**world.headers("admin"), "Content-Type": "text/csv"}

    response = world.client.post(f"{P}/programs/Pilot/org-chart/import", headers=headers,
                                 content=b"id,name,manager_id\nx,X,x\n")

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"row": 2, "field": "manager_id", "message": "'x' is listed as their own manager"}]
    unsupported = world.client.post(f"{P}/programs/Pilot/org-chart/import",
                                    headers={**world.headers("admin"),
                                             "Content-Type": "text/plain"}, content=b"x")
    assert unsupported.status_code == 422 and "text/csv" in unsupported.json()["detail"]
