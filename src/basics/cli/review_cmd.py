"""`basics review`: the week in each basic, and what to fix next."""

from __future__ import annotations

from typing import Any

import click

from basics.cli.main import get_app
from basics.cli.slo_cmd import END_DEFAULT, at_option


@click.command()
@click.option("--week", help="An ISO week, 2026-W09 (default: the last complete one).")
@click.option("--at", "at", help="What `now` is, for the default week." + END_DEFAULT)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "md", "html", "json"]),
    default="text",
    show_default=True,
    help="text for the terminal, md for meeting notes, html (one file, no network), json.",
)
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
@click.option("--out", type=click.Path(dir_okay=False), help="Write to this file instead.")
@click.pass_context
def review(
    ctx: click.Context, week: str | None, at: str | None, fmt: str, as_json: bool, out: str | None
) -> None:
    """The weekly review: what changed in each basic (error budget burned per SLO, pages and
    night pages per person, noisy alerts, toil, deploys and failed changes, post-mortems,
    themes, action items, the scorecard), then what to fix next, ranked by what each cost
    this week in engineer-hours, with the command that shows the evidence.

    \b
    Examples:
      basics review
      basics review --week 2026-W09 --format md > review.md
      basics review --format html --out review.html
    """
    from basics.review import render

    given = ctx.get_parameter_source("fmt") is not click.core.ParameterSource.DEFAULT
    if as_json and given and fmt != "json":
        raise click.UsageError(f"choose one of --json and --format {fmt}")
    fmt = "json" if as_json else fmt
    if out and fmt == "text":  # refused before the week is computed
        raise click.UsageError("--out needs --format md, html or json")
    app = get_app(ctx)
    # The end only picks the default week: a week asked for needs no `latest` event (a
    # store with pages and deploys but no events yet has none).
    if week is not None and at is None:
        from basics.core.clock import utc_now

        end = utc_now()
    else:
        end = at_option(ctx, at)
    found = app.review.review(week, end)
    if fmt == "json":
        import json

        from basics.records import plain

        text = json.dumps(plain(found), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    elif fmt == "md":
        text = render.markdown(found)
    elif fmt == "html":
        text = render.page(found)
    else:
        _text(found)
        return
    if out:
        with open(out, "w", encoding="utf-8") as written:
            written.write(text)
        click.echo(f"review of {found.week} written to {out}", err=True)
    else:
        click.echo(text, nl=False)


def _text(found: Any) -> None:
    from basics.cli import output
    from basics.review import render

    output.say(f"Weekly review, {found.week}: {found.first_day} to {found.last_day} "
               f"({found.timezone})")  # fmt: skip
    click.echo()
    # Wrapped to the width tables fit, each line's continuation under its first word.
    for line in render.summary(found):
        output.say(line, indent="  ")
    click.echo()
    if not found.fix_next:
        output.say("What to fix next: nothing measured cost anything this week.")
        return
    output.emit_table(
        "What to fix next (cost: engineer-hours this week, on review.weights)",
        ["#", "what", "cost h", "how", "evidence"],
        [
            [i, c.title, output.fixed(c.cost_hours, 1), c.formula, c.evidence]
            for i, c in enumerate(found.fix_next, 1)
        ],
        drop=["how", "evidence"],
    )
