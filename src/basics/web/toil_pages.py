"""The toil page: what `basics toil report` shows — hours per ISO week against capacity and
the cap, over-cap weeks, hours by category (on-call time derived from pages labelled as
such), person, team and service, the top sources, automation candidates and the trend —
from the same call (`app.toil.report`)."""

from __future__ import annotations

import datetime as dt
import shlex
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from basics.api.replies import hub, optional_moment
from basics.api.slo import From, To
from basics.core.errors import InputError
from basics.toil.compute import weeks_over_cap
from basics.web import formats
from basics.web.render import api, render, timestamp

if TYPE_CHECKING:
    from basics.app import App
    from basics.toil.report import ToilReport

router = APIRouter(include_in_schema=False)


@router.get("/toil", response_class=HTMLResponse)
def toil_page(
    request: Request,
    team: str | None = None,
    person: str | None = None,
    service: str | None = None,
    start: From = None,
    finish: To = None,
) -> HTMLResponse:
    """Toil per ISO week against the cap; by category, person, team and service; the top
    sources and the automation candidates."""
    # The page's form sends empty fields for "any".
    team, person, service = team or None, person or None, service or None
    start, finish = start or None, finish or None
    with hub(request).app() as app:
        # The end by the CLI's rule: a time, `now`, `latest` (the newest toil logged or
        # paged), or without `to`, `reports.end`.
        last, latest = app.toil.report_end(finish)
        report = app.toil.report(optional_moment(app, start), last, team, person, service)
        newest = app.toil.newest_day() if report.note else None
        return render(
            request, app, "toil.html", report=report, newest=newest, latest=latest,
            chart=weekly_chart(report),
            over=weeks_over_cap(report.weeks), sources=sources(team, person, service, report),
            commands={"toil report": command(team, person, service, report)},
            team=team, person=person, service=service, start=start, finish=finish,
            days=days(report), teams=list(app.config.teams), people=list(app.config.people),
        )  # fmt: skip


def summary(app: App, at: str | None, stop: dt.datetime) -> ToilReport:
    """Everyone's toil over the default weeks up to the end the toil report takes for `at`
    (`latest`: the newest toil), or up to the overview's `stop` while none is logged or
    paged (no `latest` to stand for)."""
    try:
        last, _ = app.toil.report_end(at)
    except InputError:  # `latest` stands for no toil
        last = stop
    return app.toil.report(None, last)


def sources(
    team: str | None, person: str | None, service: str | None, report: ToilReport
) -> dict[str, str]:
    """The report's JSON twin (`/api/v1/toil/report`) over the report's whole weeks."""
    whole = {"team": team, "person": person, "service": service}
    return {"toil report": api("/toil/report", **whole, from_=report.start, to=report.end)}


def weekly_chart(report: ToilReport) -> dict[str, Any]:
    """Hours per week (None for a week without entries: no data, not zero), split at the
    cap, the on-call part, and the cap in hours of each week's capacity."""
    weeks = report.weeks
    hours = [w.total.hours if w.total.entries else None for w in weeks]
    return {
        "t": [timestamp(w.start) for w in weeks],
        "weeks": [w.week for w in weeks],
        "within": [h if not w.total.over_cap else None for h, w in zip(hours, weeks, strict=True)],
        "over": [h if w.total.over_cap else None for h, w in zip(hours, weeks, strict=True)],
        "oncall": [w.oncall_hours if w.total.entries else None for w in weeks],
        "cap": [report.cap * w.total.capacity_hours for w in weeks],
        "cap_percent": report.cap_percent,
    }


def command(team: str | None, person: str | None, service: str | None, report: ToilReport) -> str:
    """The CLI command that prints this page's report as JSON."""
    words = ["basics", "toil", "report"]
    for option, value in (("--team", team), ("--person", person), ("--service", service)):
        if value is not None:
            words += [option, value]
    first, end = days(report)
    words += ["--from", first.isoformat(), "--to", end.isoformat(), "--json"]
    return shlex.join(words)


def days(report: ToilReport) -> tuple[dt.date, dt.date]:
    """The report's first day and the day after its last, in its zone."""
    return (
        formats.local(report.start, report.timezone).date(),
        formats.local(report.end, report.timezone).date(),
    )
