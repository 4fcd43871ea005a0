"""The deploys page: DORA per service and overall with each figure's band, the deploys of the
range and a chart of deploys per week; and the deploy markers the SLO and alert charts draw.

The figures are `basics deploys dora --json`'s (the same service calls and record as
`/api/v1/deploys/dora`), the list is `basics deploys list`'s.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from basics.api.replies import hub, optional_moment
from basics.api.slo import From, To
from basics.core.clock import iso_utc
from basics.web import formats
from basics.web.render import api, render, timestamp, url

if TYPE_CHECKING:
    from basics.app import App
    from basics.deploys.models import Deploy

RECENT_DEPLOYS = 100
WEEK = dt.timedelta(days=7)

router = APIRouter(include_in_schema=False)

Services = Annotated[list[str] | None, Query(description="Services (repeatable).")]


@router.get("/deploys", response_class=HTMLResponse)
def deploys_page(
    request: Request,
    service: Services = None,
    team: str | None = None,
    environment: str | None = None,
    start: From = None,
    finish: To = None,
) -> HTMLResponse:
    """DORA per service and overall with bands, deploys per week, and the recent deploys."""
    from basics.deploys.bands import QUICK_CHECK_URL
    from basics.records import dora_record

    # The page's form sends empty fields for "any".
    service, team, environment = [s for s in service or [] if s], team or None, environment or None
    start, finish = start or None, finish or None
    hub(request).bring_links()  # counts the post-mortems' deploy links as they are now
    with hub(request).app() as app:
        chosen = app.deploys.chosen(service, team)
        begin, last, newest = app.deploys.report_range(optional_moment(app, start), finish)
        report = app.deploys.dora(begin, last, chosen, environment)
        found = _deploys(app, chosen, begin, last, report.environment)
        record = dora_record(report)
        rows = record["services"] + ([record["total"]] if len(record["services"]) != 1 else [])
        chart = {"zone": app.config.timezone} | weekly(found, begin, last, app.config.timezone)
        sources = {
            "DORA": api("/deploys/dora", service=service or None, team=team,
                        environment=environment, from_=begin, to=last),
        }  # fmt: skip
        names: list[str | None] = [*chosen] or [None]
        for name in names:
            sources[f"deploys of {name}" if name else "deploys"] = api(
                "/deploys", service=name, environment=report.environment, from_=begin, to=last
            )
        known = sorted({*app.config.services, *(d.service for d in report.services)})
        return render(
            request, app, "deploys.html", record=record, total=record["total"], rows=rows,
            deploys=found[::-1][:RECENT_DEPLOYS], count=len(found), newest=newest,
            begin=begin, last=last, window={"from_": iso_utc(begin), "to": iso_utc(last)},
            service=service, team=team, environment=environment, start=start,
            finish=finish, services=known, teams=_teams_owning(app), chart=chart,
            sources=sources, failing=failing, quick_check_url=QUICK_CHECK_URL,
        )  # fmt: skip


def summary(app: App, stop: dt.datetime) -> dict[str, Any]:
    """Every service's DORA over the default range up to `stop` (the overview's): the
    figures, the range and the API call."""
    from basics.records import dora_figures

    begin, last, _ = app.deploys.report_range(None, iso_utc(stop))
    report = app.deploys.dora(begin, last)
    return {
        "total": dora_figures(report.total),
        "from": begin,
        "to": last,
        "source": api("/deploys/dora", from_=begin, to=last),
    }


def _deploys(
    app: App, chosen: list[str], begin: dt.datetime, last: dt.datetime, environment: str
) -> list[Deploy]:
    """The deploys the report counted, oldest first: the chosen services' (any when none)."""
    one = chosen[0] if len(chosen) == 1 else None
    found = app.deploys.find(one, begin, last, environment)
    return [d for d in found if not chosen or d.service in chosen]


def _teams_owning(app: App) -> list[str]:
    """The teams that own a service: the others have no DORA to show."""
    return [t for t in app.config.teams if app.deploys.services_of_team(t)]


def failing(deploy: Deploy) -> bool:
    """A failed change as the change failure rate counts it: failed, rolled back, or linked
    to an incident."""
    return deploy.status != "succeeded" or bool(deploy.incidents)


def weekly(
    deploys: Sequence[Deploy], start: dt.datetime, stop: dt.datetime, zone: str
) -> dict[str, list[int]]:
    """Deploys and failed changes per week (Monday 00:00 in `zone`) over [start, stop): the
    weeks' starts in Unix seconds, the first and last weeks as far as the range reaches."""
    tz = zoneinfo.ZoneInfo(zone)

    def monday(moment: dt.datetime) -> dt.date:
        day = moment.replace(tzinfo=dt.UTC).astimezone(tz).date()
        return day - dt.timedelta(days=day.weekday())

    first = monday(start)
    weeks = (monday(stop - dt.timedelta(microseconds=1)) - first).days // 7 + 1
    all_deploys, failed = [0] * weeks, [0] * weeks
    for deploy in deploys:
        week = (monday(deploy.deployed_at) - first).days // 7
        all_deploys[week] += 1
        failed[week] += failing(deploy)
    starts = [
        int(dt.datetime.combine(first + i * WEEK, dt.time(), tz).timestamp()) for i in range(weeks)
    ]
    return {"t": starts, "deploys": all_deploys, "failed": failed}


def deploy_marks(
    app: App, service: str, start: dt.datetime, stop: dt.datetime
) -> tuple[list[Deploy], list[dict[str, Any]]]:
    """The deploys of a service over [start, stop) in the environment DORA counts, and the
    markers a time chart draws for them (each linking to the deploys page)."""
    found = app.deploys.find(service, start, stop, app.config.deploys.environment)
    link = marks_link(service, start, stop)
    return found, [_mark(d, link, app.config.timezone) for d in found]


def marks_link(service: str, start: dt.datetime, stop: dt.datetime) -> str:
    """The deploys page of a service over a chart's range."""
    return url("/deploys", service=service, from_=iso_utc(start), to=iso_utc(stop))


def _mark(deploy: Deploy, link: str, zone: str) -> dict[str, Any]:
    """A deploy's marker; its tooltip's time in `zone`, the UTC instant beside it."""
    what = deploy.version or (deploy.commit or "")[:10] or f"deploy {deploy.id}"
    label = f"{deploy.service} {what} · {deploy.status}"
    if deploy.incidents:
        label += " · incident " + ", ".join(f"#{i}" for i in deploy.incidents)
    return {
        "id": deploy.id,
        "t": timestamp(deploy.deployed_at),
        "version": deploy.version,
        "status": deploy.status,
        "linked": bool(deploy.incidents),
        "label": f"{label} · {formats.local_text(deploy.deployed_at, zone)}",
        "href": link,
    }
