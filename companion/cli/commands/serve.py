"""`companion serve`: the HTTP API."""

from __future__ import annotations

from typing import Any

import typer

from companion.cli.app import app


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes (PostgreSQL "
                                "recommended for more than one)."),
) -> None:
    """Serve the web app at / and the HTTP API at /api/v1 (OpenAPI docs at /docs)."""
    import os
    import shutil

    import uvicorn
    import uvicorn.config

    from companion.cli import serving
    from companion.cli.app import long_running
    from companion.config import get_settings
    from companion.metrics import MULTIPROC_ENV

    long_running()
    serving.exit_cleanly_on_sigterm()
    os.environ["COMPANION_WARMUP"] = "1"
    settings = get_settings()
    if workers > 1:  # each worker writes its metric samples here; /metrics sums them
        folder = settings.ensure_home() / "prometheus"
        shutil.rmtree(folder, ignore_errors=True)  # counters restart with the server
        folder.mkdir()
        os.environ[MULTIPROC_ENV] = str(folder)
    json_logs = settings.log_format == "json"
    # json: every worker sets up its own logging (create_server) and writes the access lines;
    # uvicorn's own access log would repeat them without the request id
    options: dict[str, Any] = {
        "factory": True, "host": host, "port": port, "workers": workers, "log_level": "info",
        "log_config": None if json_logs else uvicorn.config.LOGGING_CONFIG,
        "access_log": not json_logs}
    if workers > 1 and settings.reuse_port and serving.supported():
        try:
            serving.check_free(host, port)
        except OSError as exc:
            raise typer.BadParameter(f"cannot listen on {host}:{port}: {exc.strerror}",
                                     param_hint="--port") from None
        # each worker its own socket: the kernel spreads connections across the workers
        serving.run(uvicorn.Config("companion.web.app:create_server", **options))
    else:
        uvicorn.run("companion.web.app:create_server", **options)
