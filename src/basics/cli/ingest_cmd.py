"""`basics ingest events | rejects | batches`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from basics.cli.main import EXIT_ERROR, EXIT_REJECTS, get_app

if TYPE_CHECKING:
    from basics.ingest.pipeline import BatchResult


@click.group()
def ingest() -> None:
    """Load data into the store."""


@ingest.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--source", "-s", required=True, help="The source in basics.yaml these files are.")
@click.option("--json", "as_json", is_flag=True, help="Print the batch summaries as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_context
def events(
    ctx: click.Context, files: tuple[str, ...], source: str, as_json: bool, quiet: bool
) -> None:
    """Ingest event files (`-` reads standard input); each file is one all-or-nothing batch.

    Bad records are rejected with file, line, field and reason, stored and counted; the
    exit code is 3 when any record was rejected, 1 on an error, 0 otherwise. The same
    content ingested twice is recognised and not counted twice.

    \b
    Examples:
      basics ingest events access.log --source web
      zcat api-*.jsonl.gz | basics ingest events - --source api
    """
    from basics.cli import output

    app = get_app(ctx)
    from basics.core.errors import BasicsError

    results: list[BatchResult] = []
    failed = 0
    for path in files:
        # Each file is its own batch: one file's error neither undoes nor stops the others.
        try:
            result = ingest_with_progress(app, source, path, quiet or as_json)
        except BasicsError as error:
            click.echo(f"Error: {error}", err=True)
            failed += 1
            continue
        results.append(result)
        if not as_json:
            summarise(result)
    if as_json:
        output.emit_json(results)
    if failed:
        ctx.exit(EXIT_ERROR)
    if any(result.rejected for result in results):
        ctx.exit(EXIT_REJECTS)


def ingest_with_progress(app: object, source: str, path: str, quiet: bool) -> BatchResult:
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from basics.app import App

    assert isinstance(app, App)
    if quiet:
        return app.ingest_events(source, path)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[accepted]:,} events, {task.fields[rejected]:,} rejected"),
        TimeElapsedColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task(path, total=None, accepted=0, rejected=0)

        def progress(done: int, total: int | None, accepted: int, rejected: int) -> None:
            bar.update(task, completed=done, total=total, accepted=accepted, rejected=rejected)

        return app.ingest_events(source, path, progress)


def summarise(result: BatchResult) -> None:
    from basics.cli.output import when

    if result.status == "duplicate":
        click.echo(
            f"{result.path}: already ingested as batch {result.duplicate_of}; nothing changed"
        )
        return
    span = f" from {when(result.min_ts)} to {when(result.max_ts)}" if result.accepted else ""
    click.echo(
        f"{result.path}: batch {result.batch_id}: {result.accepted:,} events stored{span}, "
        f"{result.rejected:,} rejected"
    )
    if result.local_time_rows:
        click.echo(
            f"  {result.local_time_rows:,} timestamps had no UTC offset and were read as "
            f"{result.timezone} local time (set `timezone:` on the source to change this)"
        )
    if result.ahead_rows:
        click.echo(
            f"  warning: {result.ahead_rows:,} events are dated more than "
            f"{result.ahead_warning} ahead of now (newest {when(result.max_ts)}): a clock or "
            "an epoch unit may be wrong",
            err=True,
        )
    for reject in result.first_rejects:
        field = f" {reject.field}:" if reject.field else ""
        click.echo(f"  {result.path}:{reject.line}:{field} {reject.reason}", err=True)
    if result.rejected > len(result.first_rejects):
        click.echo(
            f"  … and {result.rejected - len(result.first_rejects):,} more: "
            f"basics ingest rejects {result.batch_id}",
            err=True,
        )


@ingest.command()
@click.argument("batch", type=int)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
@click.pass_context
def rejects(ctx: click.Context, batch: int, as_json: bool, as_csv: bool) -> None:
    """List every rejected record of a batch: line, field, reason and the raw text.

    \b
    Example:
      basics ingest rejects 3 --csv > rejects.csv
    """
    from basics.cli import output
    from basics.core.errors import NotFoundError

    app = get_app(ctx)
    path = app.store.scalar("SELECT path FROM batches WHERE id = ?", [batch])
    if path is None:
        raise NotFoundError(f"no batch {batch}; `basics ingest batches` lists them")
    rows = app.store.query(
        "SELECT line, field, reason, raw FROM rejects WHERE batch_id = ? ORDER BY line", [batch]
    )
    header = ["line", "field", "reason", "raw"]
    if as_json:
        output.emit_json([dict(zip(header, row, strict=True)) | {"file": path} for row in rows])
    elif as_csv:
        output.emit_csv(["file", *header], [(path, *row) for row in rows])
    else:
        output.emit_table(f"Rejects of batch {batch} ({path})", header, rows)


@ingest.command()
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.pass_context
def batches(ctx: click.Context, as_json: bool) -> None:
    """List the batches in the store, newest first.

    \b
    Example:
      basics ingest batches --json
    """
    from basics.cli import output

    app = get_app(ctx)
    header = ["id", "source", "path", "status", "accepted", "rejected", "min_ts", "max_ts"]
    rows = app.store.query(
        f"SELECT {', '.join(header)} FROM batches WHERE status = 'applied' ORDER BY id DESC"
    )
    if as_json:
        output.emit_json([dict(zip(header, row, strict=True)) for row in rows])
    else:
        output.emit_table(
            "Batches", header, [[*r[:6], output.when(r[6]), output.when(r[7])] for r in rows]
        )
