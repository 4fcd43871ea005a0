"""`basics ingest events | rejects | batches`."""

from __future__ import annotations

import os
from typing import IO, TYPE_CHECKING

import click

from basics.cli.main import EXIT_ERROR, EXIT_REJECTS, get_app, interrupted, stopped

if TYPE_CHECKING:
    from basics.app import App
    from basics.ingest.files import KeptPrefix
    from basics.ingest.pipeline import BatchResult


@click.group()
def ingest() -> None:
    """Load data into the store."""


@ingest.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--source", "-s", required=True, help="The source in basics.yaml these files are.")
@click.option(
    "--allow-overlap",
    is_flag=True,
    help="Store records identical to stored ones as distinct (refused otherwise).",
)
@click.option(
    "--skip-overlap",
    is_flag=True,
    help="Keep only the records not stored yet: identical ones are skipped and counted (an "
    "export overlapping an earlier one).",
)
@click.option(
    "--follow",
    "-f",
    is_flag=True,
    help="Keep ingesting what is appended to the file (one file), until Ctrl-C.",
)
@click.option(
    "--interval", default=5.0, show_default=True, help="Seconds between checks with --follow."
)
@click.option("--json", "as_json", is_flag=True, help="Print the batch summaries as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_context
def events(
    ctx: click.Context,
    files: tuple[str, ...],
    source: str,
    allow_overlap: bool,
    skip_overlap: bool,
    follow: bool,
    interval: float,
    as_json: bool,
    quiet: bool,
) -> None:
    """Ingest event files (`-` reads standard input); each file is one all-or-nothing batch.

    Bad records are rejected with file, line, field and reason, stored and counted. A file
    ingested before is not read again; one that grew (or was rotated by rename) is read
    from where the last batch stopped. A file repeating records already stored is refused,
    naming the earlier batch, unless --allow-overlap (stored as distinct) or --skip-overlap
    (only the records not stored yet are kept); a source with `id:` skips repeated ids
    first. Exit code 3 when any record was rejected, 1 on an error or a refusal, 0
    otherwise.

    \b
    Examples:
      basics ingest events access.log --source web
      basics ingest events access.log --source web --follow
      zcat api-*.jsonl.gz | basics ingest events - --source api
    """
    from basics.cli import output
    from basics.core.errors import BasicsError

    if allow_overlap and skip_overlap:
        raise click.UsageError("choose one of --allow-overlap and --skip-overlap")
    app = get_app(ctx)
    if follow:
        if len(files) != 1 or files[0] == "-":
            raise click.UsageError("--follow takes one file (not standard input)")
        if as_json:
            raise click.UsageError("--follow prints a line per batch; it has no --json")
        follow_file(app, source, files[0], interval, allow_overlap, skip_overlap)
        return
    results: list[BatchResult] = []
    failed = 0
    queue, refilled = list(files), set[int]()
    while queue:
        path = queue.pop(0)
        # Each file is its own batch: one file's error neither undoes nor stops the others.
        try:
            result = ingest_with_progress(
                app, source, path, quiet or as_json, allow_overlap, skip_overlap
            )
        except BasicsError as error:
            click.echo(f"Error: {error}", err=True)
            failed += 1
            continue
        except BaseException as error:
            if not interrupted(error):
                raise
            if as_json:
                output.emit_json(results)
            ids = [str(done.batch_id) for done in results if done.batch_id is not None]
            batches = "batch" if len(ids) == 1 else "batches"
            kept = f" The files before it are stored ({batches} {', '.join(ids)})." if ids else ""
            name = "standard input" if path == "-" else path
            # Stored or not: a Ctrl-C can land after the commit, while the batch is tidied.
            stopped(
                ctx,
                f"Interrupted while ingesting {name}: its batch is stored whole or not at all "
                "(`basics batches list` shows which; the same command ingests it if not)." + kept,
            )
        results.append(result)
        if not as_json:
            summarise(result)
        if result.refills is not None and result.refills not in refilled:
            # The lines of an undone batch were read again: the file again, for the rest.
            refilled.add(result.refills)
            queue.insert(0, path)
    if as_json:
        output.emit_json(results)
    if failed:
        ctx.exit(EXIT_ERROR)
    if any(result.rejected for result in results):
        ctx.exit(EXIT_REJECTS)


def follow_file(
    app: App,
    source: str,
    path: str,
    interval: float,
    allow_overlap: bool = False,
    skip_overlap: bool = False,
) -> None:
    """Ingest what is appended to `path` every `interval` seconds until interrupted.

    Each check is one batch (or nothing, when nothing new ends with a newline). When the
    path is renamed away (rotation), what was written to the old file since the last
    check is read through the still-open old file, then the new file from its start.
    """
    import signal
    import threading
    import time

    from basics.cli import forget_ctrl_c
    from basics.ingest.files import KeptPrefix

    click.echo(f"following {path} every {interval:g} s; Ctrl-C or SIGTERM stops", err=True)
    current: tuple[int, int] | None = None  # (device, inode) of the file being followed
    handle = None
    kept = KeptPrefix()  # what was read, hashed: a check reads only what was appended
    # A service manager stops it with SIGTERM (systemd, `docker stop`): as Ctrl-C does.
    main = threading.current_thread() is threading.main_thread()
    on_term = signal.signal(signal.SIGTERM, signal.default_int_handler) if main else None
    try:
        while True:
            try:
                stat = os.stat(path)
            except FileNotFoundError:
                stat = None
            identity = (stat.st_dev, stat.st_ino) if stat else None
            if handle is not None and identity != current:
                _check(app, source, _rotated_name(path, handle), allow_overlap, skip_overlap, kept)
                handle.close()
                handle = None
            if stat is not None:
                if handle is None:
                    handle, current = open(path, "rb"), identity  # noqa: SIM115
                _check(app, source, path, allow_overlap, skip_overlap, kept)
            time.sleep(interval)
    except BaseException as error:
        if not interrupted(error):
            raise
        # Ctrl-C is how --follow ends: exit 0, the check it stopped is not stored.
        forget_ctrl_c()
        click.echo("stopped; the next run resumes where this one stopped", err=True)
    finally:
        if main:  # (None: a handler not set from Python; the default is the nearest)
            signal.signal(signal.SIGTERM, signal.SIG_DFL if on_term is None else on_term)
        if handle is not None:
            handle.close()


def _rotated_name(path: str, handle: IO[bytes]) -> str:
    """Where the file being followed went when it was renamed (app.log.1 beside app.log),
    found by its inode, as Filebeat's registry does; a file deleted or moved to another
    folder is still read through the descriptor held open."""
    identity = os.fstat(handle.fileno())
    folder = os.path.dirname(os.path.abspath(path))
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                try:
                    stat = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if (stat.st_dev, stat.st_ino) == (identity.st_dev, identity.st_ino):
                    return entry.path
    except OSError:
        pass
    return f"/proc/self/fd/{handle.fileno()}"


def _check(
    app: App,
    source: str,
    path: str,
    allow_overlap: bool,
    skip_overlap: bool,
    kept: KeptPrefix,
) -> None:
    try:
        result = app.ingest_events(
            source,
            path,
            allow_overlap=allow_overlap,
            whole_lines_only=True,
            skip_overlap=skip_overlap,
            kept=kept,
        )
    finally:
        app.close()  # between checks the store is free for reports
    if result.status != "duplicate" and (result.accepted or result.rejected):
        summarise(result)


def ingest_with_progress(
    app: App,
    source: str,
    path: str,
    quiet: bool,
    allow_overlap: bool = False,
    skip_overlap: bool = False,
) -> BatchResult:
    if quiet:
        return app.ingest_events(
            source, path, allow_overlap=allow_overlap, skip_overlap=skip_overlap
        )
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    # On stderr, as every progress bar, and only on a terminal: standard output holds only
    # the summaries, and a log file no bar.
    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[accepted]:,} events, {task.fields[rejected]:,} rejected"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task(path, total=None, accepted=0, rejected=0)

        def progress(done: int, total: int | None, accepted: int, rejected: int) -> None:
            bar.update(task, completed=done, total=total, accepted=accepted, rejected=rejected)

        return app.ingest_events(
            source, path, progress, allow_overlap=allow_overlap, skip_overlap=skip_overlap
        )


def summarise(result: BatchResult) -> None:
    """What one batch did: its summary and notes wrapped to the terminal; its warnings on
    stderr, one line each (as its rejects), for grep and logs."""
    from basics.cli import output
    from basics.ingest.coverage import MAX_NAMED

    if result.status == "duplicate":
        where = (
            f" (source {result.duplicate_source})"
            if result.duplicate_source != result.source
            else ""
        )
        click.echo(
            f"{result.path}: already ingested as batch {result.duplicate_of}{where}; "
            "nothing changed (to read it again under changed source settings: "
            f"basics batches undo {result.duplicate_of}, then ingest it)"
        )
        return
    if result.status == "empty":
        since = f" appended since batch {result.continues}" if result.continues else ""
        output.nothing_in(result.path, "record", since)
        return
    if result.status == "rejected":
        output.all_rejected(result.path, result.rejected, result.batch_id, result.hint)
    else:
        first, last = output.when(result.min_ts), output.when(result.max_ts)
        span = f" from {first} to {last}" if result.accepted else ""
        resumed = (
            f" (read again from line {result.first_line:,}: batch {result.refills} had "
            "stored these lines and was undone)"
            if result.refills
            else f" (appended since batch {result.continues}, from line {result.first_line:,})"
            if result.continues
            else ""
        )
        stored = output.plural(result.accepted, "event")
        output.say(
            f"{result.path}: batch {result.batch_id}: {stored} stored{span}{resumed}, "
            f"{result.rejected:,} rejected"
        )
    if result.reread_line is not None:
        output.say(
            f"line {result.reread_line:,} was unfinished when batch {result.continues} read "
            "it (its reject there is taken back): read again, whole",
            indent="  ",
        )
    if result.duplicate_rows:
        skipped = output.plural(result.duplicate_rows, "record")
        output.say(f"{skipped} skipped: their id was stored already", indent="  ")
    if result.joined_repeats:
        click.echo(
            f"  warning: {_events_are(result.joined_repeats)} identical to others of this "
            "file, whose header comes again (exports joined with cat?): if the exports "
            "overlapped, undo this batch and ingest them one by one with --skip-overlap",
            err=True,
        )
    if result.overlap_rows:
        skipped = output.plural(result.overlap_rows, "record")
        output.say(f"{skipped} skipped: identical ones were stored already", indent="  ")
    if result.overlap_rejects:
        skipped = output.plural(result.overlap_rejects, "bad line")
        output.say(
            f"{skipped} not counted again: identical ones were rejected already (in an "
            "earlier batch of the source)",
            indent="  ",
        )
    if result.local_time_rows:
        output.say(
            f"{output.plural(result.local_time_rows, 'timestamp')} had no UTC offset and "
            f"{'was' if result.local_time_rows == 1 else 'were'} read as {result.timezone} "
            "local time (set `timezone:` on the source to change this)",
            indent="  ",
        )
    if result.repeated_hour_rows:
        output.say(
            f"{output.plural(result.repeated_hour_rows, 'local time')} fell in an hour the "
            f"clocks went through twice ({result.timezone}) and "
            f"{'was' if result.repeated_hour_rows == 1 else 'were'} read as the first of the two",
            indent="  ",
        )
    if result.ahead_rows:
        click.echo(
            f"  warning: {_events_are(result.ahead_rows)} dated more than "
            f"{result.ahead_warning} ahead of now (newest {output.when(result.max_ts)}): a "
            "clock or an epoch unit may be wrong",
            err=True,
        )
    for unread in result.unread:
        mapped = f" (fields: {unread.field}: {unread.mapped_from})" if unread.mapped_from else ""
        has = (
            f"the one event of {unread.service} has no {unread.field}"
            if unread.events == 1
            else f"none of the {unread.events:,} events of {unread.service} has {unread.field}"
        )
        click.echo(
            f"  warning: {has}{mapped}, which {', '.join(unread.slos)} read"
            f"{'s' if len(unread.slos) == 1 else ''}; a missing value never matches: check "
            "the source's fields: against a record",
            err=True,
        )
    for unmatched in result.unmatched:
        click.echo(
            f'  warning: fields: {unmatched.field}: "{unmatched.mapped_from}" matched nothing '
            f"in the {output.plural(unmatched.events, 'event')} stored (no such column or "
            "key?): check the name against the file's header or a record",
            err=True,
        )
    unknown = [u for u in result.unknown_services if u.like is None and u.instead_of is None]
    instead = [u for u in result.unknown_services if u.instead_of is not None]
    if instead:
        named = ", ".join(f"{u.service} ({u.events:,})" for u in instead[:5])
        if len(instead) > 5:
            more = f"{len(instead) - 5}{'+' if len(instead) == MAX_NAMED else ''}"
            named += f" and {more} more (see --json)"
        click.echo(
            f"  warning: some events name services basics.yaml does not know, not the "
            f"source's {instead[0].instead_of}: {named}; they count for no SLO: add them "
            f"under services: or as aliases:, or, if they are {instead[0].instead_of}'s "
            "events, set fields.service to the one field that names the service (service, "
            "service.name, service_name and app are read by default)",
            err=True,
        )
    if unknown:
        named = ", ".join(f"{u.service} ({u.events:,})" for u in unknown)
        click.echo(
            f"  warning: no event names a service of basics.yaml; they name {named}: add "
            "them under services:, or as aliases: of the services they are",
            err=True,
        )
    for near in (u for u in result.unknown_services if u.like is not None):
        click.echo(
            f"  warning: {output.plural(near.events, 'event')} "
            f'name{"s" if near.events == 1 else ""} service "{near.service}", not '
            f'"{near.like}" of basics.yaml: they count for none of its SLOs; add '
            f'"{near.service}" to its aliases: if it is the same service',
            err=True,
        )
    for lack in result.missing_as_bad:
        from basics.config.expressions import Field, format_field

        written = format_field(Field(lack.field))  # attrs["k 1"]: as an expression reads it
        click.echo(
            f"  warning: {lack.missing:,} of the {lack.events:,} events of "
            f"{lack.slo.partition('/')[0]} have no {lack.field} and count as bad for "
            f"{lack.slo} (a missing value never matches); if they are not requests, add "
            f"`valid: {written} is not null` to it",
            err=True,
        )
    for other in result.other_spans:
        service = other.slo.partition("/")[0]
        click.echo(
            f"  warning: {other.slo} counts {other.spans:,} client, internal or producer "
            f"span{'' if other.spans == 1 else 's'} of {service} (of its {other.events:,}): "
            "calls it made, not requests it answered; "
            '`valid: \'attrs["span.kind"] == "server"\'` leaves them out',
            err=True,
        )
    output.rejects(result.path, result.first_rejects, result.rejected, result.batch_id)


def _events_are(count: int) -> str:
    """`1 event is` or `12 events are`: a count that starts a sentence, with its verb."""
    return f"{count:,} {'event is' if count == 1 else 'events are'}"


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
    from basics.records import rejects_record

    output.one_format(as_json, as_csv)
    app = get_app(ctx)
    found = app.store.query("SELECT path, status, rejected FROM batches WHERE id = ?", [batch])
    if not found:
        raise NotFoundError(f"no batch {batch}; `basics batches list` lists them")
    path, status, rejected = found[0]
    rows = app.store.query(
        "SELECT line, field, reason, raw FROM rejects WHERE batch_id = ? ORDER BY line", [batch]
    )
    header = ["line", "field", "reason", "raw"]
    if as_json:
        output.emit_json(rejects_record(path, rows))
    elif as_csv:
        output.emit_csv(["file", *header], [(path, *row) for row in rows])
    elif status == "undone":
        output.say(
            f"Batch {batch} ({path}) was undone: its {output.plural(rejected, 'reject')} "
            "went with it."
            if rejected
            else f"Batch {batch} ({path}) was undone; it rejected no record."
        )
    elif not rows:
        output.say(f"Batch {batch} ({path}) rejected no record.")
    else:
        output.emit_table(f"Rejects of batch {batch} ({path})", header, rows)


def _batches_kept_for_scripts() -> click.Command:
    """`basics ingest batches`: `basics batches list` under its old name, options and all."""
    from copy import copy

    from basics.cli.batches_cmd import list_command

    kept = copy(list_command)
    kept.hidden = True
    kept.help = (
        "Kept for scripts: the same as `basics batches list`, with its options.\n\n"
        "\b\nExample:\n  basics ingest batches --json"
    )
    return kept


ingest.add_command(_batches_kept_for_scripts(), name="batches")
