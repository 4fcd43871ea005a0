"""`basics init` and `basics config validate | schema`."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import click


@click.command()
@click.option("--force", is_flag=True, help="Overwrite an existing basics.yaml.")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=".")
def init(folder: Path, force: bool) -> None:
    """Write a commented basics.yaml to start from.

    \b
    Example:
      basics init && basics config validate
    """
    target = folder / "basics.yaml"
    if target.exists() and not force:
        raise click.ClickException(f"{target} exists; pass --force to overwrite it")
    folder.mkdir(parents=True, exist_ok=True)
    template = resources.files("basics.config").joinpath("template.yaml").read_text("utf-8")
    target.write_text(template, encoding="utf-8")
    from basics.cli.output import say

    say(f"Wrote {target}. Edit its sources and services, then: basics config validate")


@click.group()
def config() -> None:
    """Check basics.yaml and print its schema."""


@config.command()
@click.pass_context
def validate(ctx: click.Context) -> None:
    """Load basics.yaml and report every problem with file:line, key, expected and found.

    \b
    Example:
      basics config validate && echo ok
    """
    from basics.cli.main import EXIT_ERROR, get_app
    from basics.cli.output import plural, say
    from basics.ingest.normalize import engine_problems

    app = get_app(ctx)
    problems = engine_problems(app.config)
    if problems:  # DuckDB reads the formats: checked here and at ingest, not at every load
        for problem in problems:
            click.echo(f"Error: {problem}", err=True)
        ctx.exit(EXIT_ERROR)
    names = app.config.slo_names()
    say(
        f"{app.config.path}: ok — {plural(len(app.config.sources), 'source')}, "
        f"{plural(len(app.config.services), 'service')}, {plural(len(names), 'SLO')}"
    )


@config.command()
def schema() -> None:
    """Print the JSON Schema of basics.yaml (for editor completion and checks).

    \b
    Example:
      basics config schema > basics.schema.json
    """
    from basics.config.models import Config

    click.echo(json.dumps(Config.model_json_schema(by_alias=True), indent=2))
