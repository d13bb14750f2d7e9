"""Side by side with jonodrew/mentor-match (issue 16): the same people, first run and warm.

The peer is the open-source mentor-match web service (github.com/jonodrew/mentor-match, Flask +
Celery + Redis) and its matching library `mentor-match` on PyPI (top-level package `matching`,
Munkres/Hungarian assignment over rule scores). Both get the same people from
`companion.sample.generate_program(mentees=N/2, mentors=N/2)` — with the default 500 people that
is 250 mentors (12 of them also mentees) and 262 people seeking a mentor.

Four things are timed, from CSV to pairings, wall clock; (a)-(c) as whole processes, Python
start-up and imports included, in subprocesses:

(a) Companion, first run: a fresh COMPANION_HOME (empty database, empty embedding cache), then
    what a coordinator types —
        companion program create Bench --host-org ... --partner ... --partner ...
        companion import participants people.csv --program Bench
        companion match assign --program Bench --format json
    (the import leaves a process that imports torch while the file is read and embeds every
    goal and expertise text once it is in; the assign step waits for it — the default,
    COMPANION_READ_AFTER_IMPORT=true); the same again with COMPANION_READ_AFTER_IMPORT=false
    ("no background read": the assign step loads the model and embeds the texts itself);
(b) Companion, warm: the same three commands in one home that already ran them once, with a new
    program name each round (so the database work — a program, 500 rows created, pairings
    written — is the same as in (a)); only the embedding cache and the model check are warm;
(c) the peer: one process that does what its web app does for the default ("quality") option —
    `create_participant_list_from_path(CSMentor / CSMentee)` on mentors.csv and mentees.csv
    (routes.run_task), the Celery task `async_process_data` called in-process (three Munkres
    rounds with `base_rules()` + `UnmatchedBonus(6)`; Celery and Redis are configured but never
    contacted — the same direct call the peer's own integration test makes), then
    `create_mailing_list` for mentors and mentees (routes.get_status). The peer's packaged CLI
    (`python -m matching`) cannot be used: it calls `conduct_matching_from_file` without the
    `rules` argument it requires (mentor-match 7.0.1);
(d) Companion through a running server: `companion serve` started in a fresh home and its
    warm-up finished (untimed — a deployment's server is up before a coordinator uploads:
    torch imported, the model loaded, the guidelines ingested), then over HTTP with an admin
    token: POST /programs, the CSV uploaded to /programs/Bench/participants/import, POST
    /programs/Bench/assignments — what the web app's upload and "Assign" do. The embedding
    cache is empty, so the upload's goals and expertise are embedded inside the timed part.

Rounds are interleaved: every round runs (a)-(d) once each in a shuffled order (seeded), and
the report gives the median of each (min and max beside it), not the best of N. One untimed
run of the peer and one of Companion (which also primes the warm home) come first, so the OS
file cache holds both programs' libraries and the model file in every timed run: "first run"
means Companion's own caches are empty, not a machine just booted.

Mapping, Companion record -> the peer's CSV columns (its README: keep its headers exactly):
    name                -> "first name" / "last name" (split at the last space)
    email               -> "email address" (the peer's identity: mentor == mentee by e-mail)
    role                -> mentor: mentors.csv; mentee: mentees.csv; both: a row in each file
                           and "both mentor and mentee" = yes (else no)
    title               -> "job title"
    level 1..8          -> "grade": the peer's civil-service ladder by position, 1 = AA, 2 = AO,
                           3 = EO, 4 = HEO, 5 = SEO, 6 = Grade 7, 7 = Grade 6, 8 = SCS1 (the
                           peer only uses differences: a mentor must be 1-2 grades above)
    organization, department
                        -> "organisation" = "<organization> / <department>": the peer
                           disqualifies a pair in the same organisation (a civil-service
                           department); Companion forbids only the reporting line, so the peer
                           is given the nearest thing, "not in your own team" (6.5% of
                           pairs at 500 people); the company alone would rule out 57% of
                           pairs (73% of the sample works for the host company)
    department          -> "profession" (the peer scores +10 when mentee's and mentor's match)
    expertise (mentor) / goals (mentee) -> "biography" (the peer only copies it to its output;
                           it never reads free text)
    (none)              -> "characteristics" = "" (mentors), "match with similar identity" = no,
                           "identity to match" = "" (mentees): identity matching has no
                           counterpart in the sample
    capacity, languages, timezone, location, skills, format, manager_id: the peer has no such
    fields (it gives everyone up to 3 connections, one per Munkres round).

Peer set-up (once; the peer's top-level package `matching` clashes, so it has its own venv):
    fetch github:jonodrew/mentor-match, then
    git --git-dir=<mirror> archive HEAD | tar -x -C bench/.cache/mentor-match
    python3 -m venv .peer-venv
    .peer-venv/bin/pip install mentor-match==7.0.1 munkres==1.1.4 Flask==2.2.3 \
        Werkzeug==2.2.3 celery==5.2.7 redis==4.5.1 requests    # pins from its poetry.lock

    .venv/bin/python bench/peer_mentor_match.py [--people 500] [--rounds 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from companion.sample import generate_program, write_records

ROOT = Path(__file__).resolve().parent.parent
PEER_PYTHON = ROOT / ".peer-venv" / "bin" / "python"
PEER_SRC = ROOT / "bench" / ".cache" / "mentor-match" / "mentor_match_web"
GRADES = ["AA", "AO", "EO", "HEO", "SEO", "Grade 7", "Grade 6", "SCS1", "SCS2", "SCS3", "SCS4"]
PERSON = ["first name", "last name", "email address", "both mentor and mentee", "job title",
          "grade", "organisation", "profession"]
MENTOR_COLUMNS = [*PERSON, "characteristics", "biography"]
MENTEE_COLUMNS = [*PERSON, "match with similar identity", "identity to match", "biography"]
PROGRAM = ["--start", "2027-01-11", "--months", "12", "--type", "one_to_one"]
TIMEOUT = 600

# Runs in the peer's venv: argv = peer source folder, data folder, output folder.
PEER_RUNNER = '''
import json, os, pathlib, sys, time
start = time.perf_counter()
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")  # configured, never contacted
sys.path.insert(0, sys.argv[1])
from matching.process import create_participant_list_from_path, create_mailing_list
from app.classes import CSMentee, CSMentor
from app.tasks.tasks import async_process_data
imported = time.perf_counter()
data, out = pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
mentors = create_participant_list_from_path(CSMentor, path_to_data=data)
mentees = create_participant_list_from_path(CSMentee, path_to_data=data)
read = time.perf_counter()
mentors, mentees, _bonus = async_process_data(mentors, mentees)
matched = time.perf_counter()
for participants in (mentors, mentees):
    create_mailing_list(participants, out)
written = time.perf_counter()
print(json.dumps({
    "imports_s": imported - start, "read_s": read - imported, "match_s": matched - read,
    "write_s": written - matched, "mentors": len(mentors), "mentees": len(mentees),
    "mentees_matched": sum(bool(m.connections) for m in mentees),
    "mentors_matched": sum(bool(m.connections) for m in mentors),
    "pairs": sum(len(m.connections) for m in mentees),
}))
'''


def split_name(name: str) -> tuple[str, str]:
    first, _, last = name.rpartition(" ")
    return (first, last) if first else (name, "")


def peer_rows(records: list[dict[str, str]]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The same people as the peer's mentors.csv and mentees.csv rows (mapping: docstring)."""
    mentors: list[dict[str, str]] = []
    mentees: list[dict[str, str]] = []
    for record in records:
        first, last = split_name(record["name"])
        base = {
            "first name": first,
            "last name": last,
            "email address": record["email"],
            "both mentor and mentee": "yes" if record["role"] == "both" else "no",
            "job title": record["title"],
            "grade": GRADES[int(record["level"]) - 1],
            "organisation": f"{record['organization']} / {record['department']}",
            "profession": record["department"],
        }
        if record["role"] in ("mentor", "both"):
            mentors.append({**base, "characteristics": "", "biography": record["expertise"]})
        if record["role"] in ("mentee", "both"):
            mentees.append({**base, "match with similar identity": "no",
                            "identity to match": "", "biography": record["goals"]})
    return mentors, mentees


def write_csv(rows: list[dict[str, str]], columns: list[str], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def run(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])}... exited {done.returncode}:\n"
                           f"{done.stderr[-2000:]}")
    return seconds, done.stdout


def companion_cli() -> list[str]:
    script = Path(sys.executable).parent / "companion"
    return [str(script)] if script.exists() else [sys.executable, "-m", "companion.cli"]


def companion_env(home: Path, *, read_after_import: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("COMPANION_HOME", "COMPANION_DATABASE_URL")}
    env.update(COMPANION_HOME=str(home), LITELLM_LOCAL_MODEL_COST_MAP="True",
               HF_HUB_OFFLINE="1",
               COMPANION_READ_AFTER_IMPORT="true" if read_after_import else "false")
    return env


def companion_flow(home: Path, program: str, people: Path, organizations: list[str], *,
                   read_after_import: bool = True) -> dict[str, Any]:
    """CSV to pending pairings with the CLI, one process per command; seconds per step."""
    cli, env = companion_cli(), companion_env(home, read_after_import=read_after_import)
    partners = [arg for org in organizations[1:] for arg in ("--partner", org)]
    create, _ = run([*cli, "program", "create", program, *PROGRAM,
                     "--host-org", organizations[0], *partners, "--format", "json"], env)
    imported, out = run([*cli, "import", "participants", str(people), "--program", program,
                         "--format", "json"], env)
    report = json.loads(out)
    if not report["imported"] or report["errors"]:
        raise RuntimeError(f"import failed: {report['errors'][:3]}")
    assign, out = run([*cli, "match", "assign", "--program", program, "--format", "json"], env)
    result = json.loads(out)
    return {"total_s": create + imported + assign, "create_s": create, "import_s": imported,
            "assign_s": assign, "pairs": len(result["assignments"]),
            "unassigned": len(result["unassigned"])}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """CPU time of a process so far (utime + stime)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def http(method: str, url: str, token: str, body: bytes | None = None,
         content_type: str = "application/json") -> tuple[float, Any]:
    request = urllib.request.Request(url, data=body, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": content_type})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
        data = json.loads(answer.read())
    return time.perf_counter() - start, data


def server_flow(home: Path, people: Path, organizations: list[str]) -> dict[str, Any]:
    """CSV to pending pairings through a running server, as the web app's coordinator meets
    it: `companion serve` was started (untimed: a deployment's server is up before anyone
    uploads) in a fresh home and has finished its warm-up (torch imported, the model loaded,
    the guidelines ingested); then the program is created, the file uploaded and the
    assignment asked for over HTTP, timed. The embedding cache is empty: the upload's 930
    goal and expertise texts are embedded inside the timed part."""
    cli, env = companion_cli(), companion_env(home)
    _, out = run([*cli, "token", "create", "--participant", "bench-admin", "--role", "admin",
                  "--days", "1", "--format", "json"], env)
    token = json.loads(out)["token"]
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    log = (home / "server.log").open("wb")
    server = subprocess.Popen([*cli, "serve", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start: "
                                       f"{(home / 'server.log').read_text()[-2000:]}") from None
                time.sleep(0.1)
        # the warm-up runs after the server answers: wait until it has used no CPU for 1 s
        used = cpu_seconds(server.pid)
        while time.monotonic() < deadline:
            time.sleep(1.0)
            now = cpu_seconds(server.pid)
            if now - used < 0.02:
                break
            used = now
        create, _ = http("POST", f"{base}/programs", token, json.dumps({
            "name": "Bench", "type": "one_to_one", "start_date": "2027-01-11", "months": 12,
            "host_organization": organizations[0],
            "partner_organizations": organizations[1:]}).encode())
        imported, report = http("POST", f"{base}/programs/Bench/participants/import", token,
                                people.read_bytes(), "text/csv")
        if not report["imported"] or report["errors"]:
            raise RuntimeError(f"import failed: {report['errors'][:3]}")
        assign, result = http("POST", f"{base}/programs/Bench/assignments", token, b"{}")
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
    return {"total_s": create + imported + assign, "create_s": create, "import_s": imported,
            "assign_s": assign, "pairs": len(result["assignments"]),
            "unassigned": len(result["unassigned"])}


def peer_flow(runner: Path, peer_python: Path, peer_src: Path, data: Path,
              out: Path) -> dict[str, Any]:
    shutil.rmtree(out, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    seconds, stdout = run([str(peer_python), str(runner), str(peer_src), str(data), str(out)],
                          env, cwd=peer_src)
    stats = json.loads(stdout.strip().splitlines()[-1])
    if len(list(out.glob("*-list.csv"))) != 2:  # csmentors-list.csv, csmentees-list.csv
        raise RuntimeError(f"the peer did not write its two mailing lists in {out}")
    return {"total_s": seconds, **stats}


def lscpu() -> dict[str, str]:
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return {}
    return {k.strip(): v.strip() for k, _, v in
            (line.partition(":") for line in text.splitlines()) if v}


def summarise(samples: list[dict[str, Any]]) -> dict[str, Any]:
    keys = [k for k, v in samples[0].items() if isinstance(v, float)]
    summary: dict[str, Any] = {
        k: round(statistics.median(s[k] for s in samples), 3) for k in keys}
    summary["min_s"] = round(min(s["total_s"] for s in samples), 3)
    summary["max_s"] = round(max(s["total_s"] for s in samples), 3)
    for key, value in samples[-1].items():
        if not isinstance(value, float):
            summary[key] = value
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500,
                        help="people in all (half mentors, half mentees)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2027, help="sample and round-order seed")
    parser.add_argument("--peer-python", type=Path, default=PEER_PYTHON)
    parser.add_argument("--peer-src", type=Path, default=PEER_SRC,
                        help="the peer's mentor_match_web folder (holds the `app` package)")
    parser.add_argument("--json", type=Path, help="write the JSON report here (else stdout)")
    args = parser.parse_args()
    if not args.peer_python.exists() or not (args.peer_src / "app" / "classes.py").exists():
        # skipped, not failed: `make bench` runs every script, and the peer is set up by hand
        print(f"skipped: the peer is not set up ({args.peer_python}, {args.peer_src}); "
              "see this script's docstring", file=sys.stderr)
        return

    cpu = lscpu()
    load_start = os.getloadavg()
    sample = generate_program(mentees=args.people // 2, mentors=args.people - args.people // 2,
                              seed=args.seed)
    mentors, mentees = peer_rows(sample.records)
    samples: dict[str, list[dict[str, Any]]] = {"peer": [], "cold": [], "cold-inline": [],
                                                "warm": [], "server": []}
    orders: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="peer-bench-") as folder:
        tmp = Path(folder)
        people = tmp / "people.csv"
        write_records(sample.records, people)
        data = tmp / "peer-data"
        data.mkdir()
        write_csv(mentors, MENTOR_COLUMNS, data / "mentors.csv")
        write_csv(mentees, MENTEE_COLUMNS, data / "mentees.csv")
        runner = tmp / "peer_run.py"
        runner.write_text(PEER_RUNNER, encoding="utf-8")
        warm_home = tmp / "warm-home"
        orgs = sample.organizations

        def once(kind: str, label: str) -> dict[str, Any]:
            if kind == "peer":
                return peer_flow(runner, args.peer_python, args.peer_src, data, tmp / "peer-out")
            if kind == "warm":
                return companion_flow(warm_home, f"Bench {label}", people, orgs)
            home = tmp / f"{kind}-{label}"
            try:
                if kind == "server":
                    return server_flow(home, people, orgs)
                return companion_flow(home, "Bench", people, orgs,
                                      read_after_import=kind == "cold")
            finally:
                shutil.rmtree(home, ignore_errors=True)

        print(f"{len(sample.records)} people: {len(mentors)} mentors, {len(mentees)} mentees; "
              f"untimed warm-up runs...", file=sys.stderr)
        once("peer", "warm-up")
        companion_flow(warm_home, "Bench warm-up", people, orgs)  # also primes the warm home
        rng = random.Random(args.seed)
        for round_no in range(args.rounds):
            order = ["peer", "cold", "cold-inline", "warm", "server"]
            rng.shuffle(order)
            orders.append(order)
            for kind in order:
                result = once(kind, f"r{round_no}")
                samples[kind].append(result)
                print(f"round {round_no + 1}: {kind:<4} {result['total_s']:6.2f} s",
                      file=sys.stderr)
    load_end = os.getloadavg()

    summary = {kind: summarise(runs) for kind, runs in samples.items()}
    peer_s = summary["peer"]["total_s"]
    report = {
        "people": len(sample.records), "mentors": len(mentors), "mentees": len(mentees),
        "rounds": args.rounds, "orders": orders, "seed": args.seed,
        "machine": {"model": cpu.get("Model name", "?"), "cores": os.cpu_count(),
                    "threads_per_core": cpu.get("Thread(s) per core", "?"),
                    "load_start": [round(x, 2) for x in load_start],
                    "load_end": [round(x, 2) for x in load_end],
                    "python": sys.version.split()[0]},
        "median": summary,
        "vs_peer": {k: round(summary[k]["total_s"] / peer_s, 2)
                    for k in ("cold", "cold-inline", "warm", "server")},
        "samples": samples,
    }
    rows = [
        ("jonodrew/mentor-match, whole process", "peer",
         "imports {imports_s:.2f} + read {read_s:.2f} + match {match_s:.2f} + write {write_s:.2f}"),
        ("Companion first run (fresh home)", "cold",
         "create {create_s:.2f} + import {import_s:.2f} + assign {assign_s:.2f}"),
        ("Companion first run, no background read", "cold-inline",
         "create {create_s:.2f} + import {import_s:.2f} + assign {assign_s:.2f}"),
        ("Companion warm (embeddings cached)", "warm",
         "create {create_s:.2f} + import {import_s:.2f} + assign {assign_s:.2f}"),
        ("Companion through a running server, fresh home (HTTP)", "server",
         "create {create_s:.2f} + upload {import_s:.2f} + assign {assign_s:.2f}"),
    ]
    machine = report["machine"]
    print(f"\n{machine['model']}, {machine['cores']} cores, load {load_start[0]:.2f} at start, "
          f"{load_end[0]:.2f} at end; {len(sample.records)} people ({len(mentors)} mentors, "
          f"{len(mentees)} mentees); medians of {args.rounds} interleaved rounds\n")
    print("| run | median s | min–max s | vs peer | steps (median s) | pairs |")
    print("|---|---|---|---|---|---|")
    for label, kind, steps in rows:
        s = summary[kind]
        pairs = (f"{s['pairs']} pairs, {s['mentees_matched']}/{s['mentees']} mentees"
                 if kind == "peer" else
                 f"{s['pairs']} pairs, {len(mentees) - s['unassigned']}/{len(mentees)} mentees")
        ratio = "1×" if kind == "peer" else f"{s['total_s'] / peer_s:.2f}×"
        print(f"| {label} | {s['total_s']:.2f} | {s['min_s']:.2f}–{s['max_s']:.2f} | {ratio} "
              f"| {steps.format(**s)} | {pairs} |")
    text = json.dumps(report, indent=2)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)


if __name__ == "__main__":
    main()
