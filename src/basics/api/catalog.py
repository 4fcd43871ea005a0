"""`/api/v1/check`: the scorecard with the fields of `basics check --json` (a read: the
day's snapshot is kept by the CLI's runs, not by requests), and its history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from basics.api.replies import end, hub, reply

router = APIRouter(tags=["scorecard"])

Services = Annotated[list[str] | None, Query(description="Services (repeatable).")]


@router.get("/check")
def check(request: Request, service: Services = None, at: str | None = None) -> Response:
    """`basics check --json`: every basic of every service, judged."""
    with hub(request).app() as app:
        return reply(request, app.catalog.check(end(app, at), service or [], keep=False))


@router.get("/check/history")
def history(
    request: Request, service: Services = None, weeks: Annotated[int, Query(ge=1)] = 12
) -> Response:
    """`basics check --history --json`: the scorecard week by week."""
    with hub(request).app() as app:
        return reply(request, app.catalog.history(service or [], weeks))
