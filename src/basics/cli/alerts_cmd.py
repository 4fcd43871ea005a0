"""`basics alerts evaluate | replay` and `basics incidents add | list`."""

from __future__ import annotations

from typing import Any

import click

from basics.cli.main import get_app
from basics.cli.slo_cmd import (
    AT_HELP,
    END_DEFAULT,
    EXIT_FAIL_ON,
    at_option,
    no_events_hint,
    range_option,
    time_option,
)
from basics.records import replay_record

REPLAY_FROM = "Range start (ISO 8601; default: checks.replay_window before --to, 90d unset)."


@click.group()
def alerts() -> None:
    """Burn-rate alert policies: their state now, and how they behave on history."""


@alerts.command()
@click.option("--at", "at", help=AT_HELP + END_DEFAULT)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
@click.option(
    "--fail-on",
    "fail_on",
    multiple=True,
    type=click.Choice(["firing", "no-data"]),
    help="Exit 2 when any tier is in this state (repeatable): for cron and CI.",
)
@click.pass_context
def evaluate(
    ctx: click.Context, at: str | None, as_json: bool, as_csv: bool, fail_on: tuple[str, ...]
) -> None:
    """Which tiers of each SLO's policy fire at a moment: burn rates against factors, and why.

    Each tier is `firing`, `ok`, `suppressed` (fewer events than the policy's min_events) or
    `no data` (no events in its long window: never `ok`). Exit code 0 whatever the states,
    unless --fail-on names one (use `alerts replay` to judge a policy).

    \b
    Examples:
      basics alerts evaluate
      basics alerts evaluate --at latest --json
      basics alerts evaluate --fail-on firing --fail-on no-data
    """
    from basics.cli import output

    output.one_format(as_json, as_csv)
    app = get_app(ctx)
    results = app.alerting.evaluate(at_option(ctx, at))
    tiers = [tier for evaluation in results for tier in evaluation.tiers]
    states = {tier.state for tier in tiers}
    if as_json:
        output.emit_json(results)
    elif as_csv:
        output.emit_csv_records(_evaluation_rows(results))
    else:
        _evaluation_table(results)
    if tiers and not any(tier.long_events for tier in tiers):  # on stderr whatever the format
        output.say(no_events_hint(ctx, "any tier's window"), err=True)
    if not as_json:
        for e in results:
            if e.note:
                output.say(f"skipped {e.slo}: {e.note}", err=True)
    if {s.replace("-", "_") for s in fail_on} & states:
        ctx.exit(EXIT_FAIL_ON)


def _evaluation_rows(results: list[Any]) -> list[dict[str, Any]]:
    """One CSV row per tier, and one per SLO alerting cannot read (state `unsupported`, the
    reason in `note`), as the table lists them: a script reading the CSV loses none."""
    import dataclasses

    from basics.alerting.models import TierState
    from basics.cli import output

    blank = dict.fromkeys(f.name for f in dataclasses.fields(TierState))
    rows = []
    for e in results:
        head = {"slo": e.slo, "policy": e.policy, "at": e.at}
        if e.note:
            rows.append(head | blank | {"state": "unsupported", "note": e.note})
        rows += [head | output.plain(tier) | {"note": None} for tier in e.tiers]
    return rows


def _evaluation_table(results: list[Any]) -> None:
    from basics.cli import output

    shown = {"firing": "FIRING", "no_data": "no data"}
    rows = []
    for evaluation in results:
        if evaluation.note:
            rows.append(
                [evaluation.slo, evaluation.policy, "—", "", "unsupported", evaluation.note]
            )
        for state in evaluation.tiers:
            rows.append(
                [
                    evaluation.slo,
                    evaluation.policy,
                    f"{state.tier} ({state.severity})",
                    f"{state.factor:g}",
                    shown.get(state.state, state.state),
                    state.reason,
                ]
            )
    title = f"Alerts at {output.when(results[0].at)}" if results else "No SLOs configured"
    output.emit_table(
        title,
        ["SLO", "policy", "tier", "factor", "state", "why"],
        rows,
        drop=["policy", "factor"],
        caption="burn: how fast the error budget is spent (1 = exactly on budget); a tier fires "
        "when every window's burn is above its factor.",
    )


@alerts.command()
@click.argument("slo_name", metavar="SLO")
@click.option("--policies", required=True, help="Comma-separated policy names.")
@click.option("--from", "start", help=REPLAY_FROM)
@click.option("--to", "end", help="Range end: a time, `now` or `latest`." + END_DEFAULT)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
@click.pass_context
def compare(
    ctx: click.Context,
    slo_name: str,
    policies: str,
    start: str | None,
    end: str | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Several policies side by side on the same history and incidents.

    \b
    Example:
      basics alerts compare www/availability \\
        --policies workbook,single-1h,error-rate --from 2026-02-01
    """
    from basics.alerting.service import policy_names
    from basics.cli import output

    output.one_format(as_json, as_csv)
    names = policy_names(policies)
    app = get_app(ctx)
    # Once: `latest` is said once, not per policy.
    begin, range_end = range_option(ctx, start, end, "replay_window")
    results = [app.alerting.replay(slo_name, begin, range_end, n) for n in names]
    _say_if_empty(ctx, results)
    if as_json:
        output.emit_json([replay_record(r) for r in results])
        return
    if as_csv:
        output.emit_csv_records([_replay_row(r) for r in results])
        return
    rows = []
    for r in results:
        rows.append(
            [
                r.policy,
                len(r.pages),
                len(r.false_pages),
                len(r.tickets),
                sum(1 for f in r.firings if f.suppressed),
                output.percent(r.precision, 0) or "no firings",
                output.percent(r.recall, 0) or "no incidents",
                output.duration(r.detection_delay_s.median),
                output.duration(r.detection_delay_s.p90),
                _per_week(r),
            ]
        )
    first = results[0] if results else None
    output.emit_table(
        f"{slo_name}: {output.plural(len(first.incidents) if first else 0, 'incident')}, "
        + (f"{output.when(first.start)} – {output.when(first.end)}" if first else ""),
        [
            "policy",
            "pages",
            "false pages",
            "tickets",
            "suppressed",
            "precision",
            "recall",
            "delay median",
            "delay p90",
            "firings/week",
        ],
        rows,
        drop=["suppressed", "delay p90", "tickets", "firings/week"],
        caption="false pages: pages outside every incident; recall: incidents caught by a "
        "page or a ticket; delay: from an incident's start to its first firing, a page or a "
        "ticket.",
    )


@alerts.command()
@click.argument("slo_name", metavar="[SLO]", required=False)
@click.option("--all", "every", is_flag=True, help="Every SLO with its own policy: a summary.")
@click.option("--from", "start", help=REPLAY_FROM)
@click.option("--to", "end", help="Range end: a time, `now` or `latest`." + END_DEFAULT)
@click.option("--policy", help="Policy to replay (default: the SLO's own).")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a report.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV: one row per firing (--all: per SLO).")
@click.pass_context
def replay(
    ctx: click.Context,
    slo_name: str | None,
    every: bool,
    start: str | None,
    end: str | None,
    policy: str | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """How a policy would have behaved: every firing of every minute of a range, judged
    against recorded incidents (precision, recall, detection delay, firings per week).

    With --all, every SLO is replayed with its own policy and summarised in one table.

    \b
    Examples:
      basics alerts replay www/availability --from 2026-01-01 --to 2026-03-31
      basics alerts replay www/availability --from 2026-02-01 --policy single-1h \\
        --json
      basics alerts replay --all --from 2026-02-01
    """
    from basics.cli import output

    output.one_format(as_json, as_csv)
    app = get_app(ctx)
    if every == (slo_name is not None):
        raise click.UsageError("give one SLO, or --all")
    if every and policy:
        raise click.UsageError("--all replays each SLO with its own policy; drop --policy")
    begin, range_end = range_option(ctx, start, end, "replay_window")
    if every:
        results = app.alerting.replay_all(begin, range_end)
        skipped = {
            name: (app.config.policy_of(*name.split("/", 1)), reason)
            for name, reason in app.alerting.unsupported().items()
        }
        _say_if_empty(ctx, results)
        if as_csv:
            output.emit_csv_records(_replay_all_rows(results, skipped, begin, range_end))
        else:
            _replay_summary(results, as_json, skipped)
        if not as_json:
            for name, (_, reason) in skipped.items():
                output.say(f"skipped {name}: {reason}", err=True)
        return
    assert slo_name is not None
    from basics.deploys.changes import before_firings

    result = app.alerting.replay(slo_name, begin, range_end, policy)
    _say_if_empty(ctx, [result])
    before = before_firings(app.deploys, slo_name.partition("/")[0], result.firings)
    if as_json:
        output.emit_json(replay_record(result, before))
        return
    if as_csv:
        output.emit_csv_records(
            [{"slo": result.slo, "policy": result.policy} | output.plain(f) for f in result.firings]
        )
        return
    output.emit_table(
        f"{result.slo}: policy {result.policy}, {output.when(result.start)} – "
        f"{output.when(result.end)}",
        [
            "tier",
            "severity",
            "start",
            "reset",
            "peak burn",
            "budget before",
            "incident",
            "deploy before",
        ],
        [
            [
                f.tier + (" (suppressed)" if f.suppressed else ""),
                f.severity,
                f"{output.when(f.start)}{' (already firing)' if f.already_firing else ''}",
                output.when(f.reset) or "still firing",
                output.number(f.peak_burn_rate, 1),
                output.percent(f.budget_spent_before_detection, 2),
                f.incident if f.incident is not None else "FALSE",
                _deploy_before(suspects),
            ]
            for f, suspects in zip(result.firings, before, strict=True)
        ],
        drop=["budget before", "severity", "peak burn", "deploy before"],
        caption=(
            "already firing: on at --from, since the start shown (the windows look back "
            "before the range); "
            if any(f.already_firing for f in result.firings)
            else ""
        )
        + "budget before: share of the window's error budget spent before it fired; "
        "incident: the one it caught, FALSE for a false alarm; deploy before: the newest "
        "deploy of the service shortly before it (basics slo changes).",
    )
    delays = result.detection_delay_s
    false_firings = "no data" if result.false_firings is None else result.false_firings
    output.say(
        f"precision {output.percent(result.precision, 0) or 'no firings'}, "
        f"recall {output.percent(result.recall, 0) or 'no incidents'}, "
        f"false firings {false_firings}, "
        f"firings/week {_per_week(result)}, detection delay median "
        f"{output.duration(delays.median) or '—'}, p90 {output.duration(delays.p90) or '—'}"
    )
    if result.unjudged_incidents:
        ids = ", ".join(str(i.id) for i in result.unjudged_incidents)
        output.say(
            f"not judged: incident {ids}: the SLO counted no event while it lasted (before its "
            "first event, or in a gap of the feed), so no alert could catch it",
            err=True,
        )


def _replay_summary(results: list[Any], as_json: bool, skipped: dict[str, tuple[str, str]]) -> None:
    """The one-line-per-SLO table (or JSON list). An SLO alerting cannot read yet is listed
    with its reason (`skipped`: name -> policy, reason): in JSON a record with only `slo`,
    `policy` and `note`."""
    from basics.cli import output

    if as_json:
        records = [replay_record(r) for r in results]
        records += [
            {"slo": name, "policy": policy, "note": reason}
            for name, (policy, reason) in skipped.items()
        ]
        output.emit_json(records)
        return
    rows: list[list[Any]] = []
    for r in results:
        rows.append(
            [
                r.slo,
                r.policy,
                len(r.pages),
                len(r.false_pages),
                len(r.tickets),
                len(r.incidents),
                output.percent(r.precision, 0) or "no firings",
                output.percent(r.recall, 0) or "no incidents",
                _per_week(r),
            ]
        )
    for name, (policy, _) in skipped.items():
        rows.append([name, policy, "unsupported", "—", "—", "—", "—", "—", "—"])
    first = results[0] if results else None
    span = f"{output.when(first.start)} – {output.when(first.end)}" if first else ""
    output.emit_table(
        f"Alert replay of every SLO, {span}",
        [
            "SLO",
            "policy",
            "pages",
            "false pages",
            "tickets",
            "incidents",
            "precision",
            "recall",
            "firings/week",
        ],
        rows,
        drop=["tickets", "incidents", "firings/week", "policy", "false pages"],
    )


def _deploy_before(suspects: list[Any]) -> str:
    from basics.cli import output

    if not suspects:
        return ""
    d = suspects[0].deploy
    return f"{d.version or (d.commit or '')[:10] or d.id} ({output.duration(suspects[0].before_s)})"


def _say_if_empty(ctx: click.Context, results: list[Any]) -> None:
    """No firings over a range without events is no data, not a quiet policy: say so."""
    if not results:
        return
    slo = get_app(ctx).slo
    if not any(slo.counts(r.slo, r.start, r.end).total for r in results):
        _say_no_events(ctx, results)


def _say_no_events(ctx: click.Context, results: list[Any]) -> None:
    first = results[0]
    # The newest event of the service replayed; of the store, when several are (--all).
    services = {r.slo.partition("/")[0] for r in results}
    service = services.pop() if len(services) == 1 else None
    hint = no_events_hint(ctx, "this range", first.start, first.end, "--to", service)
    from basics.cli import output

    output.say(hint.replace(";", " (so no firings says nothing about the policy);", 1), err=True)


REPLAY_COLUMNS = (  # of `_replay_row`, for rows of SLOs `replay --all` skipped
    "slo",
    "policy",
    "from",
    "to",
    "pages",
    "false_pages",
    "false_firings",
    "tickets",
    "suppressed",
    "incidents",
    "precision",
    "recall",
    "detection_delay_median_s",
    "detection_delay_p90_s",
    "firings_per_week",
    "event_days",
)


def _per_week(r: Any) -> str:
    """A replay's firings a week, for a table: "no data" over a range without events."""
    from basics.core.rounding import fixed

    return "no data" if r.firings_per_week is None else fixed(r.firings_per_week, 2)


def _replay_all_rows(
    results: list[Any], skipped: dict[str, tuple[str, str]], begin: Any, end: Any
) -> list[dict[str, Any]]:
    """`replay --all --csv`: a row per replay, and one per SLO it could not replay (figures
    empty, the reason in `note`), as the table lists them: a script reading it loses none."""
    from basics.cli.output import plain
    from basics.core.windows import floor_minute

    rows = [_replay_row(r) | {"note": None} for r in results]
    start, stop = (results[0].start, results[0].end) if results else (begin, end)
    for name, (policy, reason) in skipped.items():
        found = {"slo": name, "policy": policy, "from": plain(floor_minute(start)),
                 "to": plain(floor_minute(stop))}  # fmt: skip
        rows.append(dict.fromkeys(REPLAY_COLUMNS) | found | {"note": reason})
    return rows


def _replay_row(r: Any) -> dict[str, Any]:
    """One replay as a CSV row: the figures of the summary tables, unformatted."""
    from basics.cli.output import plain

    return {
        "slo": r.slo,
        "policy": r.policy,
        "from": plain(r.start),
        "to": plain(r.end),
        "pages": len(r.pages),
        "false_pages": len(r.false_pages),
        "false_firings": r.false_firings,
        "tickets": len(r.tickets),
        "suppressed": sum(1 for f in r.firings if f.suppressed),
        "incidents": len(r.incidents),
        "precision": r.precision,
        "recall": r.recall,
        "detection_delay_median_s": r.detection_delay_s.median,
        "detection_delay_p90_s": r.detection_delay_s.p90,
        "firings_per_week": r.firings_per_week,
        "event_days": r.event_days,
    }


@alerts.command()
@click.argument("slo_name", metavar="SLO")
@click.option("--from", "start", help=REPLAY_FROM)
@click.option("--to", "end", help="Range end: a time, `now` or `latest`." + END_DEFAULT)
@click.option(
    "--max-false-per-month", default=1.0, show_default=True, help="False firings allowed."
)
@click.option(
    "--top",
    default=15,
    show_default=True,
    type=click.IntRange(min=1),
    help="Rows of the trade-off table.",
)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
@click.pass_context
def tune(
    ctx: click.Context,
    slo_name: str,
    start: str | None,
    end: str | None,
    max_false_per_month: float,
    top: int,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Search windows and factors that detect every recorded incident with the fewest false
    firings, and show the trade-off.

    Each candidate is one tier (long window, optional short window at 1/12, factor) replayed
    over the range; they are ranked by recall, then false firings, then detection delay.

    \b
    Example:
      basics alerts tune www/availability --from 2026-01-01 \\
        --max-false-per-month 1
    """
    from basics.cli import output

    output.one_format(as_json, as_csv)
    app = get_app(ctx)
    begin, range_end = range_option(ctx, start, end, "replay_window")
    result = app.alerting.tune(slo_name, begin, range_end, max_false_per_month)
    if not result.events:  # counted by tune already; on stderr whatever the format
        _say_no_events(ctx, [result])
    if as_json:
        output.emit_json(result)
        return
    if as_csv:
        output.emit_csv_records(result.candidates)
        return
    output.emit_table(
        f"{slo_name}: {output.plural(result.incidents, 'incident')}, "
        f"{output.when(result.start)} – {output.when(result.end)}",
        [
            "tier",
            "factor",
            "budget share",
            "firings",
            "false",
            "false/month",
            "recall",
            "delay median",
            "delay p90",
        ],
        [
            [
                r.tier,
                f"{r.factor:g}",
                output.percent(r.budget_share, 2),
                r.firings,
                r.false_firings,
                "—" if r.false_per_month is None else output.fixed(r.false_per_month, 2),
                output.percent(r.recall, 0) or "no incidents",
                output.duration(r.delay_median_s),
                output.duration(r.delay_p90_s),
            ]
            for r in result.candidates[:top]
        ],
        drop=["delay p90", "firings", "budget share"],
        caption="budget share: the window's error budget a firing tier has seen spent within "
        "its long window; false: firings outside every incident; false/month: "
        + _rated(result.event_days),
    )
    firings = "false firing" if max_false_per_month == 1 else "false firings"
    if not result.events:  # said above: no events, so no candidate to recommend
        return
    if result.best:
        best = result.best
        output.say(
            f"Best within {max_false_per_month:g} {firings} a month: {best.tier} at burn "
            f"rate {best.factor:g} ({output.percent(best.budget_share, 2)} of the budget per "
            "long window)."
        )
    else:
        output.say(
            f"No candidate detects every incident within {max_false_per_month:g} {firings} "
            "a month; the table shows the trade-off."
        )


def _rated(days: float) -> str:
    """What the false/month column counts over `days` of events."""
    from basics.alerting.judge import RATED_DAYS
    from basics.core.rounding import fixed

    if days >= RATED_DAYS:
        return f"over the {fixed(days, 1)} days with events."
    shown = int(days * 10) / 10  # rounded down: 6.97 days are not "7.0", under a week
    return (
        f"not rated over {shown:.1f} days of events (under a week): a tier keeps to the "
        "allowance while its false firings are no more than one month's."
    )


@alerts.group()
def export() -> None:
    """Write the alert policies for other tools."""


@export.command()
@click.option("--out", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
@click.pass_context
def prometheus(ctx: click.Context, out: str | None) -> None:
    """Prometheus recording and alerting rules matching Basics' burn-rate alerts.

    For SLOs with a `prometheus:` block (error and total counters, or a histogram with a
    bucket at the latency threshold). Check the result with `promtool check rules`.

    \b
    Example:
      basics alerts export prometheus --out rules.yaml && \\
        promtool check rules rules.yaml
    """
    from pathlib import Path

    from basics.cli.output import plural, say

    app = get_app(ctx)
    rule_file = app.alerting.prometheus_rules()
    text = rule_file.to_yaml()
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"wrote {plural(len(rule_file.groups), 'rule group')} to {out}", err=True)
    else:
        click.echo(text, nl=False)
    for line in rule_file.skipped:
        say(f"skipped {line}", err=True)


@click.group()
def incidents() -> None:
    """Incidents: the ground truth alert replays are judged against."""


@incidents.command()
@click.option("--service", "services", multiple=True, required=True, help="Affected service.")
@click.option("--from", "start", required=True, help="When it started (ISO 8601).")
@click.option("--to", "end", required=True, help="When it ended (ISO 8601).")
@click.option("--title", required=True, help="What happened, in a line.")
@click.option("--severity", help="Your severity label, e.g. SEV2.")
@click.pass_context
def add(
    ctx: click.Context,
    services: tuple[str, ...],
    start: str,
    end: str,
    title: str,
    severity: str | None,
) -> None:
    """Record an incident. The same services, start, end and title recorded already are
    that incident: run again, it is said and not recorded twice.

    \b
    Example:
      basics incidents add --service www --from 2026-03-02T14:00Z \\
        --to 2026-03-02T14:20Z --title "Checkout 502s after deploy" \\
        --severity SEV2
    """
    from basics.alerting.incidents import add_incident, same_incident, set_severity

    app = get_app(ctx)
    begin, finish = time_option(ctx, start), time_option(ctx, end)
    assert begin is not None and finish is not None
    names = app.config.service_names()
    known = same_incident(app.store, list(services), begin, finish, title, names)
    if known is not None:
        said = f"incident {known.id} recorded already (the same services, times and title)"
        if severity is not None and severity != known.severity:
            set_severity(app.store, known.id, severity)
            said += f"; its severity is now {severity} (was {known.severity or 'none'})"
        click.echo(said)
        return
    incident = add_incident(
        app.store, list(services), begin, finish, title, severity,
        names=names,
    )  # fmt: skip
    for service in incident.services:
        if service not in app.config.services:
            # Allowed (a database, a vendor), but a typo would go unnoticed otherwise.
            click.echo(
                f'warning: service "{service}" is not in basics.yaml: no SLO is judged '
                "against this incident until it is",
                err=True,
            )
    click.echo(f"incident {incident.id} recorded")


@incidents.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.pass_context
def import_command(ctx: click.Context, files: tuple[str, ...]) -> None:
    """Record incidents from CSV, YAML or JSON files; importing again, or a later export,
    updates the incidents it names and never counts one twice.

    A record has `service` (or `services`, `components`), `start`, `end`, `title`, and
    optionally `severity`, `id` and `timezone`. An incident is the same one again by its `id`
    (from any file), else by its services, start and title. Bad records are listed with
    their line or number and skipped; the exit code is 3 when any was. Records of no
    incident that happened (incident.io's test incidents, declined or merged ones) are
    listed as skipped, with exit code 0; one an earlier import recorded is removed
    (withdrawn), so a replay no longer judges alerts against it.

    \b
    Example:
      basics incidents import incidents.csv
    """
    from pathlib import Path

    from basics.alerting.incident_files import import_incidents
    from basics.cli.main import EXIT_REJECTS
    from basics.cli.output import nothing_in, plural, say

    app = get_app(ctx)
    refused = 0
    for name in files:
        result = import_incidents(
            app.store, Path(name), app.config.timezone, app.config.service_names()
        )
        if not (result.recorded or result.rejects or result.skipped or result.withdrawn):
            nothing_in(name, "incident")
            continue
        skipped = f", {len(result.skipped)} skipped (no incident)" if result.skipped else ""
        if result.withdrawn:
            skipped += f", {len(result.withdrawn)} withdrawn (no incident after all)"
        say(
            f"{name}: {plural(len(set(result.recorded)), 'incident')} recorded, updated or "
            f"already known, {len(result.rejects)} refused{skipped}"
        )
        for line in result.rejects:
            click.echo(f"  {line}", err=True)
        for line in result.skipped:
            click.echo(f"  skipped: {line}", err=True)
        for line in result.withdrawn:
            click.echo(f"  withdrawn: {line}", err=True)
        if result.unknown_services:
            named = ", ".join(
                f"{service} ({n} incident{'' if n == 1 else 's'})"
                for service, n in result.unknown_services.items()
            )
            click.echo(
                f"  warning: not a service of basics.yaml, nor an alias of one: {named}; "
                "these incidents are matched to no SLO on them: add them under services:, "
                "or as aliases: of the services they are",
                err=True,
            )
        refused += len(result.rejects)
    if refused:
        ctx.exit(EXIT_REJECTS)


@incidents.command()
@click.argument("incident_id", type=int)
@click.pass_context
def remove(ctx: click.Context, incident_id: int) -> None:
    """Delete a recorded incident (one added by mistake, or imported wrongly).

    \b
    Example:
      basics incidents remove 4
    """
    from basics.alerting.incidents import remove_incident
    from basics.cli.output import say, when

    incident = remove_incident(get_app(ctx).store, incident_id)
    say(
        f'incident {incident.id} removed: "{incident.title}" on {", ".join(incident.services)}, '
        f"{when(incident.start)} to {when(incident.end)}"
    )


@incidents.command(name="list")
@click.option("--service", help="Only incidents of this service.")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
@click.pass_context
def list_command(ctx: click.Context, service: str | None, as_json: bool, as_csv: bool) -> None:
    """List recorded incidents, oldest first.

    \b
    Example:
      basics incidents list --service www --json
    """
    from basics.alerting.incidents import incidents_of
    from basics.cli import output

    output.one_format(as_json, as_csv)
    app = get_app(ctx)
    found = incidents_of(app.store, app.config, service)
    if not found:
        output.none_found(app.store.extent("incidents"), ("incident", "incidents"),
                          "basics incidents add, or import them")  # fmt: skip
        if not (as_json or as_csv):
            return
    if as_json:
        output.emit_json(found)
        return
    if as_csv:
        from basics.alerting.models import Incident

        output.emit_csv_records(found, Incident)
        return
    output.emit_table(
        "Incidents",
        ["id", "services", "start", "end", "title", "severity"],
        [
            [
                i.id,
                ", ".join(i.services),
                output.when(i.start),
                output.when(i.end),
                i.title,
                i.severity,
            ]
            for i in found
        ],
        drop=["severity", "end"],
    )
