"""Browser tests: a real server process on a free port, a small realistic program in its
home, and Debian's Chromium driven by Playwright (by role and accessible name).

The browser is /usr/bin/chromium (`apt-get install chromium`; `.ci/run` installs it).
Without it these tests are skipped on a developer's machine and fail in CI (CI=true)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.servers import ROOT, clean_env, free_port, serve

CHROMIUM = os.environ.get("COMPANION_CHROMIUM", "/usr/bin/chromium")
PROGRAM = "Leaders 2027"
#: Where the README's screenshots are written when COMPANION_SCREENSHOTS=1.
SHOTS = ROOT / "docs" / "screenshots"
pytestmark = pytest.mark.browser


@dataclass
class Site:
    """The running server and what was seeded into it."""

    url: str
    home: Path
    env: dict[str, str]
    people: dict[str, dict[str, Any]] = field(default_factory=dict)

    def link(self, role: str, participant: str | None = None, *,
             program: str | None = PROGRAM) -> str:
        """A fresh one-time sign-in link, made the way `companion web link` makes it."""
        args = [sys.executable, "-m", "companion.cli", "web", "link", "--role", role,
                "--format", "json"]
        if participant:
            args += ["--participant", participant]
        if program:
            args += ["--program", program]
        done = subprocess.run(args, env=self.env, capture_output=True, text=True, check=False,
                              cwd=ROOT)
        assert done.returncode == 0, done.stderr
        import json

        url: str = json.loads(done.stdout)["url"]
        return url.replace("http://127.0.0.1:8000", self.url)


def _seed(env: dict[str, str], home: Path) -> dict[str, dict[str, Any]]:
    """A program of 6 mentors and 12 mentees from the sample generator, assigned, with one
    pairing approved: enough for every page to have something real to show."""
    script = f"""
import json, sys
from datetime import date, timedelta
from companion import embeddings
from companion.embeddings import HashingEmbedder
embeddings.get_embedder = lambda s: HashingEmbedder()
from companion.config import get_settings
from companion.sample import generate_program, write_records
from companion.services import matching, pairings
from companion.services.participants import import_participants_file
from companion.services.programs import build_program, create_program
from companion.store import get_database
settings = get_settings()
db = get_database(settings)
start = date.today() - timedelta(days=45)
create_program(db, build_program({PROGRAM!r}, start=start, months=12,
               host_organization=None))
sample = generate_program(mentees=12, mentors=6, seed=11)
path = settings.ensure_home() / "people.csv"
write_records(sample.records, path)
report = import_participants_file(db, {PROGRAM!r}, path, skip_invalid=False)
assert report.imported, report.errors
result = matching.assign(db, {PROGRAM!r}, HashingEmbedder(), actor="seed").json()
first = result["assignments"][0]
pairings.review(db, first["pairing_id"], "approve", by="seed", note="seeded")
people = {{r["id"]: r for r in sample.records}}
print(json.dumps({{"people": people, "approved": first}}))
"""
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    import json

    data: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return data


def run_in_site(site: Site, script: str) -> Any:
    """Run `script` in a subprocess against the site's own home and database (`db` and
    `PROGRAM` are defined for it); its last stdout line is JSON, returned decoded."""
    import json

    prelude = ("import json\nfrom companion.config import get_settings\n"
               "from companion.store import get_database\ndb = get_database(get_settings())\n"
               f"PROGRAM = {PROGRAM!r}\n")
    done = subprocess.run([sys.executable, "-c", prelude + script], env=site.env,
                          capture_output=True, text=True, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextmanager
def running_site(home: Path, *, before: Callable[[dict[str, str]], None] | None = None,
                 port: int | None = None, factory: str = "tests.web.app_factory:create",
                 **settings: str) -> Iterator[Site]:
    """The seeded program in `home` behind a real server with these COMPANION_* settings;
    `before(env)` may add to the home before the server starts; `port`: where it listens
    (a free one when not given)."""
    env = clean_env(home, **settings)
    seeded = _seed(env, home)
    if before is not None:
        before(env)
    port = port or free_port()
    env["COMPANION_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    with serve(factory, env, port=port) as (url, _):
        site = Site(url, home, env, seeded["people"])
        site.approved = seeded["approved"]  # type: ignore[attr-defined]
        yield site


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with running_site(tmp_path_factory.mktemp("web-home")) as running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"no Chromium at {CHROMIUM}: .ci/run installs it with apt-get")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    # drafts are written in the background (issue 15): a page waits for them like a person
    expect.set_options(timeout=15_000)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A phone-sized page (390 × 844)."""
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


#: Read once at import: the suite's autouse fixture clears COMPANION_* before each test.
SCREENSHOTS = os.environ.get("COMPANION_SCREENSHOTS") == "1"


def shot(page: Any, name: str) -> None:
    """Save a screenshot for the README when COMPANION_SCREENSHOTS=1."""
    if SCREENSHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def mentee_of(site: Site) -> str:
    return str(site.approved["mentee_id"])  # type: ignore[attr-defined]


def mentor_of(site: Site) -> str:
    return str(site.approved["mentor_id"])  # type: ignore[attr-defined]


__all__ = ["PROGRAM", "ROOT", "Site", "mentee_of", "mentor_of", "running_site", "shot"]
