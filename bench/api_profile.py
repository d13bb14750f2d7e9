"""Where the time of one plain API read goes: the whole server app called in-process.

Seeds the same program as bench/api_load.py (its `seed`), builds the app `companion serve`
runs (`companion.web.app.create_server`: every middleware, the API and the web app) and calls
it as an ASGI application from one asyncio loop — no socket, no uvicorn, no load generator.
FastAPI normally runs sync routes and dependencies in a thread pool; here they run inline
(the pool's hand-off is timed separately), so one profiler sees the whole request.

For each endpoint: N requests timed (p50, mean), then the same N under pyinstrument, whose
tree is printed; `--layers` also times the pieces of a read on their own (token look-up,
an empty session, program load, JSON encoding, the thread-pool hop).

    .venv/bin/python bench/api_profile.py [--requests 300] [--only me,draft] [--layers]
                                          [--html DIR]

Needs pyinstrument (`.venv/bin/pip install pyinstrument`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))


async def _inline(func: Any, *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


def inline_threadpool() -> None:
    """Run sync routes and dependencies in the calling thread (profilers follow one thread)."""
    import fastapi.dependencies.utils
    import fastapi.routing
    import starlette.concurrency

    for module in (fastapi.routing, fastapi.dependencies.utils, starlette.concurrency):
        if hasattr(module, "run_in_threadpool"):
            module.run_in_threadpool = _inline  # type: ignore[attr-defined]


async def call(app: Any, path: str, token: str | None) -> tuple[int, bytes]:
    raw_path, _, query = path.partition("?")
    headers = [(b"host", b"127.0.0.1")]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": raw_path.replace("%20", " "),
             "raw_path": raw_path.encode(), "query_string": query.encode(),
             "root_path": "", "headers": headers, "client": ("127.0.0.1", 5000),
             "server": ("127.0.0.1", 8000)}
    status = 0
    body: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(body)


def targets(fixture: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    program = quote(fixture["program"], safe="")
    mentee = fixture["mentees"][0]
    coordinator = fixture["coordinator"]
    return {
        "health": ("/api/v1/health", None),
        "me": ("/api/v1/me", mentee["token"]),
        "program": (f"/api/v1/programs/{program}", mentee["token"]),
        "draft": (f"/api/v1/drafts/{mentee['draft']}", mentee["token"]),
        "participants page": (f"/api/v1/programs/{program}/participants?limit=50",
                              coordinator),
        "pairings page": (f"/api/v1/programs/{program}/pairings?limit=50", coordinator),
        "review queue (mentee)": ("/api/v1/me/queue", mentee["token"]),
        "review queue (coordinator)": ("/api/v1/me/queue?limit=50", coordinator),
        "dashboard": (f"/api/v1/programs/{program}/dashboard", coordinator),
        "knowledge search": ("/api/v1/knowledge/search?q=how%20do%20I%20give%20feedback&top=5",
                             mentee["token"]),
    }


def layers(fixture: dict[str, Any], n: int) -> dict[str, float]:
    """Median µs of the pieces a plain read is made of, each on its own."""
    import orjson
    from starlette.concurrency import run_in_threadpool

    from companion.config import get_settings
    from companion.services.access import access_to, partners_of, people_of
    from companion.services.tokens import authenticate
    from companion.store import get_database

    settings = get_settings()
    db = get_database(settings)
    token, program = fixture["mentees"][0]["token"], fixture["program"]
    principal = authenticate(db, token)
    assert principal is not None

    def timed(fn: Any) -> float:
        fn()
        samples = []
        for _ in range(n):
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
        return round(statistics.median(samples) * 1e6, 1)

    def empty_session() -> None:
        with db.session():
            pass

    def select_one() -> None:
        from sqlalchemy import text

        with db.session() as session:
            session.execute(text("SELECT 1"))

    me = {"participant_id": principal.participant_id, "partners": [], "profile": {
        "id": "x", "name": "y" * 20, "skills": ["a"] * 10}}

    async def hop() -> None:
        for _ in range(n):
            await run_in_threadpool(lambda: None)

    started = time.perf_counter()
    asyncio.run(hop())
    return {
        "get_settings()": timed(get_settings),
        "empty db.session()": timed(empty_session),
        "db.session() + SELECT 1": timed(select_one),
        "authenticate(token)": timed(lambda: authenticate(db, token)),
        "access_to(program)": timed(lambda: access_to(db, principal, program)),
        "partners_of(mentee)": timed(lambda: partners_of(db, program,
                                                         principal.participant_id)),
        "people_of(2 ids)": timed(lambda: people_of(db, program, [principal.participant_id])),
        "orjson of a small dict": timed(lambda: orjson.dumps(me)),
        "json.dumps of a small dict": timed(lambda: json.dumps(me)),
        "thread-pool hop (empty function)": round((time.perf_counter() - started) / n * 1e6,
                                                  1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--only", default=None, help="comma-separated endpoint names")
    parser.add_argument("--layers", action="store_true")
    parser.add_argument("--no-profile", action="store_true", help="timings only")
    parser.add_argument("--html", type=Path, default=None,
                        help="also write each profile as HTML into this folder")
    parser.add_argument("--mentees", type=int, default=120)
    parser.add_argument("--mentors", type=int, default=40)
    parser.add_argument("--home", type=Path, default=None,
                        help="reuse a home seeded by an earlier run (its fixture.json)")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="companion-api-profile-"))
    os.environ["COMPANION_HOME"] = str(home)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    fixture_path = home / "fixture.json"
    if not fixture_path.exists():
        from api_load import seed

        seed(fixture_path, args.mentees, args.mentors, 8)
    fixture = json.loads(fixture_path.read_text())
    from companion.web.app import create_server

    inline_threadpool()
    app = create_server()
    wanted = targets(fixture)
    if args.only:
        wanted = {k: v for k, v in wanted.items() if k in args.only.split(",")}
    results: dict[str, Any] = {"home": str(home)}

    async def loop(path: str, token: str | None, n: int) -> list[float]:
        times = []
        for _ in range(n):
            start = time.perf_counter()
            status, body = await call(app, path, token)
            times.append(time.perf_counter() - start)
            if status != 200:
                raise SystemExit(f"{path}: {status} {body[:300]!r}")
        return times

    async def run_all() -> None:
        async with app.router.lifespan_context(app):
            for name, (path, token) in wanted.items():
                await loop(path, token, 20)  # warm
                times = await loop(path, token, args.requests)
                results[name] = {"p50_ms": round(statistics.median(times) * 1000, 2),
                                 "mean_ms": round(statistics.fmean(times) * 1000, 2)}
                if args.no_profile:
                    continue
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.0002, async_mode="enabled")
                profiler.start()
                await loop(path, token, args.requests)
                profiler.stop()
                print(f"\n===== {name}: {path} =====", file=sys.stderr)
                print(profiler.output_text(unicode=True, color=False, show_all=False),
                      file=sys.stderr)
                if args.html:
                    args.html.mkdir(parents=True, exist_ok=True)
                    (args.html / f"{name.replace(' ', '_')}.html").write_text(
                        profiler.output_html())

    asyncio.run(run_all())
    if args.layers:
        results["layers_us"] = layers(fixture, args.requests)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
