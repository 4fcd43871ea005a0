"""The `basics` command: a thin layer that parses options, calls a service and formats.

Heavy modules (DuckDB, pydantic, rich) are imported inside commands so `basics --help`
starts fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from basics.app import App

EXIT_ERROR = 1
EXIT_REJECTS = 3


class _Group(click.Group):
    """Turns BasicsError into `Error: ...` on stderr and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        from basics.core.errors import BasicsError

        try:
            return super().invoke(ctx)
        except BasicsError as error:
            click.echo(f"Error: {error}", err=True)
            ctx.exit(EXIT_ERROR)


@click.group(cls=_Group)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="basics.yaml to use (default: the nearest one in this folder or its parents).",
)
@click.version_option(package_name="basics")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None) -> None:
    """Basics: SLOs and error budgets from your own events, measured.

    \b
    Start here:
      basics init                       write a commented basics.yaml
      basics ingest events FILE --source NAME
      basics slo status
    """
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path


def get_app(ctx: click.Context) -> App:
    """The app for this invocation, built once from --config or the nearest basics.yaml."""
    from basics.app import App

    root = ctx.find_root()
    if "app" not in root.obj:
        root.obj["app"] = App.load(root.obj.get("config_path"))
        root.call_on_close(root.obj["app"].close)
    app: App = root.obj["app"]
    return app


def _register() -> None:
    from basics.cli import (
        alerts_cmd,
        batches_cmd,
        config_cmd,
        demo_cmd,
        ingest_cmd,
        oncall_cmd,
        openslo_cmd,
        slo_cmd,
    )

    cli.add_command(config_cmd.init)
    cli.add_command(config_cmd.config)
    cli.add_command(ingest_cmd.ingest)
    cli.add_command(batches_cmd.batches)
    cli.add_command(slo_cmd.slo)
    cli.add_command(demo_cmd.demo)
    cli.add_command(alerts_cmd.alerts)
    cli.add_command(alerts_cmd.incidents)
    cli.add_command(openslo_cmd.openslo)
    ingest_cmd.ingest.add_command(oncall_cmd.ingest_pages)
    ingest_cmd.ingest.add_command(oncall_cmd.ingest_shifts)
    cli.add_command(oncall_cmd.pages)
    cli.add_command(oncall_cmd.oncall)


_register()


def main() -> None:
    """Console-script entry point."""
    sys.exit(cli.main(prog_name="basics", standalone_mode=True))
