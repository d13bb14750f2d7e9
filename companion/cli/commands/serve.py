"""`companion serve`: the HTTP API."""

from __future__ import annotations

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

    import uvicorn

    os.environ["COMPANION_WARMUP"] = "1"

    uvicorn.run("companion.web.app:create_app", factory=True, host=host, port=port,
                workers=workers, log_level="info")
