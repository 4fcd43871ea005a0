"""`basics slo status | breakdown | cost | history | percentiles`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from basics.cli.main import get_app

EXIT_FAIL_ON = 2  # a --fail-on state was found: the exit code CI and cron act on


def time_option(ctx: click.Context, value: str | None) -> dt.datetime | None:
    """A time given on the command line (ISO 8601; no offset: the config's zone) or `now`;
    `latest`, the end of a report, is said to belong there (`at_option`)."""
    from basics.core.clock import end_word, parse_time, utc_now

    if value is None:
        return None
    word = end_word(value, "")
    if word == "now":
        return utc_now()
    if word == "latest":
        raise click.UsageError(
            '"latest" stands for the newest record a report counts: a report\'s --at or --to '
            "takes it; here give a time or now"
        )
    return parse_time(value, get_app(ctx).config.timezone)


def at_option(ctx: click.Context, value: str | None) -> dt.datetime:
    """A report's end: a time, `now` or `latest`; none given, the config's `reports.end`.

    The one rule for "now" in every report. `latest` is said on stderr with the event used.
    """
    end, latest = get_app(ctx).slo.report_end(value)
    if latest is not None:
        from basics.cli.output import say

        say(latest.describe(), err=True)
    return end


def range_option(
    ctx: click.Context, start: str | None, end: str | None, window: str
) -> tuple[dt.datetime, dt.datetime]:
    """A report's range: --to by the one rule (`at_option`), and --from, or the `checks`
    setting `window` (`replay_window`, ...) before --to when none is given."""
    finish = at_option(ctx, end)
    begin = time_option(ctx, start)
    if begin is None:
        begin = finish - dt.timedelta(seconds=get_app(ctx).config.checks.seconds(window))
    return begin, finish


def no_events_hint(
    ctx: click.Context,
    where: str,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    flag: str = "--at",
    service: str | None = None,
) -> str:
    """Why a report is empty, naming the newest event (of `service`, for a report of one):
    one line for stderr."""
    from basics.cli.output import when
    from basics.core.windows import Window
    from basics.slo.service import where_the_events_are

    ranged = start is not None and end is not None
    found, newest = get_app(ctx).slo.newest_of([service] if service and ranged else [])
    if found is None:
        return f"No events in {where}: the store has none yet (basics ingest events FILE)."
    if start is None or end is None:  # no range to place it in: `latest` shows it
        newest_at = when(found.event_at)
        return f"No events in {where}; the newest event is at {newest_at}: try {flag} latest."
    newest_of = newest.get(service) if service else None
    said = where_the_events_are(service, newest_of, found, Window(start, end), flag, when)
    return f"No events in {where}; {said}."


AT_HELP = "Window end: a time (ISO 8601; no offset = the config's time zone), `now` or `latest`."
END_DEFAULT = " Default: reports.end in basics.yaml (now unless set)."


@click.group()
def slo() -> None:
    """SLOs and error budgets."""


@slo.command()
@click.option("--at", "at", help=AT_HELP + END_DEFAULT)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per SLO.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV, one row per SLO.")
@click.option(
    "--fail-on",
    "fail_on",
    multiple=True,
    type=click.Choice(["exhausted", "burning", "no-data"]),
    help="Exit 2 when any SLO is exhausted (burning: or burning too; no-data: or has no "
    "events in its window). Repeatable: for CI gates and cron.",
)
@click.pass_context
def status(
    ctx: click.Context, at: str | None, as_json: bool, as_csv: bool, fail_on: tuple[str, ...]
) -> None:
    """SLI, error budget, burn rates and status of every SLO, from per-minute rollups.

    Status is `no_data` when the window has no events (never 100 %), `exhausted` when the
    budget is spent, `burning` when the last hour burns faster than 1x, else `ok`.

    \b
    Examples:
      basics slo status
      basics slo status --at latest --json
      basics slo status --at 2026-03-01T12:00:00Z --fail-on exhausted
      basics slo status --fail-on burning --fail-on no-data
    """
    from basics.cli import output
    from basics.records import status_record

    output.one_format(as_json, as_csv)
    app = get_app(ctx)
    results = app.slo.status(at_option(ctx, at))
    if as_json:
        output.emit_json([status_record(r) for r in results])
    elif as_csv:
        rows = [status_record(r) for r in results]
        header = [k for k in rows[0] if k != "burn_rates"] if rows else []
        output.emit_csv(
            header + [f"burn_rate_{w}" for w in ("5m", "30m", "1h", "6h", "1d", "3d")],
            [[r[k] for k in header] + list(r["burn_rates"].values()) for r in rows],
        )
    else:
        status_table(results)
    for r in results:  # on stderr whatever the format: why an SLO has no data
        if r.note:
            output.say(f"{r.slo}: {r.note}", err=True)
    found = {r.status for r in results}
    failing = {"exhausted"} if fail_on else set()
    failing |= {"burning"} if "burning" in fail_on else set()
    failing |= {"no_data"} if "no-data" in fail_on else set()
    if found & failing:
        ctx.exit(EXIT_FAIL_ON)


def status_table(results: list[Any]) -> None:
    from basics.cli import output

    unit = {"occurrences": "events", "timeslices": "slices"}
    rows = []
    for r in results:
        rows.append(
            [
                r.slo,
                f"{r.objective}% / {r.window}",
                output.percent(r.sli) or "no data",
                f"{r.counts.bad:,} / {r.counts.total:,} {unit[r.budgeting]}",
                output.percent(r.budget.remaining, 1),
                output.number(r.burn_rates["1h"]),
                output.number(r.burn_rates["6h"]),
                output.number(r.burn_rates["3d"]),
                output.duration(r.time_to_exhaustion_s),
                r.status,
            ]
        )
    if results:
        title = f"SLOs at {output.when(results[0].window_end)}"
    else:
        title = "No SLOs configured: add some under services: in basics.yaml"
    output.emit_table(
        title,
        [
            "SLO",
            "objective",
            "SLI",
            "bad / total",
            "budget left",
            "burn 1h",
            "burn 6h",
            "burn 3d",
            "exhausts in",
            "status",
        ],
        rows,
        drop=["bad / total", "burn 6h", "burn 3d", "exhausts in", "objective", "burn 1h"],
        caption="budget left: share of the window's error budget not yet spent; burn: how fast "
        "it is spent (1 = exactly on budget); timeslice SLOs count slices, not events.",
    )


@slo.command()
@click.argument("slo_name", metavar="SLO")
@click.option("--by", "by", required=True, help="user, operation, status, attrs.<name>, or auto.")
@click.option(
    "--top",
    default=10,
    show_default=True,
    type=click.IntRange(min=1),
    help="How many values to show.",
)
@click.option("--from", "start", help="Range start (default: the SLO window before --to).")
@click.option("--to", "end", help="Range end: a time, `now` or `latest`." + END_DEFAULT)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
@click.pass_context
def breakdown(
    ctx: click.Context,
    slo_name: str,
    by: str,
    top: int,
    start: str | None,
    end: str | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Which values of a dimension the bad events fall on, from raw events.

    Each value shows its share of bad events, its share of all events, and their ratio
    (over-representation: 10x means ten times more common among bad events). `--by auto`
    ranks every dimension by the largest gap between a value's share of bad and of good
    events, so the dimension that explains an outage comes first.

    \b
    Examples:
      basics slo breakdown www/availability --by user --top 20
      basics slo breakdown www/availability --by auto --to latest
    """
    from basics.cli import output
    from basics.slo.models import Contributor

    output.one_format(as_json, as_csv)
    app = get_app(ctx)
    range_start, range_end = time_option(ctx, start), at_option(ctx, end)
    if by == "auto":
        results = app.slo.breakdown_auto(slo_name, range_start, range_end, top=min(top, 3))
        if as_json:
            output.emit_json(results)
        elif as_csv:
            output.emit_csv_records(
                [
                    {"dimension": b.dimension, "score": b.score, "values": b.distinct_values}
                    | output.plain(c)
                    for b in results
                    for c in b.contributors
                ],
                Contributor,
                columns=("dimension", "score", "values"),
            )
        else:
            auto_breakdown_table(slo_name, results)
        return
    result = app.slo.breakdown(slo_name, by, range_start, range_end, top)
    if result.total == 0:  # on stderr whatever the format: stdout stays parseable
        service = result.slo.partition("/")[0]
        hint = no_events_hint(ctx, "this range", result.start, result.end, "--to", service)
        output.say(hint, err=True)
    if as_json:
        output.emit_json(result)
        return
    if as_csv:
        output.emit_csv_records(
            [{"dimension": by} | output.plain(c) for c in result.contributors],
            Contributor,
            columns=("dimension",),
        )
        return
    output.emit_table(
        f"{slo_name} by {by}: {result.bad:,} bad of {result.total:,} events, "
        f"{result.distinct_values:,} values, "
        f"{output.when(result.start)} – {output.when(result.end)}",
        [by, "bad", "total", "of bad", "of all", "over-rep."],
        [
            [
                c.value,
                f"{c.bad:,}",
                f"{c.total:,}",
                output.percent(c.share_of_bad, 1),
                output.percent(c.share_of_all, 2),
                output.number(c.over_representation, 1),
            ]
            for c in result.contributors
        ],
    )


def auto_breakdown_table(slo_name: str, results: list[Any]) -> None:
    """The dimensions ranked by how well they explain the bad events, one row each."""
    from basics.cli import output

    rows = []
    for b in results:
        lead = b.contributors[0] if b.contributors else None
        rows.append(
            [
                b.dimension,
                output.number(b.score, 3),
                f"{b.distinct_values:,}",
                lead.value if lead else None,
                output.percent(lead.share_of_bad, 1) if lead else None,
                output.percent(lead.share_of_all, 2) if lead else None,
                output.number(lead.over_representation, 1) if lead else None,
            ]
        )
    title = f"{slo_name}: which dimension explains the bad events"
    if results:
        first = results[0]
        span = f"{output.when(first.start)} – {output.when(first.end)}"
        title += f" ({first.bad:,} bad of {first.total:,}, {span})"
    output.emit_table(
        title,
        ["dimension", "score", "values", "top value", "of bad", "of all", "over-rep."],
        rows,
    )


@slo.command()
@click.argument("slo_name", metavar="SLO")
@click.option("--from", "start", required=True, help="Interval start (ISO 8601).")
@click.option("--to", "end", required=True, help="Interval end (ISO 8601).")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of text.")
@click.pass_context
def cost(ctx: click.Context, slo_name: str, start: str, end: str, as_json: bool) -> None:
    """What an interval cost: its bad events as a share of the SLO window's error budget.

    \b
    Example ("was 15 s of downtime okay?"):
      basics slo cost www/availability --from 2026-03-02T14:00:05Z \\
        --to 2026-03-02T14:00:20Z
    """
    from basics.cli import output

    app = get_app(ctx)
    begin, finish = time_option(ctx, start), time_option(ctx, end)
    assert begin is not None and finish is not None
    result = app.slo.cost(slo_name, begin, finish)
    if as_json:
        output.emit_json(result)
        return
    share = output.percent(result.share_of_budget, 2) or "no data (no events in the window)"
    budget = float(result.budget_total)
    # Three significant digits below 10: a budget of 0.005 events read as 0.0.
    allowed = f"{budget:,.1f}" if budget >= 10 else f"{budget:.3g}"
    # A timeslice SLO counts slices (those the interval touches), and its budget is in them.
    unit = "slices" if app.slo.slo(slo_name)[2].budgeting == "timeslices" else "events"
    output.say(
        f"{slo_name}, {output.when(result.start)} – {output.when(result.end)}: "
        f"{result.counts.bad:,} bad of {result.counts.total:,} {unit} = {share} of the "
        f"budget of the window {output.when(result.window_start)} – "
        f"{output.when(result.window_end)} ({allowed} bad {unit} allowed)"
    )


@slo.command()
@click.argument("slo_name", metavar="SLO")
@click.option("--by", type=click.Choice(["day", "week", "month"]), default="day", show_default=True)
@click.option("--from", "start", help="Range start (default: the SLO window before --to).")
@click.option("--to", "end", help="Range end: a time, `now` or `latest`." + END_DEFAULT)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
@click.pass_context
def history(
    ctx: click.Context,
    slo_name: str,
    by: str,
    start: str | None,
    end: str | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Compliance per day, week or month (periods in the configured time zone).

    \b
    Example:
      basics slo history www/availability --by day --to latest
    """
    from basics.cli import output

    output.one_format(as_json, as_csv)
    app = get_app(ctx)
    range_end = at_option(ctx, end)
    periods = app.slo.history(slo_name, by, time_option(ctx, start), range_end)  # type: ignore[arg-type]
    if not any(p.counts.total for p in periods):  # on stderr whatever the format
        first = periods[0].start if periods else None
        service = slo_name.partition("/")[0]
        hint = no_events_hint(ctx, "this range", first, range_end, "--to", service)
        output.say(hint, err=True)
    if as_json:
        output.emit_json(periods)
        return
    header = [by, "total", "bad", "SLI", "met", "budget used"]
    cut = {i for i, p in enumerate(periods) if p.partial}
    rows = [
        [
            p.label + ("*" if i in cut else ""),
            f"{p.counts.total:,}",
            f"{p.counts.bad:,}",
            output.percent(p.sli),
            {True: "yes", False: "NO", None: None}[p.met],
            output.percent(p.budget_consumed, 1),
        ]
        for i, p in enumerate(periods)
    ]
    if as_csv:
        output.emit_csv_records(periods)
    else:
        unit = "slices" if app.slo.slo(slo_name)[2].budgeting == "timeslices" else "events"
        caption = (
            f"total, bad: {unit}; budget used: the period's bad {unit} as a share of the "
            f"bad ones its own total allows (1 − objective), not of the SLO window's budget"
        )
        if cut:
            caption += "; * a period the range cuts short (counted from or to the range's end)"
        output.emit_table(
            f"{slo_name} per {by} ({app.config.timezone})", header, rows, caption=caption
        )


@slo.command()
@click.argument("service")
@click.option(
    "--by", type=click.Choice(["service", "operation"]), default="service", show_default=True
)
@click.option("--from", "start", required=True, help="Range start.")
@click.option("--to", "end", required=True, help="Range end.")
@click.option(
    "--exact",
    is_flag=True,
    help="Exact, from raw events (default: minute sketches, ≤ 0.5 % error).",
)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
@click.pass_context
def percentiles(
    ctx: click.Context,
    service: str,
    by: str,
    start: str,
    end: str,
    exact: bool,
    as_json: bool,
    as_csv: bool,
) -> None:
    """p50, p90, p95 and p99 of duration_ms per service or operation.

    \b
    Examples:
      basics slo percentiles www --by operation --from 2026-02-24 --to 2026-02-25
      basics slo percentiles www --from 2026-02-24 --to 2026-02-25 --exact --json
    """
    from basics.cli import output

    output.one_format(as_json, as_csv)
    app = get_app(ctx)
    begin, finish = time_option(ctx, start), time_option(ctx, end)
    assert begin is not None and finish is not None
    report = app.slo.percentiles(service, by, begin, finish, exact)  # type: ignore[arg-type]
    if not report.groups:  # on stderr whatever the format
        hint = no_events_hint(ctx, "this range", report.start, report.end, "--to", report.service)
        output.say(hint, err=True)
    if as_json:
        output.emit_json(report)
        return
    if as_csv:
        from basics.slo.service import PERCENTILE_NAMES

        percentiles = [f"percentiles_ms.{name}" for name in PERCENTILE_NAMES]
        output.emit_csv_records(report.groups, columns=("group", "count", *percentiles))
        return
    how = (
        "exact, from raw events"
        if report.method == "exact"
        else f"approximate, from minute sketches (≤ {report.relative_error:.1%} relative error)"
    )
    output.emit_table(
        f"{service} duration_ms by {by}, "
        f"{output.when(report.start)} – {output.when(report.end)}: {how}",
        [by, "events", "p50", "p90", "p95", "p99"],
        [
            [g.group, f"{g.count:,}", *(output.number(v, 1) for v in g.percentiles_ms.values())]
            for g in report.groups
        ],
    )


@slo.command()
@click.argument("slo_name", metavar="SLO")
@click.option("--from", "start", help="Range start (default: the SLO window before --to).")
@click.option("--to", "--at", "end", help="Range end: a time, `now` or `latest`." + END_DEFAULT)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of text.")
@click.pass_context
def changes(
    ctx: click.Context, slo_name: str, start: str | None, end: str | None, as_json: bool
) -> None:
    """What changed before each burn and incident: the service's deploys shortly before
    every firing of the SLO's alert policy (replayed) and every incident, and a `version`
    attribute that holds most of the bad events. Suggestions, not counted until linked
    (`basics incidents link`).

    \b
    Examples:
      basics slo changes api/availability
      basics slo changes api/latency --from 2026-03-01 --to 2026-03-08 --json
    """
    from basics.cli import output
    from basics.deploys.changes import changes as what_changed
    from basics.records import changes_record

    app = get_app(ctx)
    found = what_changed(
        app.slo, app.alerting, app.deploys, slo_name, time_option(ctx, start), at_option(ctx, end)
    )
    if as_json:
        output.emit_json(changes_record(found))
        return
    firings = sum(1 for moment in found.moments if moment.kind == "firing")
    output.say(
        f"{found.slo}: {output.plural(firings, 'firing')} and "
        f"{output.plural(len(found.moments) - firings, 'incident')}, "
        f"{output.when(found.start)} – {output.when(found.end)}; deploys of {found.service} "
        f"up to {output.duration(found.within_s)} before each"
    )
    for moment in found.moments:
        label = f"incident {moment.incident}" if moment.kind == "incident" else "firing"
        click.echo()
        output.say(f"{output.when(moment.start)}  {label}: {moment.what}")
        if not moment.deploys and not moment.versions:
            output.say("no deploy before it, no version stands out", indent="  ")
        for suspect in moment.deploys:
            d = suspect.deploy
            mark = "linked" if suspect.linked else "suggested"
            output.say(
                f"deploy {d.id} {d.service} {d.version or (d.commit or '')[:10]} "
                f"({d.status}), {output.duration(suspect.before_s)} before: {mark}",
                indent="  ",
            )
        for jump in moment.versions:
            others = output.percent(jump.others_bad_rate, 2)
            output.say(
                f"version {jump.version}: {output.percent(jump.share_of_bad, 0)} of the bad "
                f"events; {output.percent(jump.bad_rate, 2)} of its events bad, against "
                f"{others} for the other versions",
                indent="  ",
            )
