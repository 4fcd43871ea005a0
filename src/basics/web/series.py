"""`/api/v1/slo/series`: the per-step series the dashboard's charts draw, from the rollups."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from basics.api.replies import end, hub, optional_moment, reply, series
from basics.api.slo import From, To
from basics.records import series_record

router = APIRouter(prefix="/slo/series", tags=["slo"])

Step = Annotated[int, Query(ge=60, description="Step in seconds, whole minutes (3600: hourly).")]


@router.get("")
def every_series(
    request: Request, start: From = None, finish: To = None, step: Step = 3600
) -> Response:
    """Every SLO's good and total per step over [from, to) (each SLO's window by default),
    with SLI, burn rate and its window's budget left after each step."""
    with hub(request).app() as app:
        begin, last = optional_moment(app, start), end(app, finish)
        found = series(request, app, app.config.slo_names(), begin, last, step)
        return reply(request, [series_record(s) for s in found])


@router.get("/{service}/{slo}")
def one_series(
    request: Request, service: str, slo: str, start: From = None, finish: To = None,
    step: Step = 3600,
) -> Response:  # fmt: skip
    """One SLO's good and total per step over [from, to) (its window by default), with SLI,
    burn rate and the window's budget left after each step."""
    with hub(request).app() as app:
        begin, last = optional_moment(app, start), end(app, finish)
        (found,) = series(request, app, [f"{service}/{slo}"], begin, last, step)
        return reply(request, series_record(found))
