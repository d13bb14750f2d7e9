"""Two imports of the same people at the same moment (issue 10, item 8): the one that loses
gets a ConflictError (409 over HTTP, exit 2 in the CLI) naming the ids and saying to re-run,
never a database error, and nothing of it is written. On SQLite and PostgreSQL.

The deterministic tests run the race in its worst order: import X reads the program, then
import Y (another thread, another connection) runs to completion, then X writes. The last
test runs imports truly in parallel, many times."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from companion.api.app import create_app
from companion.cli import main
from companion.config import get_settings
from companion.errors import ConflictError
from companion.services.participants import (
    ImportReport,
    import_participants_file,
    list_participants,
)
from companion.services.programs import build_program, create_program
from companion.services.tokens import create_token
from companion.store import AuditLog, Database, ParticipantRepository, get_database, reset_databases


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Database:
    """The configured database (what the CLI and the API use) with the program 'Pilot'."""
    if request.param == "postgresql":
        monkeypatch.setenv("COMPANION_DATABASE_URL", request.getfixturevalue("postgres_url"))
        get_settings.cache_clear()
        reset_databases()
    db = get_database(get_settings())
    create_program(db, build_program("Pilot", start=date(2027, 1, 11)))
    return db


def _file(path: Path, ids: list[str], tag: str, **columns: str) -> Path:
    extra = "".join(f",{c}" for c in columns)
    values = "".join(f",{v}" for v in columns.values())
    path.write_text(f"id,name,role,title{extra}\n" + "".join(
        f"{pid},Person {pid},mentee,{tag}{values}\n" for pid in ids), encoding="utf-8")
    return path


def _run(db: Database, path: Path) -> ImportReport:
    return import_participants_file(db, "Pilot", path, skip_invalid=False)


def _stored(db: Database) -> dict[str, str | None]:
    return {p.id: p.title for p in list_participants(db, "Pilot")}


def _audited_imports(db: Database) -> int:
    with db.session() as session:
        return sum(e.action == "participants.import" for e in AuditLog(session).list())


class Interleave:
    """Runs `other` to completion in another thread the first time the import under test
    has read what it plans from (`ParticipantRepository.<method>`)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, method: str,
                 other: Callable[[], Any]) -> None:
        self.outcome: Any = None
        self.used = False
        original = getattr(ParticipantRepository, method)

        def hooked(repo: ParticipantRepository, *args: Any, **kwargs: Any) -> Any:
            result = original(repo, *args, **kwargs)
            if not self.used:
                self.used = True
                thread = threading.Thread(target=self._other, args=(other,))
                thread.start()
                thread.join(60)
                assert not thread.is_alive(), "the other import did not finish"
            return result

        monkeypatch.setattr(ParticipantRepository, method, hooked)

    def _other(self, other: Callable[[], Any]) -> None:
        try:
            self.outcome = other()
        except Exception as exc:  # reported by the test's assertions
            self.outcome = exc


NEW = ["n1", "n2", "n3"]


def test_creating_the_same_new_ids_at_once_is_a_conflict(
        store: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    mine = _file(tmp_path / "mine.csv", [*NEW, "a1"], "Mine")
    theirs = _file(tmp_path / "theirs.csv", [*NEW, "b1"], "Theirs")
    race = Interleave(monkeypatch, "import_index", lambda: _run(store, theirs))

    with pytest.raises(ConflictError) as raised:
        _run(store, mine)

    assert isinstance(race.outcome, ImportReport) and race.outcome.created == 4
    message = str(raised.value)
    assert "another import created n1, n2, n3 in Pilot at the same time" in message
    assert "nothing from mine.csv was imported" in message and "Run the import again" in message
    assert _stored(store) == {"n1": "Theirs", "n2": "Theirs", "n3": "Theirs", "b1": "Theirs"}
    assert _audited_imports(store) == 1
    again = _run(store, mine)  # what the message says to do
    assert (again.created, again.updated) == (1, 3)


def test_changing_the_same_person_at_once_is_a_conflict_not_a_lost_update(
        store: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _run(store, _file(tmp_path / "base.csv", ["e1"], "Analyst", level="3"))
    titles = _file(tmp_path / "titles.csv", ["e1"], "Lead")           # changes the title
    levels = tmp_path / "levels.csv"                                   # changes the level
    levels.write_text("id,name,role,level\ne1,Person e1,mentee,5\n", encoding="utf-8")
    race = Interleave(monkeypatch, "by_ids", lambda: _run(store, levels))

    with pytest.raises(ConflictError, match="another import changed e1 in Pilot"):
        _run(store, titles)

    assert isinstance(race.outcome, ImportReport) and race.outcome.updated == 1
    person = list_participants(store, "Pilot")[0]
    assert (person.title, person.level) == ("Analyst", 5)  # theirs kept, nothing of mine
    assert _run(store, titles).updated == 1
    person = list_participants(store, "Pilot")[0]
    assert (person.title, person.level) == ("Lead", 5)


def test_http_answers_409_for_a_concurrent_import(
        store: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    token = create_token(store, participant_id="c1", role="coordinator", program="Pilot",
                         created_by="test").token
    theirs = _file(tmp_path / "theirs.csv", [*NEW, "b1"], "Theirs")
    Interleave(monkeypatch, "import_index", lambda: _run(store, theirs))

    with TestClient(create_app(), raise_server_exceptions=False) as client:
        response = client.post("/api/v1/programs/Pilot/participants/import",
                               content="id,name,role\nn1,N One,mentee\na1,A One,mentee\n",
                               headers={"Authorization": f"Bearer {token}",
                                        "Content-Type": "text/csv"})

    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "another import created n1 in Pilot" in response.json()["detail"]
    assert set(_stored(store)) == {*NEW, "b1"}


def test_cli_exits_2_for_a_concurrent_import(
        store: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    mine = _file(tmp_path / "mine.csv", [*NEW, "a1"], "Mine")
    theirs = _file(tmp_path / "theirs.csv", [*NEW, "b1"], "Theirs")
    Interleave(monkeypatch, "import_index", lambda: _run(store, theirs))

    with pytest.raises(SystemExit) as exited:
        main(["import", "participants", str(mine), "--program", "Pilot"])

    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "another import created n1, n2, n3" in " ".join(err.split())
    assert "Traceback" not in err
    assert "a1" not in _stored(store)


def test_parallel_imports_of_the_same_new_ids_never_fail_otherwise(
        store: Database, tmp_path: Path) -> None:
    rounds, size = 6, 150
    outcomes: list[str] = []
    for n in range(rounds):
        shared = [f"r{n}-{i:03d}" for i in range(size)]
        files = {tag: _file(tmp_path / f"{tag}{n}.csv", [*shared, f"r{n}-{tag}"], tag)
                 for tag in ("A", "B")}
        results: dict[str, Any] = {}
        start = threading.Barrier(2)

        def run(tag: str, files: dict[str, Path] = files,
                results: dict[str, Any] = results, start: threading.Barrier = start) -> None:
            start.wait(10)
            try:
                results[tag] = _run(store, files[tag])
            except Exception as exc:
                results[tag] = exc

        threads = [threading.Thread(target=run, args=(tag,)) for tag in files]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        stored = {pid: title for pid, title in _stored(store).items()
                  if pid.startswith(f"r{n}-")}
        winners = [t for t, r in results.items() if isinstance(r, ImportReport) and r.imported]
        for tag, result in results.items():
            assert isinstance(result, ImportReport | ConflictError), (tag, repr(result))
            outcomes.append(type(result).__name__)
        assert winners, results
        # all of a winner's rows are there; nothing of a loser's own row is
        assert all(f"r{n}-{t}" in stored for t in winners)
        assert set(stored) == {*shared, *(f"r{n}-{t}" for t in winners)}
        assert set(stored.values()) <= set(winners)
    assert set(outcomes) <= {"ImportReport", "ConflictError"}

