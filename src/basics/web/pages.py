"""The dashboard's pages (overview, SLO, alerts, post-mortems; on-call, deploys, toil, the
scorecard and the weekly review in their own modules): each calls the services the API
calls, renders a template, and names the API calls it was drawn from (datasette's .json
twin).

Every page's state is in its query string (`at`, `from`, `to`, `policy`, `by`, …), so a
URL can be shared; times are shown in the configured zone with UTC on hover.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from basics.api import replies as kept
from basics.api.replies import end, hub, moment
from basics.api.slo import From, To
from basics.core.clock import iso_utc
from basics.core.errors import InputError
from basics.records import plain, replay_record, status_record
from basics.web import (
    check_pages,
    deploys_pages,
    errors,
    oncall_pages,
    review_pages,
    series,
    toil_pages,
)
from basics.web.deploys_pages import deploy_marks, failing, marks_link
from basics.web.render import API, api, render, slo_path, span, timestamp, utc

if TYPE_CHECKING:
    from basics.app import App

STATIC = Path(__file__).parent / "static"
RECENT_INCIDENTS = 8
STEPS_S = (300, 900, 3600, 3 * 3600, 6 * 3600, 86400)
MAX_POINTS = 1000
BREAKDOWNS = ("auto", "user", "operation")

router = APIRouter(include_in_schema=False)

At = Annotated[str | None, Query(description="Window end: a time, `now` or `latest`.")]


def install(app: FastAPI) -> None:
    """The dashboard's pages, the series API its charts read, its static files, and its
    error pages (after the API's handlers, which they wrap: `errors`)."""
    app.include_router(router)
    app.include_router(oncall_pages.router)
    app.include_router(deploys_pages.router)
    app.include_router(toil_pages.router)
    app.include_router(check_pages.router)
    app.include_router(review_pages.router)
    app.include_router(series.router, prefix=API)
    app.mount("/static", StaticFiles(directory=STATIC), name="web-static")
    errors.install(app)


def _step_s(start: dt.datetime, stop: dt.datetime) -> int:
    """The shortest step that draws the range in at most MAX_POINTS points."""
    span_s = (stop - start).total_seconds()
    return next((s for s in STEPS_S if span_s / s <= MAX_POINTS), STEPS_S[-1])


# -- overview ---------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, at: At = None) -> HTMLResponse:
    """Every SLO's status, burn-rate sparkline and firing tiers; on-call load; incidents;
    the change failure rate and the toil share up to then."""
    from basics.alerting.incidents import list_incidents

    server = hub(request)
    server.bring_links()  # counts the post-mortems' deploy links as they are now
    with server.app() as app:
        stop = end(app, at)
        week = stop - dt.timedelta(days=7)
        found, evaluations, sparks, oncall, incidents, delivery, toil = server.gather(
            lambda a: kept.statuses(request, a, stop),
            lambda a: kept.evaluations(request, a, stop),
            lambda a: kept.series(request, a, a.config.slo_names(), week, stop, 3600),
            lambda a: oncall_pages.summary(a, at, stop),
            lambda a: list_incidents(a.store, end=stop)[-RECENT_INCIDENTS:][::-1],
            lambda a: deploys_pages.summary(a, stop),
            lambda a: toil_pages.summary(a, at, stop),
        )
        statuses = [status_record(s) for s in found]
        firing = {e.slo: [t for t in e.tiers if t.state == "firing"] for e in evaluations}
        unsupported = {e.slo: e.note for e in evaluations if e.note and not e.tiers}
        chart = {
            "t": [int(s.timestamp()) for s in utc(sparks[0].starts)] if sparks else [],
            "burn": {s.slo: s.burn_rate for s in sparks},
        }
        sources = {
            "SLO status": api("/slo/status", at=stop),
            "firing tiers": api("/alerts/evaluate", at=stop),
            "burn rate per hour": api("/slo/series", from_=week, to=stop, step=3600),
            "on-call load": oncall["source"],
            "incidents": api("/incidents"),
            "DORA": delivery["source"],
        } | toil_pages.sources(None, None, None, toil)
        return render(
            request, app, "overview.html", at=stop, week=week, statuses=statuses,
            firing=firing, unsupported=unsupported, chart=chart, oncall=oncall,
            report=oncall["report"], incidents=incidents, delivery=delivery, toil=toil,
            toil_days=toil_pages.days(toil), sources=sources, slo_path=slo_path,
        )  # fmt: skip


# -- SLO --------------------------------------------------------------------------------


@router.get("/slo/{service}/{slo}", response_class=HTMLResponse)
def slo_page(
    request: Request,
    service: str,
    slo: str,
    at: At = None,
    start: From = None,
    finish: To = None,
    by: str = "auto",
    value: str | None = None,
    policy: str | None = None,
) -> HTMLResponse:
    """Budget burn-down, SLI and burn rate over the window with incidents and firings; the
    cost and breakdown of a selected interval (`from`, `to`) are fetched by the page."""
    from basics.alerting.incidents import list_incidents

    name = f"{service}/{slo}"
    hub(request).bring_links()  # counts the post-mortems' deploy links as they are now
    with hub(request).app() as app:
        app.slo.slo(name)  # an unknown SLO is a 404 before any work
        stop = end(app, at)
        (status,) = [s for s in kept.statuses(request, app, stop) if s.slo == name]
        window_start = status.window_start
        step = _step_s(window_start, stop)
        (found,) = kept.series(request, app, [name], window_start, stop, step)
        # An SLO alerting cannot read yet (timeslices over 1m) still has its SLI, budget and
        # charts; the note takes the firings' place, as `alerts evaluate` gives it.
        alerting_note = app.alerting.unsupported([name]).get(name)
        replay = None if alerting_note else app.alerting.replay(name, window_start, stop, policy)
        firings = replay.firings if replay else []
        incidents = list_incidents(app.store, service, window_start, stop)
        deploys, marks = deploy_marks(app, service, window_start, stop)
        selection = _selection(app, start, finish)
        chart = {
            "slo": name,
            "zone": app.config.timezone,
            "t": [int(s.timestamp()) for s in utc(found.starts)],
            "end": timestamp(stop),
            "step_s": step,
            "objective": float(found.objective) / 100,
            "sli": found.sli,
            "burn_rate": found.burn_rate,
            "budget_remaining": found.budget_remaining,
            "incidents": [span(i.start, i.end, i.title) for i in incidents],
            "firings": [
                span(f.start, f.reset or stop, f"{f.tier} {f.severity}") for f in firings
            ],
            "deploys": marks,
            "api": {"cost": f"{API}/slo/cost/{slo_path(name)}",
                    "breakdown": f"{API}/slo/breakdown/{slo_path(name)}"},
            "selection": selection,
            "by": by if by in BREAKDOWNS else "auto",
            "value": value,
        }  # fmt: skip
        sources = {
            "status": api("/slo/status", at=stop),
            "series": api(f"/slo/series/{slo_path(name)}", from_=window_start, to=stop, step=step),
            **(
                {"alerting": api("/alerts/evaluate", at=stop)}  # its note: not supported yet
                if alerting_note
                else {"firings": api(f"/alerts/replay/{slo_path(name)}",
                                     from_=window_start, to=stop, policy=policy)}
            ),
            "incidents": api("/incidents", service=service),
            "deploys": api("/deploys", service=service,
                           environment=app.config.deploys.environment, from_=window_start, to=stop),
        }  # fmt: skip
        if selection:
            sources |= {
                "cost of the selection": api(
                    f"/slo/cost/{slo_path(name)}", from_=selection["from"], to=selection["to"]
                ),
                "breakdown of the selection": api(
                    f"/slo/breakdown/{slo_path(name)}",
                    by=chart["by"], from_=selection["from"], to=selection["to"],
                ),
            }  # fmt: skip
        return render(
            request, app, "slo.html", name=name, service=service, status=status_record(status),
            at=stop, window_start=window_start, step=step, replay=replay, incidents=incidents,
            deploys=deploys, deploys_link=marks_link(service, window_start, stop), chart=chart,
            sources=sources, slo_path=slo_path, failing=failing, alerting_note=alerting_note,
            policy=replay.policy if replay else policy or app.config.policy_of(service, slo),
        )  # fmt: skip


def _selection(app: App, start: str | None, finish: str | None) -> dict[str, str] | None:
    """The selected interval from the URL, as UTC times; refused when half given."""
    if start is None and finish is None:
        return None
    if start is None or finish is None:
        raise InputError("a selection needs both from and to")
    begin, last = moment(app, start), moment(app, finish)
    if begin >= last:
        raise InputError(f"from ({iso_utc(begin)}) must be before to ({iso_utc(last)})")
    return {"from": str(iso_utc(begin)), "to": str(iso_utc(last))}


# -- alerts -----------------------------------------------------------------------------


@router.get("/alerts/{service}/{slo}", response_class=HTMLResponse)
def alerts_page(
    request: Request,
    service: str,
    slo: str,
    start: From = None,
    finish: To = None,
    policy: str | None = None,
    compare: str | None = None,
) -> HTMLResponse:
    """A policy's replay against incidents as a timeline, and policies compared."""
    from basics.config.alerting import BUILTIN_POLICIES

    name = f"{service}/{slo}"
    hub(request).bring_links()  # counts the post-mortems' deploy links as they are now
    with hub(request).app() as app:
        _, _, slo_config = app.slo.slo(name)
        stop = end(app, finish)
        if start is None:
            from basics.core.windows import slo_window

            begin = slo_window(slo_config.window, stop, app.config.timezone).start
        else:
            begin = moment(app, start)
        note = app.alerting.unsupported([name]).get(name)
        if note is not None:  # as `alerts evaluate` gives it (state unsupported), not an error
            return render(
                request, app, "alerts_unsupported.html", name=name, note=note, begin=begin,
                stop=stop, slo_path=slo_path,
                sources={"alerting": api("/alerts/evaluate", at=stop)},
            )  # fmt: skip
        known = list(dict.fromkeys([*BUILTIN_POLICIES, *app.config.alerting.policies]))
        names = [n.strip() for n in (compare or ",".join(known)).split(",") if n.strip()]
        replay = app.alerting.replay(name, begin, stop, policy)
        compared = [
            replay if n == replay.policy else app.alerting.replay(name, begin, stop, n)
            for n in names
        ]
        chart = {
            "zone": app.config.timezone,
            "from": timestamp(begin),
            "to": timestamp(stop),
            "lanes": _lanes(replay, stop),
            "deploys": deploy_marks(app, service, begin, stop)[1],
        }
        sources = {
            "replay": api(f"/alerts/replay/{slo_path(name)}", from_=begin, to=stop,
                          policy=replay.policy),
            "compare": api(f"/alerts/compare/{slo_path(name)}", policies=",".join(names),
                           from_=begin, to=stop),
            "deploys": api("/deploys", service=service,
                           environment=app.config.deploys.environment, from_=begin, to=stop),
        }  # fmt: skip
        delays = replay.detection_delay_s.per_incident
        return render(
            request, app, "alerts.html", name=name, service=service, replay=replay,
            record=replay_record(replay), compared=[replay_record(r) for r in compared],
            known=known, names=names, begin=begin, stop=stop, chart=chart, sources=sources,
            delays=delays, slo_path=slo_path, start=start, finish=finish,
        )  # fmt: skip


def _lanes(replay: Any, stop: dt.datetime) -> list[dict[str, Any]]:
    """Timeline rows: incidents first, then each tier's firings."""
    lanes = [{"label": "incidents", "kind": "incident",
              "spans": [span(i.start, i.end, i.title) for i in replay.incidents]}]  # fmt: skip
    tiers: dict[str, list[dict[str, Any]]] = {}
    for firing in replay.firings:
        kind = "false" if firing.incident is None else "caught"
        drawn = span(firing.start, firing.reset or stop, f"{firing.tier} {firing.severity}")
        tiers.setdefault(f"{firing.tier} ({firing.severity})", []).append(drawn | {"kind": kind})
    lanes += [{"label": label, "kind": "firing", "spans": spans} for label, spans in tiers.items()]
    return lanes


# -- post-mortems -----------------------------------------------------------------------


@router.get("/postmortems", response_class=HTMLResponse)
def postmortems_page(request: Request, since: str | None = None) -> HTMLResponse:
    """Themes with their citations, the basics the post-mortems point at, their durations,
    and the list."""
    from basics.api.postmortems import library
    from basics.postmortems.compute import durations
    from basics.postmortems.service import since_date
    from basics.records import postmortem_row, theme_record

    read = library(request)
    with hub(request).app() as app:
        day = since_date(since)
        chosen = [pm for pm in read.postmortems if day is None or (pm.date and pm.date >= day)]
        themes = [theme_record(t) for t in app.postmortems.themes(day, read)]
        basics = plain(app.postmortems.basics(day, read))
        sources = {
            "themes": api("/postmortems/themes", since=since),
            "basics": api("/postmortems/basics", since=since),
            "durations": api("/postmortems/durations"),
            "post-mortems": api("/postmortems"),
        }
        return render(
            request, app, "postmortems.html", themes=themes, basics=basics,
            durations=plain(durations(chosen)), rows=[postmortem_row(pm) for pm in chosen],
            skipped=read.skipped, since=since, folder=read.folder, chart={}, sources=sources,
        )  # fmt: skip
