"""The on-call page and the overview's on-call tiles: `basics oncall report` over the range
the CLI and `/api/v1/oncall/report` take (`app.oncall.report_range`: `to` a time, `now` or
`latest`, the newest page; by default `checks.oncall_window` up to `reports.end`), and why
a range counts no page, as the CLI says it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from basics.api.replies import hub, optional_moment
from basics.api.slo import From, To
from basics.core.clock import iso_utc
from basics.core.errors import InputError
from basics.records import plain
from basics.web.heatmap import WEEKDAYS, hour_by_weekday
from basics.web.render import api, render, timestamp

if TYPE_CHECKING:
    from basics.app import App
    from basics.oncall.report import OncallReport

OVERVIEW_DAYS = 7

router = APIRouter(include_in_schema=False)


@router.get("/oncall", response_class=HTMLResponse)
def oncall_page(
    request: Request,
    start: From = None,
    finish: To = None,
    team: str | None = None,
    person: str | None = None,
) -> HTMLResponse:
    """Interruptions by hour and weekday, pages per shift, concentration, noisy alerts."""
    # The page's form sends empty fields for "any" and "the default".
    start, finish, team, person = start or None, finish or None, team or None, person or None
    with hub(request).app() as app:
        begin, stop, newest = app.oncall.report_range(optional_moment(app, start), finish)
        report = app.oncall.report(begin, stop, team, person)
        people = None
        if person is not None:
            people = {person}
        elif team is not None:
            people = set(app.config.teams[team].members)
        pages = app.oncall.with_responders(app.oncall.pages(begin, stop))
        grid = hour_by_weekday(pages, app.oncall.zone_of, people)
        chart = {
            "zone": app.config.timezone,
            "shifts": [
                {
                    "t": timestamp(s.start + (s.end - s.start) / 2),
                    "pages": s.pages,
                    "limit": float(s.limit),
                    "person": s.person,
                }
                for s in report.shifts
            ],
        }
        sources = {
            "on-call report": api("/oncall/report", from_=begin, to=stop, team=team,
                                   person=person),
            "pages (for the heatmap)": api("/pages", from_=begin, to=stop),
        }  # fmt: skip
        return render(
            request, app, "oncall.html", report=plain(report), shifts=report.shifts, grid=grid,
            weekdays=WEEKDAYS, peak=max((max(row) for row in grid), default=0), chart=chart,
            sources=sources, begin=begin, stop=stop, newest=newest, team=team, person=person,
            teams=list(app.config.teams), start=start, finish=finish,
            note=no_pages_note(app, report, len(pages)),
            imported=newest_page(app) is not None,
        )  # fmt: skip


def summary(app: App, at: str | None, stop: dt.datetime) -> dict[str, Any]:
    """The overview's on-call load: the 7 days up to the end the on-call report takes for
    `at` (`latest`: the newest page), or up to the overview's `stop` while no page is
    imported (no `latest` to stand for)."""
    imported = newest_page(app) is not None
    last = app.oncall.report_range(None, at)[1] if imported else stop
    begin = last - dt.timedelta(days=OVERVIEW_DAYS)
    report = app.oncall.report(begin, last)
    return {
        "report": plain(report),
        "from": begin,
        "to": last,
        "imported": imported,
        "note": no_pages_note(app, report, report.pages),
        "source": api("/oncall/report", from_=begin, to=last),
    }


def newest_page(app: App) -> dt.datetime | None:
    """When the newest page was created; None when no page is imported."""
    try:
        return app.oncall.report_range(None, "latest")[2]
    except InputError:  # `latest` stands for no page: none is imported
        return None


def no_pages_note(app: App, report: OncallReport, in_range: int) -> str | None:
    """Why a report counts no page, as `basics oncall report` says it: a team without
    members, pages all of others (`in_range` pages of anyone), or none in the range (and
    when the newest is, or that none is imported yet). None when it counts some."""
    if report.pages:
        return None
    team, person = report.team, report.person
    whose = f" for team {team}" if team else f" for {person}" if person else ""
    if team is not None and not app.config.teams[team].members:
        return (
            f"No pages for team {team}: it lists no members, so whose pages to count "
            f"basics.yaml does not say (list them under teams: {team}: members:)."
        )
    if whose and in_range:
        return f"No pages{whose} in this range; {in_range} page{'s' * (in_range != 1)} of others."
    newest = newest_page(app)
    if newest is None:
        return (
            f"No pages{whose} in this range: none are imported yet "
            "(basics ingest pages FILE --format ...)."
        )
    return f"No pages{whose} in this range; the newest page is at {iso_utc(newest)}."
