"""`basics check`: the scorecard of every service, a CI gate, and its history."""

from __future__ import annotations

from typing import Any

import click

from basics.cli.main import get_app
from basics.cli.slo_cmd import END_DEFAULT, EXIT_FAIL_ON, at_option

MARKS = {"pass": "pass", "warn": "WARN", "fail": "FAIL", "excepted": "excepted"}


@click.command()
@click.option("--service", "services", multiple=True, help="Only this service (repeatable).")
@click.option("--at", "at", help="Judge as of this time, `now` or `latest`." + END_DEFAULT)
@click.option(
    "--fail-on",
    type=click.Choice(["warn", "fail"]),
    help="Exit 2 when any check is at this level or worse (for CI).",
)
@click.option("--history", is_flag=True, help="The scorecard week by week instead.")
@click.option(
    "--weeks",
    default=12,
    show_default=True,
    type=click.IntRange(min=1),
    help="With --history: how many calendar weeks, up to the newest kept.",
)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of tables.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV, one row per check.")
@click.pass_context
def check(
    ctx: click.Context,
    services: tuple[str, ...],
    at: str | None,
    fail_on: str | None,
    history: bool,
    weeks: int,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Is each service measured? Every basic, checked: SLOs and their events, alerts that
    catch incidents without false pages, owner and runbook, on-call rotation and load,
    post-mortems and their action items, deploys and DORA, toil under the cap. Each check
    says the figure that decided it and how to fix it. Exit codes: 0; 2 with --fail-on when
    a check is at that level; 1 on an error.

    \b
    Examples:
      basics check
      basics check --service checkout --fail-on fail     # in the service's CI
      basics check --history
    """
    from basics.cli import output
    from basics.records import plain

    output.one_format(as_json, as_csv)
    app = get_app(ctx)
    if history:
        for given, flag in ((fail_on, "--fail-on"), (at, "--at")):
            if given is not None:  # history is the weeks kept: neither judged now nor at --at
                raise click.UsageError(f"{flag} judges one scorecard; not with --history")
        rows = app.catalog.history(list(services), weeks)
        if as_json:
            output.emit_json(rows)
        elif as_csv:
            output.emit_csv_records([plain(r) for r in rows])
        else:
            _history_table(rows)
        return
    report = app.catalog.check(at_option(ctx, at), list(services))
    if app.catalog.ahead(report.at):
        output.say(
            f"note: {output.when(report.at)} is still to come: this scorecard is not kept "
            "for --history or the weekly review",
            err=True,
        )
    if as_json:
        output.emit_json(report)
    elif as_csv:
        output.emit_csv_records(
            [{"service": card.service} | plain(c) for card in report.services for c in card.checks]
        )
    else:
        _tables(report)
    from basics.catalog.compute import fails_on

    if fails_on(report.verdict, fail_on):
        ctx.exit(EXIT_FAIL_ON)


def _tables(report: Any) -> None:
    from basics.catalog.service import worst_first
    from basics.cli import output

    cards = worst_first(report.services)
    output.emit_table(
        f"Scorecard at {output.when(report.at)}",
        ["service", "verdict", "pass", "warn", "fail", "failing"],
        [
            [
                c.service,
                MARKS[c.verdict],
                c.passed,
                c.warned,
                c.failed,
                ", ".join(k.check for k in c.checks if k.verdict == "fail"),
            ]
            for c in cards
        ],
    )
    for card in cards:
        shown = [k for k in card.checks if k.verdict != "pass"]
        if not shown:
            continue
        click.echo()  # a blank line before each service's table (a title's own is dropped)
        output.emit_table(
            f"{card.service} (owner {card.owner or '—'})",
            ["check", "verdict", "measured", "fix"],
            [[k.check, MARKS[k.verdict], k.measured, k.exception or k.fix] for k in shown],
            drop=["fix"],
        )
    if report.skipped:
        click.echo()
        output.say(f"Not checked (checks.skip in basics.yaml): {', '.join(report.skipped)}")


def _history_table(rows: list[Any]) -> None:
    from basics.cli import output

    if not rows:
        click.echo("no scorecard kept yet: each `basics check` keeps the day's", err=True)
        return
    output.emit_table(
        "Scorecard by week (the last check of each week)",
        ["service", "week", "verdict", "pass", "warn", "fail", "failing"],
        [
            [
                r.service,
                r.week,
                MARKS[r.verdict],
                r.passed,
                r.warned,
                r.failed,
                ", ".join(r.failing),
            ]
            for r in rows
        ],
        drop=["failing"],
    )
