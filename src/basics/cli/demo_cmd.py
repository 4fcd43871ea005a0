"""`basics demo`: generate the Tillwise demo company, ingest it and show what it tells."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("basics-demo"),
    show_default=True,
    help="Folder for basics.yaml, the data files and the store.",
)
@click.option("--scale", default=1.0, show_default=True, help="Traffic multiplier (1 ≈ 4M events).")
@click.option("--seed", default=7, show_default=True, help="Random seed; same seed, same data.")
@click.option("--generate-only", is_flag=True, help="Write the files but do not ingest them.")
def demo(out: Path, scale: float, seed: int, generate_only: bool) -> None:
    """Generate 30 days of a fictional payments company's events, ingest and report them.

    Deterministic: the same seed and scale give byte-identical files. The story has a
    full outage, an outage of one large customer, a latency regression at a deploy and a
    15-second blip; the reports below find each of them.

    \b
    Examples:
      basics demo
      basics demo --scale 2.5 --generate-only --out /tmp/bench   # ~10M events
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from basics.demo.generator import generate

    console = Console()
    if scale <= 0:
        raise click.BadParameter("must be positive", param_hint="--scale")
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), transient=True
    ) as bar:
        task = bar.add_task("generating", total=None)

        def progress(label: str, done: int, total: int) -> None:
            bar.update(task, description=f"generating {label}", completed=done, total=total)

        manifest = generate(out, scale=scale, seed=seed, progress=progress)
    console.print(
        f"Generated {manifest.events:,} events for Tillwise into {out}/ "
        f"({len(manifest.files)} files)."
    )
    if generate_only:
        return
    _ingest_and_report(manifest.config_path, manifest.files, manifest.story, console)


def _ingest_and_report(
    config_path: Path, files: list[tuple[str, Path]], story: list[str], console: object
) -> None:
    from rich.console import Console

    from basics.app import App
    from basics.cli.ingest_cmd import ingest_with_progress, summarise
    from basics.cli.slo_cmd import auto_breakdown_table, status_table

    assert isinstance(console, Console)
    app = App.load(config_path)
    try:
        for source, path in files:
            summarise(ingest_with_progress(app, source, str(path), quiet=False))
        console.print()
        status_table(app.slo.status("latest"))
        console.print("\n[bold]What happened this month[/bold] (planted in the demo data):")
        for line in story:
            console.print(f"  • {line}")
        console.print()
        results = app.slo.breakdown_auto("payments/availability", end="latest", top=1)
        auto_breakdown_table("payments/availability", results)
        _replay_summary(app, console)
        _prometheus_rules(app, config_path.parent, console)
        _oncall_summary(app, config_path.parent, console)
        _import_deploys(app, config_path.parent)
        _postmortem_summary(app, config_path.parent, console)
        _deploys_summary(app, console)
        _toil_summary(app, config_path.parent, console)
        _review_summary(app, console)
        command = f"{_program()} --config {_shown(config_path)}"
        console.print("\nNext, for example:", soft_wrap=True)
        for example in (
            "slo breakdown payments/availability --by user",
            "slo cost www/availability --from 2026-03-02T14:00:05Z --to 2026-03-02T14:00:20Z",
            "slo breakdown search/latency --by auto",
            "slo history checkout/availability --by week",
            "alerts compare checkout/availability --policies workbook,error-rate --from 2026-02-01",
            "oncall report --from 2026-02-01 --to 2026-03-03 --team platform",
            "postmortems themes",
            "deploys dora --to latest",
            "slo changes search/latency --to latest",
            "toil report --team platform --from 2026-02-02 --to 2026-03-02",
            "check --service search",
            "review --week 2026-W09 --format html --out review.html",
        ):
            console.print(f"  {command} {example}", soft_wrap=True, highlight=False)
    finally:
        app.close()


def _shown(path: Path) -> str:
    """A path as short as it can be said from here."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _program() -> str:
    """How this program was started, so the suggested commands run as they are."""
    import shutil
    import sys

    argv0 = Path(sys.argv[0])
    if argv0.name == "basics" and shutil.which("basics") != str(argv0.resolve()):
        return _shown(argv0)
    return "basics"


# Incidents a team would have opened for the story (maintenance is planned, not an incident).
_RECORDED = ("checkout-outage", "payments-acme", "search-regression")
_REPLAYED = "checkout/availability"


def _replay_summary(app: object, console: object) -> None:
    """Record the story's incidents and compare two alert policies on the month."""
    from rich.console import Console

    from basics.alerting.incidents import add_incident
    from basics.app import App
    from basics.cli import output
    from basics.demo import story

    assert isinstance(app, App) and isinstance(console, Console)
    for incident in story.INCIDENTS:
        if incident.name in _RECORDED:
            add_incident(
                app.store,
                [incident.service],
                incident.start.replace(tzinfo=None),
                incident.end.replace(tzinfo=None),
                incident.summary.split(":")[0] + f" ({incident.name})",
                source="demo",
                source_key=incident.name,
            )
    start = story.START.replace(tzinfo=None)
    console.print(
        f"\n[bold]Alert replay[/bold] of {_REPLAYED} over the month, judged against the "
        "recorded incidents:",
        soft_wrap=True,
    )
    for policy in ("error-rate", "workbook"):
        replay = app.alerting.replay(_REPLAYED, start, "latest", policy)
        pages, false_pages, tickets = replay.pages, replay.false_pages, replay.tickets
        delay = output.duration(replay.detection_delay_s.median) or "never"
        console.print(
            f"  {policy:<10} {len(pages):>3} pages, {len(false_pages):>3} of them false alarms; "
            f"{len(tickets)} tickets; recall {output.percent(replay.recall, 0) or 'n/a'}, "
            f"median detection delay {delay}",
            soft_wrap=True,
            highlight=False,
        )


def _prometheus_rules(app: object, folder: Path, console: object) -> None:
    """Write the SLOs' alert rules for Prometheus and check them with promtool if present."""
    import shutil
    import subprocess

    from rich.console import Console

    from basics.app import App

    assert isinstance(app, App) and isinstance(console, Console)
    rule_file = app.alerting.prometheus_rules()
    path = folder / "prometheus-rules.yaml"
    path.write_text(rule_file.to_yaml(), encoding="utf-8")
    rules = sum(len(group["rules"]) for group in rule_file.groups)
    line = f"{rules} rules for {len(rule_file.groups)} SLOs written to {_shown(path)}"
    promtool = shutil.which("promtool")
    if promtool is None:
        line += "; check them with `promtool check rules` (promtool is not installed here)"
    else:
        checked = subprocess.run(
            [promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False
        )
        verdict = "promtool check rules: SUCCESS" if checked.returncode == 0 else "FAILED"
        line += f"; {verdict}"
        if checked.returncode:
            line += "\n" + (checked.stdout + checked.stderr).strip()
    console.print("\n[bold]Prometheus[/bold]", soft_wrap=True)
    console.print(f"  {line}", soft_wrap=True, highlight=False)


def _oncall_summary(app: object, folder: Path, console: object) -> None:
    """Import the month's pages and print who carried the pager."""
    import datetime as dt

    from rich.console import Console

    from basics.app import App
    from basics.cli import output
    from basics.demo.oncall import outcomes, summary, write_pages

    assert isinstance(app, App) and isinstance(console, Console)
    fmt, path = write_pages(folder)
    app.oncall.ingest_pages(str(path), fmt)  # type: ignore[arg-type]
    for page_id, outcome in outcomes(app.oncall.pages()):
        app.oncall.tag(page_id, outcome)
    report = app.oncall.report(dt.datetime(2026, 2, 1), dt.datetime(2026, 3, 3))
    c = report.concentration
    classes = report.interruptions.by_class
    console.print("\n[bold]On call[/bold]", soft_wrap=True)
    console.print(f"  {summary(report)}", soft_wrap=True, highlight=False)
    console.print(
        f"  {report.pages} pages: {classes['business']} in business hours, {classes['off']} off "
        f"hours, {classes['sleep']} in sleep hours; {report.over_limit_shifts} of "
        f"{len(report.shifts)} shifts over two incidents per 12 h; top responder {c.top} with "
        f"{output.percent(c.top_share, 0)} of pages (Gini {output.number(c.gini, 2)})"
        + (", flagged" if c.flagged else ""),
        soft_wrap=True,
        highlight=False,
    )


def _import_deploys(app: object, folder: Path) -> None:
    """Import the company's deploy history (its CI's export), before the post-mortems name
    the deploys that caused them."""
    from basics.app import App
    from basics.demo.deploys import write_deploys
    from basics.deploys.formats.records import read_jsonl

    assert isinstance(app, App)
    path = write_deploys(folder)
    data = path.read_bytes()
    app.deploys.store_read(read_jsonl(data, path.name), "jsonl", str(path), data)


def _deploys_summary(app: object, console: object) -> None:
    """DORA over the month, and what changed before the search latency burn."""
    import datetime as dt

    from rich.console import Console

    from basics.app import App
    from basics.cli import output
    from basics.demo import story
    from basics.deploys.changes import changes

    assert isinstance(app, App) and isinstance(console, Console)
    start = story.START.replace(tzinfo=None)
    end = app.slo.resolve_at("latest")
    total = app.deploys.dora(start, end).total
    cfr = total.change_failure_rate
    console.print(
        f"\n[bold]Deploys[/bold]: {total.deploys} over the month "
        f"({output.number(total.per_week, 1)} a week); lead time median "
        f"{output.duration(total.lead_time_s.median)}, "
        f"p90 {output.duration(total.lead_time_s.p90)} "
        f"(n={total.lead_time_s.n}); change failure rate {cfr.count}/{cfr.deploys} "
        f"({output.percent(cfr.ratio, 0)}); DORA {total.bands.report_year}: "
        f"{total.bands.deployment_frequency.answer} ({total.bands.deployment_frequency.level})",
        soft_wrap=True,
        highlight=False,
    )
    incident_start = story.SEARCH_REGRESSION_START.replace(tzinfo=None)
    found = changes(
        app.slo, app.alerting, app.deploys, "search/latency",
        incident_start - dt.timedelta(hours=1), incident_start + dt.timedelta(days=1),
    )  # fmt: skip
    for moment in found.moments[:1]:
        suspect = moment.deploys[0] if moment.deploys else None
        jump = moment.versions[0] if moment.versions else None
        said = f"deploy search {suspect.deploy.version}, " if suspect else "no deploy, "
        said += f"{output.duration(suspect.before_s)} before" if suspect else ""
        if jump is not None:
            said += (f"; version {jump.version} holds {output.percent(jump.share_of_bad, 0)} "
                     f"of the slow requests ({output.percent(jump.bad_rate, 1)} of its "
                     f"requests, {output.percent(jump.others_bad_rate, 1)} before it)")  # fmt: skip
        console.print(
            f"  what changed before search/latency's first {moment.kind} "
            f"({output.when(moment.start)}): {said}",
            soft_wrap=True,
            highlight=False,
        )


def _review_summary(app: object, console: object) -> None:
    """The last week's review: what to fix next, its top five with their cost."""
    from rich.console import Console

    from basics.app import App

    assert isinstance(app, App) and isinstance(console, Console)
    review = app.review.review(None, app.slo.resolve_at("latest"))
    console.print(
        f"\n[bold]Weekly review[/bold] of {review.week}: what to fix next, by what it cost "
        "this week (engineer-hours)",
        soft_wrap=True,
    )
    for number, item in enumerate(review.fix_next[:5], start=1):
        console.print(f"  {number}. {item.title} ({item.cost_hours:.1f} h)", soft_wrap=True,
                      highlight=False)  # fmt: skip


def _toil_summary(app: object, folder: Path, console: object) -> None:
    """Import the team's toil sheet; the month against the 50 % cap, on-call derived from
    pages, and the first automation candidate."""
    import datetime as dt

    from rich.console import Console

    from basics.app import App
    from basics.cli import output
    from basics.demo.toil import write_toil
    from basics.toil.formats.worklog import ReadOptions

    assert isinstance(app, App) and isinstance(console, Console)
    path = write_toil(folder)
    app.toil.ingest(str(path), ReadOptions())
    start, end = dt.datetime(2026, 2, 2), dt.datetime(2026, 3, 2)
    report = app.toil.report(start, end, team="platform", today=dt.date(2026, 3, 3))
    total = report.total
    oncall = sum(week.oncall_hours for week in report.weeks)
    console.print(
        f"\n[bold]Toil[/bold] of team platform, February: {total.hours:.0f} h, "
        f"{output.percent(total.share, 0)} of its capacity (cap {report.cap_percent:g} %; "
        f"{report.over_cap_weeks} week(s) over); {oncall:.0f} h of it on-call time derived "
        f"from pages",
        soft_wrap=True,
        highlight=False,
    )
    if report.people:
        most = report.people[0]
        over = sum(p.over_cap for week in report.weeks for p in week.people if p.name == most.name)
        console.print(
            f"  {most.name} carried {most.hours:.0f} h ({output.percent(most.share, 0)} of "
            f"their time), over the cap in {over} week(s)",
            soft_wrap=True,
            highlight=False,
        )
    if report.candidates:
        top = report.candidates[0]
        console.print(
            f"  automate first: {top.description} ({top.service or 'any service'}), "
            f"{top.hours_per_week:.1f} h a week back",
            soft_wrap=True,
            highlight=False,
        )


def _postmortem_summary(app: object, folder: Path, console: object) -> None:
    """Write the company's post-mortems and print the theme that recurs most, with its
    citations, and the basic most of them point at."""
    from rich.console import Console

    from basics.app import App
    from basics.demo.postmortems import write_postmortems

    assert isinstance(app, App) and isinstance(console, Console)
    written = write_postmortems(folder)
    themes = app.postmortems.themes()
    where = _shown(folder / "postmortems")
    console.print(f"\n[bold]Post-mortems[/bold] ({len(written)} in {where})", soft_wrap=True)
    for theme in themes[:2]:
        flag = ", recurring after its fix was closed" if theme.recurring else ""
        cited = ", ".join(pm.id for pm in theme.postmortems)
        console.print(f"  theme: {theme.name} ({cited}{flag})", soft_wrap=True, highlight=False)
    top = app.postmortems.basics()[0]
    console.print(
        f"  most cited basic: {top.finding} ({len(top.postmortems)} post-mortems: "
        f"{', '.join(c.id for c in top.postmortems)})",
        soft_wrap=True,
        highlight=False,
    )
