"""`basics serve` (the API over the same services) and `basics token new`."""

from __future__ import annotations

import click

from basics.cli.main import get_app


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8080, show_default=True, help="Port (0: any free one).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the HTTP API (under /api/v1, OpenAPI at /docs) and the webhooks over this store.

    Every report of the CLI is there with the fields of its --json. Writes (webhooks,
    incidents) need a bearer token (`basics token new`, or BASICS_API_TOKEN in the
    environment). CLI commands keep working meanwhile: the server hands them the store
    when they ask (an ingest from cron, a report) and takes it back when they are done.

    \b
    Examples:
      basics serve
      basics serve --port 9000
      BASICS_API_TOKEN=... basics serve --host 0.0.0.0
      curl -s localhost:8080/api/v1/slo/status
    """
    from basics.api.auth import ENV_TOKEN, Auth
    from basics.api.server import is_loopback, serve

    app = get_app(ctx)
    config = app.config
    if not is_loopback(host) and not Auth.from_settings(config.serve).any_token:
        raise click.UsageError(
            f"--host {host} would let anyone who reaches this machine write to the store: "
            f"configure a write token first (basics token new NAME, or {ENV_TOKEN})"
        )
    app.close()
    try:
        serve(config, host, port)
    except KeyboardInterrupt:
        # uvicorn shuts down on Ctrl-C, then raises it again: how a server stops, exit 0.
        from basics.cli import forget_ctrl_c

        forget_ctrl_c()
        click.echo("stopped", err=True)


@click.group()
def token() -> None:
    """Write tokens for `basics serve`."""


@token.command()
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(["events", "pages", "incidents", "deploys", "toil"]),
    help="What it may write (repeatable; default: all).",
)
def new(name: str, scopes: tuple[str, ...]) -> None:
    """Make a token: its text is printed once, basics.yaml keeps only its SHA-256.

    \b
    Example:
      basics token new alertmanager --scope pages
    """
    from basics.api.auth import digest, new_token

    text = new_token()
    chosen = list(scopes) or ["events", "pages", "incidents", "deploys", "toil"]
    click.echo(f"Token {name} (shown once; give it to the sender):\n\n  {text}\n")
    click.echo("Add it to basics.yaml (a running basics serve reads it from the next request):\n")
    click.echo(
        f"serve:\n  tokens:\n    {name}:\n      sha256: {digest(text)}\n"
        f"      scopes: [{', '.join(chosen)}]"
    )
