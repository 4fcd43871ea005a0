"""`basics batches list | undo`."""

from __future__ import annotations

import click

from basics.cli.main import get_app


@click.group()
def batches() -> None:
    """What each ingest stored, and undoing one whole."""


@batches.command(name="list")
@click.option("--source", help="Only batches of this source (pages:FORMAT for page imports).")
@click.option(
    "--kind",
    type=click.Choice(["events", "pages", "shifts", "deploys", "toil"]),
    help="Only this kind of batch.",
)
@click.option("--all", "everything", is_flag=True, help="Undone batches too.")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
@click.pass_context
def list_command(
    ctx: click.Context,
    source: str | None,
    kind: str | None,
    everything: bool,
    as_json: bool,
    as_csv: bool,
) -> None:
    """List batches, newest first: what each stored, from which file, over what time.

    \b
    Examples:
      basics batches list --source web
      basics batches list --kind pages --json
    """
    from basics.cli import output
    from basics.ingest.batches import BATCH_COLUMNS, list_batches

    output.one_format(as_json, as_csv)
    found = list_batches(get_app(ctx).store, source, kind, everything)
    if as_json:
        output.emit_json(found)
    elif as_csv:
        output.emit_csv(BATCH_COLUMNS, [[getattr(b, c) for c in BATCH_COLUMNS] for b in found])
    elif not found:
        which = " ".join(
            part
            for part in (
                f"of source {source}" if source else "",
                f"of kind {kind}" if kind else "",
            )
            if part
        )
        hidden = "" if everything else " (--all lists undone ones too)"
        output.say(
            f"No batches {which} stored{hidden}."
            if which
            else f"No batches stored{hidden}; "
            "`basics ingest events FILE --source NAME` stores the first.",
            err=True,
        )
    else:
        output.emit_table(
            "Batches (stored records; rejected; time range of the events)",
            ["id", "kind", "source", "path", "stored", "rej.", "status", "from", "to"],
            [
                [
                    b.id,
                    b.kind,
                    b.source,
                    output.short_path(b.path),
                    f"{b.accepted:,}",
                    f"{b.rejected:,}",
                    b.status,
                    output.when(b.min_ts),
                    output.when(b.max_ts),
                ]
                for b in found
            ],
            drop=["from", "path", "kind", "to"],
        )


@batches.command()
@click.argument("batch_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print what was removed as JSON.")
@click.pass_context
def undo(ctx: click.Context, batch_id: int, as_json: bool) -> None:
    """Remove everything a batch stored, in one transaction, and recount its minutes.

    Events, pages, shifts and rejects of the batch go; SLO rollups of the minutes its
    events fell in are recounted. The batch stays listed (`--all`) as undone. Ingesting
    the same file again afterwards stores it again.

    \b
    Example:
      basics batches undo 12
    """
    from basics.cli import output
    from basics.ingest.batches import undo_batch

    app = get_app(ctx)
    done = undo_batch(app.store, app.config, batch_id)
    if as_json:
        output.emit_json(done)
        return
    parts = [
        output.plural(count, *names)
        for names, count in (
            (("event",), done.events),
            (("page",), done.pages),
            (("shift",), done.shifts),
            (("deploy",), done.deploys),
            (("incident",), done.incidents),
            (("toil entry", "toil entries"), done.toil_entries),
            (("reject",), done.rejects),
        )
        if count
    ]
    output.say(f"batch {batch_id} undone: removed {', '.join(parts) or 'nothing'}")
    for count, noun in ((done.pages_restored, "page"), (done.deploys_restored, "deploy")):
        if count:
            output.say(f"put back the earlier version of {output.plural(count, noun)}", indent="  ")
    if done.minutes_recounted:
        output.say(
            f"recounted {output.plural(done.minutes_recounted, 'minute')} of "
            f"{', '.join(done.services)}",
            indent="  ",
        )
