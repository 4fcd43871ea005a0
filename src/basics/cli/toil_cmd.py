"""`basics toil log | list | remove | report` and `basics ingest toil`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import click

from basics.cli.main import EXIT_REJECTS, get_app
from basics.cli.slo_cmd import END_DEFAULT, EXIT_FAIL_ON, time_option
from basics.core.rounding import fixed, signed

if TYPE_CHECKING:
    from basics.toil.models import ToilImport
    from basics.toil.parse import DateOrder
    from basics.toil.report import Part, ToilReport

PERSON_HELP = "Who did it (default: $BASICS_PERSON, else your login name)."
CSV_TABLES = [
    "weeks",
    "people",
    "teams",
    "services",
    "categories",
    "sources",
    "candidates",
    "oncall",
]


@click.group()
def toil() -> None:
    """Toil: log it, list and remove entries, and the report against the 50 % cap.

    Import worklog exports with `basics ingest toil FILE`.
    """


def _duration_words(duration: str, description: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The duration written unquoted over several words (`toil log 1h 30m ...`, `2 hours 15
    mins`): the longest run of the words after it (up to four, none with a space) that
    still reads as one duration joins it; the rest is the description. `1h` then `30m`
    was 1h described as "30m ...", and `2 hours` two minutes described as "hours ..."."""
    from basics.toil.parse import minutes_of

    taken = 0
    for count in range(1, min(4, len(description)) + 1):
        words = description[:count]
        if any(char.isspace() for word in words for char in word):
            break
        try:
            minutes_of(" ".join((duration, *words)), "minutes")
        except ValueError:
            continue
        taken = count
    return " ".join((duration, *description[:taken])), description[taken:]


@toil.command()
@click.argument("duration")
@click.argument("description", nargs=-1)
@click.option("--category", required=True, help="e.g. interrupt, manual-deploy, access-request.")
@click.option("--service", help="The service the work was for.")
@click.option("--person", envvar="BASICS_PERSON", help=PERSON_HELP)
@click.option("--ticket", help="The ticket it was done under.")
@click.option("--date", "day", help="The day (YYYY-MM-DD, today, yesterday; default today).")
@click.option(
    "--automatable/--not-automatable",
    default=None,
    help="Whether a machine could do it (unsaid when neither is given).",
)
@click.pass_context
def log(
    ctx: click.Context,
    duration: str,
    description: tuple[str, ...],
    category: str,
    service: str | None,
    person: str | None,
    ticket: str | None,
    day: str | None,
    automatable: bool | None,
) -> None:
    """Log time spent on toil: DURATION as 45m, 1h30m, 1h 30m, 2 hours or 90 (minutes).

    Each entry is a batch of its own: `basics toil remove ID` or `basics batches undo` takes
    it back. The day is today in the person's time zone unless --date says otherwise.

    \b
    Examples:
      basics toil log 45m --category interrupt --service api \\
        "restarted the stuck queue"
      basics toil log 1h30m --category manual-deploy --ticket OPS-12 --automatable
    """
    from basics.cli.output import say
    from basics.core.errors import InputError, NotFoundError
    from basics.toil.parse import minutes_of

    app = get_app(ctx)
    duration, description = _duration_words(duration, description)
    try:
        minutes = minutes_of(duration, "minutes")
    except ValueError as error:
        raise InputError(str(error)) from None
    try:
        who = app.toil.resolve_person(person or _login_name())
    except NotFoundError as error:
        if person is not None:
            raise
        hint = "your login name is not a person: pass --person or set BASICS_PERSON"
        raise NotFoundError(f"{error}; {hint}") from None
    entry = app.toil.log(
        minutes,
        category,
        who,
        _day(day, app.toil.today(app.toil.people.zone_of(who))),
        service,
        " ".join(description),
        ticket,
        automatable,
    )
    say(
        f"toil entry {entry.id}: {entry.person}, {entry.day}, {_time(entry.minutes)} "
        f"{entry.category}"
        + (f" on {entry.service}" if entry.service else "")
        + f" (batch {entry.batch_id}; take it back with: basics toil remove {entry.id})"
    )
    for name, count in app.toil.unknown_services([entry.service] if entry.service else []).items():
        say(_unknown_service(name, count, app.config.service_names()), err=True)


def _unknown_service(service: str, entries: int, names: dict[str, str]) -> str:
    """What to say of `entries` entries of a service basics.yaml does not know."""
    from basics.config.models import unknown_service_said

    told = "the entry names" if entries == 1 else f"{entries:,} entries name"
    return f"warning: {unknown_service_said(service, told, names)}"


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container's user with no name
        return ""


def _day(text: str | None, today: dt.date) -> dt.date:
    """A --date: an ISO date, today or yesterday."""
    from basics.core.errors import InputError

    if text is None or text.strip().lower() == "today":
        return today
    if text.strip().lower() == "yesterday":
        return today - dt.timedelta(days=1)
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f'--date: expected YYYY-MM-DD, today or yesterday, found "{text}"'
        ) from None


def _time(minutes: float) -> str:
    """Minutes for people: 45m, 1h 30m, 2h."""
    hours, rest = divmod(round(minutes), 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h {rest}m" if rest else f"{hours}h"


@click.command(name="toil")
@click.argument("files", nargs=-1, required=True)
@click.option("--mapping", help="FIELD=COLUMN,... for columns not recognised (see docs/toil.md).")
@click.option("--ignore", multiple=True, help="A column to leave out (repeatable).")
@click.option(
    "--dates",
    type=click.Choice(["dmy", "mdy"]),
    help="How 03/02/2026 reads, when the file's own dates do not show it.",
)
@click.option("--person", help="The person of rows that name none (a one-person sheet).")
@click.option("--category", help="The category of rows that name none (else uncategorised).")
@click.option("--service", help="The service of rows that name none.")
@click.option("--json", "as_json", is_flag=True, help="Print the import summaries as JSON.")
@click.pass_context
def ingest_toil(
    ctx: click.Context,
    files: tuple[str, ...],
    mapping: str | None,
    ignore: tuple[str, ...],
    dates: str | None,
    person: str | None,
    category: str | None,
    service: str | None,
    as_json: bool,
) -> None:
    """Import toil entries from worklog exports: Jira worklog reports, Tempo, Linear (with a
    time column mapped), or a spreadsheet (person, date, minutes or hours, category, service,
    description, ticket, automatable). `-` reads standard input.

    Columns are found by their header; --mapping names others, e.g. 'hours=Logged,person=Who'.
    Each file is one batch; the same file again changes nothing, and rows an earlier export
    brought are not counted twice. Bad rows are listed with their line, column and reason;
    exit code 3 when any was.

    \b
    Examples:
      basics ingest toil worklogs.csv
      basics ingest toil linear.csv --mapping 'hours=Estimate' \\
        --category ticket-work
    """
    from basics.cli import output
    from basics.toil.formats.columns import parse_mapping
    from basics.toil.formats.worklog import ReadOptions

    app = get_app(ctx)
    options = ReadOptions(
        mapping=parse_mapping(mapping, ignore),
        dates=cast("DateOrder | None", dates),
        person=person,
        category=category,
        service=service,
    )
    results = [app.toil.ingest(path, options) for path in files]
    if as_json:
        output.emit_json(results)
    else:
        for result in results:
            _summarise(result, app.config.service_names())
    if any(result.rejected for result in results):
        ctx.exit(EXIT_REJECTS)


def _summarise(result: ToilImport, names: dict[str, str]) -> None:
    """What one import did, for people; its first rejects on stderr."""
    from basics.cli import output

    name = result.path
    if result.status == "duplicate":
        output.say(f"{name}: already imported as batch {result.duplicate_of}; nothing changed")
        return
    if result.status == "empty":
        output.nothing_in(name, "toil entry")
        return
    if result.status == "rejected":
        every = (
            "its one row was" if result.rejected == 1
            else f"every one of its {result.rejected:,} rows was"
        )  # fmt: skip
        output.say(
            f"{name}: {every} rejected; nothing stored (batch {result.batch_id} keeps the rejects)",
            err=True,
        )
    else:
        output.say(
            f"{name}: batch {result.batch_id}: {output.plural(result.entries, 'entry', 'entries')} "
            f"({fixed(result.hours, 1)} h), {result.duplicates:,} already stored, "
            f"{result.rejected:,} rejected"
        )
    notes = [f"read as {result.encoding}"] if result.encoding != "utf-8" else []
    notes += [
        f"skipped {output.plural(count, what)}"
        for count, what in (
            (result.blank_rows, "blank row"),
            (result.header_rows, "repeated header row"),
        )
        if count
    ]
    if notes:
        output.say("; ".join(notes), indent="  ")
    output.say(
        "columns: " + ", ".join(f"{f} ← {c}" for f, c in result.columns.items()), indent="  "
    )
    for service, count in list(result.unknown_services.items())[:5]:
        output.say(_unknown_service(service, count, names), indent="  ", err=True)
    if len(result.unknown_services) > 5:
        output.say(f"and {len(result.unknown_services) - 5} more unknown services", indent="  ",
                   err=True)  # fmt: skip
    output.rejects(name, result.first_rejects, result.rejected, result.batch_id)


@toil.command(name="list")
@click.option("--from", "start", help="Days from this one (YYYY-MM-DD).")
@click.option("--to", "end", help="Days before this one (YYYY-MM-DD).")
@click.option("--person", help="Only this person's entries.")
@click.option("--service", help="Only entries of this service.")
@click.option("--category", help="Only entries of this category.")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="At most this many, newest first.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per entry.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV, one row per entry.")
@click.pass_context
def list_entries(
    ctx: click.Context,
    start: str | None,
    end: str | None,
    person: str | None,
    service: str | None,
    category: str | None,
    limit: int,
    as_json: bool,
    as_csv: bool,
) -> None:
    """List stored toil entries with their ids, newest day first (on-call time derived from
    pages is not stored: see `toil report`).

    \b
    Example:
      basics toil list --person alice --from 2026-03-01
    """
    from basics.cli import output
    from basics.core.clock import parse_day

    output.one_format(as_json, as_csv)
    app = get_app(ctx)
    people = [app.toil.resolve_person(person)] if person else None
    found = app.toil.entries(
        parse_day(start, "--from"),
        parse_day(end, "--to"),
        people,
        service,
        category,
        limit,
    )
    if not found:
        output.none_found(app.store.extent("toil_entries"), ("toil entry", "toil entries"),
                          "basics toil log, basics ingest toil FILE")  # fmt: skip
        if not (as_json or as_csv):
            return
    if as_json:
        output.emit_json(found)
        return
    if as_csv:
        from basics.toil.models import ToilEntry

        output.emit_csv_records(found, ToilEntry)
        return
    output.emit_table(
        output.plural(len(found), "toil entry", "toil entries"),
        ["id", "day", "person", "time", "category", "service", "description", "ticket", "auto"],
        [
            [
                e.id,
                e.day,
                e.person,
                _time(e.minutes),
                e.category,
                e.service,
                e.description,
                e.ticket,
                _yes_no(e.automatable),
            ]
            for e in found
        ],
        drop=["ticket", "auto", "service", "person"],
        caption="auto: whether a machine could do it (— unsaid).",
    )


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else "yes" if value else "no"


@toil.command()
@click.argument("entry_id", type=int)
@click.pass_context
def remove(ctx: click.Context, entry_id: int) -> None:
    """Remove one toil entry logged by mistake (`toil list` shows ids).

    \b
    Example:
      basics toil remove 42
    """
    from basics.cli.output import say

    app = get_app(ctx)
    removed = app.toil.remove(entry_id)
    e = removed.entry
    say(
        f"removed toil entry {e.id}: {e.person}, {e.day}, {_time(e.minutes)} {e.category}"
        + (f"; batch {e.batch_id} is undone" if removed.batch_undone else "")
    )


@toil.command()
@click.option("--from", "start", help="Range start (ISO 8601; widened to its ISO week's Monday).")
@click.option(
    "--to",
    "end",
    help="Range end: a time, `now` (the end of this week) or `latest` (the week of the "
    "newest toil)." + END_DEFAULT,
)
@click.option("--team", help="Only this team's members, against its capacity.")
@click.option("--person", help="Only this person.")
@click.option("--service", help="Only toil of this service.")
@click.option("--json", "as_json", is_flag=True, help="The whole report as JSON.")
@click.option(
    "--csv",
    "csv_table",
    type=click.Choice(CSV_TABLES),
    is_flag=False,
    flag_value="weeks",
    help="One of the report's tables as CSV (alone: weeks).",
)
@click.option(
    "--fail-on",
    "fail_on",
    type=click.Choice(["over-cap"]),
    help="Exit 2 when any week (of the scope or of a person in it) is over the cap.",
)
@click.pass_context
def report(
    ctx: click.Context,
    start: str | None,
    end: str | None,
    team: str | None,
    person: str | None,
    service: str | None,
    as_json: bool,
    csv_table: str | None,
    fail_on: str | None,
) -> None:
    """Toil hours per ISO week against capacity and the cap (50 % by default, the SRE
    book's), per person, team, service and category; the trend; the top sources; and
    automation candidates ranked by hours a week they would give back. On-call time from
    pages counts as the category on-call (derived, unless toil.oncall is false).

    The range is widened to whole ISO weeks in the config's time zone; by default the 12
    weeks up to reports.end: this week, or with `latest` the week of the newest toil logged
    or paged (said on stderr). A week nobody logged shows no share (no data, not 0 %).

    \b
    Examples:
      basics toil report --team payments
      basics toil report --from 2026-01-05 --to 2026-04-06 --json
      basics toil report --person alice --fail-on over-cap
    """
    from basics.cli import output

    output.one_format(as_json, csv_table is not None)
    app = get_app(ctx)
    finish, newest = app.toil.report_end(end)
    if newest is not None:
        output.say(f"latest: the newest toil logged or paged, on {newest}", err=True)
    result = app.toil.report(time_option(ctx, start), finish, team, person, service)
    if result.note:
        newest = app.toil.newest_day()
        output.say(
            f"No data: {result.note}"
            + (
                f"; the newest logged entry is on {newest}."
                if newest
                else ": none are logged yet (basics toil log, basics ingest toil FILE)."
            ),
            err=True,
        )
    if as_json:
        output.emit_json(result)
    elif csv_table is not None:
        output.emit_csv_records(_csv_rows(result, csv_table))
    else:
        _report_tables(result)
    if fail_on == "over-cap" and _over_cap_anywhere(result):
        ctx.exit(EXIT_FAIL_ON)


def _over_cap_anywhere(result: ToilReport) -> bool:
    return any(w.total.over_cap or any(p.over_cap for p in w.people) for w in result.weeks)


def _csv_rows(result: ToilReport, table: str) -> Sequence[Any]:
    """One of the report's tables as records: weekly ones carry their week."""
    from basics.records import plain

    if table == "weeks":
        return [
            {"week": w.week, "start": w.start, "end": w.end, "complete": w.complete}
            | {k: v for k, v in plain(w.total).items() if k != "name"}
            | {"change_hours": w.change_hours, "oncall_hours": w.oncall_hours}
            for w in result.weeks
        ]
    if table in ("people", "teams", "services", "categories"):
        return [{"week": w.week} | plain(item) for w in result.weeks for item in getattr(w, table)]
    records: dict[str, Sequence[Any]] = {
        "sources": result.sources,
        "candidates": result.candidates,
        "oncall": result.oncall,
    }
    return records[table]


def _report_tables(r: ToilReport) -> None:
    """The report for people: a headline and the weeks, then, when anything was logged,
    one table per question and the trend."""
    from basics.cli import output

    scope = r.person or (f"team {r.team}" if r.team else "everyone")
    first, end = (_local_day(moment, r.timezone) for moment in (r.start, r.end))
    output.say(
        f"Toil of {scope}{f' on {r.service}' if r.service else ''}, "
        f"{output.plural(len(r.weeks), 'ISO week')} from {first} to "
        f"{end - dt.timedelta(days=1)} ({r.timezone}):"
    )
    share = output.percent(r.total.share, 1)
    output.say(
        f"{fixed(r.total.hours, 1)} h, {share} of capacity ({r.capacity_hours_per_week:g} h a "
        f"week × {_measured(r)}); cap {r.cap_percent:g}%."
        if share
        else "no entries: no data (not zero toil).",
        indent="  ",
    )
    _weeks_table(r)
    if not r.entries:
        return
    _people_tables(r)
    for title, found in (("By category", r.categories), ("By service", r.services)):
        rows = [[_part_name(p, title == "By category"), fixed(p.hours, 1),
                 output.percent(p.share_of_toil, 0)] for p in found]  # fmt: skip
        output.emit_table(title, [title.split()[-1], "hours", "share of toil"], rows)
    _sources_tables(r)
    output.say(_trend_text(r))


def _measured(r: ToilReport) -> str:
    """The weeks the range's figures are over: those with entries (of how many)."""
    if r.weeks_with_entries == len(r.weeks):
        return str(len(r.weeks))
    return f"{r.weeks_with_entries} weeks with entries of {len(r.weeks)}"


def _part_name(part: Part, label_derived: bool) -> str:
    if part.name is None:
        return "(none)"
    return part.name + (" (derived from pages)" if part.derived and label_derived else "")


def _local_day(moment: dt.datetime, timezone: str) -> dt.date:
    """The calendar day of a naive UTC moment in a time zone."""
    import zoneinfo

    return moment.replace(tzinfo=dt.UTC).astimezone(zoneinfo.ZoneInfo(timezone)).date()


def _weeks_table(r: ToilReport) -> None:
    from basics.cli import output

    rows = [
        [w.week, fixed(w.total.hours, 1), f"{w.total.capacity_hours:g}",
         output.percent(w.total.share, 1) or "no data", fixed(w.oncall_hours, 1),
         "—" if w.change_hours is None else signed(w.change_hours, 1),
         " ".join(["OVER"] * (w.total.over_cap is True) + ["so far"] * (not w.complete))]
        for w in r.weeks
    ]  # fmt: skip
    header = ["week", "hours", "capacity", "share", "on-call", "change", "flag"]
    output.emit_table("Weeks", header, rows, drop=["change", "on-call", "capacity"])
    output.say(
        f"share: toil hours / capacity hours; OVER: above the {r.cap_percent:g}% cap; no data: "
        "nothing logged that week (not zero toil); so far: the week has not ended; on-call: "
        + ("hours derived from pages." if r.oncall_derived else "off (toil.oncall: false).")
    )


def _people_tables(r: ToilReport) -> None:
    from basics.cli import output
    from basics.toil.compute import weeks_over_cap

    over = weeks_over_cap(r.weeks)
    rows = [
        [p.name, fixed(p.hours, 1), fixed(p.hours / r.weeks_with_entries, 1),
         output.percent(p.share, 1) or "no data", over.get(p.name, 0)]
        for p in r.people
    ]  # fmt: skip
    output.emit_table("People", ["person", "hours", "h/week", "share", "weeks over cap"], rows)
    if r.teams:
        rows = [[t.name, fixed(t.hours, 1), f"{t.capacity_hours:g}",
                 output.percent(t.share, 1) or "no data"] for t in r.teams]  # fmt: skip
        output.emit_table("Teams", ["team", "hours", "capacity", "share"], rows)
    if r.oncall:
        rows = [[o.person, o.pages, fixed(o.engaged_hours, 1), fixed(o.night_hours, 1), o.nights]
                for o in r.oncall]  # fmt: skip
        header = ["person", "pages", "engaged h", "night h", "nights"]
        output.emit_table("On-call time from pages", header, rows)


def _sources_tables(r: ToilReport) -> None:
    from basics.cli import output

    rows = [[s.description or "—", s.category, s.service, fixed(s.hours, 1), s.entries]
            for s in r.sources]  # fmt: skip
    header = ["description", "category", "service", "hours", "entries"]
    # The service tells apart two sources of one description (an alert of two services).
    output.emit_table("Top sources", header, rows, drop=["entries", "category"])
    if not r.candidates:
        output.say("Automation candidates: none (no entry is marked automatable).")
        return
    rows = [[c.description or "—", c.category, c.service, fixed(c.hours_per_week, 2),
             fixed(c.hours, 1), c.entries] for c in r.candidates]  # fmt: skip
    header = ["description", "category", "service", "h/week saved", "hours", "entries"]
    output.emit_table("Automation candidates", header, rows, drop=["entries", "category"])
    weeks = output.plural(r.weeks_with_entries, "week")
    output.say(f"Entries marked automatable; h/week saved: their hours / the {weeks} with entries.")


def _trend_text(r: ToilReport) -> str:
    t = r.trend
    if t.direction == "no_data":
        return f"Trend: no data (it needs two complete weeks with entries; {t.weeks} here)."
    change = ""
    if t.change_ratio is not None:
        change = f" ({signed(t.change_ratio, 0, 2)}%)"
    # Two complete weeks with entries (not no_data): each half has its hours a week.
    assert t.first_half_hours_per_week is not None and t.second_half_hours_per_week is not None
    return (
        f"Trend: {fixed(t.first_half_hours_per_week, 1)} h a week in the first half of {t.weeks} "
        f"complete weeks with entries, {fixed(t.second_half_hours_per_week, 1)} in the second"
        f"{change}: {t.direction}."
    )
