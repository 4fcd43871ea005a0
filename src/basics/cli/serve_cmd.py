"""`basics serve`: the API (and, later, the dashboard) over the same services."""

from __future__ import annotations

import click

from basics.cli.main import get_app


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8080, show_default=True, help="Port (0: any free one).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the HTTP API (under /api/v1, OpenAPI at /docs) over this store.

    Every report of the CLI is there with the fields of its --json. CLI commands keep
    working meanwhile: the server hands them the store when they ask (an ingest from cron,
    a report) and takes it back when they are done.

    \b
    Examples:
      basics serve
      basics serve --port 9000
      curl -s localhost:8080/api/v1/slo/status
    """
    from basics.api.server import LOOPBACK, serve

    app = get_app(ctx)
    if host not in LOOPBACK:
        raise click.UsageError(
            f"--host {host} would expose the API beyond this machine; until write tokens "
            "exist (a later release), Basics serves on loopback only"
        )
    config = app.config
    app.close()
    serve(config, host, port)
