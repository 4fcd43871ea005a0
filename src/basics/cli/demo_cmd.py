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
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from basics.demo.generator import generate

    if scale <= 0:
        raise click.BadParameter("must be positive", param_hint="--scale")
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), transient=True
    ) as bar:
        task = bar.add_task("generating", total=None)

        def progress(label: str, done: int, total: int) -> None:
            bar.update(task, description=f"generating {label}", completed=done, total=total)

        manifest = generate(out, scale=scale, seed=seed, progress=progress)
    _say(
        f"Generated {manifest.events:,} events for Tillwise into {out}/ "
        f"({len(manifest.files)} files)."
    )
    if generate_only:
        return
    _ingest_and_report(manifest.config_path, manifest.files, manifest.story)


def _say(
    text: str, lead: str = "", indent: str = "", hang: str = "  ", clauses: bool = False
) -> None:
    """A paragraph of the story, wrapped to the width tables fit: `lead` first, in bold on
    a terminal; `indent` before the first line, as many spaces and `hang` before the others."""
    from basics.cli import output

    lines = _wrapped(lead + text, output.table_width(), indent, " " * len(indent) + hang, clauses)
    if lead:
        lines[0] = lines[0].replace(lead, click.style(lead, bold=True), 1)
    click.echo("\n".join(lines))


def _wrapped(text: str, width: int, first: str, rest: str, clauses: bool) -> list[str]:
    """`text` in lines of at most `width` where its words allow (a name, a path or a command
    is never cut); with `clauses`, a line ends after a comma or semicolon rather than
    inside a clause when that leaves it at least half full ("94% of the bad events on
    attrs.version 3.5.0" stays whole)."""
    if len(first) + len(text) <= width:
        return [first + text]  # as written, runs of spaces that align columns kept
    lines: list[str] = []
    words: list[str] = []
    prefix = first
    for word in text.split():
        words.append(word)
        while len(words) > 1 and len(prefix) + len(" ".join(words)) > width:
            cut = len(words) - 1
            ends = [i + 1 for i, w in enumerate(words[:-1]) if w.endswith((",", ";"))]
            if clauses and ends and len(prefix) + len(" ".join(words[: ends[-1]])) >= width / 2:
                cut = ends[-1]
            lines.append(prefix + " ".join(words[:cut]))
            words, prefix = words[cut:], rest
    return [*lines, prefix + " ".join(words)]


def _ingest_and_report(config_path: Path, files: list[tuple[str, Path]], story: list[str]) -> None:
    from basics.app import App
    from basics.cli.ingest_cmd import ingest_with_progress, summarise
    from basics.cli.slo_cmd import auto_breakdown_table, status_table

    app = App.load(config_path)
    try:
        for source, path in files:
            summarise(ingest_with_progress(app, source, str(path), quiet=False))
        click.echo()
        status_table(app.slo.status("latest"))
        click.echo()
        _say(" (planted in the demo data):", lead="What happened this month")
        for line in story:
            _say(line, indent="  • ", hang="")
        click.echo()
        results = app.slo.breakdown_auto("payments/availability", end="latest", top=1)
        auto_breakdown_table("payments/availability", results)
        _replay_summary(app)
        _prometheus_rules(app, config_path.parent)
        _oncall_summary(app, config_path.parent)
        _import_deploys(app, config_path.parent)
        _postmortem_summary(app, config_path.parent)
        _deploys_summary(app)
        _toil_summary(app, config_path.parent)
        _review_summary(app)
        _next_steps(config_path.parent)
    finally:
        app.close()


# What to try next, in the folder (the README's tour has more).
_EXAMPLES = (
    "slo breakdown payments/availability --by user",
    "slo cost www/availability --from 2026-03-02T14:00:05Z --to 2026-03-02T14:00:20Z",
    "slo breakdown search/latency --by auto",
    "slo history checkout/availability --by week",
    "alerts compare checkout/availability --policies workbook,error-rate --from 2026-02-01",
    "oncall report --from 2026-02-01 --to 2026-03-03 --team platform",
    "postmortems themes",
    "deploys dora --from 2026-02-01 --team payments",
    "slo changes search/latency",
    "toil report --team platform --from 2026-02-02 --to 2026-03-02",
    "check --service search",
    "review --week 2026-W09 --format html --out review.html",
)


def _next_steps(folder: Path) -> None:
    """The commands to try next, as they run from the folder: a line that goes there (and
    puts this program on PATH when it is not), then one command a line, continued with a
    backslash where it is wider than the terminal."""
    import os
    import shlex

    from basics.cli import output

    enter = f"cd {shlex.quote(_shown(folder))}"
    program = _program()
    if program != "basics":
        where = os.path.dirname(os.path.abspath(program))
        here = os.path.relpath(where, os.path.abspath(folder))
        # Beside the folder (a clone's .venv/bin) said from it, as the README does.
        shown = where if here.startswith(("../..", "/")) else f"$PWD/{here}"
        enter += f' && export PATH="{shown}:$PATH"'
    click.echo()
    _say("Next, for example (the README's five-minute tour has more):")
    width = output.table_width()
    for command in (enter, *(f"basics {example}" for example in _EXAMPLES)):
        click.echo("\n".join(_command_lines(command, width, "  ")))


def _command_lines(command: str, width: int, indent: str) -> list[str]:
    """A shell command in lines of at most `width` where it can be: broken before an
    option, each line but the last ending in a backslash, continued lines further in."""
    parts = command.split(" --")
    lines = [indent + parts[0]]
    for part in parts[1:]:
        if len(lines[-1]) + len(part) + 3 + len(" \\") <= width:
            lines[-1] += f" --{part}"
        else:
            lines[-1] += " \\"
            lines.append(f"{indent}    --{part}")
    return lines


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


def _replay_summary(app: object) -> None:
    """Record the story's incidents and compare two alert policies on the month."""
    from basics.alerting.incidents import add_incident
    from basics.app import App
    from basics.cli import output
    from basics.demo import story

    assert isinstance(app, App)
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
    click.echo()
    _say(
        f" of {_REPLAYED} over the month, judged against the recorded incidents:",
        lead="Alert replay",
    )
    for policy in ("error-rate", "workbook"):
        replay = app.alerting.replay(_REPLAYED, start, "latest", policy)
        pages, false_pages, tickets = replay.pages, replay.false_pages, replay.tickets
        delay = output.duration(replay.detection_delay_s.median) or "never"
        _say(
            f"{policy:<10} {len(pages):>3} pages ({len(false_pages)} false), "
            f"{len(tickets)} tickets; recall {output.percent(replay.recall, 0) or 'n/a'}, "
            f"median delay {delay}",
            indent="  ",
        )


def _prometheus_rules(app: object, folder: Path) -> None:
    """Write the SLOs' alert rules for Prometheus and check them with promtool if present."""
    import shutil
    import subprocess

    from basics.app import App

    assert isinstance(app, App)
    rule_file = app.alerting.prometheus_rules()
    path = folder / "prometheus-rules.yaml"
    path.write_text(rule_file.to_yaml(), encoding="utf-8")
    rules = sum(len(group["rules"]) for group in rule_file.groups)
    click.echo()
    _say("", lead="Prometheus")
    _say(f"{rules} rules for {len(rule_file.groups)} SLOs written to {_shown(path)}", indent="  ")
    promtool = shutil.which("promtool")
    if promtool is None:
        _say("check them with `promtool check rules` (promtool is not installed here)",
             indent="  ")  # fmt: skip
        return
    checked = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    if checked.returncode == 0:
        _say("promtool check rules: SUCCESS", indent="  ")
    else:
        _say("promtool check rules: FAILED", indent="  ")
        click.echo((checked.stdout + checked.stderr).strip())


def _oncall_summary(app: object, folder: Path) -> None:
    """Import the month's pages and print who carried the pager."""
    import datetime as dt

    from basics.app import App
    from basics.cli import output
    from basics.demo.oncall import TEAM, outcomes, summary, write_pages

    assert isinstance(app, App)
    fmt, path = write_pages(folder)
    app.oncall.ingest_pages(str(path), fmt)  # type: ignore[arg-type]
    for page_id, outcome in outcomes(app.oncall.pages()):
        app.oncall.tag(page_id, outcome)
    report = app.oncall.report(dt.datetime(2026, 2, 1), dt.datetime(2026, 3, 3), team=TEAM)
    c = report.concentration
    classes = report.interruptions.by_class
    click.echo()
    _say("", lead="On call")
    _say(summary(report), indent="  ")
    _say(
        f"{report.pages} pages: {classes['business']} in business hours, {classes['off']} off "
        f"hours, {classes['sleep']} in sleep hours; {report.over_limit_shifts} of "
        f"{len(report.shifts)} shifts over two incidents per 12 h; top responder {c.top} with "
        f"{output.percent(c.top_share, 0)} of pages (Gini {output.number(c.gini, 2)})"
        + (", flagged" if c.flagged else ""),
        indent="  ",
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


def _deploys_summary(app: object) -> None:
    """DORA over the month, and what changed before the search latency burn."""
    import datetime as dt

    from basics.app import App
    from basics.cli import output
    from basics.demo import story
    from basics.deploys.changes import changes

    assert isinstance(app, App)
    # The month to the newest deploy, as `basics deploys dora --from 2026-02-01` (with the
    # demo's `reports: {end: latest}`) counts it.
    start, end, _ = app.deploys.report_range(story.START.replace(tzinfo=None), "latest")
    total = app.deploys.dora(start, end).total
    cfr = total.change_failure_rate
    click.echo()
    _say(
        f": {total.deploys} over the month ({output.number(total.per_week, 1)} a week); "
        f"change failure rate {cfr.count}/{cfr.deploys} ({output.percent(cfr.ratio, 0)}); "
        f"lead time median {output.duration(total.lead_time_s.median)}, "
        f"p90 {output.duration(total.lead_time_s.p90)} (n={total.lead_time_s.n}); "
        f"DORA {total.bands.report_year}: {total.bands.deployment_frequency.answer} "
        f"({total.bands.deployment_frequency.level})",
        lead="Deploys",
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
        _say(
            f"what changed before search/latency's first {moment.kind} "
            f"({output.when(moment.start)}): {said}",
            indent="  ",
        )


def _review_summary(app: object) -> None:
    """The last week's review: what to fix next, its top five with their cost."""
    from basics.app import App
    from basics.core.rounding import fixed

    assert isinstance(app, App)
    review = app.review.review(None, app.slo.resolve_at("latest"))
    click.echo()
    _say(
        f" of {review.week}: what to fix next, by what it cost this week (engineer-hours)",
        lead="Weekly review",
    )
    for number, item in enumerate(review.fix_next[:5], start=1):
        _say(f"{number}. {item.title} ({fixed(item.cost_hours, 1)} h)", indent="  ", hang="   ",
             clauses=True)  # fmt: skip


def _toil_summary(app: object, folder: Path) -> None:
    """Import the team's toil sheet; the month against the 50 % cap, on-call derived from
    pages, and the first automation candidate."""
    import datetime as dt

    from basics.app import App
    from basics.cli import output
    from basics.demo.oncall import TEAM
    from basics.demo.toil import write_toil
    from basics.toil.formats.worklog import ReadOptions

    assert isinstance(app, App)
    path = write_toil(folder)
    app.toil.ingest(str(path), ReadOptions())
    start, end = dt.datetime(2026, 2, 2), dt.datetime(2026, 3, 2)
    report = app.toil.report(start, end, team=TEAM, today=dt.date(2026, 3, 3))
    total = report.total
    oncall = sum(week.oncall_hours for week in report.weeks)
    click.echo()
    _say(
        f" of team {TEAM}, February: {output.fixed(total.hours, 0)} h, "
        f"{output.percent(total.share, 0)} of its capacity (cap {report.cap_percent:g} %; "
        f"{output.plural(report.over_cap_weeks, 'week')} over); {output.fixed(oncall, 0)} h "
        "of it on-call time derived from pages",
        lead="Toil",
    )
    if report.people:
        most = report.people[0]
        from basics.toil.compute import weeks_over_cap

        over = weeks_over_cap(report.weeks).get(most.name, 0)
        _say(
            f"{most.name} carried {output.fixed(most.hours, 0)} h "
            f"({output.percent(most.share, 0)} of their time), over the cap in "
            f"{output.plural(over, 'week')}",
            indent="  ",
        )
    if report.candidates:
        top = report.candidates[0]
        _say(
            f"automate first: {top.description} ({top.service or 'any service'}), "
            f"{output.fixed(top.hours_per_week, 1)} h a week back",
            indent="  ",
        )


def _postmortem_summary(app: object, folder: Path) -> None:
    """Write the company's post-mortems and print the theme that recurs most, with its
    citations, and the basic most of them point at."""
    from basics.app import App
    from basics.demo.postmortems import write_postmortems

    assert isinstance(app, App)
    written = write_postmortems(folder)
    themes = app.postmortems.themes()
    click.echo()
    _say(f" ({len(written)} in {_shown(folder / 'postmortems')})", lead="Post-mortems")
    for theme in themes[:2]:
        flag = ", recurring after its fix was closed" if theme.recurring else ""
        cited = ", ".join(pm.id for pm in theme.postmortems)
        _say(f"theme: {theme.name} ({cited}{flag})", indent="  ")
    top = app.postmortems.basics()[0]
    _say(
        f"most cited basic: {top.finding} ({len(top.postmortems)} post-mortems: "
        f"{', '.join(c.id for c in top.postmortems)})",
        indent="  ",
    )
