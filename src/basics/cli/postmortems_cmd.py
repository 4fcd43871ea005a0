"""`basics postmortems list | show | lint | actions | durations | import | themes | basics`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from basics.cli.main import get_app
from basics.cli.slo_cmd import END_DEFAULT, at_option
from basics.records import (
    ACTION_COLUMNS,
    POSTMORTEM_COLUMNS,
    THEME_COLUMNS,
    action_row,
    postmortem_row,
    theme_record,
)

EXIT_FINDINGS = 2  # lint found something: the exit code a docs CI acts on


@click.group()
def postmortems() -> None:
    """Post-mortems: Markdown files in postmortems/, and what they say together."""


@postmortems.command()
@click.option("--incident", "incident_id", type=int, required=True, help="The incident's id.")
@click.pass_context
def new(ctx: click.Context, incident_id: int) -> None:
    """Write a draft post-mortem for an incident, filled from the data: impact per SLO
    (bad events, budget used), the users behind the bad events, the first alert and the
    first page against the start, who was paged, a timeline; the usual sections left for
    people to write. It goes into the post-mortems folder.

    \b
    Example:
      basics incidents list
      basics postmortems new --incident 4
    """
    from basics.cli.output import say
    from basics.postmortems.draft import write

    app = get_app(ctx)
    path, written = write(app, incident_id, app.config.postmortems_path)
    say(f"draft {'written' if written else 'unchanged'}: {path}")


@postmortems.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
@click.pass_context
def list_command(ctx: click.Context, as_json: bool, as_csv: bool) -> None:
    """List the post-mortems of the folder, oldest first.

    \b
    Example:
      basics postmortems list --json
    """
    from basics.cli import output

    output.one_format(as_json, as_csv)
    library = get_app(ctx).postmortems.library()
    rows = [postmortem_row(pm) for pm in library.postmortems]
    if not rows:
        output.say(_none_in(library.folder), err=True)
        if not (as_json or as_csv):
            return
    if as_json:
        output.emit_json(rows)
        return
    if as_csv:
        output.emit_csv_records(rows, columns=POSTMORTEM_COLUMNS)
        return
    output.emit_table(
        f"Post-mortems in {library.folder}",
        ["id", "date", "title", "severity", "detected by", "time to detect", "actions"],
        [
            [
                r["id"],
                r["date"],
                r["title"],
                r["severity"],
                r["detection"],
                output.duration(r["time_to_detect_s"]),
                f"{r['action_items_done']}/{r['action_items']} done",
            ]
            for r in rows
        ],
        drop=["severity", "time to detect", "detected by"],
    )
    _say_skipped(library.skipped)


@postmortems.command()
@click.argument("key", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="The whole parse as JSON.")
@click.pass_context
def show(ctx: click.Context, key: str, as_json: bool) -> None:
    """One post-mortem as Basics read it: times, detection, action items, timeline, and
    what it could not find.

    \b
    Example:
      basics postmortems show PM-2026-004
    """
    from basics.cli import output

    pm = get_app(ctx).postmortems.get(key)
    if as_json:
        output.emit_json(pm)
        return
    output.say(f"{pm.id}: {pm.title}")
    output.say(f"file: {pm.path}", indent="  ")
    for name in ("severity", "services", "started", "detected", "mitigated", "resolved",
                 "detection", "detected_by", "trigger", "tags"):  # fmt: skip
        value = getattr(pm, name)
        if isinstance(value, dt.datetime):
            value = output.when(value)
        if isinstance(value, tuple):
            value = ", ".join(value)
        output.say(f"{name.replace('_', ' ')}: {value if value else '—'}", indent="  ")
    if pm.action_items:
        # The short columns first: the first never folds, the item's title may.
        output.emit_table(
            "Action items",
            ["due", "status", "owner", "type", "item"],
            [[i.due, i.status, i.owner, i.type, i.title] for i in pm.action_items],
            drop=["type"],
        )
    if pm.timeline:
        output.emit_table(
            "Timeline (UTC)",
            ["when", "what"],
            [[output.when(e.at) if e.at else None, e.text] for e in pm.timeline],
        )
    output.say(f"found: {', '.join(pm.found) or 'nothing'}")
    output.say(f"not found: {', '.join(pm.missing) or 'nothing missing'}")
    for note in pm.notes:
        output.say(f"note: {note}")


@postmortems.command()
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
@click.pass_context
def lint(ctx: click.Context, as_json: bool, as_csv: bool) -> None:
    """What each post-mortem should say and does not: missing times, detection, owners and
    due dates of action items, times that contradict each other. Exit 2 when anything is
    found.

    \b
    Example:
      basics postmortems lint
    """
    from basics.cli import output
    from basics.postmortems.models import LintFinding

    output.one_format(as_json, as_csv)
    app = get_app(ctx)
    library = app.postmortems.library()  # read once: lint and the empty note share it
    findings = app.postmortems.lint(library)
    if not library.postmortems:
        output.say(_none_in(library.folder) + " Nothing to lint.", err=True)
        if not (as_json or as_csv):
            return
    if as_json:
        output.emit_json(findings)
    elif as_csv:
        output.emit_csv_records(findings, LintFinding)
    else:
        output.emit_table(
            f"Post-mortem lint: {output.plural(len(findings), 'finding')}",
            ["post-mortem", "field", "problem"],
            [[f.id, f.field, f.problem] for f in findings],
        )
    if findings:
        ctx.exit(EXIT_FINDINGS)


@postmortems.command()
@click.option("--open", "only_open", is_flag=True, help="Only items not done.")
@click.option("--overdue", is_flag=True, help="Only open items past their due date.")
@click.option("--owner", help="Only this owner's items.")
@click.option(
    "--at",
    "at",
    help="What `now` is: an item is overdue when its due date is before this time's day "
    "(in the config's time zone); a time, `now` or `latest`." + END_DEFAULT,
)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
@click.pass_context
def actions(
    ctx: click.Context,
    only_open: bool,
    overdue: bool,
    owner: str | None,
    at: str | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Action items across post-mortems: owner, type, status, due date, overdue. Overdue
    is judged on the day of --at, as `basics check` and `basics review` judge it.

    \b
    Examples:
      basics postmortems actions --open
      basics postmortems actions --overdue --owner amara
      basics postmortems actions --overdue --at 2026-03-01
    """
    from basics.cli import output
    from basics.postmortems.compute import local_day
    from basics.postmortems.compute import overdue as is_overdue

    output.one_format(as_json, as_csv)
    app = get_app(ctx)
    today = local_day(at_option(ctx, at), app.config.timezone)
    library = app.postmortems.library()  # read once for the items and the notes
    found = app.postmortems.actions(today, only_open, overdue, owner, library)
    if owner and not found:  # a misspelt owner is not one without items: say who there is
        every = app.postmortems.actions(today, library=library)
        owners = sorted({i.owner for _, i in every if i.owner})
        if owner.lower() not in {name.lower() for name in owners}:
            output.say(f'No action item is owned by "{owner}" (owners: '
                       f"{', '.join(owners) or 'none named'}).", err=True)  # fmt: skip
    rows = [action_row(pm, item, is_overdue(item, today)) for pm, item in found]
    if not found and not owner:
        which = "overdue " if overdue else "open " if only_open else ""
        output.say(
            _none_in(library.folder)
            if not library.postmortems
            else f"No {which}action items in the "
            f"{output.plural(len(library.postmortems), 'post-mortem')} of {library.folder}.",
            err=True,
        )
    if not rows and not (as_json or as_csv):
        return
    if as_json:
        output.emit_json(rows)
    elif as_csv:
        output.emit_csv_records(rows, columns=ACTION_COLUMNS)
    else:
        # The due date and the status first and whole: the first column never folds, and
        # the title (the widest) gives up its width first.
        output.emit_table(
            f"Action items ({len(rows)}; overdue as of {today})",
            ["due", "status", "owner", "item", "post-mortem"],
            [
                [
                    r["due"],
                    "OVERDUE" if r["overdue"] else r["status"],
                    r["owner"],
                    r["title"],
                    r["postmortem"],
                ]
                for r in rows
            ],
            drop=["post-mortem"],
        )


@postmortems.command()
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
@click.pass_context
def durations(ctx: click.Context, as_json: bool, as_csv: bool) -> None:
    """Time to detect, mitigate and resolve across post-mortems: median, p90, n and a
    histogram (durations are heavy-tailed: no mean is given).

    \b
    Example:
      basics postmortems durations
    """
    from basics.cli import output
    from basics.postmortems.compute import HISTOGRAM_EDGES_S, Distribution
    from basics.postmortems.compute import durations as compute_durations

    output.one_format(as_json, as_csv)
    found = compute_durations(get_app(ctx).postmortems.library().postmortems)
    if as_json:
        output.emit_json(found)
        return
    if as_csv:
        output.emit_csv_records(found, Distribution)
        return
    output.emit_table(
        "Time from start to detection, mitigation and resolution",
        ["to", "n", "median", "p90", "longest"],
        [
            [
                d.name,
                d.n,
                output.duration(d.median_s),
                output.duration(d.p90_s),
                output.duration(d.max_s),
            ]
            for d in found
        ],
        caption="nearest-rank quantiles over the post-mortems that state both times",
    )
    labels = [output.duration(edge) or "0" for edge in HISTOGRAM_EDGES_S]
    for d in found:
        if d.n:
            bars = "  ".join(
                f"≥{label}: {count}" for label, count in zip(labels, d.histogram, strict=True)
                if count
            )  # fmt: skip
            output.say(f"{d.name}: {bars}")
        if d.small_sample:
            state = {0: "no post-mortem states", 1: "only 1 post-mortem states"}.get(
                d.n, f"only {d.n} post-mortems state"
            )
            output.say(f"{d.name}: {state} it: read the figures as a sketch")


@postmortems.command()
@click.option("--since", help="Only post-mortems that started on or after this date.")
@click.option("--json", "as_json", is_flag=True, help="A list of themes as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
@click.pass_context
def themes(ctx: click.Context, since: str | None, as_json: bool, as_csv: bool) -> None:
    """Recurring themes: post-mortems that share a cause, each named by the terms that tie
    them, with its citations, time span, action items and a recurrence flag (a post-mortem
    of the theme after one of its action items was closed).

    \b
    Examples:
      basics postmortems themes
      basics postmortems themes --since 2025-01-01 --json
    """
    from basics.cli import output
    from basics.postmortems.service import since_date

    output.one_format(as_json, as_csv)
    found = get_app(ctx).postmortems.themes(since_date(since))
    records = [theme_record(t) for t in found]
    if not records:  # on stderr whatever the format: stdout stays parseable
        output.say(
            "No themes: no two post-mortems share a cause (or fewer than two exist).", err=True
        )
    if as_json:
        output.emit_json(records)
        return
    if as_csv:  # one row a theme; its lists (post-mortems, items) as JSON text
        output.emit_csv_records(records, columns=THEME_COLUMNS)
        return
    for n, t in enumerate(records, start=1):
        flag = "  RECURRING" if t["recurring"] else ""
        # A theme's lines under its number; a line's continuation two spaces further in.
        output.say(f"{n}. {t['name']}  ({output.plural(len(t['postmortems']), 'post-mortem')}, "
                   f"{_span(t['first'], t['last'])}){flag}")  # fmt: skip
        output.say(f"tied by: {', '.join(t['terms'][:8])}", indent="   ")
        for pm in t["postmortems"]:
            output.say(f"- {pm['id']} {pm['date'] or ''}: {pm['title']}", indent="   ")
        done = sum(1 for i in t["action_items"] if i["status"] == "done")
        output.say(f"action items: {done} of {len(t['action_items'])} done", indent="   ")
        for r in t["recurrences"]:
            output.say(
                f"recurred: {r['recurred_in']} ({r['recurred_on']}) after "
                f'"{r["closed_item"]}" was closed on {r["closed_on"]} ({r["closed_in"]})',
                indent="   ",
            )


@postmortems.command(name="basics")
@click.option("--since", help="Only post-mortems that started on or after this date.")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
@click.pass_context
def basics_command(ctx: click.Context, since: str | None, as_json: bool, as_csv: bool) -> None:
    """Which missing basics the post-mortems point at, most cited first, each with the
    post-mortems and the words that point at it: the basic to fix first.

    \b
    Example:
      basics postmortems basics
    """
    from basics.cli import output
    from basics.postmortems.service import since_date

    output.one_format(as_json, as_csv)
    found = get_app(ctx).postmortems.basics(since_date(since))
    if as_json:
        output.emit_json(found)
        return
    if as_csv:
        from basics.postmortems.compute import BasicPointedAt

        output.emit_csv_records(found, BasicPointedAt)
        return
    output.emit_table(
        "What the post-mortems point at",
        ["basic", "post-mortems", "cited", "what Basics gives"],
        [
            [
                b.finding,
                len(b.postmortems),
                ", ".join(c.id for c in b.postmortems[:6])
                + (" …" if len(b.postmortems) > 6 else ""),
                b.remedy,
            ]
            for b in found
        ],
        drop=["what Basics gives", "cited"],
    )


@postmortems.command(name="import")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--in-place", is_flag=True, help="Index the files where they are instead of copying them."
)
@click.option(
    "--overwrite", is_flag=True, help="Replace files edited since the import that wrote them."
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='One JSON object: {"imported": [one per file], "skipped": [[path, why], ...]}.',
)
@click.pass_context
def import_command(
    ctx: click.Context, source: Path, in_place: bool, overwrite: bool, as_json: bool
) -> None:
    """Bring existing post-mortems in (SRE book, PagerDuty, Atlassian templates, plain
    Markdown): each becomes a Markdown file with front matter in the post-mortems folder,
    its original text kept below it; each file reports what was found and what was not.
    Importing again keeps a file edited since (say so with --overwrite to replace it).

    \b
    Examples:
      basics postmortems import ~/wiki/postmortems
      basics postmortems import ~/wiki/postmortems --in-place
    """
    from basics.cli import output
    from basics.postmortems.importer import import_folder

    app = get_app(ctx)
    report = import_folder(app.postmortems, source, in_place, overwrite)
    if as_json:
        output.emit_json(report)
        return
    for entry in report.imported:
        click.echo(f"{entry.source} -> {entry.written or '(indexed in place)'}")
        output.say(f"found: {', '.join(entry.found) or 'nothing'}", indent="  ")
        if entry.missing:
            output.say(f"not found: {', '.join(entry.missing)}", indent="  ")
        for note in entry.notes:
            output.say(f"note: {note}", indent="  ")
    _say_skipped(report.skipped)
    output.say(
        f"{output.plural(len(report.imported), 'post-mortem')} imported, "
        f"{len(report.skipped)} skipped"
    )
    if in_place:
        click.echo(f"To read them there, set in basics.yaml:\n  postmortems: {{dir: {source}}}")


def _say_skipped(skipped: list[tuple[str, str]]) -> None:
    # One line a file, as a reject's: found by its path, not wrapped.
    for path, why in skipped:
        click.echo(f"skipped {path}: {why}", err=True)


def _none_in(folder: str | Path) -> str:
    """Why a report of post-mortems is empty: the folder holds none, or is not there."""
    if not Path(folder).is_dir():
        return (
            f"No post-mortems: {folder} does not exist (`basics postmortems new INCIDENT` "
            "drafts one there; `postmortems:` in basics.yaml names another folder)."
        )
    return f"No post-mortems in {folder} (`basics postmortems new INCIDENT` drafts one)."


def _span(first: str | None, last: str | None) -> str:
    """The days a theme's post-mortems span, or that they are undated."""
    return "undated" if first is None else f"{first} – {last}"
