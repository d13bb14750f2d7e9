"""Issue 13: a cross-organisation program whose host writes `English` and whose partner writes
`en` matches across organisations once languages are stored as ISO 639 codes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from companion.embeddings import HashingEmbedder
from companion.services.matching import suggest
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.store import Database
from tests import factories

PROGRAM = "Shared"


def test_english_and_en_speakers_of_two_organisations_are_matched(pilot: Database,
                                                                  tmp_path: Path) -> None:
    create_program(pilot, build_program(
        PROGRAM, type="cross_org", start=date(2027, 1, 11), host_organization="Host",
        partner_organizations=["Partner"], require_shared_language=True))
    people = [
        factories.mentor("h1", organization="Host", languages="English",
                         expertise="Leading finance teams through change"),
        factories.mentor("h2", organization="Host", languages="Englisch; Deutsch",
                         expertise="Coaching new managers"),
        factories.mentee("p1", organization="Partner", languages="en",
                         goals="Lead my first finance team through change"),
        factories.mentee("p2", organization="Partner", languages="EN, fr",
                         goals="Coach the managers in my team"),
    ]
    report = import_participants_file(pilot, PROGRAM,
                                      factories.write_csv(tmp_path / "shared.csv", people),
                                      skip_invalid=False)
    assert report.imported and not report.errors

    result = suggest(pilot, PROGRAM, HashingEmbedder()).json()

    pairs = {(s["mentee_id"], c["mentor_id"]) for s in result["suggestions"]
             for c in s["candidates"]}
    assert pairs == {("p1", "h1"), ("p1", "h2"), ("p2", "h1"), ("p2", "h2")}
    reasons = [r for s in result["suggestions"] for c in s["candidates"] for r in c["reasons"]]
    assert any("Shared language: en" in r for r in reasons)
