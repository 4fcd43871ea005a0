"""`basics ingest pages`, `basics pages list | tag` and `basics oncall report`."""

from __future__ import annotations

import click

from basics.cli.main import EXIT_REJECTS, get_app
from basics.cli.slo_cmd import _time

FORMATS = ["pagerduty-csv", "pagerduty-json", "pagerduty-webhook", "opsgenie", "alertmanager"]


@click.command(name="pages")
@click.argument("files", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="The export.")
@click.option("--json", "as_json", is_flag=True, help="Print the import summaries as JSON.")
@click.pass_context
def ingest_pages(ctx: click.Context, files: tuple[str, ...], fmt: str, as_json: bool) -> None:
    """Import pages from a pager's export or captured webhooks (`-` reads standard input).

    Each file is one batch; re-importing the same pages updates them and never counts them
    twice. Bad records are listed with their line and reason; exit code 3 when any was.

    \b
    Examples:
      basics ingest pages incidents.csv --format pagerduty-csv
      basics ingest pages am.jsonl --format alertmanager
    """
    from basics.cli import output

    app = get_app(ctx)
    results = [app.oncall.ingest_pages(path, fmt) for path in files]  # type: ignore[arg-type]
    if as_json:
        output.emit_json(results)
    for result in results:
        if as_json:
            break
        if result.status == "duplicate":
            click.echo(f"{result.path}: already imported as batch {result.duplicate_of}")
            continue
        click.echo(
            f"{result.path}: batch {result.batch_id}: {result.pages:,} pages "
            f"({result.new_pages:,} new), {result.rejected:,} rejected"
        )
        for reject in result.first_rejects:
            where = f" {reject.field}:" if reject.field else ""
            click.echo(f"  {result.path}:{reject.line}:{where} {reject.reason}", err=True)
    if any(r.rejected for r in results):
        ctx.exit(EXIT_REJECTS)


@click.group()
def pages() -> None:
    """Pages: list them and record what each turned out to be."""


@pages.command(name="list")
@click.option("--alert", help="Only pages of this alert.")
@click.option("--unclassified", is_flag=True, help="Only pages without an outcome.")
@click.option("--from", "start", help="Created at or after (ISO 8601).")
@click.option("--to", "end", help="Created before (ISO 8601).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per page.")
@click.pass_context
def list_pages(
    ctx: click.Context,
    alert: str | None,
    unclassified: bool,
    start: str | None,
    end: str | None,
    as_json: bool,
) -> None:
    """List pages, oldest first, with the responder (from the shift when the source had none).

    \b
    Example:
      basics pages list --unclassified --json
    """
    from basics.cli import output

    app = get_app(ctx)
    begin, finish = _time(ctx, start), _time(ctx, end)
    found = app.oncall.pages(begin, finish, alert, unclassified)
    if found:
        shifts = app.oncall.shifts(found[0].created_at, found[-1].created_at)
        found = app.oncall.with_responders(found, shifts)
    if as_json:
        output.emit_json(found)
        return
    output.emit_table(
        f"{len(found):,} page(s)",
        ["id", "alert", "service", "created", "acked", "resolved", "responder", "outcome"],
        [
            [
                p.id,
                p.alert,
                p.service,
                output.when(p.created_at),
                output.when(p.acknowledged_at),
                output.when(p.resolved_at),
                p.responder,
                p.outcome,
            ]
            for p in found
        ],
    )


@pages.command()
@click.argument("page_id")
@click.option("--outcome", required=True, help="e.g. not-actionable/threshold-wrong.")
@click.option("--note", help="Why, in a line.")
@click.pass_context
def tag(ctx: click.Context, page_id: str, outcome: str, note: str | None) -> None:
    """Record a page's outcome: actionable/service-issue, actionable/could-have-waited,
    actionable/external-dependency, not-actionable/threshold-wrong,
    not-actionable/check-faulty, not-actionable/maintenance-not-silenced or
    not-actionable/duplicate.

    \b
    Example:
      basics pages tag pagerduty:Q1ABC --outcome not-actionable/threshold-wrong
    """
    app = get_app(ctx)
    app.oncall.tag(page_id, outcome, note)
    click.echo(f"{page_id}: {outcome}")
