"""The container files, checked without a Docker daemon: the Dockerfile's essentials (stages,
non-root user, CPU torch, offline at run time, health check, weights verified at build time)
and compose.yaml's (services, health checks, start order, no committed secrets).

Building the image needs a daemon; these tests keep the files honest where there is none."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
HEALTH_PATH = "/api/v1/health"


# --- Dockerfile ----------------------------------------------------------------------------


class Stage:
    def __init__(self, base: str, name: str | None) -> None:
        self.base = base
        self.name = name
        self.instructions: list[tuple[str, str]] = []

    def all(self, keyword: str) -> list[str]:
        return [args for key, args in self.instructions if key == keyword]


def _instructions(text: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction: continuation lines joined, comments dropped, a
    heredoc's body kept with its RUN."""
    lines = text.splitlines()
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        while line.endswith("\\") and i < len(lines):
            line = line[:-1] + " " + lines[i].strip()
            i += 1
        keyword, _, args = line.strip().partition(" ")
        heredoc = re.search(r"<<-?'?(\w+)'?", args)
        if keyword.upper() == "RUN" and heredoc:
            body = []
            while i < len(lines) and lines[i].strip() != heredoc.group(1):
                body.append(lines[i])
                i += 1
            i += 1
            args += "\n" + "\n".join(body)
        out.append((keyword.upper(), args.strip()))
    return out


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    result: list[Stage] = []
    for keyword, args in _instructions((ROOT / "Dockerfile").read_text()):
        if keyword == "FROM":
            parts = args.split()
            result.append(Stage(parts[0], parts[2] if len(parts) > 2 else None))
        elif result:
            result[-1].instructions.append((keyword, args))
    return result


def _env(stage: Stage) -> dict[str, str]:
    env: dict[str, str] = {}
    for args in stage.all("ENV"):
        for item in shlex.split(args):
            key, _, value = item.partition("=")
            env[key] = value
    return env


def _exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list), f"use the exec (JSON) form: {args}"
    return [str(v) for v in value]


def _option(argv: list[str], name: str) -> str:
    assert name in argv, f"{name} missing from {argv}"
    return argv[argv.index(name) + 1]


def test_the_image_is_built_in_stages_and_the_runtime_has_no_compilers(
        stages: list[Stage]) -> None:
    assert len(stages) >= 2
    builder, runtime = stages[0], stages[-1]
    assert builder.name == "builder"
    assert any("build-essential" in run for run in builder.all("RUN"))
    assert not any("build-essential" in run or "gcc" in run for run in runtime.all("RUN"))
    copied = runtime.all("COPY")
    assert any(c.startswith("--from=builder") and "/opt/venv" in c for c in copied)


def test_the_runtime_runs_as_a_non_root_user(stages: list[Stage]) -> None:
    users = stages[-1].all("USER")
    assert users, "the runtime stage sets no USER: it would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    created = " ".join(stages[-1].all("RUN"))
    assert "useradd" in created and user in created


def test_torch_is_the_cpu_build_pinned_like_the_makefile(stages: list[Stage]) -> None:
    makefile = (ROOT / "Makefile").read_text()
    pinned = re.search(r"^TORCH_SPEC \?= torch==(\S+)", makefile, re.M)
    assert pinned is not None
    builder = stages[0]
    args = {a.split("=", 1)[0]: a.split("=", 1)[1] for a in builder.all("ARG") if "=" in a}
    assert args.get("TORCH_VERSION") == pinned.group(1)
    assert args.get("TORCH_INDEX_URL") == "https://download.pytorch.org/whl/cpu"
    torch_installs = [run for stage in stages for run in stage.all("RUN")
                      if re.search(r"pip install\b[^&;\n]*\btorch\b", run)]
    assert torch_installs, "torch is never installed on its own"
    for run in torch_installs:
        assert '--index-url "${TORCH_INDEX_URL}"' in run, run
        assert '"torch==${TORCH_VERSION}"' in run, run
    # torch goes in before the project, so sentence-transformers finds it and pulls no CUDA
    runs = builder.all("RUN")
    first_torch = next(i for i, r in enumerate(runs) if r in torch_installs)
    project = next(i for i, r in enumerate(runs) if re.search(r"pip install \.", r))
    assert first_torch < project


def test_nothing_is_fetched_at_run_time(stages: list[Stage]) -> None:
    env = _env(stages[-1])
    assert env["HF_HUB_OFFLINE"] == "1"
    assert env["TRANSFORMERS_OFFLINE"] == "1"
    assert env["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
    assert env["ANONYMIZED_TELEMETRY"] == "False"  # Chroma's client would phone home
    # the guidelines live in the image; the installed package cannot find ../knowledge
    assert env["COMPANION_KNOWLEDGE_DIR"] == "/app/knowledge"
    assert any(c.split()[-1] == "/app/knowledge" for c in stages[-1].all("COPY"))


def test_state_lives_on_a_volume(stages: list[Stage]) -> None:
    runtime = stages[-1]
    home = _env(runtime)["COMPANION_HOME"]
    assert any(home in _exec_form(v) for v in runtime.all("VOLUME"))


def test_the_command_serves_on_the_exposed_port_and_the_health_check_asks_it(
        stages: list[Stage]) -> None:
    runtime = stages[-1]
    (exposed,) = runtime.all("EXPOSE")
    argv = _exec_form(runtime.all("ENTRYPOINT")[-1]) + _exec_form(runtime.all("CMD")[-1])
    assert argv[:2] == ["companion", "serve"]
    assert _option(argv, "--host") == "0.0.0.0"
    assert _option(argv, "--port") == exposed
    (check,) = runtime.all("HEALTHCHECK")
    assert "urllib.request" in check and "curl" not in check
    assert f"127.0.0.1:{exposed}{HEALTH_PATH}" in check


def test_the_build_fails_on_corrupt_weights_by_running_companions_own_check(
        stages: list[Stage]) -> None:
    scripts = [run.split("\n", 1)[1] for run in stages[-1].all("RUN")
               if run.startswith("python - <<") and "verify_weights" in run]
    assert len(scripts) == 1
    script = scripts[0]
    for name in ("BUNDLED_MODEL_SHA256", "USE_WEIGHTS_SHA256"):
        assert name in script
    # the script itself works against this environment's installed models
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "verified" in done.stdout


def test_copied_paths_exist_and_are_not_ignored(stages: list[Stage]) -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    for required in (".git", ".venv", ".companion", "evals/reports", ".pytest_cache",
                     ".mypy_cache", ".ruff_cache", "**/__pycache__"):
        assert required in ignored, required
    for stage in stages:
        for args in stage.all("COPY"):
            if args.startswith("--from"):
                continue
            for source in args.split()[:-1]:
                assert (ROOT / source).exists(), source
                assert source not in ignored, source


# --- compose.yaml --------------------------------------------------------------------------

INTERPOLATION = re.compile(r"\$\{(\w+)(?::?-([^}]*))?\}")


def _interpolate(text: str) -> str:
    """What compose makes of the file with nothing set: `${X:-default}` is its default."""
    return INTERPOLATION.sub(lambda m: m.group(2) or "", text).replace("$$", "$")


@pytest.fixture(scope="module")
def raw_compose() -> str:
    return (ROOT / "compose.yaml").read_text()


@pytest.fixture(scope="module")
def services(raw_compose: str) -> dict[str, Any]:
    doc = yaml.safe_load(_interpolate(raw_compose))
    assert isinstance(doc, dict)
    return doc["services"]


def _worker_command_exists() -> bool:
    import companion.cli.commands  # noqa: F401  (registers the commands)
    from companion.cli import app

    names = {c.name for c in app.registered_commands} | {
        g.name for g in app.registered_groups}
    return "worker" in names


def test_the_services_are_there(services: dict[str, Any]) -> None:
    assert {"api", "postgres", "chroma", "migrate"} <= set(services)
    # a worker service only once `companion worker` exists (durable drafting, issue 15)
    assert ("worker" in services) == _worker_command_exists()


def test_every_long_running_service_has_a_health_check(services: dict[str, Any]) -> None:
    def check(name: str) -> str:
        test = services[name]["healthcheck"]["test"]
        return " ".join(test) if isinstance(test, list) else test

    assert "pg_isready" in check("postgres")
    assert "/api/v2/heartbeat" in check("chroma")
    assert HEALTH_PATH in check("api") and "curl" not in check("api")
    assert services["migrate"]["healthcheck"] == {"disable": True}


def test_migrations_run_once_before_the_api(services: dict[str, Any]) -> None:
    from companion.cli.commands.db import db_app
    from companion.cli.commands.knowledge import knowledge_app

    migrate = services["migrate"]
    assert migrate["entrypoint"] == ["sh", "-c"]
    steps = [step.split() for step in migrate["command"][0].split("&&")]
    assert steps == [["companion", "db", "upgrade"], ["companion", "knowledge", "ingest"]]
    assert "upgrade" in {c.name for c in db_app.registered_commands}
    assert "ingest" in {c.name for c in knowledge_app.registered_commands}
    assert migrate.get("restart") == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"},
                                     "chroma": {"condition": "service_healthy"}}
    for name in ("api", "worker"):
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"},
            "postgres": {"condition": "service_healthy"},
            "chroma": {"condition": "service_healthy"},
        }


def test_the_workers_write_the_queued_drafts(services: dict[str, Any]) -> None:
    worker = services["worker"]
    assert worker["command"] == ["worker"]
    assert worker["environment"]["COMPANION_DRAFTING"] == "worker"
    assert services["api"]["environment"]["COMPANION_DRAFTING"] == "worker"
    assert worker["healthcheck"]["test"] == ["CMD", "companion", "worker", "--check"]
    assert worker["deploy"]["replicas"] == 2  # ${WORKERS:-2}
    assert worker["stop_grace_period"] == "90s"  # the drafts in hand finish


def test_the_api_runs_two_workers_against_postgres_and_the_chroma_server(
        services: dict[str, Any], stages: list[Stage]) -> None:
    api = services["api"]
    argv = api["command"]
    assert argv[0] == "serve"
    assert _option(argv, "--workers") == "2"
    (exposed,) = stages[-1].all("EXPOSE")
    assert _option(argv, "--port") == exposed
    assert api["ports"] == [f"127.0.0.1:8000:{exposed}"]  # loopback: a proxy does TLS
    env = api["environment"]
    assert env["COMPANION_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@postgres:5432/" in env["COMPANION_DATABASE_URL"]
    assert env["COMPANION_CHROMA_URL"] == "http://chroma:8000"
    assert "companion-home:/data" in api["volumes"]
    assert env["COMPANION_HOME"] == "/data"
    assert services["migrate"]["environment"] == env


def test_the_chroma_image_matches_the_client_range(services: dict[str, Any]) -> None:
    image, _, tag = services["chroma"]["image"].partition(":")
    assert image == "chromadb/chroma"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    spec = next(d for d in pyproject["project"]["dependencies"] if d.startswith("chromadb"))
    assert tag in SpecifierSet(spec.removeprefix("chromadb"))
    assert services["chroma"]["command"][0] == "run"


SECRET = re.compile(r"PASSWORD|SECRET|TOKEN|API_KEY", re.I)


def test_no_secret_is_committed(raw_compose: str) -> None:
    doc = yaml.safe_load(raw_compose)  # before interpolation: what is in the file itself
    for name, service in doc["services"].items():
        env = service.get("environment") or {}
        assert isinstance(env, dict), name
        for key, value in env.items():
            if SECRET.search(key):
                # absent (taken from the shell) or from a variable, default for local use only
                assert value is None or re.fullmatch(r"\$\{\w+(:-[\w-]*local[\w-]*)?\}",
                                                     value), (name, key, value)
        url = env.get("COMPANION_DATABASE_URL")
        if url:
            password = re.search(r"://[^:]+:([^@]+)@", url)
            assert password and password.group(1).startswith("${"), url
