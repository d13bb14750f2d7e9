"""`companion worker`: the drafting worker of COMPANION_DRAFTING=worker deployments."""

from __future__ import annotations

import typer

from companion.cli.app import app


@app.command("worker")
def worker(
    concurrency: int = typer.Option(0, "--concurrency", min=0, max=64,
                                    help="Drafts written at once (default: "
                                    "COMPANION_DRAFTING_THREADS)."),
    check: bool = typer.Option(False, "--check", help="Do not work: exit 0 if a worker of "
                               "this host sent a heartbeat in the last minute, 1 if not "
                               "(a container health check)."),
) -> None:
    """Write queued drafts (COMPANION_DRAFTING=worker, PostgreSQL) until stopped; Ctrl-C or
    SIGTERM lets the drafts in hand finish first. Run as many as you like, on any host."""
    import logging

    from companion.cli.app import database, long_running, settings
    from companion.services import draft_jobs

    config = settings()
    if check:
        healthy = draft_jobs.worker_healthy(config)
        typer.echo("worker: alive" if healthy else "worker: no heartbeat from this host in "
                   "the last minute", err=not healthy)
        raise typer.Exit(0 if healthy else 1)
    long_running()
    logging.getLogger("procrastinate").setLevel(logging.WARNING)

    def started() -> None:
        typer.echo(f"companion worker: writing queued drafts "
                   f"({concurrency or config.drafting_threads} at once); Ctrl-C to stop",
                   err=True)

    draft_jobs.run_worker(database(), config, concurrency=concurrency or None,
                          on_start=started)
