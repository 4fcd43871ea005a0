"""`/api/v1/slo/...`: the reports of `basics slo`, with the fields of their --json."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from basics.api.replies import end, hub, moment, optional_moment, reply, statuses
from basics.records import status_record

router = APIRouter(prefix="/slo", tags=["slo"])

At = Annotated[str | None, Query(description="Window end: a time, `now` or `latest`.")]
From = Annotated[str | None, Query(alias="from", description="Range start (ISO 8601).")]
To = Annotated[str | None, Query(alias="to", description="Range end: a time, now or latest.")]
Start = Annotated[str, Query(alias="from", description="Range start (ISO 8601).")]
Finish = Annotated[str, Query(alias="to", description="Range end (ISO 8601).")]


@router.get("/status")
def status(request: Request, at: At = None) -> Response:
    """`basics slo status --json`: every SLO's SLI, budget, burn rates and status."""
    with hub(request).app() as app:
        return reply(request, [status_record(r) for r in statuses(request, app, end(app, at))])


@router.get("/breakdown/{service}/{slo}")
def breakdown(
    request: Request,
    service: str,
    slo: str,
    by: Annotated[str, Query(description="user, operation, status, attrs.<name>, or auto.")],
    top: Annotated[int, Query(ge=1, le=1000)] = 10,
    start: From = None,
    finish: To = None,
) -> Response:
    """`basics slo breakdown SLO --by … --json`: where the bad events fall."""
    with hub(request).app() as app:
        name, begin, last = f"{service}/{slo}", optional_moment(app, start), end(app, finish)
        if by == "auto":
            return reply(request, app.slo.breakdown_auto(name, begin, last, top=min(top, 3)))
        return reply(request, app.slo.breakdown(name, by, begin, last, top))


@router.get("/cost/{service}/{slo}")
def cost(request: Request, service: str, slo: str, start: Start, finish: Finish) -> Response:
    """`basics slo cost SLO --from … --to … --json`: an interval's share of the budget."""
    with hub(request).app() as app:
        result = app.slo.cost(f"{service}/{slo}", moment(app, start), moment(app, finish))
        return reply(request, result)


@router.get("/history/{service}/{slo}")
def history(
    request: Request,
    service: str,
    slo: str,
    by: Literal["day", "week", "month"] = "day",
    start: From = None,
    finish: To = None,
) -> Response:
    """`basics slo history SLO --json`: compliance per day, week or month."""
    with hub(request).app() as app:
        name, begin = f"{service}/{slo}", optional_moment(app, start)
        return reply(request, app.slo.history(name, by, begin, end(app, finish)))


@router.get("/percentiles/{service}")
def percentiles(
    request: Request,
    service: str,
    start: Start,
    finish: Finish,
    by: Literal["service", "operation"] = "service",
    exact: bool = False,
) -> Response:
    """`basics slo percentiles SERVICE --json`: p50, p90, p95 and p99 of duration_ms."""
    with hub(request).app() as app:
        begin, last = moment(app, start), moment(app, finish)
        return reply(request, app.slo.percentiles(service, by, begin, last, exact))
