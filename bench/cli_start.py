"""CLI start-up on a warm home, a baseline commit against the working tree, interleaved.

Each round runs every command once with the baseline's source and once with the working
tree's (the order of the two shuffled per round), in fresh processes through the same
virtualenv; the table gives the median of each side and the ratio. The baseline's source is
`git archive`d into a temporary folder and put first on PYTHONPATH (ahead of the editable
install); each side runs the entry point its own source has (`console` where it exists,
else `main`). The home is a `companion demo` home made first; an untimed round per side fills
each side's caches (a side with another embedding precision caches its vectors apart).

    .venv/bin/python bench/cli_start.py [--base 564a31f] [--rounds 5] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = "Leadership Accelerator"
COMMANDS: dict[str, list[str]] = {
    "companion --help": ["--help"],
    "companion match --help": ["match", "--help"],
    "match suggest --mentee me-00001": ["match", "suggest", "--program", PROGRAM,
                                        "--mentee", "me-00001"],
    "draft agenda --participant me-00073": ["draft", "agenda", "--program", PROGRAM,
                                            "--participant", "me-00073"],
    # every run a mentee not drafted for before in this home: the draft's search queries
    # are texts no cache holds, so the embedding model runs (the usual case for a user)
    "draft agenda, a mentee not drafted for before": ["draft", "agenda", "--program", PROGRAM,
                                                      "--participant", "{fresh}"],
}
#: Runs the source's own entry point: `console` (the executable's since issue 16) or `main`.
ENTRY = ("import sys; sys.argv[0] = 'companion'; "
         "import importlib; m = importlib.import_module('companion.cli.app'); "
         "(getattr(m, 'console', None) or m.main)()")


#: mentees not yet drafted for (`{fresh}` in a command takes the next), filled after the demo
FRESH: list[str] = []


def run(env: dict[str, str], args: list[str], cwd: Path) -> float:
    """One command's wall time. `cwd` must not be the checkout: `python -c` puts the working
    folder first on sys.path, ahead of PYTHONPATH, and the baseline would import the tree."""
    if "{fresh}" in args:
        args = [FRESH.pop(0) if arg == "{fresh}" else arg for arg in args]
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", ENTRY, *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {done.returncode}: {done.stderr[-1500:]}")
    return seconds


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return "?"
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    return fields.get("Model name", "?").strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="564a31f",
                        help="git commit of the baseline (default: the last before this "
                        "bench, 2026-12-07)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cli-start-") as folder:
        tmp = Path(folder)
        source = tmp / "base"
        source.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.base],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
        home = tmp / "home"
        env = {k: v for k, v in os.environ.items()
               if k not in ("COMPANION_HOME", "COMPANION_DATABASE_URL", "PYTHONPATH",
                            "PYTHONDONTWRITEBYTECODE")}
        env.update(COMPANION_HOME=str(home), LITELLM_LOCAL_MODEL_COST_MAP="True",
                   HF_HUB_OFFLINE="1")
        sides = {"base": {**env, "PYTHONPATH": str(source)}, "now": env}
        for side, side_env in sides.items():  # each side imports the source it names
            where = subprocess.run([sys.executable, "-c", "import companion; "
                                    "print(companion.__file__)"], env=side_env, cwd=tmp,
                                   capture_output=True, text=True, check=True).stdout
            expected = source if side == "base" else ROOT
            if not Path(where.strip()).is_relative_to(expected):
                raise SystemExit(f"the {side} side imports {where.strip()}, not {expected}")
        print(f"companion demo into {home} ...", flush=True)
        subprocess.run([sys.executable, "-c", ENTRY, "demo"], env=env, cwd=tmp,
                       capture_output=True, check=True, timeout=1200)
        listed = subprocess.run([sys.executable, "-c", ENTRY, "participants", "list",
                                 "--program", PROGRAM, "--format", "json"], env=env, cwd=tmp,
                                capture_output=True, text=True, check=True).stdout
        drafted = {arg for command in COMMANDS.values() for arg in command if
                   arg.startswith("me-")}
        FRESH.extend(p["id"] for p in json.loads(listed)["participants"]
                     if p["role"] == "mentee" and p["id"] not in drafted)
        for side_env in sides.values():  # untimed: each side's caches and bytecode
            for command in COMMANDS.values():
                run(side_env, command, tmp)
        load_start = os.getloadavg()[0]
        times: dict[tuple[str, str], list[float]] = {}
        for round_ in range(args.rounds):
            for label, command in COMMANDS.items():
                order = list(sides)
                random.shuffle(order)
                for side in order:
                    times.setdefault((label, side), []).append(run(sides[side], command,
                                                                       tmp))
            print(f"round {round_ + 1} done", flush=True)
        load_end = os.getloadavg()[0]
    rows: list[dict[str, Any]] = []
    print(f"\n{cpu_model()}, {os.cpu_count()} cores, load {load_start:.2f} at start, "
          f"{load_end:.2f} at end; medians of {args.rounds} interleaved rounds, warm demo home; "
          f"baseline {args.base}\n")
    print("| command | baseline s | now s | ratio |")
    print("|---|---|---|---|")
    for label in COMMANDS:
        base = statistics.median(times[(label, "base")])
        now = statistics.median(times[(label, "now")])
        rows.append({"command": label, "base_s": round(base, 3), "now_s": round(now, 3),
                     "base_all": times[(label, "base")], "now_all": times[(label, "now")]})
        print(f"| `{label}` | {base:.2f} | **{now:.2f}** | {base / now:.2f}× |")
    if args.json:
        args.json.write_text(json.dumps({"cpu": cpu_model(), "base": args.base, "rows": rows},
                                        indent=2))


if __name__ == "__main__":
    main()
