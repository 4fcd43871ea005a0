"""`basics ingest pages`, `basics pages list | tag` and `basics oncall report`."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from basics.cli.main import EXIT_REJECTS, get_app
from basics.cli.slo_cmd import END_DEFAULT, time_option

FORMATS = [
    "pagerduty-csv", "pagerduty-json", "pagerduty-webhook", "opsgenie", "alertmanager", "csv",
    "jsonl",
]  # fmt: skip


@click.command(name="pages")
@click.argument("files", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="The export.")
@click.option(
    "--mapping",
    help="With csv or jsonl: FIELD=COLUMN,... for names not recognised (see docs/oncall.md).",
)
@click.option(
    "--source",
    help="With csv or jsonl: the tool the export comes from, which starts every page id "
    "(default: pager).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the import summaries as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
@click.pass_context
def ingest_pages(
    ctx: click.Context,
    files: tuple[str, ...],
    fmt: str,
    mapping: str | None,
    source: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Import pages from a pager's export or captured webhooks (`-` reads standard input).

    Each file is one batch; re-importing the same pages updates them and never counts them
    twice. Bad records are listed with their line and reason; exit code 3 when any was.
    `--format csv` and `jsonl` read any pager's export (Grafana OnCall, incident.io, Splunk
    On-Call, a home-grown one), one page per record, fields found by their common names.

    \b
    Examples:
      basics ingest pages incidents.csv --format pagerduty-csv
      basics ingest pages am.jsonl --format alertmanager
      basics ingest pages alert_groups.json --format jsonl --source grafana-oncall
      basics ingest pages pages.csv --format csv \\
        --mapping created_at=Fired,alert=Check
    """
    from basics.cli import output
    from basics.ingest.named_fields import parse_mapping

    if (mapping or source) and fmt not in ("csv", "jsonl"):
        raise click.UsageError("--mapping and --source are for --format csv or jsonl")
    fields = parse_mapping(mapping) or None
    app = get_app(ctx)
    results = []
    for number, path in enumerate(files, start=1):
        with output.working(f"importing {path} ({number} of {len(files)})", quiet or as_json):
            results.append(
                app.oncall.ingest_pages(path, fmt, mapping=fields, source=source)  # type: ignore[arg-type]
            )
    if as_json:
        output.emit_json(results)
    for result in results:
        if as_json:
            break
        if result.status == "duplicate":
            output.say(
                f"{result.path}: already imported as batch {result.duplicate_of} (to import "
                f"it again with other options: basics batches undo {result.duplicate_of})"
            )
            continue
        if result.status == "empty":
            output.nothing_in(result.path, "page")
        elif result.status == "rejected":
            output.all_rejected(result.path, result.rejected, result.batch_id, result.hint)
        else:
            output.say(
                f"{result.path}: batch {result.batch_id}: {output.plural(result.pages, 'page')} "
                f"({result.new_pages:,} new), {result.rejected:,} rejected"
            )
        output.rejects(result.path, result.first_rejects, result.rejected, result.batch_id)
        for warning in result.warnings:
            click.echo(f"  {result.path}: warning: {warning}", err=True)
    if any(r.rejected for r in results):
        ctx.exit(EXIT_REJECTS)


@click.command(name="shifts")
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pagerduty-oncalls", "opsgenie-timeline", "csv"]),
    required=True,
    help="PagerDuty's /oncalls JSON, Opsgenie's schedule timeline JSON, or a CSV of "
    "shifts (person, rotation, start, end).",
)
@click.option("--mapping", help="With csv: columns by field, person=On call,start=From,…")
@click.pass_context
def ingest_shifts(
    ctx: click.Context, files: tuple[str, ...], fmt: str, mapping: str | None
) -> None:
    """Import on-call shifts from a pager or a spreadsheet (rotations in basics.yaml need no
    import). A CSV's columns are found by name (person or user, rotation or schedule,
    start, end, level); times without an offset are in the config's time zone.

    \b
    Examples:
      basics ingest shifts oncalls.json --format pagerduty-oncalls
      basics ingest shifts timeline.json --format opsgenie-timeline
      basics ingest shifts schedule.csv --format csv --mapping person=Engineer
    """
    from basics.cli import output
    from basics.ingest.named_fields import parse_mapping

    app = get_app(ctx)
    refused = 0
    for path in files:
        done = app.oncall.ingest_shifts(path, fmt, parse_mapping(mapping))
        count, rejects, uncovered = done.stored, done.rejects, done.uncovered
        if done.permanent:
            always = output.plural(done.permanent, "permanent on-call")
            output.say(
                f"{path}: {always} (a user on an escalation level itself, always on call: no "
                "start or end) not stored as shifts",
                err=True,
            )
        if done.status == "empty":
            output.nothing_in(path, "shift")
            continue
        if rejects and not count:
            every = (
                "its one shift was" if len(rejects) == 1
                else f"every one of its {len(rejects):,} shifts was"
            )  # fmt: skip
            output.say(f"{path}: {every} rejected; nothing stored", err=True)
        else:
            output.say(f"{path}: {output.plural(count, 'shift')} recorded, {len(rejects)} rejected")
        if done.unknown_people:
            from basics.core.words import listed

            named = listed(list(done.unknown_people), 5)
            click.echo(
                f"  warning: {output.plural(len(done.unknown_people), 'person', 'people')} "
                f"basics.yaml does not declare: {named} (their shifts are stored under these "
                "names; add them under people:, with the name or e-mail the file uses)",
                err=True,
            )
        if uncovered:
            nobody = output.plural(uncovered, "period")
            output.say(f"{nobody} with nobody on call (no shift)", indent="  ")
        for reject in rejects[:5]:
            where = {"csv": "line", "opsgenie-timeline": "period"}.get(fmt, "on-call")
            where = f"{where} {reject.line}"
            field = f": {reject.field}" if reject.field else ""
            click.echo(f"  {path}: {where}{field}: {reject.reason}", err=True)
        refused += len(rejects)
    if refused:
        ctx.exit(EXIT_REJECTS)


def _say_no_pages(app: Any, begin: Any, finish: Any, team: str | None, person: str | None) -> None:
    """Why a report counts no page: a team without members, pages all of others, or none
    in the range (and the newest page), on stderr."""
    from basics.cli import output

    whose = f" for team {team}" if team else f" for {person}" if person else ""
    others = app.store.scalar(
        "SELECT count(*) FROM pages WHERE created_at >= ? AND created_at < ?", [begin, finish]
    )
    if team is not None and not app.config.teams[team].members:
        said = (f"No pages for team {team}: it lists no members, so whose pages to count "
                f"basics.yaml does not say (list them under teams: {team}: members:).")  # fmt: skip
    elif whose and others:
        said = f"No pages{whose} in this range; {output.plural(others, 'page')} of others."
    else:
        newest = app.store.scalar("SELECT max(created_at) FROM pages")
        said = f"No pages{whose} in this range" + (
            f"; the newest page is at {output.when(newest)}." if newest else
            ": none are imported yet (basics ingest pages FILE --format ...).")  # fmt: skip
    output.say(said, err=True)


@click.group()
def pages() -> None:
    """Pages: list them and record what each turned out to be."""


@pages.command(name="list")
@click.option("--alert", help="Only pages of this alert.")
@click.option("--unclassified", is_flag=True, help="Only pages without an outcome.")
@click.option("--from", "start", help="Created at or after (ISO 8601).")
@click.option("--to", "end", help="Created before (ISO 8601).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per page.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV, one row per page.")
@click.pass_context
def list_pages(
    ctx: click.Context,
    alert: str | None,
    unclassified: bool,
    start: str | None,
    end: str | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """List pages, oldest first, with the responder (from the shift when the source had none).

    \b
    Example:
      basics pages list --unclassified --json
    """
    from basics.cli import output

    output.one_format(as_json, as_csv)
    app = get_app(ctx)
    begin, finish = time_option(ctx, start), time_option(ctx, end)
    found = app.oncall.with_responders(app.oncall.pages(begin, finish, alert, unclassified))
    if not found:
        output.none_found(app.store.extent("pages"), ("page", "pages"),
                          "basics ingest pages FILE --format ...")  # fmt: skip
        if not (as_json or as_csv):
            return
    if as_json:
        output.emit_json(found)
        return
    if as_csv:
        from basics.oncall.models import Page

        output.emit_csv_records(found, Page)
        return
    header = ["id", "created", "alert", "service", "responder", "outcome", "acked", "resolved"]
    cells = [
        [
            output.when(p.created_at),
            p.alert,
            p.service,
            p.responder,
            p.outcome,
            output.when(p.acknowledged_at),
            output.when(p.resolved_at),
        ]
        for p in found
    ]
    rows = [[p.id, *row] for p, row in zip(found, cells, strict=True)]
    caption = None
    # The full ids where a row's key figures fit beside them, else short ones (as `docker
    # ps` and `git log --oneline` do): an Alertmanager page's id is 59 characters.
    if not output.fits(header[:6], [row[:6] for row in rows]):
        short = app.oncall.short_page_ids()
        rows = [[short[p.id], *row] for p, row in zip(found, cells, strict=True)]
        caption = "id: the page's short id, which basics pages tag takes (--json has the full id)."
    output.emit_table(
        output.plural(len(found), "page"),
        header,
        rows,
        drop=["acked", "resolved", "responder", "service"],
        caption=caption,
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

    PAGE_ID is the page's id, or the short id `basics pages list` shows in a narrow
    terminal; its first four digits are enough when they start no other page's short id.

    \b
    Examples:
      basics pages tag pagerduty:Q1ABC --outcome not-actionable/threshold-wrong
      basics pages tag 3f9a2c1 --outcome actionable/service-issue
    """
    app = get_app(ctx)
    tagged = app.oncall.page_id(page_id)
    app.oncall.tag(tagged, outcome, note)
    # The page the short id named, as --json shows it.
    click.echo(f"{tagged}{'' if tagged == page_id else f' ({page_id})'}: {outcome}")


@click.group()
def oncall() -> None:
    """On-call load from pages and shifts."""


WEEK_COLUMNS = ("week", "start", "end", "pages", "incidents", "over_limit_shifts",
                "time_to_acknowledge_median_s", "time_to_resolve_median_s", "top",
                "top_share")  # fmt: skip
"""The columns of `oncall report --csv weeks`, as its rows give them."""


@oncall.command()
@click.option(
    "--from", "start", help="Range start (ISO 8601; default: checks.oncall_window before --to)."
)
@click.option(
    "--to",
    "end",
    help="Range end: a time, `now` or `latest` (the newest page)." + END_DEFAULT,
)
@click.option("--team", help="Only this team's rotations and members.")
@click.option("--person", help="Only this person.")
@click.option("--json", "as_json", is_flag=True, help="The whole report as JSON.")
@click.option(
    "--csv",
    "csv_table",
    type=click.Choice(["shifts", "alerts", "people", "weeks"]),
    is_flag=False,
    flag_value="shifts",
    help="One of the report's tables as CSV (alone: shifts).",
)
@click.pass_context
def report(
    ctx: click.Context,
    start: str | None,
    end: str | None,
    team: str | None,
    person: str | None,
    as_json: bool,
    csv_table: str | None,
) -> None:
    """Pages per shift against the SRE book's two incidents per 12 hours, interruptions by
    business / off / sleep hours in each responder's own time zone, time to acknowledge and
    resolve, the noisiest alerts, and how concentrated the pager is.

    By default the 30 days (checks.oncall_window) up to reports.end: now, or with `latest`
    the newest page (said on stderr).

    \b
    Examples:
      basics oncall report --team payments
      basics oncall report --from 2026-02-01 --to 2026-03-01 --csv alerts
    """
    from basics.cli import output

    output.one_format(as_json, csv_table is not None)
    app = get_app(ctx)
    begin, finish, newest = app.oncall.report_range(time_option(ctx, start), end)
    if newest is not None:
        output.say(f"latest: the newest page, created at {output.when(newest)}", err=True)
    result = app.oncall.report(begin, finish, team, person)
    if result.pages == 0:
        _say_no_pages(app, begin, finish, team, person)
    if as_json:
        output.emit_json(result)
        return
    if csv_table is not None:
        weeks = [
            dict(zip(WEEK_COLUMNS, (
                w.week, w.start, w.end, w.pages, w.incidents, w.over_limit_shifts,
                w.time_to_acknowledge.median, w.time_to_resolve.median,
                w.concentration.top, w.concentration.top_share), strict=True))
            for w in result.weeks
        ]  # fmt: skip
        from basics.oncall.report import AlertNoise, PersonLoad, ShiftLoad

        tables: dict[str, tuple[Sequence[Any], type | None]] = {
            "shifts": (result.shifts, ShiftLoad),
            "alerts": (result.alerts, AlertNoise),
            "people": (result.concentration.people, PersonLoad),
            "weeks": (weeks, None),
        }
        rows, kind = tables[csv_table]
        output.emit_csv_records(rows, kind, columns=() if kind else WEEK_COLUMNS)
        return
    output.say(
        f"{output.plural(result.pages, 'page')}, {output.plural(result.incidents, 'incident')}, "
        f"{output.plural(len(result.shifts), 'shift')} ({result.over_limit_shifts} over two "
        "incidents per 12 h)"
        + (
            f"; {output.plural(result.pages_off_shift, 'page')} on none of these shifts (no "
            "shift of their responder covers them, or it is another team's)"
            if result.pages_off_shift
            else ""
        )
    )
    classes = result.interruptions.by_class
    output.say(
        f"interruptions: {classes['business']} in business hours, {classes['off']} in off "
        f"hours, {classes['sleep']} in sleep hours"
    )
    for label, stats in (("acknowledge", result.time_to_acknowledge),
                         ("resolve", result.time_to_resolve)):  # fmt: skip
        output.say(
            f"time to {label}: median {output.duration(stats.median) or '—'}, "
            f"p90 {output.duration(stats.p90) or '—'} over {output.plural(stats.count, 'page')}"
        )
    output.emit_table(
        "Shifts",
        ["person", "rotation", "start", "end", "pages", "incidents", "limit", "over"],
        [
            [
                s.person,
                s.rotation,
                output.when(s.start),
                output.when(s.end),
                s.pages,
                s.incidents,
                output.fixed(float(s.limit), 1),
                "OVER" if s.over_limit else "",
            ]
            for s in result.shifts
        ],
        drop=["rotation", "limit", "start"],
        caption="limit: incidents a shift can take (two per 12 hours, the SRE book's); OVER "
        "marks a shift above it.",
    )
    output.emit_table(
        "Noisiest alerts",
        ["alert", "pages", "not actionable", "at night", "auto-resolved", "median resolve"],
        [
            [
                a.alert + (" (likely noise)" if a.likely_noise else ""),
                a.count,
                output.percent(a.not_actionable_share, 0) or f"{a.classified} classified",
                output.percent(a.night_share, 0),
                output.percent(a.auto_resolved_share, 0),
                output.duration(a.median_resolve_s),
            ]
            for a in result.alerts[:10]
        ],
        drop=["median resolve", "auto-resolved"],
        caption="at night: in the responder's sleep hours (22:00-08:00 their time); "
        "auto-resolved: resolved without an acknowledgement, — where the source records no "
        "acknowledgements (Alertmanager); not actionable: of the pages tagged with an outcome.",
    )
    c = result.concentration
    output.emit_table(
        f"Who carries the pager (Gini {output.number(c.gini, 2) or '—'}"
        + (f"; {c.top} carries most of it" if c.flagged else "")
        + ")",
        ["person", "pages", "share", "night pages", "night share"],
        [
            [
                p.person,
                p.pages,
                output.percent(p.share, 0),
                p.night_pages,
                output.percent(p.night_share, 0),
            ]
            for p in c.people
        ],
    )


@pages.command()
@click.option("--alert", help="Only pages of this alert.")
@click.option(
    "--keys-from-stdin",
    is_flag=True,
    hidden=True,
    help="Read the keys from standard input even when it is not a terminal (scripts, tests).",
)
@click.pass_context
def classify(ctx: click.Context, alert: str | None, keys_from_stdin: bool) -> None:
    """Go through unclassified pages one key at a time: 1–7 pick an outcome, s skips, q quits.

    Only pages without an outcome are shown, oldest first, so quitting and running it again
    carries on where you stopped. Without a terminal, use `basics pages tag`.

    \b
    Example:
      basics pages classify --alert DiskSpaceLow
    """
    from basics.cli import output
    from basics.oncall.models import OUTCOMES

    app = get_app(ctx)
    if not keys_from_stdin and not sys.stdin.isatty():
        raise click.UsageError("pages classify needs a terminal; use `basics pages tag`")
    outcomes = list(OUTCOMES)
    todo = app.oncall.with_responders(app.oncall.pages(alert=alert, unclassified=True))
    short = app.oncall.short_page_ids() if todo else {}
    # A no-break space inside each choice: the menu wraps between choices, never in one.
    menu = "  ".join(f"{i})\u00a0{name}" for i, name in enumerate(outcomes, start=1))
    done = 0
    for number, page in enumerate(todo, start=1):
        click.echo()
        output.say(
            f"[{number}/{len(todo)}] {page.alert} on {page.service or '—'} at "
            f"{output.when(page.created_at)}, responder {page.responder or '—'}, "
            f"acknowledged {output.when(page.acknowledged_at) or 'never'}, "
            f"resolved {output.when(page.resolved_at) or 'not yet'} (page {short[page.id]})"
        )
        output.say(menu + "  s)\u00a0skip  q)\u00a0quit")
        key = click.getchar()
        while key not in "sq" and not (key.isdigit() and 1 <= int(key) <= len(outcomes)):
            key = click.getchar()
        if key == "q":
            break
        if key == "s":
            continue
        app.oncall.tag(page.id, outcomes[int(key) - 1])
        done += 1
        click.echo(f"  → {outcomes[int(key) - 1]}")
    click.echo(f"\n{output.plural(done, 'page')} classified; {len(todo) - done} left for later.")
