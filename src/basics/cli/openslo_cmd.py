"""`basics openslo import | export`: OpenSLO v1 documents to basics.yaml blocks, and back."""

from __future__ import annotations

from pathlib import Path

import click

from basics.cli.main import EXIT_REJECTS, get_app


@click.group()
def openslo() -> None:
    """OpenSLO v1: import SLOs into a basics.yaml block, export basics.yaml as OpenSLO.

    SLIs map through the annotations basics.dev/good and basics.dev/valid (event
    expressions); see docs/openslo.md for what maps and what does not.
    """


@openslo.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the block to this file instead of printing it.",
)
def import_(files: tuple[Path, ...], out: Path | None) -> None:
    """Map OpenSLO v1 documents (`---`-separated or a YAML list; several files are read
    together, so references may cross them) to a `services:` and `alerting: policies:` block
    to merge into basics.yaml by hand.

    Problems (what could not be mapped) and notes go to stderr, each wrapped to the
    terminal. Exit code 0 when everything mapped, 3 when anything could not be.

    \b
    Example:
      basics openslo import slos.yaml slis.yaml --out imported.yaml
    """
    from basics.cli.output import plural, say
    from basics.config.openslo import import_openslo_many
    from basics.core.errors import InputError

    sources = []
    for path in files:
        try:
            sources.append((str(path), path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise InputError(f"cannot read {path}: {reason}") from None
    result = import_openslo_many(sources)
    for note in result.notes:
        say(f"note: {note}", err=True)
    for problem in result.problems:
        say(problem, err=True)
    text = result.to_yaml()
    if out is None:
        click.echo(text, nl=False)
    else:
        _write(out, text)
    slos = len(result.slo_names())
    summary = (
        f"{plural(slos, 'SLO')} and "
        f"{plural(len(result.policies), 'alert policy', 'alert policies')} mapped"
    )
    if out is not None:
        summary += f" to {out}"
    if result.problems:
        summary += f"; {plural(len(result.problems), 'problem')}: not everything could be mapped"
    say(summary, err=True)
    if result.problems:
        click.get_current_context().exit(EXIT_REJECTS)


@openslo.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the documents to this file instead of printing them.",
)
@click.pass_context
def export(ctx: click.Context, out: Path | None) -> None:
    """Every service, SLO and alert policy of basics.yaml as OpenSLO v1 documents.

    \b
    Example:
      basics openslo export --out openslo.yaml
    """
    from basics.config.openslo import export_openslo

    text = export_openslo(get_app(ctx).config)
    if out is None:
        click.echo(text, nl=False)
        return
    _write(out, text)
    click.echo(f"Wrote {out}", err=True)


def _write(path: Path, text: str) -> None:
    from basics.core.errors import InputError

    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot write {path}: {error.strerror}") from None
